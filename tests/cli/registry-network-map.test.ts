import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MapJson } from '../../functions/lib/publish/contract.ts';
import { SITE_PREFIX } from '../../functions/lib/lake/layout.ts';
import { publishSite } from '../../functions/lib/stages/publish-site.ts';
import { noiseSection } from '../../functions/lib/publish/sections/noise.ts';
import { runPipeline } from '../../functions/lib/stages/pipeline.ts';
import { STAGES } from '../../functions/lib/stages/registry.ts';
import { observatory } from '../support/cli.ts';
import { tempLake } from '../support/lake.ts';

// Issue 15, "Done when", the planner-facing consequence: a network described only by a registry file and
// CSV exports in a Spanish city's shape (one file, many sensors, `;`, decimal comma, day-first times
// with fractions of seconds, naive local times) is ingested through the command line, the pipeline
// runs, and its sensors are on the published map in the right communes — a registered sensor without
// readings yet too, a registered sensor outside the Métropole not. The expected communes are computed
// here from the commune polygons (data/mgp-communes.json), not by the observatory's code.

const REGISTRY = [
  'sensor_id,lon,lat,name,network',
  'ES-01,2.4410,48.8610,Croix de Chavaux,ruido',
  'ES-02,2.3590,48.9362,Porte de Paris,ruido',
  'ES-03,2.4390,48.8477,Château de Vincennes,ruido',
  'ES-04,2.2400,48.8350,Pont de Sèvres,ruido',
  'ES-09,2.1300,48.8049,Versailles,ruido',
].join('\n');

/** an export: each sensor of `ids`, `count` readings 15 min apart from `hour` (local, naive, with fractions of seconds), levels with a decimal comma */
function export_(day: string, hour: number, count: number, ids: readonly string[]): string {
  const lines = ['Codigo;Decibelios medidos;Fecha/Hora medicion'];
  for (let i = 0; i < count; i++) {
    const minutes = hour * 60 + i * 15;
    const time = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00.250`;
    for (const [k, id] of ids.entries()) lines.push(`${id};${58 + k},${i % 10};${day} ${time}`);
  }
  return lines.join('\r\n');
}

interface Polygonal {
  features: { properties: { code_insee: string }; geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: number[][][] | number[][][][] } }[];
}

/** the commune holding a point, by ray casting over the polygons (outer ring in, holes out) */
function communeByPolygons(communes: Polygonal, lon: number, lat: number): string | null {
  const inRing = (ring: number[][]) => {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i] as [number, number];
      const [xj, yj] = ring[j] as [number, number];
      if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  };
  for (const f of communes.features) {
    const polygons = (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates) as number[][][][];
    if (polygons.some(([outer, ...holes]) => outer !== undefined && inRing(outer) && !holes.some(inRing))) return f.properties.code_insee;
  }
  return null;
}

describe('a network known only by a registry file and CSV exports, on the map', () => {
  let lake: Awaited<ReturnType<typeof tempLake>>;
  let map: MapJson;
  let download: { features: { id: string; properties: { commune_insee: string; first_seen: string | null; last_seen: string | null } }[] };
  let expected: Record<string, string | null>;

  beforeAll(async () => {
    lake = await tempLake({ now: new Date('2025-06-03T12:00:00Z') });
    const communes = JSON.parse(await readFile(new URL('../../data/mgp-communes.json', import.meta.url), 'utf8')) as Polygonal;
    expected = Object.fromEntries(REGISTRY.split('\n').slice(1).map((l) => l.split(',')).map(([id, lon, lat]): [string, string | null] => [String(id), communeByPolygons(communes, Number(lon), Number(lat))]));
    const file = (name: string, body: string) => writeFile(path.join(lake.dir, name), body).then(() => path.join(lake.dir, name));
    const registered = await observatory(['--lake', lake.dir, 'ingest', 'sensors', await file('sensores.csv', REGISTRY)]);
    expect(registered.code, registered.stderr).toBe(0);
    // a whole local day (the map shows communes with a day of enough coverage), then three readings of the next evening
    const exports = [await file('ruido-01.csv', export_('01/06/2025', 0, 96, ['ES-01', 'ES-02', 'ES-04'])), await file('ruido-02.csv', export_('02/06/2025', 23, 3, ['ES-02', 'ES-01']))];
    const ingested = await observatory([
      '--lake', lake.dir, 'ingest', 'noise-csv', ...exports,
      '--sensor-column', 'Codigo', '--level-column', 'Decibelios medidos', '--time-column', 'Fecha/Hora medicion',
      '--delimiter', ';', '--decimal', ',', '--time-format', '%d/%m/%Y %H:%M:%S.%f', '--tz', 'Europe/Madrid', '--interval', '15min', '--format', 'json',
    ]);
    expect(ingested.code, ingested.stderr).toBe(0);
    expect((JSON.parse(ingested.stdout) as { curated: number; quarantined: number }[]).map((s) => [s.curated, s.quarantined])).toEqual([[288, 0], [6, 0]]);
    await runPipeline(lake, { stages: STAGES.filter((s) => ['sensors', 'noise-indicators'].includes(s.name)) });
    // the map's data: the noise section alone
    await publishSite(lake, { sections: [noiseSection] });
    const site = async <T>(key: string) => JSON.parse((await lake.store.get(`${SITE_PREFIX}/${key}`)).toString('utf8')) as T;
    map = await site<MapJson>('data/map.json');
    download = await site('data/downloads/sensors.geojson');
  }, 120_000);
  afterAll(() => lake?.cleanup());

  it('knows where each registered position is, from the polygons alone (the test’s own reference)', () => {
    expect(expected).toEqual({ 'ES-01': '93048', 'ES-02': '93066', 'ES-03': '94080', 'ES-04': '92012', 'ES-09': null });
  });

  it('puts every sensor of the Métropole on the map, in the commune holding its registered position, with or without readings', () => {
    const points = map.points.find((g) => g.id === 'noise-sensors')?.points ?? [];
    const placed = Object.fromEntries(points.map((p) => [p.id, p.commune_insee]));
    expect(placed).toEqual({ 'ES-01': expected['ES-01'], 'ES-02': expected['ES-02'], 'ES-03': expected['ES-03'], 'ES-04': expected['ES-04'] });
    expect(points.find((p) => p.id === 'ES-01')).toMatchObject({ name: 'Croix de Chavaux', lon: 2.441, lat: 48.861 });
  });

  it('dates each sensor’s readings from the naive local times of its exports (--tz), and none for the one not yet read', () => {
    const seen = Object.fromEntries(download.features.map((f) => [f.id, [f.properties.first_seen, f.properties.last_seen]]));
    // from 01/06 00:00:00.250 in Madrid (UTC+2 in June), each reading 15 min long: ES-01 until the end of
    // its 02/06 23:30:00.250 reading, ES-04 until the end of its 01/06 23:45:00.250 one
    expect(seen['ES-01']).toEqual(['2025-05-31T22:00:00.250Z', '2025-06-02T21:45:00.250Z']);
    expect(seen['ES-04']).toEqual(['2025-05-31T22:00:00.250Z', '2025-06-01T22:00:00.250Z']);
    expect(seen['ES-03']).toEqual([null, null]);
  });
});
