import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plusDays } from '../../functions/lib/domain/time/holidays.ts';
import { RIVER_GAUGES } from '../../functions/lib/models/river/gauges.ts';
import { ingestHubeauDaily } from '../../functions/lib/stages/ingest-hubeau-daily.ts';
import { readRiverDaily } from '../../functions/lib/stages/model-inputs.ts';
import { trainRiver } from '../../functions/lib/stages/train-river.ts';
import { tempLake } from '../support/lake.ts';
import { syntheticRiver } from './synthetic.ts';

// The river model on river_daily: obs_elab pages (the real response shape) of Paris-Austerlitz and of an
// upstream gauge whose flow reaches it two days later go through the ingest; train-river then learns from
// the daily means with the upstream gauge as an input.

const START = '2021-01-01';
const DAYS = 800;
const TARGET = RIVER_GAUGES.target.code_entite;
const UPSTREAM = RIVER_GAUGES.upstream.find((g) => g.label === 'Pont-sur-Seine')!.code_entite;

function page(station: string, site: string, values: Float64Array): Uint8Array {
  const data = Array.from(values, (v, i) => ({
    code_site: site,
    code_station: station,
    date_obs_elab: plusDays(START, i),
    resultat_obs_elab: Math.round(v * 1000),
    code_statut: 16,
    libelle_statut: 'Donnée validée',
    code_methode: 12,
    libelle_methode: 'Interpolée',
    code_qualification: 20,
    libelle_qualification: 'Bonne',
    grandeur_hydro_elab: 'QmnJ',
  }));
  return Buffer.from(JSON.stringify({ count: data.length, first: null, prev: null, next: null, api_version: '2.0.1', data }));
}

describe('train-river on river_daily', () => {
  let lake: Awaited<ReturnType<typeof tempLake>>;
  const s = syntheticRiver({ days: DAYS, lagDays: 2, seed: 4, start: START });
  beforeAll(async () => {
    lake = await tempLake({ now: new Date('2023-06-01T12:00:00Z') });
    await ingestHubeauDaily(lake, { bytes: page(TARGET, TARGET.slice(0, 8), s.columns['DOWN']!), origin: 'austerlitz.json' });
    await ingestHubeauDaily(lake, { bytes: page(`${UPSTREAM}01`, UPSTREAM, s.columns['UP']!), origin: 'pont-sur-seine.json' });
  }, 120_000);
  afterAll(async () => lake?.cleanup());

  it('reads the gauges back as a daily series, a site code standing for its station', async () => {
    const series = (await readRiverDaily(lake, [TARGET, UPSTREAM]))!;
    expect(series).toMatchObject({ stepHours: 24, length: DAYS, start: Date.parse(`${START}T00:00:00Z`) });
    expect(series.columns[UPSTREAM]![10]).toBeCloseTo(s.columns['UP']![10]!, 2);
    expect(series.columns[TARGET]![DAYS - 1]).toBeCloseTo(s.columns['DOWN']![DAYS - 1]!, 2);
  });

  it('trains on the daily means with the upstream gauge as an input, and beats persistence at 2–3 days', async () => {
    const r = await trainRiver(lake, { testDays: 120, steps: 600 });
    expect(r.skipped).toBeUndefined();
    const report = r.report!;
    expect(report.horizons.map((h) => h.horizon_hours)).toEqual([24, 48, 72]);
    for (const h of report.horizons.slice(1)) expect(h.model['mae']!).toBeLessThan(h.baselines['persistence']!['mae']! * 0.8);
    expect(lake.logs.join('\n')).toContain(`from ${UPSTREAM} (river_daily)`);
  }, 120_000);
});
