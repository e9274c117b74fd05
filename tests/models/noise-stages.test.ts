import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { currentKey } from '../../functions/lib/models/registry.ts';
import { predict } from '../../functions/lib/stages/predict.ts';
import { trainModels } from '../../functions/lib/stages/train-models.ts';
import { tempLake } from '../support/lake.ts';
import { writeHourlyNoise } from './lake-fixtures.ts';
import { syntheticHourly } from './synthetic.ts';

type Lake = Awaited<ReturnType<typeof tempLake>>;

describe('train-models and predict on a lake with noise data only', () => {
  let lake: Lake;
  beforeAll(async () => {
    lake = await tempLake({ now: new Date('2025-10-20T06:00:00Z') });
    await writeHourlyNoise(lake, syntheticHourly({ sensors: 8, days: 12 }));
  });
  afterAll(async () => lake.cleanup());

  it('trains and registers the noise model, and skips river and heat with a clear line', async () => {
    const summaries = await trainModels(lake, { noise: { epochs: 3 } });
    expect(summaries.map((s) => s.model)).toEqual(['noise', 'river', 'heat']);
    const noise = summaries[0]!;
    expect(noise.skipped).toBeUndefined();
    expect(noise.version).toMatch(/^20251020T060000Z-[0-9a-f]{8}$/);
    expect(summaries[1]!.skipped).toMatch(/river_observations has no H observation of F700000103/);
    expect(summaries[2]!.skipped).toMatch(/heat_indicators_daily has no row for station 75114001/);
    expect(lake.logs.some((l) => l.startsWith('info train river: skipped — river_observations has no H observation'))).toBe(true);
    expect(lake.logs.some((l) => l.startsWith('info train heat: skipped — '))).toBe(true);
    expect(lake.logs.some((l) => l.startsWith('error') || l.startsWith('warn'))).toBe(false);
    const metrics = JSON.parse((await lake.store.get(`models/noise/${noise.version}/metrics.json`)).toString('utf8'));
    expect(metrics).toMatchObject({ model: 'noise', version: noise.version, data: 'lake', target: 'laeq', primary_metric: 'mae' });
    expect(metrics.backend).toMatch(/^wasm/);
    expect(metrics.horizons).toHaveLength(48);
    expect(Object.keys(metrics.horizons[0].baselines).sort()).toEqual(['hour_of_week_mean', 'same_hour_last_week']);
    expect(metrics.probabilities.map((p: { target: string }) => p.target)).toEqual(['lnight_eu>who_lnight', 'ln_fr>fr_ln']);
    const metadata = JSON.parse((await lake.store.get(`models/noise/${noise.version}/metadata.json`)).toString('utf8'));
    expect(metadata.features).toHaveLength(136);
    expect(metadata.training_window.until).toBe(metrics.test.from);
    expect(metadata.code_version).toMatch(/^models-\d+/);
  });

  it('writes predictions that DuckDB can query: 48 hourly levels per sensor, and night probabilities', async () => {
    const summaries = await predict(lake);
    expect(summaries.map((s) => [s.model, s.skipped === undefined])).toEqual([
      ['noise', true],
      ['river', false],
      ['heat', false],
      ['climate-risk', false],
    ]);
    await lake.lake.attach(DATASETS);
    const hourly = (
      await lake.lake.all(
        `SELECT count(*)::INTEGER AS n, count(DISTINCT entity)::INTEGER AS sensors, min(horizon_hours) AS h0, max(horizon_hours) AS h1, bool_and(lower <= value AND value <= upper) AS ordered,
           min(run_time) = max(run_time) AS one_run, any_value(version) AS version
         FROM predictions WHERE model = 'noise' AND variable = 'laeq'`,
      )
    ).rows[0]!;
    expect(hourly).toMatchObject({ n: 8 * 48, sensors: 8, h0: 1, h1: 48, ordered: true, one_run: true });
    const nights = (
      await lake.lake.all(
        `SELECT variable, threshold_name, count(*) AS n, min(probability) AS p0, max(probability) AS p1, any_value(threshold) AS limit
         FROM predictions WHERE model = 'noise' AND variable <> 'laeq' GROUP BY ALL ORDER BY variable`,
      )
    ).rows;
    expect(nights.map((r) => [r['variable'], r['threshold_name'], Number(r['limit'])])).toEqual([
      ['ln_fr', 'fr_ln', 62],
      ['lnight_eu', 'who_lnight', 45],
    ]);
    for (const r of nights) {
      expect(Number(r['p0'])).toBeGreaterThanOrEqual(0);
      expect(Number(r['p1'])).toBeLessThanOrEqual(1);
    }
    const evaluations = (await lake.lake.all(`SELECT count(*) AS n, count(beats_baseline) AS verdicts FROM model_evaluations WHERE model = 'noise'`)).rows[0]!;
    expect(Number(evaluations['n'])).toBeGreaterThan(300);
    expect(Number(evaluations['verdicts'])).toBe(3); // laeq and the two night thresholds
  });

  it('a rerun from the same origin replaces its predictions file', async () => {
    await predict(lake, { models: ['noise'] });
    await lake.lake.attach(DATASETS);
    const n = (await lake.lake.all(`SELECT count(*) AS n FROM predictions WHERE model = 'noise' AND variable = 'laeq'`)).rows[0]!['n'];
    expect(Number(n)).toBe(8 * 48);
  });
});

describe('a model that does not beat its baseline', () => {
  let lake: Lake;
  beforeAll(async () => {
    lake = await tempLake({ now: new Date('2025-10-20T06:00:00Z') });
    // every week repeats exactly: last week's level is a perfect forecast
    await writeHourlyNoise(lake, syntheticHourly({ sensors: 6, days: 16, noise: 0 }));
  });
  afterAll(async () => lake.cleanup());

  it('says so, and the predictions publish the baseline’s forecast, flagged', async () => {
    const [noise] = await trainModels(lake, { models: ['noise'], noise: { epochs: 3 } });
    expect(noise).toMatchObject({ model: 'noise', beats_baseline: false });
    expect(noise!.overall!.baselines['same_hour_last_week']!['mae']).toBe(0);
    const current = JSON.parse((await lake.store.get(currentKey('noise'))).toString('utf8'));
    expect(current).toMatchObject({ use: 'baseline', beats_baseline: false });
    expect(['same_hour_last_week', 'hour_of_week_mean']).toContain(current.baseline);
    expect(current.publish['laeq']).toBe(current.baseline);
    const metrics = JSON.parse((await lake.store.get(`models/noise/${noise!.version}/metrics.json`)).toString('utf8'));
    expect(metrics.notes.join(' ')).toMatch(/does not beat/);

    await predict(lake, { models: ['noise'] });
    await lake.lake.attach(DATASETS);
    const rows = (
      await lake.lake.all(
        `SELECT p.source, p.method, count(*)::INTEGER AS n, max(abs(p.value - h.leq)) AS worst
         FROM predictions p JOIN noise_indicators_hourly h ON h.sensor_id = p.entity AND h.hour_start = p.target_time - INTERVAL 7 DAY
         WHERE p.model = 'noise' AND p.variable = 'laeq' GROUP BY ALL`,
      )
    ).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ source: 'baseline', method: current.baseline, n: 6 * 48 });
    // the published values are last week's levels (to the stored precision)
    expect(Number(rows[0]!['worst'])).toBeLessThan(1e-3);
  });
});
