import { quantile, quantiles, mean, standardDeviation } from '../metrics.ts';
import { applyScaler, buildMlp, fitMlp, fitScaler, predictRows, type FitReport, type LayersModel, type Matrix } from '../nn.ts';
import { predictionRow, sourceOf, type PredictionRow } from '../prediction-row.ts';
import type { RiverPreprocessing } from '../registry-schemas.ts';
import type { EvaluationReport } from '../report.ts';
import type { TfRuntime } from '../runtime.ts';
import { exceedanceOf, RIVER_PREDICTORS, scoreRiver, type ForecastOf, type RiverPredictor, type RiverScores } from './evaluation.ts';
import { BASIN_RAIN_DAYS, changes, columnOf, examples, forward, inverse, lagSteps, riverFeatureNames, transformed, trendChange, trendSteps, type Examples, type RiverSetup } from './features.ts';
import { fitRidge, ridgePredict } from './ridge.ts';
import { instantOf, stepMs, type RegularSeries } from './series.ts';

// The river model: the stage (or discharge) of a station 1 to 3 days ahead, from its own recent changes
// and those of upstream stations.
//
// Inputs at origin t (values up to t only, features.ts): the target's changes over several lags, its
// level, each upstream station's changes and its offset to the target, basin rain, and the season (day
// of year). Discharges are modelled in log space (floods are multiplicative: a recession is a constant
// rate in log flow), stages as they are. The network predicts the change x(t+h) − x(t) for each horizon
// h, so "no change" — the persistence baseline — is its natural zero. Two ReLU layers (32, 16), MSE on
// standardised changes, Adam, early stopping on the last 15 % of the training period (the best epoch's
// weights are kept). Scores and the decision: evaluation.ts.

export const RIVER_MODEL = 'river';
export { RIVER_BASELINES, RIVER_MATERIAL_RATIO, type RiverBaseline } from './evaluation.ts';
export { BASIN_RAIN_DAYS, basinRain, riverFeatureNames, riverFeatureRow, type RiverSetup } from './features.ts';
export { fitRidge } from './ridge.ts';
export type { RiverPreprocessing };
const RIDGE_LAMBDA = 1;
export const RIVER_HORIZONS_HOURS = [24, 48, 72] as const;

export interface RiverOptions {
  readonly seed?: number;
  readonly hidden?: readonly number[];
  readonly learningRate?: number;
  /** target number of optimiser steps (epochs adapt to the data size) */
  readonly steps?: number;
  /**
   * what the model forecasts: the network's change (default), or the mean of the network's and the linear
   * baseline's (two fits of the same inputs whose errors are not the same: averaging cuts the variance)
   */
  readonly combination?: 'network' | 'network_linear_mean';
}

export interface RiverTrainingResult {
  readonly model: LayersModel;
  readonly preprocessing: RiverPreprocessing;
  readonly report: Omit<EvaluationReport, 'version' | 'backend' | 'evaluated_at' | 'model' | 'data'>;
  readonly fit: FitReport;
  readonly trainRows: number;
  readonly testRows: number;
  readonly architecture: Record<string, unknown>;
  readonly features: string[];
  /** origins in the series' range, with every input (used) or lacking one (dropped) */
  readonly origins: { readonly used: number; readonly dropped: number };
}

/** the series cut at the training window's end, transformed, and the examples of both sides */
interface RiverData {
  readonly series: RegularSeries;
  readonly setup: RiverSetup;
  readonly horizonsHours: readonly number[];
  readonly hSteps: readonly number[];
  readonly trainEnd: number;
  readonly testEnd: number;
  readonly offsets: Record<string, number>;
  /** the transformed target */
  readonly tgt: Float64Array;
  readonly train: Examples;
  readonly test: Examples;
}

/**
 * Trains on the origins before `trainUntil` (their targets too) and scores on the origins from
 * `trainUntil` to `testUntil` (default: the end of the series), against persistence, trend and linear.
 */
export async function trainRiverModel(
  rt: TfRuntime,
  series: RegularSeries,
  setup: RiverSetup,
  window: { trainUntil: number; testUntil?: number },
  options: RiverOptions = {},
): Promise<RiverTrainingResult | { skipped: string }> {
  const d = riverData(series, setup, window);
  if ('skipped' in d) return d;
  const nn = await fitRiverNetwork(rt, d, options);
  const p = await riverPredictors(rt, d, nn, options.combination ?? 'network');
  const residuals = residualStats(d, p.trainF);
  const threshold = thresholdOf(d);
  const scored = scoreRiver({
    series,
    setup,
    origins: d.test.origins,
    hSteps: d.hSteps,
    horizonsHours: d.horizonsHours,
    trainEnd: d.trainEnd,
    testEnd: d.testEnd,
    offset: d.offsets[setup.target] ?? 0,
    forecast: p.testF,
    residuals,
    threshold: threshold.value,
    xThreshold: forward(threshold.value, setup, d.offsets[setup.target] ?? 0),
  });
  return {
    model: nn.net,
    features: riverFeatureNames(setup, series.stepHours),
    fit: nn.fit,
    trainRows: d.train.x.rows,
    testRows: d.test.x.rows,
    origins: originCounts(d),
    architecture: { type: 'mlp', inputs: nn.xs.cols, hidden: nn.hidden, outputs: d.hSteps.length, activation: 'relu', loss: 'mse', optimizer: 'adam', learning_rate: options.learningRate ?? 0.002, epochs: nn.epochs, batch_size: nn.batchSize, seed: nn.seed, early_stopping: 'last 15 % of the training origins' },
    preprocessing: riverPreprocessing(d, nn, p, residuals, threshold),
    report: riverReport(d, nn, scored, threshold, p.combination),
  };
}

function riverData(series: RegularSeries, setup: RiverSetup, window: { trainUntil: number; testUntil?: number }): RiverData | { skipped: string } {
  const horizonsHours = setup.horizonsHours ?? RIVER_HORIZONS_HOURS;
  const hSteps = horizonsHours.map((h) => Math.round(h / series.stepHours));
  if (hSteps.some((h, i) => h < 1 || h * series.stepHours !== horizonsHours[i])) {
    throw new Error(`river: horizons ${horizonsHours.join(', ')} h are not whole steps of ${series.stepHours} h`);
  }
  const trainEnd = Math.min(series.length, Math.max(0, Math.ceil((window.trainUntil - series.start) / stepMs(series))));
  const testEnd = window.testUntil === undefined ? series.length : Math.min(series.length, Math.ceil((window.testUntil - series.start) / stepMs(series)));
  if (!series.columns[setup.target]) throw new Error(`series has no column "${setup.target}"; columns: ${Object.keys(series.columns).join(', ')}`);
  const offsets: Record<string, number> = {};
  for (const c of [setup.target, ...setup.upstream]) {
    const v = (series.columns[c] ?? new Float64Array()).subarray(0, trainEnd);
    const offset = setup.transform === 'log' ? Math.max(1e-3, 0.01 * quantile(v, 0.5)) : 0;
    offsets[c] = Number.isFinite(offset) ? offset : 1e-3;
  }
  const x = transformed(series, setup, offsets);
  const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
  const train = examples(series, setup, x, range(0, trainEnd - 1));
  const test = examples(series, setup, x, range(trainEnd, testEnd - 1));
  if (train.x.rows < 200) return { skipped: `${train.x.rows} training origins with every input (need ≥ 200)` };
  if (test.x.rows < 10) return { skipped: `${test.x.rows} held-out origins with every input (need ≥ 10)` };
  return { series, setup, horizonsHours, hSteps, trainEnd, testEnd, offsets, tgt: columnOf(x, setup.target), train, test };
}

function originCounts(d: RiverData): { used: number; dropped: number } {
  const candidates = Math.max(0, d.trainEnd - 1) + Math.max(0, d.testEnd - 1 - d.trainEnd);
  const used = d.train.x.rows + d.test.x.rows;
  return { used, dropped: Math.max(0, candidates - used) };
}

const part = (m: Matrix, a: number, b: number): Matrix => ({ rows: b - a, cols: m.cols, data: m.data.slice(a * m.cols, b * m.cols) });

/** the network fitted to the standardised changes; the last 15 % of the training origins validate (time-based), the rest fit */
async function fitRiverNetwork(rt: TfRuntime, d: RiverData, options: RiverOptions) {
  const seed = options.seed ?? 1910;
  const featureScaler = fitScaler(d.train.x);
  const { y, w } = changes(d.train, d.tgt, d.hSteps, d.trainEnd);
  const targetScaler = fitScaler(y, w);
  const ys = applyScaler({ ...y, data: y.data.slice() }, targetScaler);
  for (let i = 0; i < ys.data.length; i++) if (w.data[i] === 0) ys.data[i] = 0;
  const xs = applyScaler({ ...d.train.x, data: d.train.x.data.slice() }, featureScaler);
  const cut = Math.floor(d.train.x.rows * 0.85);
  const batchSize = cut > 20_000 ? 256 : cut > 2_000 ? 128 : 32;
  const epochs = Math.max(10, Math.min(80, Math.ceil((options.steps ?? 3000) / Math.ceil(cut / batchSize))));
  const hidden = options.hidden ?? [32, 16];
  const net = buildMlp(rt.tf, { inputs: xs.cols, hidden, outputs: d.hSteps.length, seed });
  const fit = await fitMlp(rt.tf, net, part(xs, 0, cut), part(ys, 0, cut), {
    epochs,
    batchSize,
    learningRate: options.learningRate ?? 0.002,
    seed,
    loss: 'mse',
    weights: part(w, 0, cut),
    validation: { x: part(xs, cut, xs.rows), y: part(ys, cut, ys.rows), weights: part(w, cut, w.rows) },
  });
  return { net, fit, featureScaler, targetScaler, xs, y, w, epochs, batchSize, hidden, seed };
}
type FittedNetwork = Awaited<ReturnType<typeof fitRiverNetwork>>;

/** each predictor's forecasts on the training and held-out origins, and the linear baseline's coefficients */
async function riverPredictors(rt: TfRuntime, d: RiverData, nn: FittedNetwork, combination: NonNullable<RiverOptions['combination']>) {
  const linear = fitRidge(nn.xs, nn.y, nn.w, RIDGE_LAMBDA);
  const linearChanges = (ex: Examples) => ridgePredict(linear, applyScaler({ ...ex.x, data: ex.x.data.slice() }, nn.featureScaler));
  const predictChanges = async (ex: Examples): Promise<Matrix> => {
    const out = await predictRows(rt.tf, nn.net, applyScaler({ ...ex.x, data: ex.x.data.slice() }, nn.featureScaler));
    for (let i = 0; i < out.data.length; i++) {
      const k = i % out.cols;
      out.data[i] = (out.data[i] ?? NaN) * (nn.targetScaler.std[k] ?? NaN) + (nn.targetScaler.mean[k] ?? NaN);
    }
    return combination === 'network' ? out : meanOf(out, linearChanges(ex));
  };
  const steps = trendSteps(d.series.stepHours);
  const forecastOf =
    (ex: Examples, netChanges: Matrix, linChanges: Matrix): ForecastOf =>
    (p, r, k) => {
      const base = ex.base[r] ?? NaN;
      const i = r * d.hSteps.length + k;
      if (p === 'model') return base + (netChanges.data[i] ?? NaN);
      if (p === 'linear') return base + (linChanges.data[i] ?? NaN);
      if (p === 'trend') return base + trendChange(d.tgt, ex.origins[r] ?? -1, d.hSteps[k] ?? 1, steps);
      return base;
    };
  return {
    trainF: forecastOf(d.train, await predictChanges(d.train), linearChanges(d.train)),
    testF: forecastOf(d.test, await predictChanges(d.test), linearChanges(d.test)),
    linear,
    steps,
    combination,
  };
}
type Predictors = Awaited<ReturnType<typeof riverPredictors>>;

/** per predictor and horizon, the mean, std and 5 %/95 % quantiles of the training errors (transformed space) */
function residualStats(d: RiverData, trainF: ForecastOf): RiverPreprocessing['residuals'] {
  const residuals: RiverPreprocessing['residuals'] = Object.fromEntries(RIVER_PREDICTORS.map((p) => [p, { mean: [], std: [], q05: [], q95: [] }]));
  d.hSteps.forEach((h, k) => {
    for (const p of RIVER_PREDICTORS) {
      const e: number[] = [];
      d.train.origins.forEach((t, r) => {
        const obs = t + h < d.trainEnd ? (d.tgt[t + h] ?? NaN) : NaN;
        const f = trainF(p, r, k);
        if (Number.isFinite(obs) && Number.isFinite(f)) e.push(obs - f);
      });
      const stats = residuals[p] ?? { mean: [], std: [], q05: [], q95: [] };
      const [q05 = NaN, q95 = NaN] = quantiles(e, [0.05, 0.95]);
      stats.mean.push(round(mean(e)));
      stats.std.push(round(Math.max(1e-6, standardDeviation(e))));
      stats.q05.push(round(q05));
      stats.q95.push(round(q95));
    }
  });
  return residuals;
}

/** the configured flood threshold, else the 95th percentile of the training period */
function thresholdOf(d: RiverData): { value: number; source: string } {
  if (d.setup.threshold !== undefined) return { value: d.setup.threshold, source: d.setup.thresholdSource ?? 'configured' };
  return { value: quantile((d.series.columns[d.setup.target] ?? new Float64Array()).subarray(0, d.trainEnd), 0.95), source: '95th percentile of the training period' };
}

function riverPreprocessing(d: RiverData, nn: FittedNetwork, p: Predictors, residuals: RiverPreprocessing['residuals'], threshold: { value: number; source: string }): RiverPreprocessing {
  const setup = d.setup;
  const lags = lagSteps(d.series.stepHours);
  return {
    setup: {
      target: setup.target,
      upstream: [...setup.upstream],
      ...(setup.rain?.length ? { rain: [...setup.rain] } : {}),
      transform: setup.transform,
      variable: setup.variable,
      unit: setup.unit,
      horizonsHours: [...d.horizonsHours],
      threshold: Number(threshold.value.toFixed(4)),
      threshold_source: threshold.source,
    },
    step_hours: d.series.stepHours,
    lag_steps: lags.target,
    upstream_lag_steps: lags.upstream,
    offsets: d.offsets,
    feature_scaler: nn.featureScaler,
    target_scaler: nn.targetScaler,
    residuals,
    linear: p.linear.map((beta) => beta.map((v) => Number(v.toPrecision(8)))),
    trend_steps: p.steps,
    ...(p.combination === 'network' ? {} : { model_combination: p.combination }),
  };
}

function riverReport(d: RiverData, nn: FittedNetwork, s: RiverScores, threshold: { value: number; source: string }, combination: Predictors['combination']): RiverTrainingResult['report'] {
  const { setup, series } = d;
  const iso = (i: number) => instantOf(series, i).toISOString();
  const notes = [
    `${setup.transform === 'log' ? 'log-transformed' : 'untransformed'} ${setup.variable}; inputs: ${setup.target}${setup.upstream.length ? ` and upstream ${setup.upstream.join(', ')}` : ''}${setup.rain?.length ? `; basin rain (mean of ${setup.rain.join(', ')}) over the ${BASIN_RAIN_DAYS.join(', ')} days before the origin's` : ''}`,
    `baselines on the same origins: persistence, trend (change over the last ${trendSteps(series.stepHours) * series.stepHours} h, in the ${setup.transform === 'log' ? 'log' : 'series’'} scale), linear (ridge λ = ${RIDGE_LAMBDA} on the network’s inputs)`,
    `${s.folds.length} ${series.stepHours >= 24 ? 'yearly' : 'daily'} folds in the held-out period (scored separately in \`folds\`); a "model" verdict needs a Diebold–Mariano test at 5 % on the per-origin loss differences against the best baseline`,
    `crossings: origins below ${Number(threshold.value.toFixed(3))} ${setup.unit} (${threshold.source}); hit_rate = hits / observed crossings, false_alarm_ratio = false alarms / forecast crossings`,
    `early stopping kept epoch ${nn.fit.bestEpoch} of ${nn.fit.epochs}`,
    ...(combination === 'network' ? [] : ['the model’s forecast is the mean of the network’s and the linear baseline’s changes']),
    `${setup.variable} (mae): ${s.decision.reason}`,
  ];
  return {
    target: setup.target,
    unit: setup.unit,
    train: { from: iso(0), until: iso(d.trainEnd) },
    test: { from: iso(d.trainEnd), until: iso(d.testEnd) },
    primary_metric: 'mae',
    overall: s.overall,
    horizons: s.horizons,
    probabilities: s.probabilities,
    crossings: s.crossings,
    folds: s.folds,
    coverage_90: s.coverage_90,
    beats_baseline: s.decision.beats_baseline,
    best_baseline: s.decision.best_baseline,
    use: s.decision.use,
    decisions: [s.decision],
    notes,
  };
}

/** the cell-by-cell mean of two matrices of the same shape */
function meanOf(a: Matrix, b: Matrix): Matrix {
  const out = { ...a, data: a.data.slice() };
  for (let i = 0; i < out.data.length; i++) out.data[i] = ((a.data[i] ?? NaN) + (b.data[i] ?? NaN)) / 2;
  return out;
}

const round = (v: number) => (Number.isFinite(v) ? Number(v.toFixed(6)) : NaN);

export interface RiverForecastInput {
  readonly model: LayersModel;
  readonly version: string;
  readonly preprocessing: RiverPreprocessing;
  readonly publish: Record<string, string>;
}

/** the latest origin of the last 48 h with every input, and its example */
function latestOrigin(series: RegularSeries, setup: RiverPreprocessing['setup'], x: Record<string, Float64Array>): { origin: number; ex: Examples } | undefined {
  for (let t = series.length - 1; t >= Math.max(0, series.length - 1 - Math.round(48 / series.stepHours)); t--) {
    const ex = examples(series, setup, x, [t]);
    if (ex.x.rows) return { origin: t, ex };
  }
  return undefined;
}

/** the predictor published: a version registered before the linear and trend baselines existed publishes persistence instead */
function publishedPredictor(pre: RiverPreprocessing, publish: Record<string, string>): RiverPredictor {
  const predictor = (publish[pre.setup.variable] ?? 'model') as RiverPredictor;
  if ((predictor === 'linear' && !pre.linear) || (predictor === 'trend' && !pre.trend_steps)) return 'persistence';
  return predictor;
}

/** forecasts from the latest origin with every input: per horizon, value, 90 % interval and P(≥ threshold) */
export async function forecastRiver(
  rt: TfRuntime,
  input: RiverForecastInput,
  series: RegularSeries,
  runTime: Date,
  entity: string,
): Promise<{ rows: PredictionRow[]; origin: Date } | { skipped: string }> {
  const pre = input.preprocessing;
  const setup = pre.setup;
  const x = transformed(series, setup, pre.offsets);
  const latest = latestOrigin(series, setup, x);
  if (!latest) return { skipped: `no origin in the last 48 h of ${setup.target} has every input` };
  const { origin, ex } = latest;
  const predictor = publishedPredictor(pre, input.publish);
  const change = await changeOf(rt, input, predictor, ex, { tgt: columnOf(x, setup.target), origin, stepHours: series.stepHours });
  const base = ex.base[0] ?? NaN;
  const offset = pre.offsets[setup.target] ?? 0;
  const originTime = new Date(instantOf(series, origin).getTime() + stepMs(series));
  const r = pre.residuals[predictor] ?? pre.residuals['model'] ?? { mean: [], std: [], q05: [], q95: [] };
  const rows = setup.horizonsHours.map((hours, k) => {
    const xf = base + change(k, hours);
    const start = new Date(originTime.getTime() + (hours - series.stepHours) * 3_600_000);
    return predictionRow({
      model: RIVER_MODEL,
      version: input.version,
      run_time: runTime,
      origin_time: originTime,
      target_time: start,
      target_end: new Date(start.getTime() + stepMs(series)),
      entity_kind: 'station',
      entity,
      variable: setup.variable,
      unit: setup.unit,
      value: inverse(xf, setup, offset),
      lower: inverse(xf + (r.q05[k] ?? NaN), setup, offset),
      upper: inverse(xf + (r.q95[k] ?? NaN), setup, offset),
      threshold_name: setup.threshold === null ? null : 'flood_threshold',
      threshold: setup.threshold,
      probability: setup.threshold === null ? null : exceedanceOf(xf, forward(setup.threshold, setup, offset), r, k),
      ...sourceOf(predictor),
    });
  });
  return { rows, origin: originTime };
}

/** the published predictor's change from the origin at horizon index k (transformed space) */
async function changeOf(
  rt: TfRuntime,
  input: RiverForecastInput,
  predictor: RiverPredictor,
  ex: Examples,
  at: { tgt: Float64Array; origin: number; stepHours: number },
): Promise<(k: number, hours: number) => number> {
  const pre = input.preprocessing;
  const scaled = applyScaler({ ...ex.x, data: ex.x.data.slice() }, pre.feature_scaler);
  const linear = (k: number) => ridgePredict([pre.linear?.[k] ?? []], scaled).data[0] ?? NaN;
  if (predictor === 'model') {
    const out = await predictRows(rt.tf, input.model, scaled);
    const network = (k: number) => (out.data[k] ?? NaN) * (pre.target_scaler.std[k] ?? NaN) + (pre.target_scaler.mean[k] ?? NaN);
    return pre.model_combination === 'network_linear_mean' ? (k) => (network(k) + linear(k)) / 2 : network;
  }
  if (predictor === 'linear') return linear;
  if (predictor === 'trend') return (_, hours) => trendChange(at.tgt, at.origin, Math.round(hours / at.stepHours), pre.trend_steps ?? 1);
  return () => 0;
}
