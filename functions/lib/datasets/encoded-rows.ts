import type { Column, ColumnType } from './declaration.ts';

// Rows as columns of numbers, the form in which they are handed to DuckDB's Parquet writer and passed
// between threads. Only numbers cross into DuckDB (a typed-array copy per chunk): every string or
// timestamp value would otherwise be a native call or a BigInt. Text travels as one constant or as
// codes into a dictionary; timestamps, doubles and integers as numbers (timestamps in epoch ms).
// Typed arrays move between worker threads without a copy, where row objects cost more to clone
// than to parse again.

export type EncodedColumn =
  /** text all alike, or no value at all (in a column of any type) */
  | { readonly kind: 'constant'; readonly value: string | null }
  /** text as 1-based codes into the dictionary; 0 is null */
  | { readonly kind: 'codes'; readonly dictionary: readonly string[]; readonly codes: Int32Array }
  /** double, integer and timestamp (epoch ms) values; `nulls[i] = 1` where row i has none */
  | { readonly kind: 'numbers'; readonly values: Float64Array; readonly nulls: Uint8Array | null }
  /** anything else, value by value: text with too many values or a NUL character (which no SQL literal can hold), bigint, boolean, date */
  | { readonly kind: 'values'; readonly values: readonly unknown[] };

export interface EncodedRows {
  readonly count: number;
  /** one per column encoded, by name */
  readonly columns: Readonly<Record<string, EncodedColumn>>;
}

export type EncodedColumnSpec = Pick<Column, 'name' | 'type'>;

/** a text column travels as codes into a dictionary (a list literal in the SQL) while it stays this small */
export const DICTIONARY_MAX_VALUES = 4096;
export const DICTIONARY_MAX_CHARS = 256 * 1024;

const NUMBER_TYPES: ReadonlySet<ColumnType> = new Set(['double', 'integer', 'timestamp']);

export function encodeRows(columns: readonly EncodedColumnSpec[], rows: readonly Record<string, unknown>[]): EncodedRows {
  return new RowEncoder(columns).add(rows).finish();
}

/**
 * Encodes rows a batch at a time, so that the rows themselves need not be kept: a large input is
 * checked and encoded a chunk at a time, and its row objects die young.
 */
export class RowEncoder {
  private count = 0;
  private readonly builders: ColumnBuilder[];

  constructor(private readonly columns: readonly EncodedColumnSpec[]) {
    this.builders = columns.map((c) => (c.type === 'string' ? new TextBuilder(c.name) : NUMBER_TYPES.has(c.type) ? new NumberBuilder(c.name) : new ValueBuilder(c.name)));
  }

  add(rows: readonly Record<string, unknown>[]): this {
    for (const b of this.builders) b.add(rows, this.count);
    this.count += rows.length;
    return this;
  }

  finish(): EncodedRows {
    const out: Record<string, EncodedColumn> = {};
    for (const [i, c] of this.columns.entries()) out[c.name] = this.builders[i]!.finish(this.count);
    return { count: this.count, columns: out };
  }
}

interface ColumnBuilder {
  /** appends the rows' values; `at` is the number of rows before them */
  add(rows: readonly Record<string, unknown>[], at: number): void;
  finish(count: number): EncodedColumn;
}

/** a typed array with room for at least `needed` items, the items so far kept */
function grown<T extends Float64Array | Int32Array | Uint8Array>(array: T, needed: number): T {
  if (needed <= array.length) return array;
  const bigger = new (array.constructor as new (n: number) => T)(Math.max(needed, 2 * array.length, 1024));
  bigger.set(array);
  return bigger;
}

class NumberBuilder implements ColumnBuilder {
  private values = new Float64Array(0);
  private nulls: Uint8Array | null = null;
  constructor(private readonly name: string) {}

  add(rows: readonly Record<string, unknown>[], at: number): void {
    const name = this.name;
    const values = (this.values = grown(this.values, at + rows.length));
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i]![name];
      if (v === null || v === undefined) (this.nulls = grown(this.nulls ?? new Uint8Array(0), values.length))[at + i] = 1;
      else values[at + i] = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Number(v);
    }
  }

  finish(count: number): EncodedColumn {
    const nulls = this.nulls ? grown(this.nulls, count).subarray(0, count) : null;
    // no value at all (a measurand a source never sends): nothing to load
    if (count > 0 && nulls && !nulls.includes(0)) return { kind: 'constant', value: null };
    return { kind: 'numbers', values: this.values.subarray(0, count), nulls };
  }
}

class TextBuilder implements ColumnBuilder {
  private readonly dictionary = new Map<string, number>();
  private codes = new Int32Array(0); // 0: null
  private chars = 0;
  private lastText: string | undefined;
  private lastCode = 0;
  /** set once the column has too many values for a dictionary (or a NUL character): then kept value by value */
  private values: (string | null)[] | null = null;
  constructor(private readonly name: string) {}

  add(rows: readonly Record<string, unknown>[], at: number): void {
    const name = this.name;
    if (this.values) {
      for (const row of rows) this.values.push(text(row[name]));
      return;
    }
    const codes = (this.codes = grown(this.codes, at + rows.length));
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i]![name];
      if (v === null || v === undefined) {
        codes[at + i] = 0;
        continue;
      }
      const t = typeof v === 'string' ? v : nonStringText(v);
      // runs of one value (a constant column, a day) skip the lookup
      if (t === this.lastText) {
        codes[at + i] = this.lastCode;
        continue;
      }
      let code = this.dictionary.get(t);
      if (code === undefined) {
        this.chars += t.length;
        if (this.dictionary.size === DICTIONARY_MAX_VALUES || this.chars > DICTIONARY_MAX_CHARS || t.includes('\u0000')) {
          this.toValues(at + i);
          for (let k = i; k < rows.length; k++) this.values!.push(text(rows[k]![name]));
          return;
        }
        this.dictionary.set(t, (code = this.dictionary.size + 1));
      }
      codes[at + i] = code;
      this.lastText = t;
      this.lastCode = code;
    }
  }

  private toValues(count: number): void {
    const dictionary = [...this.dictionary.keys()];
    this.values = Array.from(this.codes.subarray(0, count), (c) => (c ? dictionary[c - 1]! : null));
  }

  finish(count: number): EncodedColumn {
    if (this.values) return { kind: 'values', values: this.values };
    return textColumn([...this.dictionary.keys()], grown(this.codes, count).subarray(0, count));
  }
}

class ValueBuilder implements ColumnBuilder {
  private readonly values: unknown[] = [];
  constructor(private readonly name: string) {}

  add(rows: readonly Record<string, unknown>[]): void {
    for (const row of rows) this.values.push(row[this.name] ?? null);
  }

  finish(): EncodedColumn {
    return { kind: 'values', values: this.values };
  }
}

const text = (v: unknown): string | null => (v === null || v === undefined ? null : typeof v === 'string' ? v : nonStringText(v));

/** the text of a value that is not a string in a string column: a primitive printed, an object as JSON */
function nonStringText(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return v.toString();
  return JSON.stringify(v) ?? typeof v;
}

/** codes with their dictionary, or a constant where one value (or none) covers every row */
function textColumn(dictionary: string[], codes: Int32Array): EncodedColumn {
  if (dictionary.length === 0) return { kind: 'constant', value: null };
  if (dictionary.length === 1 && !codes.includes(0)) return { kind: 'constant', value: dictionary[0]! };
  return { kind: 'codes', dictionary, codes };
}

/** the value of row i of a column, as a row object holds it (timestamps as epoch ms) */
export function valueAt(column: EncodedColumn, i: number): unknown {
  switch (column.kind) {
    case 'constant':
      return column.value;
    case 'codes':
      return column.codes[i] ? column.dictionary[column.codes[i] - 1] : null;
    case 'numbers':
      return column.nulls?.[i] ? null : column.values[i];
    case 'values':
      return column.values[i];
  }
}

/** the parts' rows one after the other: the same columns as encoding all the rows at once */
export function concatEncoded(columns: readonly EncodedColumnSpec[], parts: readonly EncodedRows[]): EncodedRows {
  const filled = parts.filter((p) => p.count > 0);
  if (filled.length === 1) return filled[0]!;
  const count = filled.reduce((n, p) => n + p.count, 0);
  const out: Record<string, EncodedColumn> = {};
  for (const c of columns) {
    const pieces = filled.map((p) => ({ count: p.count, column: p.columns[c.name] ?? missing(c.name) }));
    out[c.name] = c.type === 'string' ? concatText(pieces, count) : concatOther(pieces, count);
  }
  return { count, columns: out };
}

function missing(name: string): never {
  throw new Error(`encoded rows: no column ${name}`);
}

type Piece = { readonly count: number; readonly column: EncodedColumn };

function concatText(pieces: readonly Piece[], count: number): EncodedColumn {
  const first = pieces[0]?.column;
  if (first?.kind === 'constant' && pieces.every((p) => p.column.kind === 'constant' && p.column.value === first.value)) return first;
  const dictionary = new Map<string, number>();
  const codes = new Int32Array(count);
  let chars = 0;
  let at = 0;
  const code = (text: string): number | undefined => {
    let c = dictionary.get(text);
    if (c === undefined) {
      chars += text.length;
      if (dictionary.size === DICTIONARY_MAX_VALUES || chars > DICTIONARY_MAX_CHARS || text.includes('\u0000')) return undefined;
      dictionary.set(text, (c = dictionary.size + 1));
    }
    return c;
  };
  for (const { count: n, column } of pieces) {
    if (column.kind === 'values') return asValues(pieces, count);
    if (column.kind === 'constant') {
      if (column.value !== null) {
        const c = code(column.value);
        if (c === undefined) return asValues(pieces, count);
        codes.fill(c, at, at + n);
      }
    } else if (column.kind === 'codes') {
      // the piece's codes mapped onto the merged dictionary
      const map = new Int32Array(column.dictionary.length + 1);
      for (let k = 0; k < column.dictionary.length; k++) {
        const c = code(column.dictionary[k]!);
        if (c === undefined) return asValues(pieces, count);
        map[k + 1] = c;
      }
      for (let i = 0; i < n; i++) codes[at + i] = map[column.codes[i]!]!;
    } else {
      throw new Error(`encoded rows: a text column cannot be ${column.kind}`);
    }
    at += n;
  }
  return textColumn([...dictionary.keys()], codes);
}

function asValues(pieces: readonly Piece[], count: number): EncodedColumn {
  const values = new Array<unknown>(count);
  let at = 0;
  for (const { count: n, column } of pieces) for (let i = 0; i < n; i++) values[at++] = valueAt(column, i);
  return { kind: 'values', values };
}

function concatOther(pieces: readonly Piece[], count: number): EncodedColumn {
  const isNull = (c: EncodedColumn) => c.kind === 'constant' && c.value === null;
  if (pieces.every((p) => isNull(p.column))) return { kind: 'constant', value: null };
  if (pieces.every((p) => p.column.kind === 'numbers' || isNull(p.column))) {
    const values = new Float64Array(count);
    let nulls: Uint8Array | null = null;
    let at = 0;
    for (const { count: n, column } of pieces) {
      if (column.kind === 'numbers') {
        values.set(column.values.subarray(0, n), at);
        if (column.nulls) (nulls ??= new Uint8Array(count)).set(column.nulls.subarray(0, n), at);
      } else {
        (nulls ??= new Uint8Array(count)).fill(1, at, at + n);
      }
      at += n;
    }
    return { kind: 'numbers', values, nulls };
  }
  return asValues(pieces, count);
}

/** the typed arrays of encoded rows: what a worker thread hands over without a copy */
export function transferablesOf(encoded: EncodedRows): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const c of Object.values(encoded.columns)) {
    if (c.kind === 'codes') buffers.add(c.codes.buffer as ArrayBuffer);
    if (c.kind === 'numbers') {
      buffers.add(c.values.buffer as ArrayBuffer);
      if (c.nulls) buffers.add(c.nulls.buffer as ArrayBuffer);
    }
  }
  return [...buffers];
}

/**
 * How many rows repeat the key of an earlier row (the key columns' values, compared as stored). Keys of
 * codes and numbers go through a hash table of row numbers (no key text or object built per row); keys
 * with other values through nested maps.
 */
export function repeatedKeys(encoded: EncodedRows, key: readonly string[]): number {
  // constant columns are the same on every row: they do not tell rows apart
  const varying = key.map((k) => encoded.columns[k] ?? missing(k)).filter((c) => c.kind !== 'constant');
  if (varying.length === 0) return Math.max(0, encoded.count - 1);
  const numeric = varying.filter((c): c is Extract<EncodedColumn, { kind: 'codes' | 'numbers' }> => c.kind === 'codes' || c.kind === 'numbers');
  return numeric.length === varying.length ? repeatedNumericKeys(numeric, encoded.count) : repeatedValueKeys(varying, encoded.count);
}

function repeatedNumericKeys(columns: readonly Extract<EncodedColumn, { kind: 'codes' | 'numbers' }>[], count: number): number {
  // a column's value at row i: a code, a number, or null (as NaN, with the null flag compared too)
  const numbers = columns.map((c) => (c.kind === 'codes' ? c.codes : c.values));
  const nulls = columns.map((c) => (c.kind === 'numbers' ? c.nulls : null));
  const bits = new Float64Array(1);
  const halves = new Int32Array(bits.buffer);
  const hash = (i: number): number => {
    let h = 0x811c9dc5;
    for (let k = 0; k < numbers.length; k++) {
      const x = nulls[k]?.[i] ? NaN : numbers[k]![i]!;
      bits[0] = x !== x ? NaN : x + 0; // one NaN, and -0 and 0 are one key
      h = Math.imul(h ^ halves[0]!, 0x01000193);
      h = Math.imul(h ^ halves[1]!, 0x01000193);
    }
    return h ^ (h >>> 15);
  };
  const same = (i: number, j: number): boolean => {
    for (let k = 0; k < numbers.length; k++) {
      const ni = nulls[k]?.[i] ?? 0;
      if (ni !== (nulls[k]?.[j] ?? 0)) return false;
      if (ni) continue;
      const a = numbers[k]![i]!;
      const b = numbers[k]![j]!;
      if (a !== b && !(a !== a && b !== b)) return false;
    }
    return true;
  };
  let size = 16;
  while (size < 2 * count) size *= 2;
  const slots = new Int32Array(size); // row + 1; 0: empty
  let repeats = 0;
  for (let i = 0; i < count; i++) {
    let slot = hash(i) & (size - 1);
    for (;;) {
      const held = slots[slot]!;
      if (held === 0) {
        slots[slot] = i + 1;
        break;
      }
      if (same(held - 1, i)) {
        repeats++;
        break;
      }
      slot = (slot + 1) & (size - 1);
    }
  }
  return repeats;
}

function repeatedValueKeys(columns: readonly EncodedColumn[], count: number): number {
  const last = columns.length - 1;
  const root = new Map<unknown, unknown>();
  let repeats = 0;
  for (let i = 0; i < count; i++) {
    let node = root;
    for (let k = 0; k < last; k++) {
      const v = valueAt(columns[k]!, i);
      let next = node.get(v) as Map<unknown, unknown> | undefined;
      if (!next) node.set(v, (next = new Map()));
      node = next;
    }
    const v = valueAt(columns[last]!, i);
    if (node.has(v)) repeats++;
    else node.set(v, true);
  }
  return repeats;
}
