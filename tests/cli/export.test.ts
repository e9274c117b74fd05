import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlPath } from '../../functions/lib/adapters/duckdb.ts';
import { DUCKDB_TYPE } from '../../functions/lib/datasets/derive.ts';
import { DATASETS, noiseIndicatorsDaily, noiseReadings, type DatasetDeclaration } from '../../functions/lib/datasets/index.ts';
import { datasetFileKey } from '../../functions/lib/lake/layout.ts';
import { writeDataset } from '../../functions/lib/lake/write.ts';
import { planExport } from '../../functions/lib/stages/export.ts';
import { observatory } from '../support/cli.ts';
import { tempLake } from '../support/lake.ts';
import { observatoryInProcess } from '../notebooks/in-process.ts';

const DAYS = ['2025-06-01', '2025-06-02', '2025-06-03'];
const SENSORS = [
  { sensor_id: 'paris-1', commune_insee: '75056' },
  { sensor_id: 'saint-denis-1', commune_insee: '93066' },
];

// set up once for every describe of this file
let lake: Awaited<ReturnType<typeof tempLake>>;
let cwd: string;
const run = (args: string[]) => observatory(['--lake', lake.dir, 'export', ...args], { cwd });

/** the dataset's key columns, to order rows by */
function keyColumns(d: DatasetDeclaration): string {
  if (!d.key) throw new Error(`dataset ${d.name} declares no key to order its rows by`);
  return d.key.join(', ');
}
/** the view's rows for the same filters, as the extract should hold them */
async function expected(d: DatasetDeclaration, where: string): Promise<Record<string, unknown>[]> {
  return (await lake.lake.all(`SELECT * FROM ${d.name} ${where} ORDER BY ${keyColumns(d)}`)).rows;
}
async function reread(d: DatasetDeclaration, file: string, format: 'parquet' | 'csv'): Promise<Record<string, unknown>[]> {
  const columns = `{${d.columns.map((c) => `'${c.name}': '${DUCKDB_TYPE[c.type]}'`).join(', ')}}`;
  const source = format === 'parquet' ? `read_parquet('${sqlPath(file)}')` : `read_csv('${sqlPath(file)}', header = true, columns = ${columns})`;
  return (await lake.lake.all(`SELECT * FROM ${source} ORDER BY ${keyColumns(d)}`)).rows;
}

beforeAll(async () => {
  lake = await tempLake();
  cwd = path.join(lake.dir, 'work');
  await mkdir(cwd);
  for (const day of DAYS) {
    const readings = SENSORS.flatMap((s, k) =>
      Array.from({ length: 24 }, (_, h) => ({
        ...s,
        ts_from: new Date(`${day}T${String(h).padStart(2, '0')}:00:00+02:00`),
        ts_to: new Date(`${day}T${String(h).padStart(2, '0')}:15:00+02:00`),
        laeq: 45 + k * 10 + h / 7,
        lamax: 70.5,
        las: null,
        source_kind: 'noise-fiware',
        raw_key: `raw/noise-fiware/aa/first-${day}.json`,
        record: h,
        received_at: new Date(`${day}T23:00:00Z`),
      })),
    );
    await writeDataset(lake, noiseReadings, readings, datasetFileKey(noiseReadings, 'first', day));
    // a later file corrects the first six hours of the day: the view keeps the corrections
    const corrected = readings.filter((r) => r.ts_from.getUTCHours() < 6 || r.ts_from.getUTCHours() >= 22).map((r) => ({ ...r, laeq: r.laeq + 3, raw_key: `raw/noise-fiware/bb/second-${day}.json`, received_at: new Date(`${day}T23:30:00Z`) }));
    await writeDataset(lake, noiseReadings, corrected, datasetFileKey(noiseReadings, 'second', day));
    const daily = SENSORS.flatMap((s, k) =>
      (['eu', 'fr'] as const).map((convention) => ({
        ...s, day, convention, leq: 60 + k, lday: 62 + k, levening: 58 + k, lnight: 46 + k, lden: 64 + k, l10: 65, l50: 59, l90: 50,
        samples: 24, coverage: 0.25, coverage_ok: false, noise_source: 'road',
        who_lden_exceeded: true, who_lnight_exceeded: k > 0, fr_lden_exceeded: false, fr_ln_exceeded: false,
      })),
    );
    // the daily indicators are partitioned by month: one file per day in the month's partition
    await writeDataset(lake, noiseIndicatorsDaily, daily, datasetFileKey(noiseIndicatorsDaily, `a-${day}`, day.slice(0, 7)));
  }
  await lake.lake.attach(DATASETS);
});
afterAll(async () => lake.cleanup());

describe('observatory export: the extract holds the filtered view', () => {
  it('writes a Parquet extract, named after the dataset and filters, that DuckDB reads back as the filtered view', async () => {
    const r = await run(['noise_readings', '--commune', '75056', '--from', '2025-06-01', '--to', '2025-06-02', '--format', 'parquet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const file = path.join(cwd, 'noise_readings_75056_2025-06-01_2025-06-02.parquet');
    const want = await expected(noiseReadings, "WHERE commune_insee = '75056' AND dt BETWEEN '2025-06-01' AND '2025-06-02'");
    expect(want).toHaveLength(48);
    expect(want.filter((x) => String(x.raw_key).includes('second'))).toHaveLength(16);
    expect(await reread(noiseReadings, file, 'parquet')).toEqual(want);
    expect(r.stderr).toMatch(/^export: 48 rows of noise_readings \(commune 75056, days 2025-06-01 → 2025-06-02, 2 dt partition\(s\) read\) → noise_readings_75056_2025-06-01_2025-06-02\.parquet \(parquet, \d+ bytes\)\n$/);
  });

  it('writes CSV with a header, which DuckDB reads back, with the declared types, as the filtered view', async () => {
    const out = path.join(cwd, 'sub', 'daily.csv');
    const r = await run(['noise_indicators_daily', '--from', '2025-06-02', '--format', 'csv', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const text = await readFile(out, 'utf8');
    expect(text.split('\n')[0]).toBe(noiseIndicatorsDaily.columns.map((c) => c.name).join(','));
    expect(await reread(noiseIndicatorsDaily, out, 'csv')).toEqual(await expected(noiseIndicatorsDaily, "WHERE day >= DATE '2025-06-02'"));
    // the daily indicators are partitioned by month: the days from 2 June lie in one partition
    expect(r.stderr).toMatch(/8 rows of noise_indicators_daily \(days 2025-06-02 → …, 1 dt partition\(s\) read\)/);
  });

  it('exports a whole dataset without filters', async () => {
    const r = await run(['noise_readings', '--format', 'parquet']);
    expect(r.code, r.stderr).toBe(0);
    expect(await reread(noiseReadings, path.join(cwd, 'noise_readings.parquet'), 'parquet')).toEqual(await expected(noiseReadings, ''));
    expect(r.stderr).toMatch(/144 rows of noise_readings \(no filter\)/);
  });
});

describe('observatory export: where it writes, and what it warns of', () => {
  it('with --out -, writes the data alone on stdout and the summary on stderr', async () => {
    const csv = await run(['noise_indicators_daily', '--commune', '93066', '--format', 'csv', '--out', '-']);
    expect(csv.code).toBe(0);
    const file = await run(['noise_indicators_daily', '--commune', '93066', '--format', 'csv']);
    expect(csv.stdout).toBe(await readFile(path.join(cwd, 'noise_indicators_daily_93066.csv'), 'utf8'));
    expect(csv.stdout.split('\n').filter(Boolean)).toHaveLength(1 + 6);
    expect(csv.stderr).toMatch(/6 rows .* → stdout/);
    expect(file.code).toBe(0);
    const parquet = await run(['noise_indicators_daily', '--format', 'parquet', '--out', '-']);
    expect(parquet.stdout.startsWith('PAR1')).toBe(true);
  });

  it('warns on stderr, when the extract is empty, what the dataset holds: its rows, days and communes', async () => {
    const commune = await run(['noise_indicators_daily', '--commune', '99999', '--format', 'csv']);
    expect(commune.code).toBe(0);
    // 2 sensors × 2 conventions × 3 days
    expect(commune.stderr).toMatch(/^warning: the result is empty; noise_indicators_daily holds 12 rows over days 2025-06-01 to 2025-06-03 in 2 commune\(s\), 75056 to 93066 /m);
    const days = await run(['noise_readings', '--from', '2024-01-01', '--to', '2024-01-31', '--format', 'csv']);
    expect(days.code).toBe(0);
    expect(days.stderr).toMatch(/^warning: the result is empty; noise_readings holds 144 rows over days 2025-06-01 to 2025-06-03 in 2 commune\(s\)/m);
    const full = await run(['noise_readings', '--format', 'csv']);
    expect(full.stderr).not.toMatch(/warning/);
  });

  it('reads only the partitions in the --from/--to range', async () => {
    // a file that cannot be read, outside the range: a ranged export never opens it, a full one fails on it
    const broken = path.join(lake.dir, 'curated', 'noise_readings', 'dt=2025-05-31', 'broken.parquet');
    await mkdir(path.dirname(broken), { recursive: true });
    await writeFile(broken, 'not parquet');
    try {
      const ranged = await run(['noise_readings', '--from', '2025-06-01', '--to', '2025-06-03', '--format', 'csv', '--out', '-']);
      expect(ranged.code, ranged.stderr).toBe(0);
      expect(ranged.stderr).toMatch(/144 rows .* 3 dt partition\(s\) read/);
      const full = await run(['noise_readings', '--format', 'csv', '--out', '-']);
      expect(full.code).toBe(1);
      expect(full.stderr).toMatch(/broken\.parquet/);
    } finally {
      await rm(path.dirname(broken), { recursive: true, force: true });
    }
  });
});

describe('observatory export: usage errors and default file names', () => {
  it.each([
    [['nope', '--format', 'csv'], /unknown dataset "nope"; declared: noise_readings, /],
    [['noise_readings'], /required option '--format <format>'/],
    [['noise_readings', '--format', 'xlsx'], /'xlsx' is invalid. Allowed choices are parquet, csv/],
    [['quarantine', '--format', 'csv', '--commune', '75056'], /--commune: dataset quarantine has no commune_insee column; datasets with one: noise_readings/],
    [['noise_readings', '--format', 'csv', '--commune', 'Paris'], /"Paris" is not an INSEE commune code/],
    [['sensors', '--format', 'csv', '--from', '2025-06-01'], /--from: dataset sensors is not partitioned by date; --from\/--to apply to noise_readings/],
    [['noise_readings', '--format', 'csv', '--to', '2025-02-30'], /--to: "2025-02-30" is not a calendar date/],
    [['noise_readings', '--format', 'csv', '--from', '2025-06-03', '--to', '2025-06-01'], /--from 2025-06-03 is after --to 2025-06-01/],
  ])('exits 2 with one line naming the problem: %j', async (args, message) => {
    const r = await observatoryInProcess(['--lake', lake.dir, 'export', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });

  it('planExport() names default files after the dataset and the filters', () => {
    const name = (o: object) => planExport({ dataset: 'noise_readings', format: 'csv', ...o }).defaultFile;
    expect(name({})).toBe('noise_readings.csv');
    expect(name({ commune: '75056' })).toBe('noise_readings_75056.csv');
    expect(name({ from: '2025-06-01' })).toBe('noise_readings_from-2025-06-01.csv');
    expect(name({ to: '2025-06-01', commune: '2A004' })).toBe('noise_readings_2A004_to-2025-06-01.csv');
    expect(existsSync(path.join(cwd, 'nope.csv'))).toBe(false);
  });
});
