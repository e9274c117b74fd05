import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observatory } from '../support/cli.ts';

// The command line of the new input forms: a network described by a registry and CSV exports ends up
// on the map's communes; usage errors name the flag.

describe('observatory ingest: registry, column mapping, --interval units, --tz for FIWARE', () => {
  let dir: string;
  let lake: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'observatory-forms-'));
    lake = path.join(dir, 'lake');
    await writeFile(path.join(dir, 'registry.csv'), 'sensor_id,lon,lat,name\nRU-03,2.3522,48.8566,Hôtel de Ville\nRU-07,2.4410,48.8020,Maisons-Alfort\n');
    await writeFile(path.join(dir, 'export.csv'), 'Codigo;Decibelios medidos;Fecha/Hora medicion\nRU-03;65,2;01/06/2025 10:00:00.250\nRU-07;58,1;01/06/2025 10:00:02.5\n');
    await writeFile(
      path.join(dir, 'naive.json'),
      JSON.stringify([{ id: 'n', type: 'NoiseLevelObserved', refDevice: 'RU-03', dateObserved: '2025-06-01T10:00:00', LAeq: { value: 60 } }]),
    );
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('registers sensors, ingests a multi-sensor export by named columns, and places each reading in its commune', async () => {
    expect((await observatory(['--lake', lake, 'ingest', 'sensors', path.join(dir, 'registry.csv')])).code).toBe(0);
    const csv = await observatory([
      '--lake', lake, 'ingest', 'noise-csv', path.join(dir, 'export.csv'),
      '--sensor-column', 'codigo', '--level-column', 'DECIBELIOS MEDIDOS', '--time-column', 'fecha/hora medición',
      '--time-format', '%d/%m/%Y %H:%M:%S.%f', '--interval', '1s',
    ]);
    expect(csv.code).toBe(0);
    const fiware = await observatory(['--lake', lake, 'ingest', 'noise-fiware', path.join(dir, 'naive.json'), '--tz', 'Europe/Paris', '--interval', '1min']);
    expect(fiware.code).toBe(0);
    const q = await observatory(['--lake', lake, 'query', 'SELECT sensor_id, commune_insee, epoch(ts_to) - epoch(ts_from) AS s FROM noise_readings ORDER BY ts_from', '--format', 'csv']);
    expect(q.stdout.trim().split('\n')).toEqual(['sensor_id,commune_insee,s', 'RU-03,75056,60', 'RU-03,75056,1', 'RU-07,94046,1']);
  });

  it('refuses flags that do not fit, naming them', async () => {
    const both = await observatory(['--lake', lake, 'ingest', 'noise-csv', 'x.csv', '--sensor', 'a', '--sensor-column', 'b']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--sensor and --sensor-column exclude each other');
    const csvOnly = await observatory(['--lake', lake, 'ingest', 'noise-fiware', 'x.json', '--time-column', 't']);
    expect(csvOnly.stderr).toContain('--time-column: only for noise-csv');
    const unit = await observatory(['--lake', lake, 'ingest', 'noise-fiware', 'x.json', '--interval', '5 weeks']);
    expect(unit.code).toBe(2);
    expect(unit.stderr).toContain('60, 60s, 1min, 15min or 1h');
  });
});
