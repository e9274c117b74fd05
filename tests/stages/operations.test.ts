import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { listKeys } from '../../functions/lib/ports/object-store.ts';
import { compactDataset } from '../../functions/lib/stages/compact.ts';
import { ingestNoise } from '../../functions/lib/stages/ingest-noise.ts';
import { quarantineGroups, replayQuarantine } from '../../functions/lib/stages/quarantine.ts';
import { lakeStatus } from '../../functions/lib/stages/status.ts';
import { tempLake } from '../support/lake.ts';

type Lake = Awaited<ReturnType<typeof tempLake>>;

const reading = (sensor: string, minute: number, laeq: number | string = 55) => ({
  type: 'NoiseLevelObserved',
  refDevice: sensor,
  dateObservedFrom: new Date(Date.UTC(2025, 5, 2, 8) + minute * 60_000).toISOString(),
  dateObservedTo: new Date(Date.UTC(2025, 5, 2, 8) + (minute + 1) * 60_000).toISOString(),
  location: { type: 'Point', coordinates: [2.3522, 48.8566] },
  LAeq: laeq,
});
const batch = (...entities: object[]) => Buffer.from(JSON.stringify(entities));

async function count(lake: Lake, sql: string): Promise<number> {
  await lake.lake.attach(DATASETS);
  return Number((await lake.lake.all(sql)).rows[0]!.n);
}

describe('quarantine operations', () => {
  let lake: Lake;
  beforeEach(async () => {
    lake = await tempLake({ now: new Date('2025-06-03T00:00:00Z') });
  });
  afterEach(async () => lake.cleanup());

  it('quarantineGroups() groups the rejections by source, field and reason, with counts', async () => {
    await ingestNoise(lake, { sourceKind: 'noise-fiware', bytes: batch(reading('a', 0, 200), reading('a', 1, 201), reading('a', 2)), origin: 'x.json' });
    await ingestNoise(lake, { sourceKind: 'noise-fiware', bytes: Buffer.from('not json'), origin: 'y.json' });
    const groups = await quarantineGroups(lake);
    expect(groups.find((g) => g.field === 'laeq')).toMatchObject({ source_kind: 'noise-fiware', records: 2, files: 1 });
    expect(groups.reduce((t, g) => t + g.records, 0)).toBe(3);
    expect(await quarantineGroups(lake, { since: '2025-06-04' })).toEqual([]);
  });

  it('replayQuarantine() releases records that pass after a configuration change, keeps the others, and duplicates nothing', async () => {
    // naive local times in a CSV given the wrong time zone: 01:30 exists in UTC but not in Europe/Paris on 2025-03-30
    const csv = 'timestamp,LAeq\n2025-03-30 01:59:00,50\n2025-03-30 02:30:00,51\n2025-03-30 03:10:00,abc\n';
    const first = await ingestNoise(lake, { sourceKind: 'noise-csv', bytes: Buffer.from(csv), origin: 's.csv', csv: { sensorId: 'csv-1', intervalSeconds: 60 } });
    expect(first).toMatchObject({ curated: 1, quarantined: 2 });
    // the operator fixes the sensor's registered time zone in the raw file's parse options, then replays
    const head = await lake.store.head(first.rawKey);
    await lake.store.put(first.rawKey, await lake.store.get(first.rawKey), {
      contentType: head!.contentType,
      metadata: { ...head!.metadata, 'parse-options': JSON.stringify({ sensorId: 'csv-1', intervalSeconds: 60, tz: 'UTC' }) },
    });
    const replay = await replayQuarantine(lake);
    expect(replay).toMatchObject({ files: 1, before: 2, after: 1, released: 1 });
    expect(await count(lake, 'SELECT count(*) AS n FROM noise_readings')).toBe(2);
    expect(await count(lake, 'SELECT count(*) AS n FROM quarantine')).toBe(1);
    const again = await replayQuarantine(lake);
    expect(again).toMatchObject({ before: 1, after: 1, released: 0 });
    expect(await count(lake, 'SELECT count(*) AS n FROM noise_readings')).toBe(2);
  });

  it('replayQuarantine() takes a file out of the quarantine once every record in it passes', async () => {
    const csv = 'timestamp,LAeq\n2025-03-30 02:30:00,51\n';
    const s = await ingestNoise(lake, { sourceKind: 'noise-csv', bytes: Buffer.from(csv), origin: 's.csv', csv: { sensorId: 'csv-2', intervalSeconds: 60 } });
    expect(s.quarantined).toBe(1);
    const head = await lake.store.head(s.rawKey);
    await lake.store.put(s.rawKey, await lake.store.get(s.rawKey), { contentType: head!.contentType, metadata: { ...head!.metadata, 'parse-options': JSON.stringify({ sensorId: 'csv-2', intervalSeconds: 60, tz: 'UTC' }) } });
    expect(await replayQuarantine(lake)).toMatchObject({ released: 1, after: 0 });
    // the replay's verdict (nothing rejected) replaces the first one: the view shows no row of the file
    expect(await count(lake, `SELECT count(*) AS n FROM quarantine WHERE raw_key = '${s.rawKey}'`)).toBe(0);
    expect(await count(lake, 'SELECT count(*) AS n FROM noise_readings WHERE sensor_id = \'csv-2\'')).toBe(1);
  });
});

describe('replayQuarantine() on a climate source', () => {
  it('replays a Météo-France file through its own ingest: the rejected line stays, nothing is duplicated', async () => {
    const lake = await tempLake({ now: new Date('2026-07-25T00:00:00Z') });
    try {
      const { readFile } = await import('node:fs/promises');
      const { ingestClimateFile } = await import('../../functions/lib/stages/ingest-climate.ts');
      const header = (await readFile(new URL('../fixtures/heat/meteofrance-Q_RR-T-Vent-header.csv', import.meta.url), 'utf8')).trim();
      const columns = header.split(';');
      const line = (v: Record<string, string>) => columns.map((c) => v[c] ?? '').join(';');
      const station = (id: string, day: string) =>
        line({ NUM_POSTE: id, NOM_USUEL: 'STATION', LAT: '48.82', LON: '2.34', ALTI: '75', AAAAMMJJ: day, TN: '21.5', QTN: '1', TX: '33.0', QTX: '1' });
      // a station of the Bouches-du-Rhône has no place in the Métropole's files: quarantined
      const bytes = Buffer.from([header, station('75114001', '20260722'), station('13055001', '20260722')].join('\n') + '\n');
      const first = await ingestClimateFile(lake, 'meteofrance', { bytes, origin: 'Q_75_latest.csv' });
      expect(first).toMatchObject({ records: 2, curated: 1, quarantined: 1 });
      const replay = await replayQuarantine(lake);
      expect(replay).toMatchObject({ files: 1, before: 1, after: 1, released: 0, skipped: [] });
      expect(await count(lake, 'SELECT count(*) AS n FROM weather_daily')).toBe(1);
      expect(await count(lake, 'SELECT count(*) AS n FROM quarantine')).toBe(1);
    } finally {
      await lake.cleanup();
    }
  });
});

describe('lakeStatus()', () => {
  it('reports per source the files and quarantine rate, per dataset the rows, days and gaps', async () => {
    const lake = await tempLake({ now: new Date('2025-06-10T00:00:00Z') });
    try {
      await ingestNoise(lake, { sourceKind: 'noise-fiware', bytes: batch(reading('a', 0), reading('a', 1), reading('a', 2, 300)), origin: 'x.json' });
      const later = { ...reading('a', 0), dateObservedFrom: '2025-06-05T08:00:00Z', dateObservedTo: '2025-06-05T08:01:00Z' };
      await ingestNoise(lake, { sourceKind: 'noise-fiware', bytes: batch(later), origin: 'y.json' });
      const status = await lakeStatus(lake);
      expect(status.sources).toEqual([
        expect.objectContaining({ source_kind: 'noise-fiware', raw_files: 2, records_curated: 3, records_quarantined: 1, quarantine_rate: 0.25 }),
      ]);
      const readings = status.datasets.find((d) => d.dataset === 'noise_readings')!;
      expect(readings).toMatchObject({ rows: 3, files: 2, first_dt: '2025-06-02', last_dt: '2025-06-05', missing_days: 2, stale: true });
      expect(readings.freshness_hours).toBeCloseTo(5 * 24 - 8 - 1 / 60, 1);
      expect(status.datasets.find((d) => d.dataset === 'noise_indicators_yearly')).toMatchObject({ rows: 0, files: 0, freshness_hours: null });
    } finally {
      await lake.cleanup();
    }
  });
});

describe('compactDataset()', () => {
  let lake: Lake;
  beforeEach(async () => {
    lake = await tempLake({ now: new Date('2025-06-03T00:00:00Z') });
  });
  afterEach(async () => lake.cleanup());

  it('merges the small files of each day into one, applying the duplicate rule, and the view is unchanged', async () => {
    for (let i = 0; i < 6; i++) {
      await ingestNoise({ ...lake, now: () => new Date(Date.UTC(2025, 5, 3, 0, i)) }, { sourceKind: 'noise-fiware', bytes: batch(reading('a', i), reading('b', i), reading('a', 0, 60 + i)), origin: `f${i}.json` });
    }
    await lake.lake.attach(DATASETS);
    const before = (await lake.lake.all('SELECT * FROM noise_readings ORDER BY sensor_id, ts_from')).rows;
    const summary = await compactDataset(lake);
    expect(summary).toMatchObject({ partitions: 1, filesMerged: 6, filesWritten: 1, rowsIn: 18 });
    expect(summary.rowsOut).toBe(before.length);
    expect((await listKeys(lake.store, 'curated/noise_readings/')).map((o) => o.key)).toHaveLength(1);
    await lake.lake.attach(DATASETS);
    expect((await lake.lake.all('SELECT * FROM noise_readings ORDER BY sensor_id, ts_from')).rows).toEqual(before);
    expect(before.find((r) => r.sensor_id === 'a' && (r.ts_from as Date).getUTCMinutes() === 0)!.laeq).toBe(65);
  });
});
