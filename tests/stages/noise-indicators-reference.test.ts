import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Temporal } from 'temporal-polyfill';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckLake } from '../../functions/lib/adapters/duck-lake.ts';
import { Duck } from '../../functions/lib/adapters/duckdb.ts';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import { noiseIndicatorsDaily, noiseReadings } from '../../functions/lib/datasets/index.ts';
import { parisDate } from '../../functions/lib/domain/time/paris.ts';
import { silentLogger } from '../../functions/lib/ports/logger.ts';
import { noiseIndicators } from '../../functions/lib/stages/noise-indicators.ts';

// Agreement of the stage with tests/reference/noise_reference.py, an independent numpy implementation,
// on two real LAeq series (github.com/valerianF/noisemonitor test data, Apache-2.0).

const SERIES = path.join(import.meta.dirname, '..', 'fixtures', 'series');
const REFERENCE = path.join(import.meta.dirname, '..', 'reference', 'noise_reference.py');
const TOLERANCE_DB = 0.01;
const INDICATORS = ['leq', 'lday', 'levening', 'lnight', 'lden', 'l10', 'l50', 'l90'] as const;

const CASES = [
  // 2025-03-22 at 1 s (plus one sample at midnight of the 23rd)
  { sensor: 'noisemonitor-1s', file: 'laeq-1s-one-day.csv.gz', seconds: 1, fullDays: ['2025-03-22'] },
  // 2025-03-21 … 2025-04-01 at 1 min, timestamps at hh:mm:30, across the 23-h day 2025-03-30
  {
    sensor: 'noisemonitor-1min',
    file: 'laeq-1min-11-days.csv.gz',
    seconds: 60,
    fullDays: Array.from({ length: 11 }, (_, i) => `2025-03-${String(21 + i).padStart(2, '0')}`),
  },
] as const;

interface ReferenceDay {
  day: string;
  convention: string;
  samples: number;
  [indicator: string]: number | string | null;
}

/** the first python3 that has numpy (scripts/setup-test-env.sh installs Debian's when none has) */
function python(): string {
  const found = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import numpy']).status === 0);
  if (!found) throw new Error('no python3 with numpy for tests/reference/noise_reference.py: run scripts/setup-test-env.sh');
  return found;
}

let root: string;
let duck: Duck;
const stage = new Map<string, Record<string, unknown>>();
const reference = new Map<string, { skipped: number; days: ReferenceDay[] }>();

/** naive Europe/Paris local "YYYY-MM-DD HH:MM:SS" → UTC ms; undefined for a time skipped by the DST change */
const utcOfHour = new Map<string, number | undefined>();
function localToUtc(local: string): number | undefined {
  const hourKey = local.slice(0, 13);
  if (!utcOfHour.has(hourKey)) {
    try {
      const zoned = Temporal.PlainDateTime.from(`${hourKey.replace(' ', 'T')}:00:00`).toZonedDateTime('Europe/Paris', { disambiguation: 'reject' });
      utcOfHour.set(hourKey, zoned.epochMilliseconds);
    } catch {
      utcOfHour.set(hourKey, undefined);
    }
  }
  const hourStart = utcOfHour.get(hourKey);
  return hourStart === undefined ? undefined : hourStart + (Number(local.slice(14, 16)) * 60 + Number(local.slice(17, 19))) * 1000;
}

async function seriesReadings(file: string, sensor: string, seconds: number) {
  const text = gunzipSync(await readFile(path.join(SERIES, file))).toString('utf8');
  const byDt = new Map<string, Record<string, unknown>[]>();
  const lines = text.split(/\r?\n/);
  for (let i = 1; i < lines.length; i++) {
    const [stamp, value] = lines[i]!.split(',');
    if (!stamp || !value) continue;
    const from = localToUtc(stamp.trim());
    if (from === undefined) continue; // 2025-03-30 02:xx does not exist in Paris
    const dt = parisDate(from);
    let rows = byDt.get(dt);
    if (!rows) byDt.set(dt, (rows = []));
    rows.push({
      sensor_id: sensor,
      commune_insee: '75056',
      ts_from: new Date(from),
      ts_to: new Date(from + seconds * 1000),
      laeq: Number(value),
      lamax: null,
      las: null,
      source_kind: 'noise-csv',
      raw_key: `raw/noise-csv/00/${file}`,
      record: i + 1,
      received_at: new Date('2025-04-02T00:00:00Z'),
    });
  }
  return byDt;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'noise-reference-'));
  const store = new FsObjectStore(root);
  duck = await Duck.open();
  for (const c of CASES) {
    for (const [dt, rows] of await seriesReadings(c.file, c.sensor, c.seconds)) {
      const local = duck.scratch('readings.parquet');
      await duck.writeParquet(noiseReadings, rows, local);
      await store.put(`curated/noise_readings/dt=${dt}/${c.sensor}.parquet`, await readFile(local));
    }
  }
  const run = promisify(execFile);
  const [summary] = await Promise.all([
    noiseIndicators({ store, lake: new DuckLake(duck, store), logger: silentLogger, now: () => new Date('2025-04-02T00:00:00Z') }),
    ...CASES.map(async (c) => {
      const { stdout } = await run(python(), [REFERENCE, path.join(SERIES, c.file)], { maxBuffer: 16 * 1024 * 1024 });
      reference.set(c.sensor, JSON.parse(stdout) as { skipped: number; days: ReferenceDay[] });
    }),
  ]);
  expect(summary.readings).toBe(86_401 + 16_470 - 60);
  await new DuckLake(duck, store).attach([noiseIndicatorsDaily]);
  const rows = (await duck.all(`SELECT * REPLACE (CAST(day AS VARCHAR) AS day) FROM noise_indicators_daily`)).rows;
  for (const r of rows) stage.set(`${String(r['sensor_id'])} ${String(r['day'])} ${String(r['convention'])}`, r);
}, 120_000);

afterAll(async () => {
  await duck?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('noise indicators against the numpy reference', () => {
  it.each(CASES)('noiseIndicators() agrees with noise_reference.py within 0.01 dB on $file', (c) => {
    const ref = reference.get(c.sensor)!;
    expect(ref.skipped).toBe(c.seconds === 60 ? 60 : 0);
    let compared = 0;
    let maxDiff = 0;
    for (const r of ref.days) {
      const mine = stage.get(`${c.sensor} ${r.day} ${r.convention}`);
      expect(mine, `${r.day} ${r.convention} in the stage output`).toBeDefined();
      expect(mine!['samples'], `${r.day} samples`).toBe(r.samples);
      for (const k of INDICATORS) {
        const theirs = r[k] as number | null;
        const ours = mine![k] as number | null;
        if (c.fullDays.includes(r.day as never)) {
          // a fully covered day: both implementations must produce every indicator
          expect(theirs, `${r.day} ${r.convention} ${k} (reference)`).not.toBeNull();
          expect(ours, `${r.day} ${r.convention} ${k} (stage)`).not.toBeNull();
          expect(mine!['coverage_ok'], `${r.day} coverage_ok`).toBe(true);
        }
        if (theirs === null || ours === null) {
          expect(ours, `${r.day} ${r.convention} ${k}: null in one implementation only`).toBe(theirs);
          continue;
        }
        const diff = Math.abs(ours - theirs);
        maxDiff = Math.max(maxDiff, diff);
        expect(diff, `${r.day} ${r.convention} ${k}: stage ${ours} vs reference ${theirs}`).toBeLessThan(TOLERANCE_DB);
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(c.fullDays.length * 2 * INDICATORS.length);
    expect(maxDiff).toBeLessThan(1e-9); // both are exact energy averages: the difference is rounding
  });
});
