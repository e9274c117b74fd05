import { afterEach, describe, expect, it } from 'vitest';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { parseSensorRegistry } from '../../functions/lib/domain/noise/registry.ts';
import { ingestNoise } from '../../functions/lib/stages/ingest-noise.ts';
import { replayQuarantine } from '../../functions/lib/stages/quarantine.ts';
import { ingestSensorRegistry, RegistryFileError } from '../../functions/lib/stages/sensor-registry.ts';
import { refreshSensors } from '../../functions/lib/stages/sensors.ts';
import { tempLake } from '../support/lake.ts';

// A network described only by a registry file and CSV exports (one file, several sensors, no
// positions) ends up on the map in the right communes; a sensor that moves keeps its history where it was.

const REGISTRY = [
  'sensor_id,lon,lat,name,network,interval_s,interval_anchor,valid_from,valid_to',
  'RU-03,2.3522,48.8566,Hôtel de Ville,city,60,start,,',
  'RU-07,2.4410,48.8020,Maisons-Alfort,city,,,,2025-06-01T10:02:00+02:00',
  'RU-07,2.2400,48.8350,Boulogne,city,,,2025-06-01T10:02:00+02:00,',
].join('\n');

const EXPORT = [
  'Codigo;Decibelios medidos;Fecha/Hora medicion',
  'RU-03;65,2;01/06/2025 10:00:00',
  'RU-07;58,1;01/06/2025 10:00:30',
  'RU-03;66,0;01/06/2025 10:01:00',
  'RU-07;57,4;01/06/2025 10:02:30',
  'RU-99;50,0;01/06/2025 10:02:30',
].join('\n');

const csv = { sensorColumn: 'Codigo', levelColumn: 'Decibelios medidos', timeColumn: 'Fecha/Hora medicion', timeFormat: '%d/%m/%Y %H:%M:%S', intervalSeconds: 30 };

describe('the sensor registry', () => {
  let lake: Awaited<ReturnType<typeof tempLake>>;
  afterEach(() => lake.cleanup());
  const query = async (sql: string) => {
    await lake.lake.attach(DATASETS);
    return (await lake.lake.all(sql)).rows;
  };

  it('places CSV readings without positions at their sensor’s registered position, quarantines the unknown sensor, and a replay after registering recovers', async () => {
    lake = await tempLake({ now: new Date('2025-06-02T00:00:00Z') });
    const before = await ingestNoise(lake, { sourceKind: 'noise-csv', bytes: Buffer.from(EXPORT), origin: 'export.csv', csv });
    expect(before).toMatchObject({ records: 5, curated: 0, quarantined: 5 });
    expect(before.rejections[0]!.reason).toBe('unknown position for sensor RU-03: register it with `observatory ingest sensors FILE` (then `observatory quarantine replay`)');
    await ingestSensorRegistry(lake, { bytes: Buffer.from(REGISTRY), origin: 'registry.csv' });
    const replay = await replayQuarantine(lake);
    expect(replay).toMatchObject({ before: 5, after: 1, released: 4 });
    expect(await query('SELECT sensor_id, strftime(ts_from, \'%H:%M:%S\') AS t, epoch(ts_to) - epoch(ts_from) AS s, commune_insee FROM noise_readings ORDER BY ts_from, sensor_id')).toEqual([
      // RU-03's registered 60 s interval wins over --interval 30s; RU-07 takes 30 s
      { sensor_id: 'RU-03', t: '08:00:00', s: 60, commune_insee: '75056' },
      { sensor_id: 'RU-07', t: '08:00:30', s: 30, commune_insee: '94046' },
      { sensor_id: 'RU-03', t: '08:01:00', s: 60, commune_insee: '75056' },
      // after its move RU-07 reads in Boulogne-Billancourt; its earlier reading stays in Maisons-Alfort
      { sensor_id: 'RU-07', t: '08:02:30', s: 30, commune_insee: '92012' },
    ]);
    expect(await query("SELECT record, field FROM quarantine WHERE reason LIKE 'unknown position%'")).toEqual([{ record: '6', field: 'location' }]);
    await refreshSensors(lake);
    // sensors shows each registered sensor at its current registered position: RU-07 in Boulogne now,
    // while its first reading above stays in Maisons-Alfort
    expect(
      await query(`SELECT sensor_id, registered, position_source, commune_insee, network, interval_s,
          strftime(first_seen, '%H:%M:%S') AS first, strftime(last_seen, '%H:%M:%S') AS last FROM sensors ORDER BY 1`),
    ).toEqual([
      { sensor_id: 'RU-03', registered: true, position_source: 'registry', commune_insee: '75056', network: 'city', interval_s: 60, first: '08:00:00', last: '08:02:00' },
      { sensor_id: 'RU-07', registered: true, position_source: 'registry', commune_insee: '92012', network: 'city', interval_s: null, first: '08:00:30', last: '08:03:00' },
    ]);
    expect(await query('SELECT sensor_id, interval_s, interval_anchor, source LIKE \'raw/sensors/%\' AS raw FROM sensor_registry ORDER BY sensor_id, valid_from NULLS FIRST')).toEqual([
      { sensor_id: 'RU-03', interval_s: 60, interval_anchor: 'start', raw: true },
      { sensor_id: 'RU-07', interval_s: null, interval_anchor: null, raw: true },
      { sensor_id: 'RU-07', interval_s: null, interval_anchor: null, raw: true },
    ]);
  });

  it('gives FIWARE readings stamped with a single instant their sensor’s registered interval, and a position when they carry none', async () => {
    lake = await tempLake({ now: new Date('2025-06-02T00:00:00Z') });
    await ingestSensorRegistry(lake, {
      bytes: Buffer.from(JSON.stringify([{ id: 'urn:ngsi-ld:Device:cesva-1', type: 'Device', location: { type: 'geo:json', value: { type: 'Point', coordinates: [2.3522, 48.8566] } }, interval_s: { value: 1 } }])),
      origin: 'devices.json',
    });
    const entity = { id: 'n1', type: 'NoiseLevelObserved', refDevice: 'urn:ngsi-ld:Device:cesva-1', dateObserved: '2025-06-01T10:00:00+02:00', LAeq: 61.5 };
    const s = await ingestNoise(lake, { sourceKind: 'noise-fiware', bytes: Buffer.from(JSON.stringify([entity])), origin: 'push' });
    expect(s).toMatchObject({ curated: 1, quarantined: 0 });
    expect(await query("SELECT strftime(ts_from, '%H:%M:%S') AS f, strftime(ts_to, '%H:%M:%S') AS t, commune_insee FROM noise_readings")).toEqual([{ f: '07:59:59', t: '08:00:00', commune_insee: '75056' }]);
  });

  it('makes sensors the union: a registered sensor with no reading yet, and a sensor seen only in readings, each saying where its facts come from', async () => {
    lake = await tempLake({ now: new Date('2025-06-02T00:00:00Z') });
    // Vincennes (94080) and Montreuil (93048): points checked against the commune polygons by hand
    await ingestSensorRegistry(lake, { bytes: Buffer.from('sensor_id,lon,lat,name,network\nVIN-1,2.4390,48.8477,Château,east\n'), origin: 'registry.csv' });
    await refreshSensors(lake);
    const columns = `SELECT sensor_id, registered, name, network, position_source, lon, commune_insee, in_metropole, noise_source, first_seen FROM sensors ORDER BY 1`;
    expect(await query(columns)).toEqual([
      { sensor_id: 'VIN-1', registered: true, name: 'Château', network: 'east', position_source: 'registry', lon: 2.439, commune_insee: '94080', in_metropole: true, noise_source: 'unknown', first_seen: null },
    ]);
    const entity = { id: 'm1', type: 'NoiseLevelObserved', refDevice: 'MTR-1', name: 'Croix de Chavaux', location: { type: 'Point', coordinates: [2.441, 48.861] }, dateObservedFrom: '2025-06-01T10:00:00+02:00', dateObservedTo: '2025-06-01T10:01:00+02:00', LAeq: 61.5 };
    expect(await ingestNoise(lake, { sourceKind: 'noise-fiware', bytes: Buffer.from(JSON.stringify([entity])), origin: 'push' })).toMatchObject({ curated: 1 });
    await refreshSensors(lake);
    expect(await query(columns)).toEqual([
      { sensor_id: 'MTR-1', registered: false, name: 'Croix de Chavaux', network: null, position_source: 'readings', lon: 2.441, commune_insee: '93048', in_metropole: true, noise_source: 'unknown', first_seen: new Date('2025-06-01T08:00:00Z') },
      { sensor_id: 'VIN-1', registered: true, name: 'Château', network: 'east', position_source: 'registry', lon: 2.439, commune_insee: '94080', in_metropole: true, noise_source: 'unknown', first_seen: null },
    ]);
  });

  it('refuses a registry file with an unreadable row whole, naming the row and field, and keeps the registry as it was', async () => {
    lake = await tempLake({ now: new Date('2025-06-02T00:00:00Z') });
    await ingestSensorRegistry(lake, { bytes: Buffer.from(REGISTRY), origin: 'registry.csv' });
    const bad = 'sensor_id,lon,lat,interval_anchor\nRU-03,2.30,48.85,\nRU-08,200,48.8,\nRU-09,2.3,48.8,middle\n';
    await expect(ingestSensorRegistry(lake, { bytes: Buffer.from(bad), origin: 'bad.csv' })).rejects.toThrow(RegistryFileError);
    await expect(ingestSensorRegistry(lake, { bytes: Buffer.from(bad), origin: 'bad.csv' })).rejects.toThrow('record 3: sensor RU-08: position missing or out of range');
    expect(await query("SELECT lon FROM sensor_registry WHERE sensor_id = 'RU-03'")).toEqual([{ lon: 2.3522 }]);
  });

  it('reads GeoJSON points and NGSI Device entities (normalized or not) as registry rows', () => {
    const geo = { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [2.29, 48.86] }, properties: { sensor_id: 'tour-eiffel', valid_from: '2024-01-01' } }] };
    expect(parseSensorRegistry(JSON.stringify(geo)).sensors).toEqual([
      { sensor_id: 'tour-eiffel', name: null, network: null, interval_s: null, interval_anchor: null, lon: 2.29, lat: 48.86, valid_from: new Date('2023-12-31T23:00:00Z'), valid_to: null },
    ]);
    const device = { id: 'urn:ngsi-ld:Device:7', type: 'Device', location: { type: 'Point', coordinates: [2.35, 48.85] }, name: 'Nation' };
    expect(parseSensorRegistry(JSON.stringify(device)).sensors[0]).toMatchObject({ sensor_id: 'urn:ngsi-ld:Device:7', name: 'Nation', lon: 2.35 });
  });
});
