import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noiseIndicatorsArrondissementDaily, noiseReadings, sensors } from '../../functions/lib/datasets/index.ts';
import { listAll } from '../../functions/lib/ports/object-store.ts';
import { ingestFile } from '../../functions/lib/stages/ingest-service.ts';
import { placeReadings } from '../../functions/lib/stages/migrate.ts';
import { runPipeline } from '../../functions/lib/stages/pipeline.ts';
import { STAGES } from '../../functions/lib/stages/registry.ts';
import { ingestSensorRegistry } from '../../functions/lib/stages/sensor-registry.ts';
import { fiwareBatch, type BatchSensor } from '../support/fiware-batch.ts';
import { tempLake } from '../support/lake.ts';

// Issue 15: a sensor that moves keeps its Paris history in the arrondissement where it was. Each
// reading carries the arrondissement of where it was taken (set at ingest, as its commune is), and the
// arrondissement rows use it; `observatory migrate` gives it to readings written before the column.
// Positions: 2.3795 48.859 lies in the 11e (75111), 2.3958 48.8399 in the 12e (75112), 2.441 48.861
// in Montreuil (93048), outside Paris.

const ELEVENTH = { lon: 2.3795, lat: 48.859 };
const TWELFTH = { lon: 2.3958, lat: 48.8399 };
const MONTREUIL = { lon: 2.441, lat: 48.861 };
/** two local days of 15-minute readings (Paris is UTC+1 in March) */
const DAY_1 = { day: '2026-03-02', start: '2026-03-01T23:00:00Z' };
const DAY_2 = { day: '2026-03-03', start: '2026-03-02T23:00:00Z' };
const INDICATOR_STAGES = STAGES.filter((s) => ['sensors', 'compact', 'noise-indicators'].includes(s.name));

type Lake = Awaited<ReturnType<typeof tempLake>>;

const day = (d: typeof DAY_1, sensors: BatchSensor[]) => fiwareBatch(sensors, d.start, 96, 900, (k, i) => 50 + k + (i % 7));

/** "arrondissement day sensors" of the eu convention's arrondissement rows */
async function arrondissementRows(lake: Lake): Promise<string[]> {
  await lake.lake.attach([noiseIndicatorsArrondissementDaily]);
  const { rows } = await lake.lake.all(
    "SELECT arrondissement_insee AS a, CAST(day AS VARCHAR) AS d, sensors AS n FROM noise_indicators_arrondissement_daily WHERE convention = 'eu' ORDER BY d, a",
  );
  return rows.map((r) => `${String(r['a'])} ${String(r['d'])} ${String(r['n'])}`);
}

async function readingsFiles(lake: Lake): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const o of listAll(lake.store, `${noiseReadings.prefix}/`)) files.set(o.key, o.etag);
  return files;
}

describe('a sensor that moves keeps its Paris history where it was', () => {
  let lake: Lake;
  beforeAll(async () => {
    lake = await tempLake({ now: new Date('2026-03-10T12:00:00Z') });
    // each day's file received the next day: the later file gives the sensors' current positions
    const receivedAfter = (d: typeof DAY_1) => ({ ...lake, now: () => new Date(Date.parse(d.start) + 26 * 3_600_000) });
    await ingestFile(receivedAfter(DAY_1), { sourceKind: 'noise-fiware', bytes: day(DAY_1, [{ id: 'mover', ...ELEVENTH }, { id: 'leaver', ...ELEVENTH }]), origin: 'day-1.json' });
    await ingestFile(receivedAfter(DAY_2), { sourceKind: 'noise-fiware', bytes: day(DAY_2, [{ id: 'mover', ...TWELFTH }, { id: 'leaver', ...MONTREUIL }]), origin: 'day-2.json' });
    await runPipeline(lake, { stages: INDICATOR_STAGES });
  });
  afterAll(async () => lake.cleanup());

  it('sets arrondissement_insee on each reading at ingest, NULL outside Paris', async () => {
    await lake.lake.attach([noiseReadings]);
    const { rows } = await lake.lake.all(
      'SELECT sensor_id, dt, commune_insee, arrondissement_insee, count(*) AS n FROM noise_readings GROUP BY ALL ORDER BY sensor_id, dt',
    );
    expect(rows.map((r) => Object.values(r).map(String).join(' '))).toEqual([
      'leaver 2026-03-02 75056 75111 96',
      'leaver 2026-03-03 93048 null 96',
      'mover 2026-03-02 75056 75111 96',
      'mover 2026-03-03 75056 75112 96',
    ]);
  });

  it('counts each sensor-day in the arrondissement its readings were taken in, not the sensor’s current one', async () => {
    // the sensors table has moved both: mover to the 12e, leaver out of Paris
    await lake.lake.attach([sensors]);
    const { rows } = await lake.lake.all('SELECT sensor_id, arrondissement_insee FROM sensors ORDER BY sensor_id');
    expect(rows).toEqual([{ sensor_id: 'leaver', arrondissement_insee: null }, { sensor_id: 'mover', arrondissement_insee: '75112' }]);
    expect(await arrondissementRows(lake)).toEqual(['75111 2026-03-02 2', '75112 2026-03-03 1']);
  });

  it('migrate gives readings written before the column the arrondissement of their sensor’s place then, idempotently', async () => {
    const before = await lake.lake.all('SELECT * EXCLUDE (arrondissement_insee, qc) FROM noise_readings ORDER BY ALL');
    // the lake as an older ingest wrote it: no arrondissement_insee in the readings' files
    for (const key of (await readingsFiles(lake)).keys()) {
      await lake.lake.attachObjects('old_readings', noiseReadings, [key]);
      await lake.lake.writeQuery(noiseReadings, 'SELECT * EXCLUDE (arrondissement_insee) FROM old_readings', key);
    }
    // the mover is registered with both of its positions; the leaver is not (its readings' own positions are not stored)
    const registry = ['sensor_id,lon,lat,name,network,interval_s,interval_anchor,valid_from,valid_to', `mover,${ELEVENTH.lon},${ELEVENTH.lat},,,,,,${DAY_2.start}`, `mover,${TWELFTH.lon},${TWELFTH.lat},,,,,${DAY_2.start},`];
    await ingestSensorRegistry(lake, { bytes: Buffer.from(registry.join('\n')), origin: 'registry.csv' });

    expect(await placeReadings(lake)).toEqual({ rewritten: 2, kept: 0 });
    await lake.lake.attach([noiseReadings]);
    const { rows } = await lake.lake.all('SELECT sensor_id, dt, arrondissement_insee AS a, count(*) AS n FROM noise_readings GROUP BY ALL ORDER BY sensor_id, dt');
    // the leaver's Paris day: its current place is outside Paris, so no arrondissement is known for it
    expect(rows.map((r) => Object.values(r).map(String).join(' '))).toEqual(['leaver 2026-03-02 null 96', 'leaver 2026-03-03 null 96', 'mover 2026-03-02 75111 96', 'mover 2026-03-03 75112 96']);
    // nothing else changed, and a second run writes nothing
    expect(await lake.lake.all('SELECT * EXCLUDE (arrondissement_insee, qc) FROM noise_readings ORDER BY ALL')).toEqual(before);
    const files = await readingsFiles(lake);
    expect(await placeReadings(lake)).toEqual({ rewritten: 0, kept: 2 });
    expect(await readingsFiles(lake)).toEqual(files);
    // the days rewritten are in the change log: the next run recomputes them
    await runPipeline(lake, { stages: INDICATOR_STAGES });
    expect(await arrondissementRows(lake)).toEqual(['75111 2026-03-02 1', '75112 2026-03-03 1']);
  });
});
