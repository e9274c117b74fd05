import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { plusDays } from '../../functions/lib/domain/time/holidays.ts';
import { heatwaveFlags, trainHeatModel } from '../../functions/lib/models/heat/model.ts';
import { climateRisk, communeExposures, riverDistanceKm, riverProximity } from '../../functions/lib/models/risk/index.ts';
import { tfRuntime } from '../../functions/lib/models/runtime.ts';
import { predict } from '../../functions/lib/stages/predict.ts';
import { trainModels } from '../../functions/lib/stages/train-models.ts';
import { tempLake } from '../support/lake.ts';
import { writeHeatDays, writeRiverStages } from './lake-fixtures.ts';
import { syntheticTemperatures } from './synthetic.ts';

describe('the climate-risk index', () => {
  it('climateRisk() is 100 × (1 − (1 − P_heat)(1 − proximity × P_flood))', () => {
    expect(climateRisk(0, 0, 1)).toBe(0);
    expect(climateRisk(0.5, 0, 1)).toBeCloseTo(50, 12);
    expect(climateRisk(0, 0.5, 0.5)).toBeCloseTo(25, 12);
    expect(climateRisk(0.2, 0.5, 1)).toBeCloseTo(100 * (1 - 0.8 * 0.5), 12);
    expect(climateRisk(1, 0.3, 0)).toBe(100);
    expect(climateRisk(NaN, 2, 1)).toBe(100); // probabilities are clamped to [0, 1], NaN counts as 0
  });

  it('river proximity is 1 where the Seine or the Marne crosses the commune and decays over a kilometre', () => {
    for (const riverside of ['75056', '94002', '94028', '92012', '93066']) expect(riverDistanceKm(riverside)).toBe(0);
    // Clichy-sous-Bois and Montreuil are kilometres from either river
    expect(riverDistanceKm('93014')).toBeGreaterThan(4);
    expect(riverProximity(riverDistanceKm('93048'))).toBeLessThan(0.2);
    expect(riverProximity(1)).toBeCloseTo(Math.exp(-1), 12);
    expect(communeExposures()).toHaveLength(130);
  });
});

describe('the heat model', () => {
  it('beats climatology and persistence on a synthetic climate with persistent warm spells, but not the conditional climatology, which is published', async () => {
    const rt = await tfRuntime();
    const s = syntheticTemperatures({ years: 5 });
    expect(Array.from(heatwaveFlags(s).event).filter((e) => e === 1).length).toBeGreaterThan(50);
    const r = await trainHeatModel(rt, s, { trainUntil: '2014-01-01' }, { epochs: 30 });
    if ('skipped' in r) throw new Error(r.skipped);
    r.model.dispose();
    const report = r.report;
    expect(report.probabilities.map((p) => p.target)).toEqual(['heatwave', 'heatwave+1d', 'heatwave+2d', 'heatwave+3d']);
    const pooled = report.probabilities[0]!;
    expect(pooled.bss['climatology']).toBeGreaterThan(0);
    expect(pooled.bss['persistence']).toBeGreaterThan(0);
    // the synthetic anomalies are AR(1): "tomorrow given today, at this time of year" is close to the
    // best a forecast can do, and the network does not beat it
    expect(pooled.bss['markov_climatology']).toBeLessThan(0);
    expect(report).toMatchObject({ beats_baseline: false, best_baseline: 'markov_climatology', use: 'baseline' });
    expect(report.folds.length).toBeGreaterThanOrEqual(12);
    expect(report.folds.reduce((n, f) => n + f.n, 0)).toBe(pooled.n);
    expect(pooled.model.reliability).toHaveLength(10);
    expect(pooled.model.reliability.reduce((n, b) => n + b.n, 0)).toBe(pooled.n);
  });

  it('skips, saying why, with less than two summers of data', async () => {
    const rt = await tfRuntime();
    const s = syntheticTemperatures({ years: 1 });
    const r = await trainHeatModel(rt, s, { trainUntil: '2010-10-01' });
    expect(r).toEqual({ skipped: expect.stringMatching(/needs ≥ 730 days \(two summers\)/) as unknown });
  });
});

describe('train-models and predict on a lake with river and heat data', () => {
  let lake: Awaited<ReturnType<typeof tempLake>>;
  const heatDays = Array.from({ length: 40 }, (_, i) => {
    const day = plusDays('2026-07-01', i);
    const hot = i >= 30; // the last days are a heat wave
    return { day, tn: hot ? 23 : 16, tx: hot ? 35 : 26 };
  });
  beforeAll(async () => {
    lake = await tempLake({ now: new Date('2026-08-10T06:00:00Z') });
    // the river data end at the lake's clock (fresh), as do the temperatures (the last full day is 2026-08-09)
    await writeRiverStages(lake, { start: '2026-07-11', days: 30, crest: '2026-08-05T00:00:00Z', crestM: 6.3 });
    await writeHeatDays(lake, '75114001', heatDays);
  });
  afterAll(async () => lake.cleanup());

  it('trains the river model, skips heat for lack of history, and forecasts both', async () => {
    const summaries = await trainModels(lake, { models: ['river', 'heat'], river: { steps: 400 }, withReports: true });
    expect(summaries[0]).toMatchObject({ model: 'river', version: expect.any(String) as unknown });
    expect(summaries[0]!.report!.horizons.map((h) => h.horizon_hours)).toEqual([24, 48, 72]);
    expect(summaries[0]!.report!.crossings.map((c) => c.threshold)).toEqual([5.84, 5.84, 5.84]);
    expect(summaries[1]!.skipped).toMatch(/^40 days of TN\/TX at station 75114001 .* the predictions publish the persistence baseline$/);

    const result = await predict(lake);
    expect(result.find((s) => s.model === 'noise')!.skipped).toMatch(/no trained noise model/);
    await lake.lake.attach(DATASETS);
    const river = (
      await lake.lake.all(`SELECT horizon_hours, value, probability, source, threshold FROM predictions WHERE model = 'river' ORDER BY horizon_hours`)
    ).rows;
    expect(river.map((r) => r['horizon_hours'])).toEqual([24, 48, 72]);
    for (const r of river) expect(r['threshold']).toBe(5.84);
    const heat = (await lake.lake.all(`SELECT entity, strftime(timezone('Europe/Paris', target_time), '%Y-%m-%d') AS day, probability, source, method, version FROM predictions WHERE model = 'heat' ORDER BY day`)).rows;
    // a heat wave is under way on the last day: persistence says it goes on
    expect(heat.map((r) => [r['entity'], r['day'], r['probability'], r['source'], r['method'], r['version']])).toEqual([
      ['75114001', '2026-08-10', 1, 'baseline', 'persistence', 'baseline'],
      ['75114001', '2026-08-11', 1, 'baseline', 'persistence', 'baseline'],
      ['75114001', '2026-08-12', 1, 'baseline', 'persistence', 'baseline'],
    ]);
  });

  it('combines them into the climate-risk index of every commune', async () => {
    await lake.lake.attach(DATASETS);
    const risk = (
      await lake.lake.all(
        `SELECT entity, strftime(timezone('Europe/Paris', target_time), '%Y-%m-%d') AS day, variable, value, method FROM predictions
         WHERE model = 'climate-risk' AND entity IN ('75056', '91027') ORDER BY entity, day, variable`,
      )
    ).rows;
    // Paris takes the Paris-Montsouris heat forecast (certain heat wave): index 100, the whole population exposed
    const paris = risk.filter((r) => r['entity'] === '75056' && r['day'] === '2026-08-10');
    expect(paris.map((r) => [r['variable'], r['value']])).toEqual([
      ['climate_risk_index', 100],
      ['exposed_population', communeExposures().find((e) => e.commune.commune_insee === '75056')!.commune.population],
      ['river_proximity', 1],
    ]);
    // the first river target (+24 h from 2026-08-10 00:00 UTC) falls on the 11th in Paris: no flood forecast on the 10th
    expect(paris[0]!['method']).toBe('index(heat=persistence,flood=none)');
    // Athis-Mons (91) takes Orly's heat forecast, and Orly has no data: rows only on the flood days,
    // with the missing component said
    const athis = risk.filter((r) => r['entity'] === '91027' && r['variable'] === 'climate_risk_index');
    expect(athis.map((r) => r['day'])).toEqual(['2026-08-11', '2026-08-12', '2026-08-13']);
    expect(athis.every((r) => String(r['method']).startsWith('index(heat=none,flood='))).toBe(true);
    const n = (await lake.lake.all(`SELECT count(DISTINCT entity)::INTEGER AS n FROM predictions WHERE model = 'climate-risk'`)).rows[0]!['n'];
    expect(n).toBe(130);
  });
});

describe('a forecast older than its freshness limit', () => {
  let lake: Awaited<ReturnType<typeof tempLake>>;
  beforeAll(async () => {
    // the river data end on 2026-02-09; the clock is six months later, the temperatures are recent
    lake = await tempLake({ now: new Date('2026-08-10T06:00:00Z') });
    await writeRiverStages(lake, { start: '2026-01-10', days: 30, crest: '2026-02-05T00:00:00Z', crestM: 6.3 });
    await writeHeatDays(lake, '75114001', Array.from({ length: 10 }, (_, i) => ({ day: plusDays('2026-07-31', i), tn: 16, tx: 26 })));
  });
  afterAll(async () => lake.cleanup());

  it('is not written, the stage says why, and the climate-risk index combines only what this run forecast', async () => {
    await trainModels(lake, { models: ['river'], river: { steps: 200 } });
    const result = await predict(lake);
    expect(result.find((s) => s.model === 'river')!.skipped).toMatch(
      /^the latest data end at 2026-02-09T\d\d:00:00\.000Z, \d+\.\d h before 2026-08-10T06:00:00\.000Z: older than the 48 h limit of the river forecast, nothing is published$/,
    );
    await lake.lake.attach(DATASETS);
    const models = (await lake.lake.all(`SELECT model, count(*)::INTEGER AS n, min(method) AS method FROM predictions GROUP BY model ORDER BY model`)).rows;
    expect(models.map((r) => r['model'])).toEqual(['climate-risk', 'heat']);
    expect(models[0]!['method']).toBe('index(heat=persistence,flood=none)');
  });
});
