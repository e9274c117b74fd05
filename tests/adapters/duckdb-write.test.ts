import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Duck, sqlPath } from '../../functions/lib/adapters/duckdb.ts';
import type { DatasetDeclaration } from '../../functions/lib/datasets/declaration.ts';

// The Parquet writer loads only numbers into DuckDB (text as constants or dictionary codes, timestamps
// as epoch milliseconds): every shape of column must come back exactly as it went in.

const d: DatasetDeclaration = {
  name: 'writer_probe',
  description: 'probe',
  prefix: 'curated/writer_probe',
  columns: [
    { name: 'constant_text', type: 'string', description: '' },
    { name: 'few_texts', type: 'string', description: '' },
    { name: 'many_texts', type: 'string', description: '' },
    { name: 'long_texts', type: 'string', description: '' },
    { name: 'all_null_text', type: 'string', description: '' },
    { name: 'ts', type: 'timestamp', description: '' },
    { name: 'value', type: 'double', description: '' },
    { name: 'no_value', type: 'double', description: '' },
    { name: 'n', type: 'integer', description: '' },
    { name: 'big', type: 'bigint', description: '' },
    { name: 'flag', type: 'boolean', description: '' },
    { name: 'day', type: 'date', description: '' },
  ],
} as unknown as DatasetDeclaration;

const ROWS = 5000; // over the 4096-value dictionary limit and over two 2048-row chunks
const rows = Array.from({ length: ROWS }, (_, i) => ({
  constant_text: "l'Haÿ-les-Roses",
  few_texts: i % 5 === 0 ? null : ["O'Brien", 'naïve', '', '[1]', 'a,b'][i % 5],
  many_texts: `sensor-${i}`,
  long_texts: i % 2 ? 'x'.repeat(300) + i : null,
  all_null_text: null,
  ts: i % 97 === 0 ? null : new Date(Date.UTC(2025, 2, 30, 0, 59, 59, 999) + i * 1001),
  value: i % 11 === 0 ? null : i / 7,
  no_value: null,
  n: i,
  big: i * 1_000_000_007,
  flag: i % 3 === 0,
  day: '2025-03-30',
}));

let duck: Duck;
beforeAll(async () => {
  duck = await Duck.open();
});
afterAll(() => duck.close());

describe('writeParquet', () => {
  it('writes every column back as it went in, with the declared types', async () => {
    const file = duck.scratch('probe.parquet');
    await duck.writeParquet(d, rows, file);
    const read = await duck.all(`SELECT * FROM read_parquet('${sqlPath(file)}')`);
    expect(read.columns.map((c) => `${c.name} ${c.type}`)).toEqual([
      'constant_text VARCHAR',
      'few_texts VARCHAR',
      'many_texts VARCHAR',
      'long_texts VARCHAR',
      'all_null_text VARCHAR',
      'ts TIMESTAMP WITH TIME ZONE',
      'value DOUBLE',
      'no_value DOUBLE',
      'n INTEGER',
      'big BIGINT',
      'flag BOOLEAN',
      'day DATE',
    ]);
    expect(read.rows).toHaveLength(ROWS);
    for (const [i, r] of read.rows.entries()) {
      const want = rows[i]!;
      expect(r.n).toBe(i); // order kept
      expect(r.constant_text).toBe(want.constant_text);
      expect(r.few_texts).toBe(want.few_texts);
      expect(r.many_texts).toBe(want.many_texts);
      expect(r.long_texts).toBe(want.long_texts);
      expect(r.all_null_text).toBeNull();
      expect(r.ts === null ? null : (r.ts as Date).getTime()).toBe(want.ts?.getTime() ?? null);
      expect(r.value).toBe(want.value);
      expect(r.no_value).toBeNull();
      expect(Number(r.big)).toBe(want.big);
      expect(r.flag).toBe(want.flag);
    }
  });

  it('keeps text holding a NUL character, which no SQL literal can carry (loaded as text instead)', async () => {
    const nul = rows.slice(0, 3).map((r, i) => ({ ...r, constant_text: 'a\u0000b', few_texts: i === 1 ? 'x\u0000' : 'y' }));
    const file = duck.scratch('nul.parquet');
    await duck.writeParquet(d, nul, file);
    const read = await duck.all(`SELECT constant_text, few_texts FROM read_parquet('${sqlPath(file)}')`);
    expect(read.rows).toEqual([
      { constant_text: 'a\u0000b', few_texts: 'y' },
      { constant_text: 'a\u0000b', few_texts: 'x\u0000' },
      { constant_text: 'a\u0000b', few_texts: 'y' },
    ]);
  });

  it('writes an empty file with the declared columns, and one row of constants', async () => {
    const empty = duck.scratch('empty.parquet');
    await duck.writeParquet(d, [], empty);
    expect((await duck.all(`SELECT count(*)::INTEGER AS n FROM read_parquet('${sqlPath(empty)}')`)).rows[0]!.n).toBe(0);
    const one = duck.scratch('one.parquet');
    await duck.writeParquet(d, [rows[1]!], one);
    const read = await duck.all(`SELECT * FROM read_parquet('${sqlPath(one)}')`);
    expect(read.rows).toHaveLength(1);
    expect(read.rows[0]!.few_texts).toBe('naïve');
    expect(read.rows[0]!.constant_text).toBe("l'Haÿ-les-Roses");
  });
});
