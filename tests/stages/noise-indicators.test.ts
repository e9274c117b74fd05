import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckLake } from '../../functions/lib/adapters/duck-lake.ts';
import { Duck } from '../../functions/lib/adapters/duckdb.ts';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import { validateRow } from '../../functions/lib/datasets/derive.ts';
import {
  DATASETS,
  noiseIndicatorsArrondissementDaily,
  noiseIndicatorsCommuneDaily,
  noiseIndicatorsDaily,
  noiseIndicatorsHourly,
  noiseIndicatorsMonthly,
  noiseIndicatorsYearly,
  noiseReadings,
  sensors,
  type NoiseReadingRow,
} from '../../functions/lib/datasets/index.ts';
import { localDayBounds, localHour, parisDate } from '../../functions/lib/domain/time/paris.ts';
import { datasetFileKey, stateKey } from '../../functions/lib/lake/layout.ts';
import { silentLogger } from '../../functions/lib/ports/logger.ts';
import type { StageContext } from '../../functions/lib/stages/context.ts';
import { noiseIndicators } from '../../functions/lib/stages/noise-indicators.ts';

// Expectations are computed here with plain loops over the generated readings (local hours from Intl),
// independently of the stage's SQL.

type Reading = Pick<NoiseReadingRow, 'sensor_id' | 'ts_from' | 'ts_to' | 'laeq'> & { received_at?: Date };
type Convention = 'eu' | 'fr';

const PERIODS: Record<Convention, (h: number) => 'day' | 'evening' | 'night'> = {
  eu: (h) => (h >= 7 && h < 19 ? 'day' : h >= 19 && h < 23 ? 'evening' : 'night'),
  fr: (h) => (h >= 6 && h < 18 ? 'day' : h >= 18 && h < 22 ? 'evening' : 'night'),
};

const COMMUNE: Record<string, string> = { 'road-1': '75056', 'rail-1': '75056', 'other-1': '93066' };

let root: string;
let store: FsObjectStore;
let duck: Duck;
let ctx: StageContext;
let fileCounter = 0;

async function putReadings(dt: string, readings: Reading[], receivedAt = new Date('2025-12-01T00:00:00Z')): Promise<string> {
  const rows = readings.map((r, i) => ({
    sensor_id: r.sensor_id,
    commune_insee: COMMUNE[r.sensor_id] ?? null,
    ts_from: r.ts_from,
    ts_to: r.ts_to,
    laeq: r.laeq,
    lamax: null,
    las: null,
    source_kind: 'noise-csv',
    raw_key: `raw/noise-csv/00/file-${fileCounter}.csv`,
    record: i + 1,
    received_at: r.received_at ?? receivedAt,
  }));
  const file = duck.scratch('readings.parquet');
  await duck.writeParquet(noiseReadings, rows, file);
  const key = `curated/noise_readings/dt=${dt}/file-${String(++fileCounter).padStart(4, '0')}.parquet`;
  await store.put(key, await readFile(file));
  // as the ingest does: the change log says which day changed
  await ctx.lake.recordChange(noiseReadings, [dt], `file-${fileCounter}`);
  return key;
}

async function putSensors(sources: Record<string, string> = {}, communes: Record<string, string> = {}): Promise<void> {
  const base = { name: null, lon: 2.35, lat: 48.85, in_metropole: true, sonometer_class: '1', first_seen: new Date('2025-01-01T00:00:00Z'), last_seen: new Date('2025-12-31T00:00:00Z') };
  const rows = [
    { ...base, sensor_id: 'road-1', commune_insee: communes['road-1'] ?? '75056', arrondissement_insee: communes['road-1'] ? null : '75104', noise_source: sources['road-1'] ?? 'road' },
    { ...base, sensor_id: 'rail-1', commune_insee: '75056', arrondissement_insee: '75111', noise_source: sources['rail-1'] ?? 'rail' },
    // other-1 is missing from the sensors file: its noise source defaults to 'unknown'
  ];
  const file = duck.scratch('sensors.parquet');
  await duck.writeParquet(sensors, rows, file);
  await store.put('curated/sensors/part-0.parquet', await readFile(file));
}

/** readings of `step` seconds from local time `fromHour` to `toHour` of local day `day` (hours past local midnight, in real elapsed time) */
function series(sensorId: string, day: string, step: number, level: (localHourOf: number, i: number) => number, fromHour = 0, toHour?: number): Reading[] {
  const { start, end } = localDayBounds(day);
  const to = toHour === undefined ? end : start + toHour * 3_600_000;
  const out: Reading[] = [];
  let i = 0;
  for (let t = start + fromHour * 3_600_000; t < to; t += step * 1000, i++) {
    out.push({ sensor_id: sensorId, ts_from: new Date(t), ts_to: new Date(t + step * 1000), laeq: Math.round(level(localHour(t).hour, i) * 1000) / 1000 });
  }
  return out;
}

const energy = (levels: number[], weights: number[]) => {
  let e = 0;
  let w = 0;
  levels.forEach((l, i) => {
    e += weights[i]! * 10 ** (l / 10);
    w += weights[i]!;
  });
  return w > 0 ? 10 * Math.log10(e / w) : null;
};

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = ((s.length - 1) * p) / 100;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!);
}

/** the latest value of each (sensor, ts_from, ts_to), as the curated view keeps it */
function dedup(readings: Reading[]): Reading[] {
  const byKey = new Map<string, Reading>();
  for (const r of readings) byKey.set(`${r.sensor_id}|${r.ts_from.getTime()}|${r.ts_to.getTime()}`, r);
  return [...byKey.values()];
}

function expectedDaily(all: Reading[], sensorId: string, day: string, convention: Convention) {
  const rs = all.filter((r) => r.sensor_id === sensorId && localHour(r.ts_from.getTime()).date === day);
  const dur = (r: Reading) => (r.ts_to.getTime() - r.ts_from.getTime()) / 1000;
  const inPeriod = (p: string) => rs.filter((r) => PERIODS[convention](localHour(r.ts_from.getTime()).hour) === p);
  const lp = (p: string) => energy(inPeriod(p).map((r) => r.laeq!), inPeriod(p).map(dur));
  const [ld, le, ln] = [lp('day'), lp('evening'), lp('night')];
  const { start, end } = localDayBounds(day);
  const periodSeconds = (p: string) => {
    let s = 0;
    for (let t = start; t < end; t += 3_600_000) if (PERIODS[convention](localHour(t).hour) === p) s += 3600;
    return s;
  };
  const covered = (list: Reading[]) => list.reduce((s, r) => s + dur(r), 0);
  const coverage = Math.min(covered(rs) / ((end - start) / 1000), 1);
  const levels = rs.map((r) => r.laeq!);
  return {
    leq: energy(levels, rs.map(dur)),
    lday: ld,
    levening: le,
    lnight: ln,
    lden: ld === null || le === null || ln === null ? null : 10 * Math.log10((12 * 10 ** (ld / 10) + 4 * 10 ** ((le + 5) / 10) + 8 * 10 ** ((ln + 10) / 10)) / 24),
    l10: percentile(levels, 90),
    l50: percentile(levels, 50),
    l90: percentile(levels, 10),
    samples: rs.length,
    coverage,
    coverage_ok: coverage >= 0.5 && ['day', 'evening', 'night'].every((p) => covered(inPeriod(p)) / periodSeconds(p) >= 0.5),
  };
}

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const reader = await Duck.open({ threads: 1 });
  try {
    await new DuckLake(reader, store).attach(DATASETS);
    return (await reader.all(sql)).rows;
  } finally {
    await reader.close();
  }
}

function expectClose(actual: unknown, expected: number | null, label: string): void {
  if (expected === null) expect(actual, label).toBeNull();
  else {
    expect(actual, label).toBeTypeOf('number');
    expect(Math.abs((actual as number) - expected), `${label}: ${String(actual)} vs ${expected}`).toBeLessThan(1e-9);
  }
}

// sensor road-1: 10-min readings whose level follows the local hour, four days incl. both DST days
const roadLevel = (h: number, i: number) => 40 + h + (i % 6) * 0.3;
// about 60 dB, never the same twice in a row (a constant level is a stuck sensor: the quality control leaves it out)
const railLevel = (_h: number, i: number) => (i % 2 ? 60.1 : 59.9);
const readings: Reading[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'noise-indicators-'));
  store = new FsObjectStore(root);
  duck = await Duck.open({ threads: 2 });
  ctx = { store, lake: new DuckLake(duck, store), logger: silentLogger, now: () => new Date('2026-01-01T00:00:00Z') };
  await putSensors();
  const plan: [string, Reading[]][] = [
    ['2025-06-10', [...series('road-1', '2025-06-10', 600, roadLevel), ...series('rail-1', '2025-06-10', 60, railLevel), ...series('other-1', '2025-06-10', 60, (h, i) => railLevel(h, i) + 10, 0, 12)]],
    ['2025-06-11', series('road-1', '2025-06-11', 600, roadLevel, 0, 12)], // afternoon and evening missing
    ['2025-03-30', series('road-1', '2025-03-30', 600, roadLevel)], // 23 h
    ['2025-10-26', series('road-1', '2025-10-26', 600, roadLevel)], // 25 h
  ];
  for (const [dt, rs] of plan) {
    readings.push(...rs);
    await putReadings(dt, rs);
  }
});

afterAll(async () => {
  await duck?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

// the describes run in order on the same lake: the incremental runs start from the first runs' outputs
describe('noiseIndicators() on a new lake: sensor days and hours', () => {
  it('noiseIndicators() computes every day of a new lake, with the independent expectations', async () => {
    const summary = await noiseIndicators(ctx);
    expect(summary.fullReason).toBe('no previous state');
    expect(summary.dts).toEqual(['2025-03-30', '2025-06-10', '2025-06-11', '2025-10-26']);
    expect(summary.years).toEqual([2025]);
    expect(summary.readings).toBe(readings.length);
    expect(summary.rows[noiseIndicatorsDaily.name]).toBe(5 * 2 + 2); // road-1 ×4 days, rail-1, other-1; ×2 conventions
    expect(summary.readingsPerSecond).toBeGreaterThan(0);

    const daily = await query(`SELECT * REPLACE (CAST(day AS VARCHAR) AS day) FROM noise_indicators_daily ORDER BY sensor_id, day, convention`);
    expect(daily).toHaveLength(12);
    for (const row of daily) {
      const label = `${String(row['sensor_id'])} ${String(row['day'])} ${String(row['convention'])}`;
      const expected = expectedDaily(readings, row['sensor_id'] as string, row['day'] as string, row['convention'] as Convention);
      for (const k of ['leq', 'lday', 'levening', 'lnight', 'lden', 'l10', 'l50', 'l90', 'coverage'] as const) expectClose(row[k], expected[k], `${label} ${k}`);
      expect(row['samples'], label).toBe(expected.samples);
      expect(row['coverage_ok'], label).toBe(expected.coverage_ok);
      expect(row['dt']).toBe(String(row['day']).slice(0, 7)); // partitioned by month
      expect(validateRow(noiseIndicatorsDaily, row, { now: new Date() }), label).toEqual([]);
    }
  });

  it('noiseIndicators() counts 23 and 25 hours on the DST days', async () => {
    const daily = await query(
      `SELECT CAST(day AS VARCHAR) AS day, convention, samples, coverage, coverage_ok, lnight FROM noise_indicators_daily WHERE sensor_id = 'road-1' AND convention = 'eu' ORDER BY day`,
    );
    const byDay = Object.fromEntries(daily.map((r) => [r['day'] as string, r]));
    expect(byDay['2025-03-30']).toMatchObject({ samples: 23 * 6, coverage: 1, coverage_ok: true });
    expect(byDay['2025-10-26']).toMatchObject({ samples: 25 * 6, coverage: 1, coverage_ok: true });
    expect(byDay['2025-06-10']).toMatchObject({ samples: 24 * 6, coverage: 1, coverage_ok: true });
    // the 25-h night holds local hour 02 twice (levels 42…43.5 dB twice): energy average of its 9 hours
    const night25 = [0, 1, 2, 2, 3, 4, 5, 6, 23].flatMap((h) => [0, 1, 2, 3, 4, 5].map((k) => 40 + h + k * 0.3));
    expectClose(byDay['2025-10-26']!['lnight'], energy(night25, night25.map(() => 1)), 'lnight on 2025-10-26');

    const hours = await query(
      `SELECT CAST(timezone('Europe/Paris', hour_start) AS DATE)::VARCHAR AS day, list(local_hour ORDER BY hour_start) AS hours, count(*) AS n, min(coverage) AS c
       FROM noise_indicators_hourly WHERE sensor_id = 'road-1' GROUP BY 1 ORDER BY 1`,
    );
    const h = Object.fromEntries(hours.map((r) => [r['day'] as string, r]));
    expect(Number(h['2025-03-30']!['n'])).toBe(23);
    expect(h['2025-03-30']!['hours']).toEqual([0, 1, ...Array.from({ length: 21 }, (_, i) => i + 3)]);
    expect(Number(h['2025-10-26']!['n'])).toBe(25);
    expect(h['2025-10-26']!['hours']).toEqual([0, 1, 2, 2, ...Array.from({ length: 21 }, (_, i) => i + 3)]);
    expect(h['2025-10-26']!['c']).toBe(1);
  });

  it('noiseIndicators() leaves Lden NULL when a period has no data', async () => {
    const [row] = await query(`SELECT * FROM noise_indicators_daily WHERE sensor_id = 'road-1' AND day = DATE '2025-06-11' AND convention = 'eu'`);
    expect(row).toMatchObject({ levening: null, lden: null, coverage: 0.5, coverage_ok: false, who_lden_exceeded: null, fr_lden_exceeded: null });
    expect(row!['lday']).toBeTypeOf('number'); // 07–12 h
    expect(row!['lnight']).toBeTypeOf('number');
    expect(row!['who_lnight_exceeded']).toBe((row!['lnight'] as number) > 45); // WHO road Lnight guideline
  });

  it('noiseIndicators() writes hourly levels, one file per dt with a fixed name', async () => {
    const hourly = await query(`SELECT * FROM noise_indicators_hourly WHERE sensor_id = 'road-1' AND dt = '2025-06-10' ORDER BY hour_start`);
    expect(hourly).toHaveLength(24);
    for (const row of hourly) {
      const h = row['local_hour'] as number;
      const levels = [0, 1, 2, 3, 4, 5].map((k) => 40 + h + k * 0.3);
      expectClose(row['leq'], energy(levels, levels.map(() => 1)), `hour ${h}`);
      expect(row).toMatchObject({ samples: 6, coverage: 1, commune_insee: '75056' });
      expect(validateRow(noiseIndicatorsHourly, row, { now: new Date() })).toEqual([]);
    }
    // hourly levels by day; the daily indicators, small, by month
    expect(await store.head(datasetFileKey(noiseIndicatorsHourly, 'part-0', '2025-06-10'))).toBeDefined();
    for (const d of [noiseIndicatorsDaily, noiseIndicatorsCommuneDaily]) {
      expect(await store.head(datasetFileKey(d, 'part-0', '2025-06'))).toBeDefined();
      expect(await store.head(datasetFileKey(d, 'part-0', '2025-06-10'))).toBeUndefined();
    }
  });

});

describe('noiseIndicators() on a new lake: exceedances, areas, months and years', () => {
  it('noiseIndicators() flags exceedances from the sensor noise source, unknown without a sensor row', async () => {
    const rows = await query(`SELECT sensor_id, convention, noise_source, lden, lnight, who_lden_exceeded, who_lnight_exceeded, fr_lden_exceeded, fr_ln_exceeded
      FROM noise_indicators_daily WHERE day = DATE '2025-06-10' AND convention = 'eu' ORDER BY sensor_id`);
    const by = Object.fromEntries(rows.map((r) => [r['sensor_id'] as string, r]));
    // rail-1: about 60 dB all day → Lden about 66.4 > WHO rail 54, < FR rail 73; Ln about 60 > 44, < 65
    expect(by['rail-1']).toMatchObject({ noise_source: 'rail', who_lden_exceeded: true, who_lnight_exceeded: true, fr_lden_exceeded: false, fr_ln_exceeded: false });
    expectClose(by['rail-1']!['lden'], expectedDaily(readings, 'rail-1', '2025-06-10', 'eu').lden, 'rail-1 lden');
    expect(Math.abs((by['rail-1']!['lden'] as number) - (60 + 10 * Math.log10((12 + 4 * Math.sqrt(10) + 80) / 24)))).toBeLessThan(0.01);
    expect(by['other-1']).toMatchObject({ noise_source: 'unknown', lden: null, who_lden_exceeded: null, fr_lden_exceeded: null });
    expect(by['road-1']!['noise_source']).toBe('road');
  });

  it('noiseIndicators() energy-averages the covered sensors of a commune', async () => {
    const rows = await query(`SELECT * REPLACE (CAST(day AS VARCHAR) AS day) FROM noise_indicators_commune_daily ORDER BY commune_insee, day, convention`);
    // 93066 has only other-1, whose day is half covered: no row; 75056 on 2025-06-10 averages road-1 and rail-1
    expect(rows.map((r) => r['commune_insee'])).not.toContain('93066');
    const june10 = rows.filter((r) => r['day'] === '2025-06-10');
    expect(june10).toHaveLength(2);
    for (const row of june10) {
      const a = expectedDaily(readings, 'road-1', '2025-06-10', row['convention'] as Convention);
      const b = expectedDaily(readings, 'rail-1', '2025-06-10', row['convention'] as Convention);
      for (const k of ['leq', 'lday', 'levening', 'lnight', 'lden'] as const) expectClose(row[k], energy([a[k]!, b[k]!], [1, 1]), `75056 ${k}`);
      expect(row['sensors']).toBe(2);
      expect(validateRow(noiseIndicatorsCommuneDaily, row, { now: new Date() })).toEqual([]);
    }
    // 2025-06-11: road-1 is not covered enough: no commune row
    expect(rows.filter((r) => r['day'] === '2025-06-11')).toHaveLength(0);
  });

  it('noiseIndicators() energy-averages the covered sensors of each arrondissement of Paris apart', async () => {
    const rows = await query(`SELECT * REPLACE (CAST(day AS VARCHAR) AS day) FROM noise_indicators_arrondissement_daily ORDER BY arrondissement_insee, day, convention`);
    // 2025-06-10: road-1 alone in the 4e, rail-1 alone in the 11e; other-1 (outside Paris) in none
    const june10 = rows.filter((r) => r['day'] === '2025-06-10');
    expect(june10.map((r) => `${String(r['arrondissement_insee'])} ${String(r['convention'])}`)).toEqual(['75104 eu', '75104 fr', '75111 eu', '75111 fr']);
    for (const row of june10) {
      const sensor = row['arrondissement_insee'] === '75104' ? 'road-1' : 'rail-1';
      const e = expectedDaily(readings, sensor, '2025-06-10', row['convention'] as Convention);
      for (const k of ['leq', 'lday', 'lnight', 'lden'] as const) expectClose(row[k], energy([e[k]!], [1]), `${sensor} ${k}`);
      expect(row['sensors']).toBe(1);
      expect(validateRow(noiseIndicatorsArrondissementDaily, row, { now: new Date() })).toEqual([]);
    }
    // the days road-1 is not covered enough have no row, as for the commune
    expect(rows.filter((r) => r['day'] === '2025-06-11')).toHaveLength(0);
  });

  it('noiseIndicators() computes monthly levels over every reading of the month, with the seconds each period is covered', async () => {
    const rows = await query(`SELECT * REPLACE (CAST(month AS VARCHAR) AS month) FROM noise_indicators_monthly WHERE sensor_id = 'road-1' ORDER BY month, convention`);
    // road-1 has readings in March, June (two days) and October 2025
    expect(rows.map((r) => `${String(r['month'])} ${String(r['convention'])}`)).toEqual(['2025-03-01 eu', '2025-03-01 fr', '2025-06-01 eu', '2025-06-01 fr', '2025-10-01 eu', '2025-10-01 fr']);
    for (const row of rows.filter((r) => r['month'] === '2025-06-01')) {
      const c = row['convention'] as Convention;
      const rs = readings.filter((r) => r.sensor_id === 'road-1' && parisDate(r.ts_from).startsWith('2025-06'));
      for (const p of ['day', 'evening', 'night'] as const) {
        const sel = rs.filter((r) => PERIODS[c](localHour(r.ts_from.getTime()).hour) === p);
        const seconds = sel.map((r) => (r.ts_to.getTime() - r.ts_from.getTime()) / 1000);
        expectClose(row[`l${p}`], energy(sel.map((r) => r.laeq!), seconds), `${c} l${p}`);
        expectClose(row[`covered_${p}_s`], seconds.reduce((a, b) => a + b, 0), `${c} covered_${p}_s`);
      }
      expect(row).toMatchObject({ days: 2, commune_insee: '75056', dt: '2025' });
      expect(validateRow(noiseIndicatorsMonthly, row, { now: new Date() })).toEqual([]);
    }
  });

  it('noiseIndicators() computes yearly levels over every reading of the year', async () => {
    const rows = await query(`SELECT * FROM noise_indicators_yearly WHERE sensor_id = 'road-1' ORDER BY convention`);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const c = row['convention'] as Convention;
      const rs = readings.filter((r) => r.sensor_id === 'road-1');
      const lp = (p: string) => {
        const sel = rs.filter((r) => PERIODS[c](localHour(r.ts_from.getTime()).hour) === p);
        return energy(sel.map((r) => r.laeq!), sel.map((r) => (r.ts_to.getTime() - r.ts_from.getTime()) / 1000))!;
      };
      const [ld, le, ln] = [lp('day'), lp('evening'), lp('night')];
      expectClose(row['lday'], ld, `${c} lday`);
      expectClose(row['levening'], le, `${c} levening`);
      expectClose(row['ln'], ln, `${c} ln`);
      expectClose(row['lden'], 10 * Math.log10((12 * 10 ** (ld / 10) + 4 * 10 ** ((le + 5) / 10) + 8 * 10 ** ((ln + 10) / 10)) / 24), `${c} lden`);
      expect(row['days']).toBe(4);
      expectClose(row['coverage'], (rs.length * 600) / (365 * 86400), `${c} coverage`);
      expect(row).toMatchObject({ year: 2025, noise_source: 'road', commune_insee: '75056' });
      expect(row['who_lden_exceeded']).toBe(true);
      expect(validateRow(noiseIndicatorsYearly, row, { now: new Date() })).toEqual([]);
    }
    expect(await store.head(datasetFileKey(noiseIndicatorsYearly, '2025'))).toBeDefined();
  });

});

describe('noiseIndicators() after new or corrected readings', () => {
  it('noiseIndicators() recomputes nothing when no reading file changed', async () => {
    const before = await store.head(datasetFileKey(noiseIndicatorsDaily, 'part-0', '2025-06'));
    const summary = await noiseIndicators(ctx);
    expect(summary).toMatchObject({ fullReason: null, dts: [], deletedDts: [], years: [], readings: 0 });
    expect(Object.values(summary.rows).every((n) => n === 0)).toBe(true);
    const after = await store.head(datasetFileKey(noiseIndicatorsDaily, 'part-0', '2025-06'));
    expect(after!.lastModified).toEqual(before!.lastModified);
  });

  it('noiseIndicators() recomputes only the day a late file lands in, and its year', async () => {
    const untouched = await store.head(datasetFileKey(noiseIndicatorsHourly, 'part-0', '2025-06-10'));
    const otherDaysBefore = await query(`SELECT * FROM noise_indicators_daily WHERE day <> DATE '2025-06-11' ORDER BY ALL`);
    const yearBefore = await store.head(datasetFileKey(noiseIndicatorsYearly, '2025'));
    const late = series('road-1', '2025-06-11', 600, roadLevel, 12);
    readings.push(...late);
    await putReadings('2025-06-11', late, new Date('2025-12-02T00:00:00Z'));

    const summary = await noiseIndicators(ctx);
    expect(summary.dts).toEqual(['2025-06-11']);
    expect(summary.years).toEqual([2025]);
    expect(summary.rows[noiseIndicatorsDaily.name]).toBe(2);
    expect(summary.rows[noiseIndicatorsHourly.name]).toBe(24);
    expect(summary.rows[noiseIndicatorsYearly.name]).toBe(6); // 3 sensors × 2 conventions

    const [row] = await query(`SELECT * FROM noise_indicators_daily WHERE sensor_id = 'road-1' AND day = DATE '2025-06-11' AND convention = 'fr'`);
    const expected = expectedDaily(readings, 'road-1', '2025-06-11', 'fr');
    expectClose(row!['lden'], expected.lden, 'lden after the late file');
    expect(row).toMatchObject({ coverage: 1, coverage_ok: true, samples: 144 });
    // the hourly file of another day is not rewritten; the month's daily file is, and keeps the other days' rows as they were
    expect((await store.head(datasetFileKey(noiseIndicatorsHourly, 'part-0', '2025-06-10')))!.lastModified).toEqual(untouched!.lastModified);
    expect(await query(`SELECT * FROM noise_indicators_daily WHERE day <> DATE '2025-06-11' ORDER BY ALL`)).toEqual(otherDaysBefore);
    expect((await store.head(datasetFileKey(noiseIndicatorsYearly, '2025')))!.sha256).not.toBe(yearBefore!.sha256);
    const commune = await query(`SELECT sensors FROM noise_indicators_commune_daily WHERE day = DATE '2025-06-11'`);
    expect(commune).toEqual([{ sensors: 1 }, { sensors: 1 }]);
  });

  it('noiseIndicators() applies a corrected value re-sent later for the same interval', async () => {
    const original = readings.find((r) => r.sensor_id === 'rail-1' && r.ts_from.getTime() === Date.parse('2025-06-10T10:00:00Z'))!;
    const corrected: Reading = { ...original, laeq: 90, received_at: new Date('2025-12-03T00:00:00Z') };
    await putReadings('2025-06-10', [corrected]);
    readings.splice(readings.indexOf(original), 1, corrected);

    const summary = await noiseIndicators(ctx);
    expect(summary.dts).toEqual(['2025-06-10']);
    const [row] = await query(`SELECT leq, lday, samples FROM noise_indicators_daily WHERE sensor_id = 'rail-1' AND convention = 'eu'`);
    const expected = expectedDaily(dedup(readings), 'rail-1', '2025-06-10', 'eu');
    expect(row!['samples']).toBe(1440);
    expectClose(row!['lday'], expected.lday, 'lday with the correction');
    expect(row!['lday'] as number).toBeGreaterThan(61);
  });

});

describe('noiseIndicators() after vanished readings, moved sensors, changed settings', () => {
  it('noiseIndicators() with full: true deletes the indicator files of a day whose readings disappeared', async () => {
    const keys = (await store.list('curated/noise_readings/dt=2025-10-26/')).items.map((o) => o.key);
    for (const k of keys) await store.delete(k);
    // nothing in the product deletes readings: an incremental run, reading the change log, does not look
    expect((await noiseIndicators(ctx)).dts).toEqual([]);
    const summary = await noiseIndicators(ctx, { full: true });
    expect(summary.dts).toEqual(['2025-03-30', '2025-06-10', '2025-06-11']);
    expect(summary.deletedDts).toEqual(['2025-10-26']);
    expect(summary.years).toEqual([2025]);
    for (const d of [noiseIndicatorsHourly, noiseIndicatorsDaily, noiseIndicatorsCommuneDaily]) {
      expect(await store.head(datasetFileKey(d, 'part-0', '2025-10-26'))).toBeUndefined();
    }
    const [year] = await query(`SELECT days FROM noise_indicators_yearly WHERE sensor_id = 'road-1' AND convention = 'eu'`);
    expect(year!['days']).toBe(3);
    const state = JSON.parse((await store.get(stateKey('noise-indicators'))).toString()) as { dts: string[] };
    expect(state.dts).toEqual(['2025-03-30', '2025-06-10', '2025-06-11']);
  });

  it('noiseIndicators() keeps a moved sensor\'s history in the commune where its readings were taken', async () => {
    // road-1 now stands in Saint-Denis (93066); its readings were taken in Paris (their commune_insee, set at ingest)
    await putSensors({}, { 'road-1': '93066' });
    const summary = await noiseIndicators(ctx);
    expect(summary.dts).toEqual(['2025-03-30', '2025-06-10', '2025-06-11']);
    const communes = await query(`SELECT DISTINCT commune_insee FROM noise_indicators_hourly WHERE sensor_id = 'road-1'`);
    expect(communes).toEqual([{ commune_insee: '75056' }]);
    const [paris] = await query(`SELECT sensors FROM noise_indicators_commune_daily WHERE commune_insee = '75056' AND day = DATE '2025-06-10' AND convention = 'eu'`);
    expect(paris).toEqual({ sensors: 2 });
  });

  it('noiseIndicators() recomputes the days of a sensor whose noise source changed', async () => {
    await putSensors({ 'road-1': 'industry' });
    const summary = await noiseIndicators(ctx);
    expect(summary.fullReason).toBeNull();
    expect(summary.dts).toEqual(['2025-03-30', '2025-06-10', '2025-06-11']);
    const rows = await query(`SELECT DISTINCT noise_source, who_lden_exceeded, fr_lden_exceeded FROM noise_indicators_daily WHERE sensor_id = 'road-1' AND lden IS NOT NULL`);
    // WHO 2018 gives no industry value; the French industry limit is Lden 71
    expect(rows).toEqual([{ noise_source: 'industry', who_lden_exceeded: null, fr_lden_exceeded: false }]);
    expect(await query(`SELECT DISTINCT noise_source FROM noise_indicators_yearly WHERE sensor_id = 'road-1'`)).toEqual([{ noise_source: 'industry' }]);
    expect((await noiseIndicators(ctx)).dts).toEqual([]);
  });

  it('noiseIndicators() with full: true recomputes every day and deletes files no reading backs', async () => {
    const stale = [datasetFileKey(noiseIndicatorsDaily, 'part-0', '2024-02-02'), datasetFileKey(noiseIndicatorsYearly, '2024'), datasetFileKey(noiseIndicatorsHourly, 'old', '2025-06-10')];
    for (const key of stale) await store.put(key, 'stale');
    const summary = await noiseIndicators(ctx, { full: true });
    expect(summary.fullReason).toBe('full option');
    expect(summary.dts).toEqual(['2025-03-30', '2025-06-10', '2025-06-11']);
    for (const key of stale) expect(await store.head(key), key).toBeUndefined();
    expect(summary.deleted).toBeGreaterThanOrEqual(stale.length);
    expect(await store.head(datasetFileKey(noiseIndicatorsHourly, 'part-0', '2025-06-10'))).toBeDefined();
  });

  it('noiseIndicators() recomputes everything when the coverage threshold changes', async () => {
    const summary = await noiseIndicators(ctx, { coverageThreshold: 0.4 });
    expect(summary.fullReason).toMatch(/settings changed/);
    expect(summary.dts).toEqual(['2025-03-30', '2025-06-10', '2025-06-11']);
    // other-1 covers 12 of 24 h (≥ 0.4), but no evening at all: still not ok
    const [row] = await query(`SELECT coverage, coverage_ok FROM noise_indicators_daily WHERE sensor_id = 'other-1' AND convention = 'eu'`);
    expect(row).toEqual({ coverage: 0.5, coverage_ok: false });
    await expect(noiseIndicators(ctx, { coverageThreshold: 1.5 })).rejects.toThrow(/coverageThreshold must be a share in \[0, 1\], found 1.5/);
  });
});
