import { describe, expect, it } from 'vitest';
import {
  concatEncoded,
  DICTIONARY_MAX_VALUES,
  encodeRows,
  repeatedKeys,
  RowEncoder,
  valueAt,
  type EncodedColumnSpec,
  type EncodedRows,
} from '../../functions/lib/datasets/encoded-rows.ts';
import { mulberry32 } from '../../functions/lib/domain/random.ts';

const columns: EncodedColumnSpec[] = [
  { name: 'same', type: 'string' },
  { name: 'few', type: 'string' },
  { name: 'many', type: 'string' },
  { name: 'sparse', type: 'string' },
  { name: 'nul', type: 'string' },
  { name: 'x', type: 'double' },
  { name: 'none', type: 'double' },
  { name: 'late', type: 'double' },
  { name: 'n', type: 'integer' },
  { name: 't', type: 'timestamp' },
  { name: 'b', type: 'boolean' },
  { name: 'big', type: 'bigint' },
  { name: 'd', type: 'date' },
];

function rows(count: number, seed: number) {
  const random = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => ({
    same: 'noise-fiware',
    few: ['a', 'b', "c'd"][Math.floor(random() * 3)],
    many: `s${Math.floor(random() * DICTIONARY_MAX_VALUES * 1.5)}`,
    sparse: random() < 0.3 ? null : random() < 0.5 ? 'x' : 'y',
    nul: i === 7 ? 'a\u0000b' : 'plain',
    x: random() < 0.1 ? null : random() * 100 - 50,
    none: null, // a measurand never sent
    late: i < 40 ? null : i / 2, // none in the first parts below
    n: Math.floor(random() * 1000),
    t: random() < 0.05 ? null : new Date(Date.UTC(2025, 0, 1) + Math.floor(random() * 1e10)),
    b: random() < 0.5,
    big: Math.floor(random() * 1e12),
    d: '2025-03-30',
  }));
}

/** the rows back from their encoding (timestamps as epoch ms) */
/** the column `name` of `e`, which must have it */
function column(e: EncodedRows, name: string): EncodedRows['columns'][string] {
  const c = e.columns[name];
  if (!c) throw new Error(`encoded rows without a ${name} column`);
  return c;
}

function decode(e: EncodedRows): Record<string, unknown>[] {
  return Array.from({ length: e.count }, (_, i) => Object.fromEntries(columns.map((c) => [c.name, valueAt(column(e, c.name), i)])));
}

const asStored = (r: Record<string, unknown>) => ({ ...r, t: r.t instanceof Date ? r.t.getTime() : r.t });

describe('encoded rows', () => {
  it('give back every value, whatever the column kind: constant, codes, numbers with nulls, values', () => {
    const all = rows(9000, 1);
    const e = encodeRows(columns, all);
    expect(Object.fromEntries(Object.entries(e.columns).map(([k, c]) => [k, c.kind]))).toEqual({
      same: 'constant',
      few: 'codes',
      many: 'values', // more distinct values than a dictionary holds
      sparse: 'codes',
      nul: 'values', // a NUL character cannot go into a SQL literal
      x: 'numbers',
      none: 'constant', // nothing to load
      late: 'numbers',
      n: 'numbers',
      t: 'numbers',
      b: 'values',
      big: 'values',
      d: 'values',
    });
    expect(decode(e)).toEqual(all.map(asStored));
  });

  it('encoded a batch at a time, are the rows encoded at once, even where a column turns to values on the way', () => {
    const all = rows(9000, 4);
    const encoder = new RowEncoder(columns);
    for (const [from, to] of [[0, 0], [0, 1], [1, 1000], [1000, 1001], [1001, 7000], [7000, 9000]] as const) encoder.add(all.slice(from, to));
    const byBatch = encoder.finish();
    const whole = encodeRows(columns, all);
    expect(byBatch.count).toBe(9000);
    expect(Object.fromEntries(Object.entries(byBatch.columns).map(([k, c]) => [k, c.kind]))).toEqual(
      Object.fromEntries(Object.entries(whole.columns).map(([k, c]) => [k, c.kind])),
    );
    expect(decode(byBatch)).toEqual(all.map(asStored));
  });

  it('concatenated from parts, are the rows of the whole, however the parts were encoded', () => {
    const all = rows(9000, 2);
    // parts where a column is constant, coded or by value, and an empty part
    const cuts = [0, 1, 1, 40, 3000, 9000];
    const parts = cuts.slice(1).map((end, k) => encodeRows(columns, all.slice(cuts[k], end)));
    expect(parts[1]?.count).toBe(0);
    expect(parts[0]?.columns.few?.kind).toBe('constant');
    const merged = concatEncoded(columns, parts);
    expect(merged.count).toBe(all.length);
    expect(decode(merged)).toEqual(all.map(asStored));
    // the same encodings as the whole (a dictionary merged, a constant kept, a column too varied turned to values)
    const whole = encodeRows(columns, all);
    expect(Object.fromEntries(Object.entries(merged.columns).map(([k, c]) => [k, c.kind]))).toEqual(
      Object.fromEntries(Object.entries(whole.columns).map(([k, c]) => [k, c.kind])),
    );
    // parts that differ by one constant each become codes
    const [first, second] = all;
    const two = concatEncoded(columns, [encodeRows(columns, [{ ...first, same: 'p' }]), encodeRows(columns, [{ ...second, same: 'q' }])]);
    expect(two.columns.same).toMatchObject({ kind: 'codes', dictionary: ['p', 'q'] });
    // dictionaries below the limit in each part, above it together: values
    const keys: EncodedColumnSpec[] = [{ name: 'k', type: 'string' }];
    const half = (from: number) => encodeRows(keys, Array.from({ length: DICTIONARY_MAX_VALUES }, (_, i) => ({ k: `v${from + i}` })));
    const over = concatEncoded(keys, [half(0), half(DICTIONARY_MAX_VALUES)]);
    expect(over.columns.k?.kind).toBe('values');
    expect(valueAt(column(over, 'k'), DICTIONARY_MAX_VALUES + 5)).toBe(`v${DICTIONARY_MAX_VALUES + 5}`);
  });
});

/** the rows after the first of each key value, counted over the plain values (a Date by its time, NaN as one value, -0 as 0) */
function naiveRepeats(data: readonly Record<string, unknown>[], key: readonly string[]): number {
  const seen = new Set<string>();
  let repeats = 0;
  for (const r of data) {
    const text = JSON.stringify(
      key.map((k) => {
        const v = r[k];
        if (v instanceof Date) return v.getTime();
        if (typeof v === 'number' && Number.isNaN(v)) return 'NaN';
        return Object.is(v, -0) ? 0 : v;
      }),
    );
    if (seen.has(text)) repeats++;
    else seen.add(text);
  }
  return repeats;
}

describe('repeated keys of encoded rows', () => {
  it('count repeated keys as a set of the key values would, through codes, numbers, nulls and values', () => {
    const random = mulberry32(3);
    const spec: EncodedColumnSpec[] = [
      { name: 'sensor', type: 'string' },
      { name: 'from', type: 'timestamp' },
      { name: 'level', type: 'double' },
      { name: 'day', type: 'date' },
    ];
    const data = Array.from({ length: 5000 }, () => ({
      sensor: `s${Math.floor(random() * 5)}`,
      from: random() < 0.05 ? null : new Date(Date.UTC(2025, 0, 1, 0, Math.floor(random() * 300))),
      level: [0, -0, NaN, null, 1.5][Math.floor(random() * 5)],
      day: ['2025-01-01', '2025-01-02'][Math.floor(random() * 2)],
    }));
    const e = encodeRows(spec, data);
    for (const key of [['sensor'], ['sensor', 'from'], ['sensor', 'from', 'level'], ['level'], ['sensor', 'day'], ['from', 'day', 'level']]) {
      const expected = naiveRepeats(data, key);
      expect(expected).toBeGreaterThan(0);
      expect({ key, repeats: repeatedKeys(e, key) }).toEqual({ key, repeats: expected });
    }
    // a key of constant columns only: every row after the first repeats it
    const constant = encodeRows([{ name: 'c', type: 'string' }], [{ c: 'a' }, { c: 'a' }, { c: 'a' }]);
    expect(repeatedKeys(constant, ['c'])).toBe(2);
    expect(() => repeatedKeys(constant, ['missing'])).toThrow(/no column missing/);
  });
});
