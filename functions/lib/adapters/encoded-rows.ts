import type { Column, ColumnType } from '../datasets/declaration.ts';

// Rows as columns of numbers, the form in which they are handed to DuckDB's Parquet writer and passed
// between threads. Only numbers cross into DuckDB (a typed-array copy per chunk): every string or
// timestamp value would otherwise be a native call or a BigInt. Text travels as one constant or as
// codes into a dictionary; timestamps, doubles and integers as numbers (timestamps in epoch ms).
// Typed arrays move between worker threads without a copy, where row objects cost more to clone
// than to parse again.

export type EncodedColumn =
  /** text all alike (or no value at all) */
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
  const out: Record<string, EncodedColumn> = {};
  for (const c of columns) out[c.name] = encodeColumn(c, rows);
  return { count: rows.length, columns: out };
}

function encodeColumn({ name, type }: EncodedColumnSpec, rows: readonly Record<string, unknown>[]): EncodedColumn {
  if (type === 'string') return encodeText(name, rows);
  if (!NUMBER_TYPES.has(type)) return { kind: 'values', values: rows.map((r) => r[name] ?? null) };
  const values = new Float64Array(rows.length);
  let nulls: Uint8Array | null = null;
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i]![name];
    if (v === null || v === undefined) (nulls ??= new Uint8Array(rows.length))[i] = 1;
    else values[i] = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Number(v);
  }
  return { kind: 'numbers', values, nulls };
}

function encodeText(name: string, rows: readonly Record<string, unknown>[]): EncodedColumn {
  // the common constant column (source, raw file…) first: one comparison per row, no hashing
  const first = rows[0]?.[name];
  if (typeof first === 'string' && !first.includes('\u0000') && rows.every((row) => row[name] === first)) return { kind: 'constant', value: first };
  const dictionary = new Map<string, number>();
  const codes = new Int32Array(rows.length);
  let chars = 0;
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i]![name];
    if (v === null || v === undefined) continue;
    const text = typeof v === 'string' ? v : String(v);
    let code = dictionary.get(text);
    if (code === undefined) {
      chars += text.length;
      if (dictionary.size === DICTIONARY_MAX_VALUES || chars > DICTIONARY_MAX_CHARS || text.includes('\u0000')) {
        return { kind: 'values', values: rows.map((r) => (r[name] === null || r[name] === undefined ? null : String(r[name]))) };
      }
      dictionary.set(text, (code = dictionary.size + 1));
    }
    codes[i] = code;
  }
  return textColumn([...dictionary.keys()], codes);
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
      return column.codes[i] ? column.dictionary[column.codes[i]! - 1] : null;
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
  if (pieces.every((p) => p.column.kind === 'numbers')) {
    const values = new Float64Array(count);
    let nulls: Uint8Array | null = null;
    let at = 0;
    for (const { count: n, column } of pieces) {
      const c = column as Extract<EncodedColumn, { kind: 'numbers' }>;
      values.set(c.values.subarray(0, n), at);
      if (c.nulls) (nulls ??= new Uint8Array(count)).set(c.nulls.subarray(0, n), at);
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
