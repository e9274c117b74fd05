import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { currentKey, type CurrentPointer, type ModelMetadata } from '../../functions/lib/models/registry.ts';
import { evaluationSummary, type EvaluationReport } from '../../functions/lib/models/report.ts';
import { predict } from '../../functions/lib/stages/predict.ts';
import { trainModels } from '../../functions/lib/stages/train-models.ts';
import { tempLake } from '../support/lake.ts';
import { writeHourlyNoise } from './lake-fixtures.ts';
import { syntheticHourly } from './synthetic.ts';

type Lake = Awaited<ReturnType<typeof tempLake>>;

async function readJson<T>(lake: Lake, key: string): Promise<T> {
  return JSON.parse((await lake.store.get(key)).toString('utf8')) as T;
}

async function firstRow(lake: Lake, sql: string): Promise<Record<string, unknown> | undefined> {
  return (await lake.lake.all(sql)).rows[0];
}

/** the noise model's evaluation report: 48 hourly leads, every baseline scored on the network's cases, the folds, intervals and night probabilities */
function expectNoiseEvaluation(metrics: EvaluationReport, version: string | undefined): void {
  expect(metrics).toMatchObject({ model: 'noise', version, data: 'lake', target: 'laeq', primary_metric: 'mae' });
  expect(metrics.backend).toMatch(/^wasm/);
  expect(metrics.horizons).toHaveLength(48);
  expect(Object.keys(metrics.horizons[0]?.baselines ?? {}).sort()).toEqual(['day_type_hour_profile', 'hour_of_week_mean', 'profile_decaying_anomaly', 'same_hour_last_week']);
  // every baseline is scored on the same cases as the network
  for (const h of metrics.horizons) for (const b of Object.values(h.baselines)) expect(b['mae']).not.toBeNull();
  // 12 days: 3 held out, one fold per day; intervals are checked
  expect(metrics.folds).toHaveLength(3);
  expect(metrics.folds.reduce((n, f) => n + f.n, 0)).toBe(metrics.overall.n);
  expect(Object.keys(metrics.coverage_90).sort()).toEqual(['day_type_hour_profile', 'hour_of_week_mean', 'model', 'profile_decaying_anomaly', 'same_hour_last_week']);
  expect(metrics.coverage_90['model']).toBeGreaterThan(0.5);
  expect(metrics.decisions[0]?.dm_p_value).toEqual(expect.any(Number));
  expect(metrics.probabilities.map((p) => p.target)).toEqual(['lnight_eu>who_lnight', 'ln_fr>fr_ln']);
}

/** the noise predictions' night probabilities: one series per threshold, with its limit, probabilities in [0, 1] */
async function expectNightProbabilities(lake: Lake): Promise<void> {
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
}

describe('train-models and predict on a lake with noise data only', () => {
  let lake: Lake;
  beforeAll(async () => {
    // the data end at 2025-10-18 00:00 in Paris; the clock is an hour later
    lake = await tempLake({ now: new Date('2025-10-17T23:00:00Z') });
    await writeHourlyNoise(lake, syntheticHourly({ sensors: 8, days: 12 }));
  });
  afterAll(async () => lake.cleanup());

  it('trains and registers the noise model, and skips river and heat with a clear line', async () => {
    const summaries = await trainModels(lake, { noise: { epochs: 3 } });
    expect(summaries.map((s) => s.model)).toEqual(['noise', 'river', 'heat']);
    const noise = summaries[0];
    expect(noise?.skipped).toBeUndefined();
    expect(noise?.version).toMatch(/^20251017T230000Z-[0-9a-f]{8}$/);
    expect(summaries[1]?.skipped).toMatch(/river_observations has no H observation of F700000103/);
    expect(summaries[2]?.skipped).toMatch(/heat_indicators_daily has no row for station 75114001/);
    expect(lake.logs.some((l) => l.startsWith('info train river: skipped — river_observations has no H observation'))).toBe(true);
    expect(lake.logs.some((l) => l.startsWith('info train heat: skipped — '))).toBe(true);
    expect(lake.logs.some((l) => l.startsWith('error') || l.startsWith('warn'))).toBe(false);
    const metrics = await readJson<EvaluationReport>(lake, `models/noise/${noise?.version}/metrics.json`);
    expectNoiseEvaluation(metrics, noise?.version);
    const metadata = await readJson<ModelMetadata>(lake, `models/noise/${noise?.version}/metadata.json`);
    expect(metadata.features).toHaveLength(136);
    expect(metadata.training_window.until).toBe(metrics.test.from);
    expect(metadata.code_version).toMatch(/^models-\d+/);
  });

  it('models evaluate noise: per hour of lead, the network, every baseline by name, the best of them and the verdict', async () => {
    const current = await readJson<{ version: string }>(lake, currentKey('noise'));
    const report = await readJson<EvaluationReport>(lake, `models/noise/${current.version}/metrics.json`);
    const summary = evaluationSummary(report, { stepHours: 1, origins: { used: 10, dropped: 0 } }) as { horizons: Record<string, unknown>[] } & Record<string, unknown>;
    expect(summary).toMatchObject({ target: 'laeq', metric: 'mae', origins_used: 10, origins_dropped: 0 });
    expect(summary.horizons).toHaveLength(48);
    summary.horizons.forEach((h, i) => {
      // hourly series: hours of lead, never days
      expect(h.horizon_hours).toBe(report.horizons[i]?.horizon_hours);
      expect(h).not.toHaveProperty('horizon_days');
      const baselines = h.baselines as Record<string, { mae: number }>;
      expect(Object.keys(baselines).sort()).toEqual(['day_type_hour_profile', 'hour_of_week_mean', 'profile_decaying_anomaly', 'same_hour_last_week']);
      const best = Object.entries(baselines).reduce((a, b) => (b[1].mae < a[1].mae ? b : a));
      expect(h.best_baseline).toBe(best[0]);
      expect(h.verdict).toBe((h.model as { mae: number }).mae < best[1].mae ? 'model' : best[0]);
    });
    expect((summary.decision as { best_baseline: string }).best_baseline).toBe(report.decisions[0]?.best_baseline);
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
    const hourly = await firstRow(
      lake,
      `SELECT count(*)::INTEGER AS n, count(DISTINCT entity)::INTEGER AS sensors, min(horizon_hours) AS h0, max(horizon_hours) AS h1, bool_and(lower <= value AND value <= upper) AS ordered,
         min(run_time) = max(run_time) AS one_run, any_value(version) AS version
       FROM predictions WHERE model = 'noise' AND variable = 'laeq'`,
    );
    expect(hourly).toMatchObject({ n: 8 * 48, sensors: 8, h0: 1, h1: 48, ordered: true, one_run: true });
    await expectNightProbabilities(lake);
    const evaluations = await firstRow(lake, `SELECT count(*) AS n, count(beats_baseline) AS verdicts FROM model_evaluations WHERE model = 'noise'`);
    expect(Number(evaluations?.['n'])).toBeGreaterThan(300);
    expect(Number(evaluations?.['verdicts'])).toBe(3); // laeq and the two night thresholds
  });

  it('a rerun from the same origin replaces its predictions file', async () => {
    await predict(lake, { models: ['noise'] });
    await lake.lake.attach(DATASETS);
    const n = (await firstRow(lake, `SELECT count(*) AS n FROM predictions WHERE model = 'noise' AND variable = 'laeq'`))?.['n'];
    expect(Number(n)).toBe(8 * 48);
  });
});

describe('a model that does not beat its baseline', () => {
  let lake: Lake;
  beforeAll(async () => {
    lake = await tempLake({ now: new Date('2025-10-21T23:00:00Z') });
    // every week repeats exactly: last week's level is a perfect forecast
    await writeHourlyNoise(lake, syntheticHourly({ sensors: 6, days: 16, noise: 0 }));
  });
  afterAll(async () => lake.cleanup());

  it('says so, and the predictions publish the baseline’s forecast, flagged', async () => {
    const [noise] = await trainModels(lake, { models: ['noise'], noise: { epochs: 3 } });
    expect(noise).toMatchObject({ model: 'noise', beats_baseline: false });
    expect(noise?.overall?.baselines['same_hour_last_week']?.['mae']).toBe(0);
    const current = await readJson<CurrentPointer>(lake, currentKey('noise'));
    expect(current).toMatchObject({ use: 'baseline', beats_baseline: false });
    expect(['same_hour_last_week', 'hour_of_week_mean']).toContain(current.baseline);
    expect(current.publish['laeq']).toBe(current.baseline);
    const metrics = await readJson<EvaluationReport>(lake, `models/noise/${noise?.version}/metrics.json`);
    expect(metrics.notes.join(' ')).toMatch(/laeq \(mae\): the model \([\d.]+\) does not do better than (same_hour_last_week|hour_of_week_mean) \(0\); \1 is published/);

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
    expect(Number(rows[0]?.['worst'])).toBeLessThan(1e-3);
  });
});

describe('a young lake', () => {
  let lake: Lake;
  beforeAll(async () => {
    lake = await tempLake({ now: new Date('2025-10-12T23:00:00Z') });
    await writeHourlyNoise(lake, syntheticHourly({ sensors: 4, days: 7 }));
  });
  afterAll(async () => lake.cleanup());

  it('a network with a week of readings: the noise model skips with its reason, the other models go on, nothing throws', async () => {
    const summaries = await trainModels(lake);
    expect(summaries.map((s) => s.model)).toEqual(['noise', 'river', 'heat']);
    expect(summaries[0]?.skipped).toBe(
      '7 local day(s) of hourly levels; the noise model needs at least 11 (8 of history, so that every baseline including the same hour last week can be scored, and 3 held out)',
    );
    expect(summaries.every((s) => typeof s.skipped === 'string')).toBe(true);
    const predicted = await predict(lake);
    expect(predicted.find((s) => s.model === 'noise')?.skipped).toMatch(/no trained noise model/);
  });

  it('a forecast whose data stopped more than 6 hours ago is not written', async () => {
    const older = await tempLake({ now: new Date('2025-10-17T23:00:00Z') });
    try {
      await writeHourlyNoise(older, syntheticHourly({ sensors: 8, days: 12 }));
      await trainModels(older, { models: ['noise'], noise: { epochs: 1 } });
      const late = { ...older, now: () => new Date('2025-10-18T04:00:00Z') };
      const [fresh] = await predict(late, { models: ['noise'] });
      expect(fresh?.skipped).toBeUndefined();
      const [stale] = await predict({ ...older, now: () => new Date('2025-10-18T04:00:01Z') }, { models: ['noise'] });
      expect(stale?.skipped).toMatch(/older than the 6 h limit of the noise forecast, nothing is published$/);
    } finally {
      await older.cleanup();
    }
  });
});
