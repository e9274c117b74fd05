import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noiseReadings } from '../../functions/lib/datasets/index.ts';
import { QC_THRESHOLDS, spikeJumpDb } from '../../functions/lib/domain/noise/qc.ts';
import { ingestNoise } from '../../functions/lib/stages/ingest-noise.ts';
import { tempLake } from '../support/lake.ts';

// Quality control of noise readings, through the noise_readings view of a real lake: the same
// thresholds flag faults built from them, and flag at most 0.1 % of two real street-noise series
// (github.com/valerianF/noisemonitor test data, Apache-2.0).

const SERIES = path.join(import.meta.dirname, '..', 'fixtures', 'series');

type Lake = Awaited<ReturnType<typeof tempLake>>;

async function flags(lake: Lake, sensor: string): Promise<Map<string, number>> {
  await lake.lake.attach([noiseReadings]);
  const r = await lake.lake.all(`SELECT qc, count(*) AS n FROM noise_readings WHERE sensor_id = '${sensor}' GROUP BY qc`);
  return new Map(r.rows.map((row) => [String(row['qc']), Number(row['n'])]));
}

/** a CSV series of one sensor: `minutes` readings of `seconds`, the level of reading i given by `level(i)` */
function csv(start: string, count: number, seconds: number, level: (i: number) => string): Uint8Array {
  const t0 = Date.parse(start);
  const lines = ['timestamp,LAeq,LAmax,LAS'];
  for (let i = 0; i < count; i++) lines.push(`${new Date(t0 + i * seconds * 1000).toISOString()},${level(i)}`);
  return Buffer.from(lines.join('\n') + '\n');
}

/** a quiet, varied street: 55–65 dB(A) LAeq, LAmax 8 dB above, LAS 1 dB below (never three equal readings in a row) */
const street = (i: number, offset = 0) => {
  const laeq = 60 + offset + 5 * Math.sin(i / 7) + ((i * 37) % 11) / 10;
  return `${laeq.toFixed(1)},${(laeq + 8).toFixed(1)},${(laeq - 1).toFixed(1)}`;
};

describe('quality control of noise readings', () => {
  let lake: Lake;
  beforeAll(async () => {
    lake = await tempLake({ now: new Date('2026-01-15T12:00:00Z') });
  });
  afterAll(async () => lake.cleanup());

  it.each([
    { file: 'laeq-1s-one-day.csv.gz', sensor: 'real-1s' },
    { file: 'laeq-1min-11-days.csv.gz', sensor: 'real-1min' },
  ])('flags at most 0.1 % of the real series $file', async ({ file, sensor }) => {
    const bytes = gunzipSync(await readFile(path.join(SERIES, file)));
    const s = await ingestNoise(lake, { sourceKind: 'noise-csv', bytes, origin: file, csv: { sensorId: sensor, lon: 2.3959, lat: 48.8483 } });
    expect(s.curated).toBeGreaterThan(10_000);
    const counts = await flags(lake, sensor);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(s.curated);
    const flagged = total - (counts.get('ok') ?? 0);
    expect(flagged / total).toBeLessThanOrEqual(0.001);
  });

  it('flags a stuck run as long as the threshold, and not one reading shorter', async () => {
    const n = QC_THRESHOLDS.stuckMinReadings; // 1-min readings: 10 readings are 10 min = stuckSeconds
    expect(n * 60).toBeGreaterThanOrEqual(QC_THRESHOLDS.stuckSeconds);
    // readings 100..100+n-1 repeat one value (a run of n); readings 300..300+n-2 repeat another (n-1)
    const bytes = csv('2025-06-02T06:00:00Z', 600, 60, (i) =>
      i >= 100 && i < 100 + n ? '61.3,70.1,60.2' : i >= 300 && i < 300 + n - 1 ? '58.0,66.0,57.0' : street(i),
    );
    await ingestNoise(lake, { sourceKind: 'noise-csv', bytes, origin: 'stuck.csv', csv: { sensorId: 'stuck', lon: 2.36, lat: 48.93 } });
    const counts = await flags(lake, 'stuck');
    expect(counts.get('stuck')).toBe(n);
    expect(counts.get('ok')).toBe(600 - n);
  });

  it('flags an isolated jump above the interval’s threshold and LAmax below LAeq, not a jump just under it', async () => {
    const jump = spikeJumpDb(60);
    const bytes = csv('2025-06-03T06:00:00Z', 300, 60, (i) => {
      if (i === 50) return `${(60 + jump + 15).toFixed(1)},${(60 + jump + 20).toFixed(1)},${(60 + jump + 14).toFixed(1)}`; // up and back: spike
      if (i === 120) return `${(60 + jump - 6).toFixed(1)},${(60 + jump).toFixed(1)},${(60 + jump - 7).toFixed(1)}`; // under the threshold: ok
      if (i === 200) return '62.0,58.0,61.0'; // LAmax 4 dB below LAeq: spike
      return street(i);
    });
    await ingestNoise(lake, { sourceKind: 'noise-csv', bytes, origin: 'spike.csv', csv: { sensorId: 'spiky', lon: 2.36, lat: 48.93 } });
    await lake.lake.attach([noiseReadings]);
    const r = await lake.lake.all(`SELECT strftime(ts_from, '%H:%M') AS at, qc FROM noise_readings WHERE sensor_id = 'spiky' AND qc <> 'ok' ORDER BY ts_from`);
    expect(r.rows).toEqual([
      { at: '06:50', qc: 'spike' },
      { at: '09:20', qc: 'spike' },
    ]);
  });

  it('flags levels out of range and readings from the future or going backwards in their file', async () => {
    const max = QC_THRESHOLDS.rangeDb.max;
    const rows = [
      'timestamp,LAeq,LAmax,LAS',
      // a loud but possible minute, then one 3 dB above the range (no spike: the jump is small), then back
      `2026-01-15T10:00:00Z,${max - 4},${max - 1},${max - 5}`,
      `2026-01-15T10:01:00Z,${max + 3},${max + 6},${max + 2}`,
      `2026-01-15T10:02:00Z,${max - 3},${max},${max - 4}`,
      '2026-01-15T09:30:00Z,62.0,70.0,61.0', // earlier than the line before it
      '2026-01-15T12:20:00Z,63.0,71.0,62.0', // 20 min after the receipt (12:00)
    ];
    await ingestNoise(lake, { sourceKind: 'noise-csv', bytes: Buffer.from(rows.join('\n')), origin: 'clock.csv', csv: { sensorId: 'clocky', lon: 2.36, lat: 48.93, intervalSeconds: 60 } });
    await lake.lake.attach([noiseReadings]);
    const r = await lake.lake.all(`SELECT strftime(ts_from, '%H:%M') AS at, qc FROM noise_readings WHERE sensor_id = 'clocky' ORDER BY record`);
    expect(r.rows.map((x) => `${x['at'] as string} ${x['qc'] as string}`)).toEqual(['10:00 ok', '10:01 range', '10:02 ok', '09:30 clock', '12:20 clock']);
  });

  it('flags the days whose night floor moved away from the sensor’s own, once it has enough days of reference', async () => {
    // 15-min readings for 20 days; from day 15 the sensor reads 14 dB high (a calibration lost)
    const perDay = 96;
    const bytes = csv('2025-04-30T22:00:00Z', 20 * perDay, 900, (i) => street(i, i >= 15 * perDay ? 14 : 0));
    await ingestNoise(lake, { sourceKind: 'noise-csv', bytes, origin: 'drift.csv', csv: { sensorId: 'drifty', lon: 2.36, lat: 48.93 } });
    await lake.lake.attach([noiseReadings]);
    const r = await lake.lake.all(`SELECT dt, count(*) FILTER (WHERE qc = 'drift') AS drift, count(*) AS n FROM noise_readings WHERE sensor_id = 'drifty' GROUP BY dt ORDER BY dt`);
    const drifted = r.rows.filter((x) => Number(x['drift']) > 0).map((x) => String(x['dt']));
    // the local days from 2025-05-16 (the shift starts at local midnight) while the reference is still the old floor
    expect(drifted[0]).toBe('2025-05-16');
    expect(drifted.length).toBeGreaterThanOrEqual(3);
    for (const x of r.rows) if (Number(x['drift']) > 0) expect(Number(x['drift'])).toBe(Number(x['n']));
    expect(r.rows.filter((x) => String(x['dt']) < '2025-05-16').every((x) => Number(x['drift']) === 0)).toBe(true);
  });
});
