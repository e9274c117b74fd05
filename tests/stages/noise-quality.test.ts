import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noiseIndicatorsDaily, noiseQualityDaily, noiseReadings } from '../../functions/lib/datasets/index.ts';
import { QC_FLAGS, QC_THRESHOLDS } from '../../functions/lib/domain/noise/qc.ts';
import { ingestNoise } from '../../functions/lib/stages/ingest-noise.ts';
import { noiseIndicators, type NoiseIndicatorsSummary } from '../../functions/lib/stages/noise-indicators.ts';
import { tempLake } from '../support/lake.ts';

// The daily quality-control rows (noise_quality_daily) and the drift check of an incremental run:
// a new day's night floor is compared with the stored floors of the sensor's earlier days, so the run
// reads the new days' readings only, and gives the verdicts the view gives over every reading.

type Lake = Awaited<ReturnType<typeof tempLake>>;

const PER_DAY = 96; // 15-minute readings
const START = Date.parse('2025-04-30T22:00:00Z'); // local midnight, 1 May 2025 (UTC+2)
const DRIFT_FROM = 15 * PER_DAY; // from local 16 May the sensor reads 14 dB high
const DAYS = 20;

/** the LAeq of reading i: a varied street, never three equal readings in a row */
const laeqOf = (i: number) => Number((60 + (i >= DRIFT_FROM ? 14 : 0) + 5 * Math.sin(i / 7) + ((i * 37) % 11) / 10).toFixed(1));

function csv(from: number, to: number): Uint8Array {
  const lines = ['timestamp,LAeq,LAmax,LAS'];
  for (let i = from; i < to; i++) {
    const l = laeqOf(i);
    lines.push(`${new Date(START + i * 900_000).toISOString()},${l.toFixed(1)},${(l + 8).toFixed(1)},${(l - 1).toFixed(1)}`);
  }
  return Buffer.from(lines.join('\n') + '\n');
}

const localDay = (d: number) => `2025-05-${String(d + 1).padStart(2, '0')}`;

/** the 10th percentile (linear interpolation between order statistics) of LAeq over local 00–06 h and 22–24 h of day d */
function nightFloor(d: number): number {
  const { from, to } = QC_THRESHOLDS.nightHours;
  const values: number[] = [];
  for (let k = 0; k < PER_DAY; k++) {
    const hour = Math.floor(k / 4); // local clock hour: the day starts at local midnight, no DST change in May
    if (hour >= from || hour < to) values.push(laeqOf(d * PER_DAY + k));
  }
  values.sort((a, b) => a - b);
  const h = (values.length - 1) * 0.1;
  const lo = Math.floor(h);
  return values[lo]! + (h - lo) * (values[lo + 1]! - values[lo]!);
}

async function qualityRows(lake: Lake): Promise<Record<string, unknown>[]> {
  await lake.lake.attach([noiseQualityDaily]);
  const columns = ['readings', ...QC_FLAGS.map((f) => `readings_${f}`), 'night_floor_db'];
  const r = await lake.lake.all(`SELECT strftime(day, '%Y-%m-%d') AS day, ${columns.join(', ')} FROM ${noiseQualityDaily.name} WHERE sensor_id = 'drifty' ORDER BY day`);
  return r.rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
}

describe('noise_quality_daily and the drift check of an incremental run', () => {
  let lake: Lake;
  let incremental: NoiseIndicatorsSummary;
  let storedAfterIncremental: Record<string, unknown>[];
  beforeAll(async () => {
    lake = await tempLake({ now: new Date('2025-05-21T12:00:00Z') });
    const ingest = (from: number, to: number, origin: string) =>
      ingestNoise(lake, { sourceKind: 'noise-csv', bytes: csv(from, to), origin, csv: { sensorId: 'drifty', lon: 2.36, lat: 48.93 } });
    await ingest(0, DRIFT_FROM, 'normal.csv');
    const first = await noiseIndicators(lake);
    expect(first.fullReason).not.toBeNull();
    await ingest(DRIFT_FROM, DAYS * PER_DAY, 'drifted.csv');
    incremental = await noiseIndicators(lake);
    storedAfterIncremental = await qualityRows(lake);
  }, 300_000);
  afterAll(async () => lake?.cleanup());

  it('recomputes only the new days, without a full run', () => {
    expect(incremental.fullReason).toBeNull();
    expect(incremental.dts).toEqual(Array.from({ length: DAYS - 15 }, (_, k) => localDay(15 + k)));
  });

  it('stores per day the readings, their count per flag and the night floor', () => {
    expect(storedAfterIncremental.map((r) => r['day'])).toEqual(Array.from({ length: DAYS }, (_, d) => localDay(d)));
    storedAfterIncremental.forEach((row, d) => {
      const flagged = d >= 15 ? 'drift' : 'ok';
      expect(row['readings'], localDay(d)).toBe(PER_DAY);
      for (const f of QC_FLAGS) expect(row[`readings_${f}`], `${localDay(d)} ${f}`).toBe(f === flagged ? PER_DAY : 0);
      expect(row['night_floor_db'] as number).toBeCloseTo(nightFloor(d), 9);
    });
  });

  it('leaves the drifted days out of the indicators', async () => {
    await lake.lake.attach([noiseIndicatorsDaily]);
    const r = await lake.lake.all(`SELECT DISTINCT strftime(day, '%Y-%m-%d') AS day FROM ${noiseIndicatorsDaily.name} WHERE sensor_id = 'drifty' ORDER BY day`);
    expect(r.rows.map((x) => x['day'])).toEqual(Array.from({ length: 15 }, (_, d) => localDay(d)));
  });

  it('gives the verdicts of the view over every reading, and of a full recompute', async () => {
    await lake.lake.attach([noiseReadings]);
    const view = await lake.lake.all(`SELECT dt, qc, count(*) AS n FROM noise_readings GROUP BY ALL ORDER BY dt, qc`);
    const byDay = new Map<string, Record<string, number>>();
    for (const x of view.rows) byDay.set(String(x['dt']), { ...(byDay.get(String(x['dt'])) ?? {}), [String(x['qc'])]: Number(x['n']) });
    for (const row of storedAfterIncremental) {
      const counts = byDay.get(String(row['day']))!;
      for (const f of QC_FLAGS) expect(row[`readings_${f}`], `${String(row['day'])} ${f}`).toBe(counts[f] ?? 0);
    }
    const full = await noiseIndicators(lake, { full: true });
    expect(full.fullReason).toBe('full option');
    expect(await qualityRows(lake)).toEqual(storedAfterIncremental);
  });
});
