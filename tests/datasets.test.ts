import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS, dataset, noiseReadings } from '../functions/lib/datasets/index.ts';
import { fileColumns, type Column, type DatasetDeclaration } from '../functions/lib/datasets/declaration.ts';
import {
  DUCKDB_TYPE,
  GLUE_TYPE,
  dictionary,
  dictionaryMarkdown,
  glueColumns,
  rowSchema,
  validateRow,
} from '../functions/lib/datasets/derive.ts';
import { datasetFileKey } from '../functions/lib/lake/layout.ts';
import { writeDataset } from '../functions/lib/lake/write.ts';
import { tempLake } from './support/lake.ts';

function sampleValue(c: Column): unknown {
  if (c.values) return c.values[0];
  switch (c.type) {
    case 'string':
      return c.partition ? '2025-06-01' : `x-${c.name}`;
    case 'double':
      return c.min !== undefined ? c.min + 0.5 : 1.5;
    case 'integer':
    case 'bigint':
      return c.min !== undefined ? c.min + 1 : 7;
    case 'boolean':
      return true;
    case 'timestamp':
      return new Date('2025-06-01T10:00:00Z');
    case 'date':
      return '2025-06-01';
  }
}

const sampleRow = (d: DatasetDeclaration) => Object.fromEntries(d.columns.map((c) => [c.name, sampleValue(c)]));

describe('dataset declarations', () => {
  it('validateRow() names the field, the expectation and what was found', () => {
    const row = { ...sampleRow(noiseReadings), laeq: 151 };
    const failures = validateRow(noiseReadings, row, { now: new Date('2025-06-02T00:00:00Z') });
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ field: 'laeq', found: '151' });
    expect(failures[0]!.expected).toContain('[0, 150] dB(A)');
  });

  it('validateRow() rejects non-finite numbers, impossible dates and unknown enum values', () => {
    const now = { now: new Date('2025-06-02T00:00:00Z') };
    expect(validateRow(noiseReadings, { ...sampleRow(noiseReadings), lamax: Number.NaN }, now)[0]?.field).toBe('lamax');
    expect(validateRow(noiseReadings, { ...sampleRow(noiseReadings), laeq: Infinity }, now)[0]?.field).toBe('laeq');
    expect(validateRow(noiseReadings, { ...sampleRow(noiseReadings), source_kind: 'fax' }, now)[0]?.field).toBe('source_kind');
    const daily = dataset('noise_indicators_daily');
    expect(validateRow(daily, { ...sampleRow(daily), day: '2025-02-30' }, now)[0]).toMatchObject({ field: 'day', found: '"2025-02-30"' });
  });

  it('the record checks of noise_readings name ts_to, ts_from and the measurands', () => {
    const now = { now: new Date('2025-06-02T00:00:00Z') };
    const base = sampleRow(noiseReadings);
    expect(validateRow(noiseReadings, { ...base, ts_to: base.ts_from }, now)[0]?.field).toBe('ts_to');
    expect(validateRow(noiseReadings, { ...base, ts_from: new Date('1999-12-31T23:59:59Z') }, now)[0]?.field).toBe('ts_from');
    expect(validateRow(noiseReadings, { ...base, ts_from: new Date('2025-06-03T00:00:01Z'), ts_to: new Date('2025-06-03T00:01:00Z') }, now)[0]?.reason).toContain('future');
    expect(validateRow(noiseReadings, { ...base, laeq: null, lamax: null, las: null }, now)[0]?.reason).toContain('no acoustic measurand');
  });

  it('glue columns and zod keys cover every declared column exactly once', () => {
    for (const d of DATASETS) {
      const { columns, partitionKeys } = glueColumns(d);
      expect([...columns, ...partitionKeys].map((c) => c.name).sort()).toEqual(d.columns.map((c) => c.name).sort());
      expect(columns.every((c, i) => c.type === GLUE_TYPE[fileColumns(d)[i]!.type])).toBe(true);
      expect(Object.keys(rowSchema(d).shape).sort()).toEqual(d.columns.map((c) => c.name).sort());
    }
  });

  it('the dictionary lists every dataset and column with its unit', () => {
    const dict = dictionary(DATASETS);
    expect(dict.map((e) => e.name)).toEqual(DATASETS.map((d) => d.name));
    const md = dictionaryMarkdown(DATASETS);
    for (const d of DATASETS) {
      expect(md).toContain(`## ${d.name} `);
      for (const c of d.columns) expect(md).toContain(`| ${c.name} | ${DUCKDB_TYPE[c.type]} |`);
    }
    expect(dict.find((e) => e.name === 'noise_readings')!.columns.find((c) => c.name === 'laeq')!.unit).toBe('dB(A)');
  });
});

describe('derived Parquet files and DuckDB views', () => {
  let lake: Awaited<ReturnType<typeof tempLake>>;
  beforeAll(async () => {
    lake = await tempLake();
  });
  afterAll(async () => lake.cleanup());

  it('every declared dataset is queryable while it holds no file, with its declared column types', async () => {
    await lake.lake.attach(DATASETS);
    for (const d of DATASETS) {
      const r = await lake.lake.all(`DESCRIBE SELECT * FROM ${d.name}`);
      expect(r.rows.map((x) => [x.column_name, x.column_type])).toEqual([...d.columns, ...(d.derived?.columns ?? [])].map((c) => [c.name, DUCKDB_TYPE[c.type]]));
      expect((await lake.lake.all(`SELECT count(*) AS n FROM ${d.name}`)).rows[0]!.n).toBe(0n);
    }
  });

  it('written Parquet files carry the declared types, ZSTD compression, and read back through the views', async () => {
    for (const d of DATASETS) {
      const row = sampleRow(d);
      const key = datasetFileKey(d, 'sample', d.columns.some((c) => c.partition) ? '2025-06-01' : undefined);
      await writeDataset(lake, d, [row], key);
      const file = lake.store.localPath!(key);
      const described = await lake.lake.all(`DESCRIBE SELECT * FROM read_parquet('${file}', hive_partitioning = false)`);
      expect(described.rows.map((x) => [x.column_name, x.column_type])).toEqual(fileColumns(d).map((c) => [c.name, DUCKDB_TYPE[c.type]]));
      const codecs = await lake.lake.all(`SELECT DISTINCT compression FROM parquet_metadata('${file}')`);
      expect(codecs.rows.map((x) => x.compression)).toEqual(['ZSTD']);
    }
    await lake.lake.attach(DATASETS);
    for (const d of DATASETS) {
      const r = await lake.lake.all(`SELECT * FROM ${d.name}`);
      expect(r.rows).toHaveLength(1);
      for (const c of d.columns) {
        const expected = sampleValue(c);
        const got = r.rows[0]![c.name];
        if (c.type === 'date') expect((got as Date).toISOString().slice(0, 10)).toBe(expected);
        else if (c.type === 'timestamp') expect((got as Date).toISOString()).toBe((expected as Date).toISOString());
        else if (c.type === 'bigint') expect(got).toBe(BigInt(expected as number));
        else expect(got).toBe(expected);
      }
    }
  });

  it('reads NULL for a declared column that no file holds yet (files written before it was declared)', async () => {
    const d = dataset('noise_quality_daily');
    const older = fileColumns(d).filter((c) => c.name !== 'night_floor_db');
    const values = older.map((c) => `CAST(${c.type === 'date' ? "'2025-06-01'" : c.type === 'string' ? "'old-sensor'" : '7'} AS ${DUCKDB_TYPE[c.type]}) AS ${c.name}`);
    const key = datasetFileKey(d, 'older', '2025');
    await mkdir(path.dirname(lake.store.localPath!(key)), { recursive: true });
    await lake.lake.run(`COPY (SELECT ${values.join(', ')}) TO '${lake.store.localPath!(key)}' (FORMAT parquet)`);
    await lake.lake.attach([d], { kind: 'partitions', dts: ['2025'] });
    const r = await lake.lake.all(`SELECT sensor_id, readings, night_floor_db FROM ${d.name} WHERE sensor_id = 'old-sensor'`);
    expect(r.rows).toEqual([{ sensor_id: 'old-sensor', readings: 7, night_floor_db: null }]);
  });
});

describe('the committed data dictionary', () => {
  it('equals the one generated from the declarations (regenerate with `observatory dictionary`)', async () => {
    const { readFile } = await import('node:fs/promises');
    const md = await readFile(new URL('../docs/data-dictionary.md', import.meta.url), 'utf8');
    const json: unknown = JSON.parse(await readFile(new URL('../docs/data-dictionary.json', import.meta.url), 'utf8'));
    expect(md).toBe(dictionaryMarkdown(DATASETS));
    expect(json).toEqual(dictionary(DATASETS));
  });
});

describe('validateRow() and the zod schema', () => {
  it('accept and reject exactly the same rows, naming the same fields', async () => {
    const { columnFailures, validateRowWithZod } = await import('../functions/lib/datasets/derive.ts');
    const odd: unknown[] = [null, undefined, '', 'x', '2025-02-30', '2024-02-29', 0, -1, 1.5, 151, Number.NaN, Infinity, true, new Date('nope'), new Date('2025-01-01T00:00:00Z'), {}, [], '75056', 'eu', 'road', '1'];
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let compared = 0;
    let rejected = 0;
    for (const d of DATASETS) {
      for (let n = 0; n < 400; n++) {
        const row: Record<string, unknown> = sampleRow(d);
        for (const c of d.columns) if (random() < 0.15) row[c.name] = odd[Math.floor(random() * odd.length)];
        const fast = columnFailures(d, row).map((f) => f.field);
        expect(fast.sort(), JSON.stringify(row)).toEqual(validateRowWithZod(d, row).sort());
        if (fast.length) rejected++;
        compared++;
      }
    }
    expect(compared).toBe(DATASETS.length * 400);
    expect(rejected).toBeGreaterThan(compared / 4);
    expect(rejected).toBeLessThan(compared);
  });
});
