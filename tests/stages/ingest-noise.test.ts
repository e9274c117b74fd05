import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { listKeys } from '../../functions/lib/ports/object-store.ts';
import { ingestNoise } from '../../functions/lib/stages/ingest-noise.ts';
import { refreshSensors } from '../../functions/lib/stages/sensors.ts';
import { tempLake } from '../support/lake.ts';

type Lake = Awaited<ReturnType<typeof tempLake>>;

const textOr = (value: unknown, fallback: string) => (typeof value === 'string' ? value : fallback);

const entity = (over: Record<string, unknown> = {}) => ({
  id: `urn:ngsi-ld:NoiseLevelObserved:${textOr(over.refDevice, 'dev-1')}-${textOr(over.dateObservedFrom, '2025-06-02T10:00:00Z')}`,
  type: 'NoiseLevelObserved',
  refDevice: 'dev-1',
  dateObservedFrom: '2025-06-02T10:00:00Z',
  dateObservedTo: '2025-06-02T10:15:00Z',
  location: { type: 'Point', coordinates: [2.3522, 48.8566] }, // Paris, Hôtel de Ville
  LAeq: 62.5,
  LAmax: 80.1,
  ...over,
});

const fiware = (entities: unknown[]) => Buffer.from(JSON.stringify(entities));

async function query(lake: Lake, sql: string) {
  await lake.lake.attach(DATASETS);
  return (await lake.lake.all(sql)).rows;
}

let lake: Lake;

/** each test of the block gets a fresh lake, on 3 June 2025 */
function freshLakeEachTest(): void {
  beforeEach(async () => {
    lake = await tempLake({ now: new Date('2025-06-03T00:00:00Z') });
  });
  afterEach(async () => lake.cleanup());
}

describe('ingestNoise()', () => {
  freshLakeEachTest();

  it('curates the valid records and quarantines the others, naming record, field and reason; the counts add up', async () => {
    const batch = [
      entity(),
      entity({ dateObservedFrom: '2025-06-02T10:15:00Z', dateObservedTo: '2025-06-02T10:30:00Z', LAeq: 155 }),
      entity({ dateObservedFrom: '2025-06-02T10:30:00Z', dateObservedTo: '2025-06-02T10:30:00Z' }),
      entity({ dateObservedFrom: '2025-06-02T10:45:00Z', dateObservedTo: '2025-06-02T11:00:00Z', LAeq: 58 }),
    ];
    const s = await ingestNoise(lake, { sourceKind: 'noise-fiware', bytes: fiware(batch), origin: 'batch.json' });
    expect(s).toMatchObject({ records: 4, curated: 2, quarantined: 2, newRaw: true });
    expect(s.curated + s.quarantined).toBe(s.records);
    const q = await query(lake, 'SELECT record, field, reason, raw_key, source_kind, record_text FROM quarantine ORDER BY record');
    expect(q.map((r) => [r.record, r.field])).toEqual([
      ['1', 'laeq'],
      // From == To is a single instant: without an integration interval it cannot be placed
      ['2', 'dateObservedTo'],
    ]);
    expect(q[0]!.raw_key).toBe(s.rawKey);
    expect(String(q[0]!.record_text)).toContain('155');
    const readings = await query(lake, 'SELECT laeq, commune_insee, dt FROM noise_readings ORDER BY ts_from');
    expect(readings).toEqual([
      { laeq: 62.5, commune_insee: '75056', dt: '2025-06-02' },
      { laeq: 58, commune_insee: '75056', dt: '2025-06-02' },
    ]);
  });

  it('keeps the exact bytes in raw/ with source, receive time, content type and checksum', async () => {
    const bytes = fiware([entity()]);
    const s = await ingestNoise(lake, { sourceKind: 'noise-fiware', bytes, origin: 'x.json' });
    expect(await lake.store.get(s.rawKey)).toEqual(bytes);
    const head = await lake.store.head(s.rawKey);
    expect(head?.contentType).toBe('application/json');
    expect(head?.metadata).toMatchObject({ 'source-kind': 'noise-fiware', 'received-at': '2025-06-03T00:00:00.000Z' });
    expect(head?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(s.rawKey).toContain(head!.sha256!);
  });

  it('re-ingesting the same file changes nothing in the curated data', async () => {
    const bytes = fiware([entity(), entity({ dateObservedFrom: '2025-06-02T10:15:00Z', dateObservedTo: '2025-06-02T10:30:00Z', LAeq: 1000 })]);
    await ingestNoise(lake, { sourceKind: 'noise-fiware', bytes, origin: 'a.json' });
    const snapshot = async () => (await listKeys(lake.store, 'curated/')).concat(await listKeys(lake.store, 'quarantine/')).map((o) => [o.key, o.sha256]);
    const before = await snapshot();
    const later = tempLakeClockShift(lake, '2025-06-04T00:00:00Z');
    const again = await ingestNoise(later, { sourceKind: 'noise-fiware', bytes, origin: 'a-again.json' });
    expect(again.newRaw).toBe(false);
    expect(again.receivedAt).toBe('2025-06-03T00:00:00.000Z');
    expect(await snapshot()).toEqual(before);
    expect(await query(lake, 'SELECT count(*)::INT AS n FROM noise_readings')).toEqual([{ n: 1 }]);
    expect(await query(lake, 'SELECT count(*)::INT AS n FROM quarantine')).toEqual([{ n: 1 }]);
  });

});

describe('ingestNoise(): duplicates', () => {
  freshLakeEachTest();

  it('resolves duplicates deterministically: the most recently received file wins, then the last record of a file', async () => {
    await ingestNoise(lake, { sourceKind: 'noise-fiware', bytes: fiware([entity({ LAeq: 60 })]), origin: 'first.json' });
    const later = tempLakeClockShift(lake, '2025-06-03T01:00:00Z');
    await ingestNoise(later, { sourceKind: 'noise-fiware', bytes: fiware([entity({ LAeq: 61 }), entity({ LAeq: 63 })]), origin: 'correction.json' });
    expect(await query(lake, 'SELECT laeq FROM noise_readings')).toEqual([{ laeq: 63 }]);
    // ingesting the older file again does not bring its value back
    await ingestNoise(later, { sourceKind: 'noise-fiware', bytes: fiware([entity({ LAeq: 60 })]), origin: 'first-replayed.json' });
    expect(await query(lake, 'SELECT laeq FROM noise_readings')).toEqual([{ laeq: 63 }]);
  });

  it('counts the records a later record of the same file supersedes: same sensor, start and end only', async () => {
    const s = await ingestNoise(lake, {
      sourceKind: 'noise-fiware',
      bytes: fiware([
        entity({ LAeq: 60 }),
        entity({ LAeq: 60 }), // exact repeat
        entity({ LAeq: 61 }), // corrected re-send of the same period
        entity({ dateObservedTo: '2025-06-02T10:01:00Z' }), // same start, another end: another reading
        entity({ refDevice: 'dev-2' }), // another sensor
        entity({ dateObservedTo: '2025-06-02T10:01:00Z', LAeq: 50 }), // repeat of the one-minute reading
      ]),
      origin: 'resend.json',
    });
    expect(s).toMatchObject({ records: 6, curated: 6, quarantined: 0, duplicatesInFile: 3 });
    expect(await query(lake, "SELECT sensor_id, (epoch_ms(ts_to) - epoch_ms(ts_from))::INTEGER AS ms, laeq FROM noise_readings ORDER BY sensor_id, ms")).toEqual([
      { sensor_id: 'dev-1', ms: 60_000, laeq: 50 },
      { sensor_id: 'dev-1', ms: 900_000, laeq: 61 },
      { sensor_id: 'dev-2', ms: 900_000, laeq: 62.5 },
    ]);
  });

});

describe('ingestNoise(): days, communes and unreadable input', () => {
  freshLakeEachTest();

  it('lands late data in its own local day, and splits a batch across Paris days', async () => {
    const batch = [
      entity({ dateObservedFrom: '2025-05-01T21:45:00Z', dateObservedTo: '2025-05-01T22:00:00Z' }), // 23:45 Paris, 1 May
      entity({ dateObservedFrom: '2025-05-01T22:00:00Z', dateObservedTo: '2025-05-01T22:15:00Z' }), // 00:00 Paris, 2 May
    ];
    const s = await ingestNoise(lake, { sourceKind: 'noise-fiware', bytes: fiware(batch), origin: 'late.json' });
    expect(s.days).toEqual(['2025-05-01', '2025-05-02']);
    const keys = (await listKeys(lake.store, 'curated/noise_readings/')).map((o) => o.key);
    expect(keys.map((k) => k.split('/')[2])).toEqual(['dt=2025-05-01', 'dt=2025-05-02']);
  });

  it('keeps a sensor outside the Métropole with in_metropole = false and no commune (nor arrondissement); one at the Hôtel de Ville is in Paris 4e', async () => {
    const versailles = entity({ refDevice: 'dev-versailles', location: { type: 'Point', coordinates: [2.1301, 48.8049] } });
    await ingestNoise(lake, { sourceKind: 'noise-fiware', bytes: fiware([versailles, entity()]), origin: 'b.json' });
    await refreshSensors(lake);
    const rows = await query(lake, 'SELECT sensor_id, commune_insee, arrondissement_insee, in_metropole FROM sensors ORDER BY sensor_id');
    expect(rows).toEqual([
      { sensor_id: 'dev-1', commune_insee: '75056', arrondissement_insee: '75104', in_metropole: true },
      { sensor_id: 'dev-versailles', commune_insee: null, arrondissement_insee: null, in_metropole: false },
    ]);
    expect(await query(lake, "SELECT count(*)::INT AS n FROM noise_readings WHERE sensor_id = 'dev-versailles' AND commune_insee IS NULL")).toEqual([{ n: 1 }]);
  });

  it('keeps a file that is not JSON in raw/ and quarantines it whole', async () => {
    const bytes = Buffer.from('{"id": "x", "type": "NoiseLevelObserved", "LAeq": 6');
    const s = await ingestNoise(lake, { sourceKind: 'noise-fiware', bytes, origin: 'truncated.json' });
    expect(s.unreadable).toBeTruthy();
    expect(await lake.store.get(s.rawKey)).toEqual(bytes);
    const q = await query(lake, 'SELECT record, reason FROM quarantine');
    expect(q).toHaveLength(1);
    expect(q[0]!.record).toBe('file');
  });

  it('quarantines a naive local time that falls in the DST gap, never shifting it', async () => {
    const csv = 'timestamp;LAeq\n2025-03-30 01:59:00;50,5\n2025-03-30 02:30:00;51,0\n2025-03-30 03:00:00;52,0\n';
    const s = await ingestNoise(lake, { sourceKind: 'noise-csv', bytes: Buffer.from(csv), origin: 'dst.csv', csv: { sensorId: 'csv-1', intervalSeconds: 60 } });
    expect(s).toMatchObject({ records: 3, curated: 2, quarantined: 1 });
    const q = await query(lake, 'SELECT record, reason FROM quarantine');
    expect(q[0]!.record).toBe('3');
    expect(String(q[0]!.reason)).toMatch(/Europe\/Paris/);
    const r = await query(lake, "SELECT strftime(ts_from, '%Y-%m-%dT%H:%M') AS t FROM noise_readings ORDER BY ts_from");
    expect(r.map((x) => x.t)).toEqual(['2025-03-30T00:59', '2025-03-30T01:00']);
  });
});

/** the same lake seen later: a different clock, same store and engine */
function tempLakeClockShift(lake: Lake, iso: string): Lake {
  return { ...lake, now: () => new Date(iso) };
}
