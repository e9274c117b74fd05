import { brier, brierSkillScore, contingency, finiteOrNull, intervalCoverage, mae, mean, nse, normalCdf, quantile, quantiles, reliability, standardDeviation } from '../metrics.ts';
import { applyScaler, buildMlp, fitMlp, fitScaler, matrix, predictRows, type FitReport, type LayersModel, type Matrix } from '../nn.ts';
import { predictionRow, sourceOf, type PredictionRow } from '../prediction-row.ts';
import { decide, reliabilityJson, scores, type CrossingScores, type Decision, type EvaluationReport, type FoldScores, type HorizonScores, type ProbabilityScores } from '../report.ts';
import type { TfRuntime } from '../runtime.ts';
import { instantOf, stepMs, type RegularSeries } from './series.ts';

// The river model: the stage (or discharge) of a station 1 to 3 days ahead, from its own recent changes
// and those of upstream stations.
//
// Inputs at origin t (values up to t only): the target's changes over several lags, its level, each
// upstream station's changes and its offset to the target, and the season (day of year). Discharges are
// modelled in log space (floods are multiplicative: a recession is a constant rate in log flow), stages
// as they are. The network predicts the change x(t+h) − x(t) for each horizon h, so "no change" — the
// persistence baseline — is its natural zero. Two ReLU layers (32, 16), MSE on standardised changes,
// Adam, early stopping on the last 15 % of the training period (the best epoch's weights are kept).

export const RIVER_MODEL = 'river';
/**
 * Baselines, scored on the same origins as the network:
 * - persistence: x(t+h) = x(t);
 * - trend: x(t+h) = x(t) + h × the change over the last day (in the transformed space: a constant rate in log flow);
 * - linear: a ridge regression of each horizon's change on the network's own inputs (standardised, λ = 1).
 */
export const RIVER_BASELINES = ['persistence', 'trend', 'linear'] as const;
export type RiverBaseline = (typeof RIVER_BASELINES)[number];
const RIVER_PREDICTORS = ['model', ...RIVER_BASELINES] as const;
type RiverPredictor = (typeof RIVER_PREDICTORS)[number];
const RIDGE_LAMBDA = 1;
/**
 * The network is published only when its MAE is at most this share of the best baseline's at every
 * horizon: a network whose edge over a 15-coefficient regression is a few percent is not worth its
 * opacity, and the regression is then published.
 */
export const RIVER_MATERIAL_RATIO = 0.9;
export const RIVER_HORIZONS_HOURS = [24, 48, 72] as const;

export interface RiverSetup {
  /** target column */
  readonly target: string;
  /** upstream columns the model may use */
  readonly upstream: readonly string[];
  /**
   * columns of daily rain (mm, RR: 06 UTC on the day to 06 UTC the next) at basin stations upstream of the
   * target; their mean enters as basin rain over the last 1, 3, 7 and 30 days (daily series only)
   */
  readonly rain?: readonly string[];
  /** 'log' for discharges, 'identity' for stages */
  readonly transform: 'log' | 'identity';
  /** e.g. flow or level: names the forecast variable */
  readonly variable: string;
  readonly unit: string;
  readonly horizonsHours?: readonly number[];
  /** a level of the target whose crossings are scored (and whose exceedance probability is published) */
  readonly threshold?: number;
  /** where the threshold comes from, for the report */
  readonly thresholdSource?: string;
}

export interface RiverOptions {
  readonly seed?: number;
  readonly hidden?: readonly number[];
  readonly learningRate?: number;
  /** target number of optimiser steps (epochs adapt to the data size) */
  readonly steps?: number;
}

import type { RiverPreprocessing } from '../registry-schemas.ts';
export type { RiverPreprocessing };

/** steps the trend baseline measures the recent change over: a day, or one step when steps are longer */
const trendSteps = (stepHours: number) => Math.max(1, Math.round(24 / stepHours));

/** ridge regression with an unpenalised intercept: per output column, [intercept, ...coefficients] */
export function fitRidge(x: Matrix, y: Matrix, w: Matrix, lambda: number): number[][] {
  const p = x.cols + 1;
  const out: number[][] = [];
  for (let k = 0; k < y.cols; k++) {
    const a = Array.from({ length: p }, () => new Float64Array(p));
    const b = new Float64Array(p);
    const row = new Float64Array(p);
    for (let r = 0; r < x.rows; r++) {
      if (w.data[r * w.cols + k] === 0) continue;
      row[0] = 1;
      for (let c = 0; c < x.cols; c++) row[c + 1] = x.data[r * x.cols + c]!;
      const yk = y.data[r * y.cols + k]!;
      for (let i = 0; i < p; i++) {
        b[i]! += row[i]! * yk;
        for (let j = i; j < p; j++) a[i]![j]! += row[i]! * row[j]!;
      }
    }
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < i; j++) a[i]![j] = a[j]![i]!;
      if (i > 0) a[i]![i]! += lambda;
    }
    out.push(solve(a, b));
  }
  return out;
}

/** Gaussian elimination with partial pivoting (a small, symmetric positive definite system) */
function solve(a: Float64Array[], b: Float64Array): number[] {
  const n = b.length;
  const m = a.map((r, i) => [...r, b[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    const d = m[c]![c]!;
    if (Math.abs(d) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / d;
      if (f !== 0) for (let j = c; j <= n; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  return m.map((r, i) => (Math.abs(r[i]!) < 1e-12 ? 0 : r[n]! / r[i]!));
}

function ridgePredict(coefficients: readonly number[][], xs: Matrix): Matrix {
  const out = matrix(xs.rows, coefficients.length);
  for (let r = 0; r < xs.rows; r++) {
    coefficients.forEach((beta, k) => {
      let v = beta[0]!;
      for (let c = 0; c < xs.cols; c++) v += beta[c + 1]! * xs.data[r * xs.cols + c]!;
      out.data[r * out.cols + k] = v;
    });
  }
  return out;
}

/** the trend baseline's change at horizon h (steps) from origin t, in the transformed space */
function trendChange(tgt: Float64Array, t: number, h: number, steps: number): number {
  return t - steps >= 0 ? (h * (tgt[t]! - tgt[t - steps]!)) / steps : NaN;
}

/** lags of the target and of upstream stations, in steps of the series */
function lagSteps(stepHours: number): { target: number[]; upstream: number[] } {
  if (stepHours >= 24) return { target: [1, 2, 3, 4, 5, 6, 7], upstream: [1, 2, 3, 4, 5] };
  const hours = { target: [1, 3, 6, 12, 24, 48, 72, 120], upstream: [1, 3, 6, 12, 24, 48] };
  const toSteps = (h: number[]) => [...new Set(h.map((x) => Math.max(1, Math.round(x / stepHours))))];
  return { target: toSteps(hours.target), upstream: toSteps(hours.upstream) };
}

/**
 * Days of basin rain summed at an origin, ending the day before the origin's: RR of day d is measured up
 * to 06 UTC on d + 1, after a daily origin's end (the end of d), so day d's rain is not known yet.
 */
export const BASIN_RAIN_DAYS = [1, 3, 7, 30] as const;

export function riverFeatureNames(setup: Pick<RiverSetup, 'upstream' | 'rain'>, stepHours: number): string[] {
  const lags = lagSteps(stepHours);
  return [
    ...lags.target.map((l) => `target_change_${l * stepHours}h`),
    'target_level',
    ...setup.upstream.flatMap((u) => [...lags.upstream.map((l) => `${u}_change_${l * stepHours}h`), `${u}_minus_target`]),
    ...(setup.rain?.length ? BASIN_RAIN_DAYS.map((n) => `basin_rain_${n}d`) : []),
    'day_of_year_sin',
    'day_of_year_cos',
  ];
}

/** the transformed columns (log or identity), NaN where missing or not positive under log */
function transformed(series: RegularSeries, setup: Pick<RiverSetup, 'target' | 'upstream' | 'transform' | 'rain'>, offsets: Record<string, number>): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const c of [setup.target, ...setup.upstream]) {
    const v = series.columns[c];
    if (!v) throw new Error(`series has no column "${c}"; columns: ${Object.keys(series.columns).join(', ')}`);
    out[c] = setup.transform === 'log' ? v.map((x) => (x + offsets[c]! > 0 ? Math.log(x + offsets[c]!) : NaN)) : v.slice();
  }
  if (setup.rain?.length) out[BASIN_RAIN] = basinRain(series, setup.rain);
  return out;
}

/** the key of the basin's mean daily rain among the transformed columns (not a column name a series can have: it holds a tab) */
const BASIN_RAIN = '\tbasin_rain';

/** per day, the mean rain of the basin stations reporting that day (NaN when none does) */
export function basinRain(series: RegularSeries, rain: readonly string[]): Float64Array {
  if (series.stepHours !== 24) throw new Error(`basin rain is daily: it needs a daily series, not one of ${series.stepHours} h steps`);
  const columns = rain.map((c) => {
    const v = series.columns[c];
    if (!v) throw new Error(`series has no rain column "${c}"; columns: ${Object.keys(series.columns).join(', ')}`);
    return v;
  });
  const out = new Float64Array(series.length).fill(NaN);
  for (let t = 0; t < series.length; t++) {
    let sum = 0;
    let n = 0;
    for (const v of columns) {
      if (!Number.isFinite(v[t]!)) continue;
      sum += v[t]!;
      n++;
    }
    if (n) out[t] = sum / n;
  }
  return out;
}

/**
 * Basin rain summed over the `days` days before origin t. The day before must be known; a longer window
 * may miss up to a fifth of its days, each counted at the window's mean of the known ones (a station
 * file late by a day must not stop the forecast).
 */
function rainBefore(r: Float64Array, t: number, days: number): number {
  if (t - days < 0 || !Number.isFinite(r[t - 1]!)) return NaN;
  let sum = 0;
  let n = 0;
  for (let d = t - days; d < t; d++) {
    if (!Number.isFinite(r[d]!)) continue;
    sum += r[d]!;
    n++;
  }
  return n >= days * 0.8 ? (sum * days) / n : NaN;
}

function inverse(x: number, setup: Pick<RiverSetup, 'transform'>, offset: number): number {
  return setup.transform === 'log' ? Math.exp(x) - offset : x;
}

function forward(v: number, setup: Pick<RiverSetup, 'transform'>, offset: number): number {
  return setup.transform === 'log' ? Math.log(v + offset) : v;
}

interface Examples {
  readonly origins: number[];
  readonly x: Matrix;
  /** transformed target at each origin */
  readonly base: Float64Array;
}

/** features at the given origins; origins lacking an input are dropped */
function examples(series: RegularSeries, setup: Pick<RiverSetup, 'target' | 'upstream' | 'rain'>, x: Record<string, Float64Array>, origins: Iterable<number>): Examples {
  const lags = lagSteps(series.stepHours);
  const names = riverFeatureNames(setup, series.stepHours);
  const rows: number[] = [];
  const data: number[] = [];
  const base: number[] = [];
  const tgt = x[setup.target]!;
  for (const t of origins) {
    const row: number[] = [];
    const xt = tgt[t]!;
    if (!Number.isFinite(xt)) continue;
    let ok = true;
    for (const l of lags.target) row.push(xt - (t - l >= 0 ? tgt[t - l]! : NaN));
    row.push(xt);
    for (const u of setup.upstream) {
      const xu = x[u]!;
      for (const l of lags.upstream) row.push(xu[t]! - (t - l >= 0 ? xu[t - l]! : NaN));
      row.push(xu[t]! - xt);
    }
    if (setup.rain?.length) for (const n of BASIN_RAIN_DAYS) row.push(rainBefore(x[BASIN_RAIN]!, t, n));
    const doy = dayOfYear(instantOf(series, t));
    row.push(Math.sin((2 * Math.PI * doy) / 365.25), Math.cos((2 * Math.PI * doy) / 365.25));
    for (const v of row) if (!Number.isFinite(v)) ok = false;
    if (!ok) continue;
    rows.push(t);
    data.push(...row);
    base.push(xt);
  }
  return { origins: rows, x: { rows: rows.length, cols: names.length, data: Float32Array.from(data) }, base: Float64Array.from(base) };
}

/** the feature row at origin t (transformed with the given offsets), undefined when an input is missing */
export function riverFeatureRow(series: RegularSeries, setup: Pick<RiverSetup, 'target' | 'upstream' | 'transform' | 'rain'>, offsets: Record<string, number>, t: number): number[] | undefined {
  const ex = examples(series, setup, transformed(series, setup, offsets), [t]);
  return ex.x.rows ? Array.from(ex.x.data) : undefined;
}

function dayOfYear(d: Date): number {
  return (d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000;
}

/** changes x(t+h) − x(t) per horizon, and 0/1 weights (targets at or after `until` are hidden) */
function changes(ex: Examples, tgt: Float64Array, hSteps: readonly number[], until: number): { y: Matrix; w: Matrix } {
  const y = matrix(ex.x.rows, hSteps.length);
  const w = matrix(ex.x.rows, hSteps.length);
  ex.origins.forEach((t, r) => {
    hSteps.forEach((h, k) => {
      const v = t + h < until ? tgt[t + h]! - ex.base[r]! : NaN;
      y.data[r * hSteps.length + k] = Number.isFinite(v) ? v : 0;
      w.data[r * hSteps.length + k] = Number.isFinite(v) ? 1 : 0;
    });
  });
  return { y, w };
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

/**
 * Trains on the origins before `trainUntil` (their targets too) and scores on the origins from
 * `trainUntil` to `testUntil` (default: the end of the series), against persistence.
 */
export async function trainRiverModel(
  rt: TfRuntime,
  series: RegularSeries,
  setup: RiverSetup,
  window: { trainUntil: number; testUntil?: number },
  options: RiverOptions = {},
): Promise<RiverTrainingResult | { skipped: string }> {
  const seed = options.seed ?? 1910;
  const horizonsHours = setup.horizonsHours ?? RIVER_HORIZONS_HOURS;
  const hSteps = horizonsHours.map((h) => Math.round(h / series.stepHours));
  if (hSteps.some((h, i) => h < 1 || h * series.stepHours !== horizonsHours[i])) {
    throw new Error(`river: horizons ${horizonsHours.join(', ')} h are not whole steps of ${series.stepHours} h`);
  }
  const trainEnd = Math.min(series.length, Math.max(0, Math.ceil((window.trainUntil - series.start) / stepMs(series))));
  const testEnd = window.testUntil === undefined ? series.length : Math.min(series.length, Math.ceil((window.testUntil - series.start) / stepMs(series)));
  const target = series.columns[setup.target];
  if (!target) throw new Error(`series has no column "${setup.target}"; columns: ${Object.keys(series.columns).join(', ')}`);

  const offsets: Record<string, number> = {};
  for (const c of [setup.target, ...setup.upstream]) {
    const v = series.columns[c]!.subarray(0, trainEnd);
    offsets[c] = setup.transform === 'log' ? Math.max(1e-3, 0.01 * quantile(v, 0.5)) : 0;
    if (!Number.isFinite(offsets[c])) offsets[c] = 1e-3;
  }
  const x = transformed(series, setup, offsets);
  const tgt = x[setup.target]!;
  const range = (a: number, b: number) => ({ *[Symbol.iterator]() { for (let t = a; t < b; t++) yield t; } });
  const train = examples(series, setup, x, range(0, trainEnd - 1));
  const test = examples(series, setup, x, range(trainEnd, testEnd - 1));
  if (train.x.rows < 200) return { skipped: `${train.x.rows} training origins with every input (need ≥ 200)` };
  if (test.x.rows < 10) return { skipped: `${test.x.rows} held-out origins with every input (need ≥ 10)` };

  const featureScaler = fitScaler(train.x);
  const { y, w } = changes(train, tgt, hSteps, trainEnd);
  const targetScaler = fitScaler(y, w);
  const ys = applyScaler({ ...y, data: y.data.slice() }, targetScaler);
  for (let i = 0; i < ys.data.length; i++) if (w.data[i] === 0) ys.data[i] = 0;
  const xs = applyScaler({ ...train.x, data: train.x.data.slice() }, featureScaler);

  // the last 15 % of the training origins validate (time-based), the rest fit
  const cut = Math.floor(train.x.rows * 0.85);
  const part = (m: Matrix, a: number, b: number): Matrix => ({ rows: b - a, cols: m.cols, data: m.data.slice(a * m.cols, b * m.cols) });
  const batchSize = cut > 20_000 ? 256 : cut > 2_000 ? 128 : 32;
  const epochs = Math.max(10, Math.min(80, Math.ceil((options.steps ?? 3000) / Math.ceil(cut / batchSize))));
  const hidden = options.hidden ?? [32, 16];
  const net = buildMlp(rt.tf, { inputs: xs.cols, hidden, outputs: hSteps.length, seed });
  const fit = await fitMlp(rt.tf, net, part(xs, 0, cut), part(ys, 0, cut), {
    epochs,
    batchSize,
    learningRate: options.learningRate ?? 0.002,
    seed,
    loss: 'mse',
    weights: part(w, 0, cut),
    validation: { x: part(xs, cut, xs.rows), y: part(ys, cut, ys.rows), weights: part(w, cut, w.rows) },
  });

  const predictChanges = async (ex: Examples): Promise<Matrix> => {
    const out = await predictRows(rt.tf, net, applyScaler({ ...ex.x, data: ex.x.data.slice() }, featureScaler));
    for (let r = 0; r < out.rows; r++) {
      for (let k = 0; k < out.cols; k++) out.data[r * out.cols + k] = out.data[r * out.cols + k]! * targetScaler.std[k]! + targetScaler.mean[k]!;
    }
    return out;
  };
  const trainChanges = await predictChanges(train);
  const testChanges = await predictChanges(test);
  const linear = fitRidge(xs, y, w, RIDGE_LAMBDA);
  const linearChanges = (ex: Examples) => ridgePredict(linear, applyScaler({ ...ex.x, data: ex.x.data.slice() }, featureScaler));
  const trainLinear = linearChanges(train);
  const testLinear = linearChanges(test);
  const steps = trendSteps(series.stepHours);
  /** each predictor's forecast (transformed space) at origin row r and horizon index k */
  const forecastOf = (ex: Examples, netChanges: Matrix, linChanges: Matrix) => (p: RiverPredictor, r: number, k: number): number => {
    const base = ex.base[r]!;
    const i = r * hSteps.length + k;
    if (p === 'model') return base + netChanges.data[i]!;
    if (p === 'linear') return base + linChanges.data[i]!;
    if (p === 'trend') return base + trendChange(tgt, ex.origins[r]!, hSteps[k]!, steps);
    return base;
  };
  const trainF = forecastOf(train, trainChanges, trainLinear);
  const testF = forecastOf(test, testChanges, testLinear);

  // residual statistics (transformed space) on the training origins
  const residuals: RiverPreprocessing['residuals'] = Object.fromEntries(RIVER_PREDICTORS.map((p) => [p, { mean: [], std: [], q05: [], q95: [] }]));
  hSteps.forEach((h, k) => {
    for (const p of RIVER_PREDICTORS) {
      const e: number[] = [];
      train.origins.forEach((t, r) => {
        const obs = t + h < trainEnd ? tgt[t + h]! : NaN;
        const f = trainF(p, r, k);
        if (Number.isFinite(obs) && Number.isFinite(f)) e.push(obs - f);
      });
      residuals[p]!.mean.push(round(mean(e)));
      residuals[p]!.std.push(round(Math.max(1e-6, standardDeviation(e))));
      const [q05, q95] = quantiles(e, [0.05, 0.95]);
      residuals[p]!.q05.push(round(q05!));
      residuals[p]!.q95.push(round(q95!));
    }
  });

  // --- scores on the held-out origins, in the series' units, every predictor on the same cases
  const rawTarget = series.columns[setup.target]!;
  const threshold = setup.threshold ?? quantile(rawTarget.subarray(0, trainEnd), 0.95);
  const thresholdSource = setup.threshold !== undefined ? (setup.thresholdSource ?? 'configured') : '95th percentile of the training period';
  const offset = offsets[setup.target]!;
  const xThr = forward(threshold, setup, offset);
  const horizons: HorizonScores[] = [];
  const crossings: CrossingScores[] = [];
  const probabilities: ProbabilityScores[] = [];
  const none = () => Object.fromEntries(RIVER_PREDICTORS.map((p) => [p, [] as number[]])) as Record<RiverPredictor, number[]>;
  const pooled = { f: none(), lo: none(), hi: none(), obs: [] as number[] };
  // yearly folds for daily series, daily folds for hourly ones
  const foldKey = (t: number) => (series.stepHours >= 24 ? instantOf(series, t).getUTCFullYear() : Math.floor(instantOf(series, t).getTime() / 86_400_000));
  const folds = new Map<number, { f: Record<RiverPredictor, number[]>; obs: number[]; from: number; until: number }>();
  const lossByOrigin = new Map<number, number[]>();
  const brierByOrigin = new Map<number, number[]>();
  const addLoss = (m: Map<number, number[]>, t: number, d: (b: RiverBaseline) => number) => {
    let v = m.get(t);
    if (!v) m.set(t, (v = RIVER_BASELINES.map(() => 0)));
    RIVER_BASELINES.forEach((b, j) => (v[j]! += d(b)));
  };
  hSteps.forEach((h, k) => {
    const f = none();
    const pr = none();
    const obs: number[] = [];
    const exceeded: number[] = [];
    const eventObs: number[] = [];
    const eventF = none();
    test.origins.forEach((t, r) => {
      if (t + h >= testEnd) return;
      const o = rawTarget[t + h]!;
      const now = rawTarget[t]!;
      if (!Number.isFinite(o) || !Number.isFinite(now)) return;
      const xf = RIVER_PREDICTORS.map((p) => testF(p, r, k));
      if (xf.some((v) => !Number.isFinite(v))) return;
      obs.push(o);
      const e = o >= threshold ? 1 : 0;
      exceeded.push(e);
      const key = foldKey(t);
      let fold = folds.get(key);
      if (!fold) folds.set(key, (fold = { f: none(), obs: [], from: t, until: t + 1 }));
      fold.obs.push(o);
      fold.until = Math.max(fold.until, t + 1);
      const values = {} as Record<RiverPredictor, number>;
      const probs = {} as Record<RiverPredictor, number>;
      RIVER_PREDICTORS.forEach((p, j) => {
        const v = inverse(xf[j]!, setup, offset);
        values[p] = v;
        f[p].push(v);
        fold.f[p].push(v);
        pooled.lo[p].push(inverse(xf[j]! + residuals[p]!.q05[k]!, setup, offset));
        pooled.hi[p].push(inverse(xf[j]! + residuals[p]!.q95[k]!, setup, offset));
        probs[p] = exceedanceOf(xf[j]!, xThr, residuals[p]!, k);
        pr[p].push(probs[p]);
      });
      addLoss(lossByOrigin, t, (b) => Math.abs(values.model - o) - Math.abs(values[b] - o));
      addLoss(brierByOrigin, t, (b) => (probs.model - e) ** 2 - (probs[b] - e) ** 2);
      // a crossing: below the threshold at the origin, at or above it at the target
      if (now < threshold) {
        eventObs.push(e);
        for (const p of RIVER_PREDICTORS) eventF[p].push(values[p] >= threshold ? 1 : 0);
      }
    });
    for (const p of RIVER_PREDICTORS) pooled.f[p].push(...f[p]);
    pooled.obs.push(...obs);
    const hours = horizonsHours[k]!;
    const of = (p: RiverPredictor) => scores({ mae: mae(f[p], obs), nse: nse(f[p], obs) });
    horizons.push({ horizon_hours: hours, n: obs.length, model: of('model'), baselines: Object.fromEntries(RIVER_BASELINES.map((b) => [b, of(b)])) });
    const crossing = (p: RiverPredictor) => {
      const c = contingency(eventF[p], eventObs);
      return scores({ hit_rate: c.hitRate, false_alarm_ratio: c.falseAlarmRatio, false_alarm_rate: c.falseAlarmRate });
    };
    crossings.push({ horizon_hours: hours, threshold: Number(threshold.toFixed(4)), n: eventObs.length, model: crossing('model'), baselines: Object.fromEntries(RIVER_BASELINES.map((b) => [b, crossing(b)])) });
    const bs = Object.fromEntries(RIVER_PREDICTORS.map((p) => [p, brier(pr[p], exceeded)])) as Record<RiverPredictor, number>;
    const noEvent = !exceeded.includes(1);
    probabilities.push({
      target: `${setup.variable}+${hours}h>=${Number(threshold.toFixed(4))}`,
      horizon_hours: hours,
      n: exceeded.length,
      base_rate: finiteOrNull(mean(exceeded)),
      no_event: noEvent,
      model: { brier: finiteOrNull(bs.model), reliability: reliabilityJson(reliability(pr.model, exceeded)) },
      baselines: Object.fromEntries(RIVER_BASELINES.map((b) => [b, { brier: finiteOrNull(bs[b]) }])),
      bss: noEvent ? {} : Object.fromEntries(RIVER_BASELINES.map((b) => [b, finiteOrNull(brierSkillScore(bs.model, bs[b]))])),
    });
  });
  const pooledOf = (p: RiverPredictor) => scores({ mae: mae(pooled.f[p], pooled.obs), nse: nse(pooled.f[p], pooled.obs) });
  const overall = { n: pooled.obs.length, model: pooledOf('model'), baselines: Object.fromEntries(RIVER_BASELINES.map((b) => [b, pooledOf(b)])) };
  const coverage_90 = Object.fromEntries(RIVER_PREDICTORS.map((p) => [p, finiteOrNull(intervalCoverage(pooled.lo[p], pooled.hi[p], pooled.obs), 4)]));
  const iso = (i: number) => instantOf(series, i).toISOString();
  const foldScores: FoldScores[] = [...folds.values()].map((fold) => ({
    from: iso(fold.from),
    until: iso(fold.until),
    n: fold.obs.length,
    model: scores({ mae: mae(fold.f.model, fold.obs) }),
    baselines: Object.fromEntries(RIVER_BASELINES.map((b) => [b, scores({ mae: mae(fold.f[b], fold.obs) })])),
  }));
  const series_ = (m: Map<number, number[]>) => {
    const origins = [...m.keys()].sort((a, b) => a - b);
    return Object.fromEntries(RIVER_BASELINES.map((b, j) => [b, origins.map((t) => m.get(t)![j]!)]));
  };
  // one decision for all horizons, so that a published trajectory comes from one predictor; the
  // per-horizon scores show where the model wins
  const decisions: Decision[] = [
    decide(setup.variable, 'mae', overall.model.mae ?? null, Object.fromEntries(RIVER_BASELINES.map((b) => [b, overall.baselines[b]!.mae ?? null])), {
      differences: series_(lossByOrigin),
      lag: Math.max(...hSteps) - 1,
    }),
  ];
  // the margin rule: significantly better is not enough, it must be materially better at every horizon
  const ratios = horizons.map((h) => {
    const best = Math.min(...RIVER_BASELINES.map((b) => h.baselines[b]?.['mae'] ?? Infinity));
    return { hours: h.horizon_hours, ratio: (h.model['mae'] ?? Infinity) / best };
  });
  const short = ratios.filter((r) => !(r.ratio <= RIVER_MATERIAL_RATIO));
  if (decisions[0]!.use === 'model' && short.length) {
    const d = decisions[0]!;
    decisions[0] = {
      ...d,
      beats_baseline: false,
      use: 'baseline',
      reason: `${d.reason}, but its MAE is not ≤ ${RIVER_MATERIAL_RATIO} × the best baseline's at every horizon (${ratios.map((r) => `+${r.hours} h: ${r.ratio.toFixed(3)}`).join(', ')}); ${d.best_baseline} is published`,
    };
  }
  const primary = decisions[0]!;
  void brierByOrigin;

  const features = riverFeatureNames(setup, series.stepHours);
  const notes = [
    `${setup.transform === 'log' ? 'log-transformed' : 'untransformed'} ${setup.variable}; inputs: ${setup.target}${setup.upstream.length ? ` and upstream ${setup.upstream.join(', ')}` : ''}${setup.rain?.length ? `; basin rain (mean of ${setup.rain.join(', ')}) over the ${BASIN_RAIN_DAYS.join(', ')} days before the origin's` : ''}`,
    `baselines on the same origins: persistence, trend (change over the last ${steps * series.stepHours} h, in the ${setup.transform === 'log' ? 'log' : 'series’'} scale), linear (ridge λ = ${RIDGE_LAMBDA} on the network’s inputs)`,
    `${foldScores.length} ${series.stepHours >= 24 ? 'yearly' : 'daily'} folds in the held-out period (scored separately in \`folds\`); a "model" verdict needs a Diebold–Mariano test at 5 % on the per-origin loss differences against the best baseline`,
    `crossings: origins below ${Number(threshold.toFixed(3))} ${setup.unit} (${thresholdSource}); hit_rate = hits / observed crossings, false_alarm_ratio = false alarms / forecast crossings`,
    `early stopping kept epoch ${fit.bestEpoch} of ${fit.epochs}`,
    `${setup.variable} (mae): ${primary.reason}`,
  ];
  const candidates = Math.max(0, trainEnd - 1) + Math.max(0, testEnd - 1 - trainEnd);
  return {
    model: net,
    features,
    fit,
    trainRows: train.x.rows,
    testRows: test.x.rows,
    origins: { used: train.x.rows + test.x.rows, dropped: Math.max(0, candidates - train.x.rows - test.x.rows) },
    architecture: { type: 'mlp', inputs: features.length, hidden, outputs: hSteps.length, activation: 'relu', loss: 'mse', optimizer: 'adam', learning_rate: options.learningRate ?? 0.002, epochs, batch_size: batchSize, seed, early_stopping: 'last 15 % of the training origins' },
    preprocessing: {
      setup: {
        target: setup.target,
        upstream: [...setup.upstream],
        ...(setup.rain?.length ? { rain: [...setup.rain] } : {}),
        transform: setup.transform,
        variable: setup.variable,
        unit: setup.unit,
        horizonsHours: [...horizonsHours],
        threshold: Number(threshold.toFixed(4)),
        threshold_source: thresholdSource,
      },
      step_hours: series.stepHours,
      lag_steps: lagSteps(series.stepHours).target,
      upstream_lag_steps: lagSteps(series.stepHours).upstream,
      offsets,
      feature_scaler: featureScaler,
      target_scaler: targetScaler,
      residuals,
      linear: linear.map((beta) => beta.map((v) => Number(v.toPrecision(8)))),
      trend_steps: steps,
    },
    report: {
      target: setup.target,
      unit: setup.unit,
      train: { from: iso(0), until: iso(trainEnd) },
      test: { from: iso(trainEnd), until: iso(testEnd) },
      primary_metric: 'mae',
      overall,
      horizons,
      probabilities,
      crossings,
      folds: foldScores,
      coverage_90,
      beats_baseline: primary.beats_baseline,
      best_baseline: primary.best_baseline,
      use: primary.use,
      decisions,
      notes,
    },
  };
}

function exceedanceOf(xForecast: number, xThreshold: number, stats: { mean: number[]; std: number[] }, k: number): number {
  return 1 - normalCdf((xThreshold - (xForecast + stats.mean[k]!)) / stats.std[k]!);
}

const round = (v: number) => (Number.isFinite(v) ? Number(v.toFixed(6)) : NaN);

export interface RiverForecastInput {
  readonly model: LayersModel;
  readonly version: string;
  readonly preprocessing: RiverPreprocessing;
  readonly publish: Record<string, string>;
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
  let origin = -1;
  let ex: Examples | undefined;
  for (let t = series.length - 1; t >= Math.max(0, series.length - 1 - Math.round(48 / series.stepHours)); t--) {
    const e = examples(series, setup, x, [t]);
    if (e.x.rows) {
      origin = t;
      ex = e;
      break;
    }
  }
  if (!ex) return { skipped: `no origin in the last 48 h of ${setup.target} has every input` };
  const out = await predictRows(rt.tf, input.model, applyScaler({ ...ex.x, data: ex.x.data.slice() }, pre.feature_scaler));
  const base = ex.base[0]!;
  const offset = pre.offsets[setup.target]!;
  const originTime = new Date(instantOf(series, origin).getTime() + stepMs(series));
  const rows: PredictionRow[] = [];
  const scaled = applyScaler({ ...ex.x, data: ex.x.data.slice() }, pre.feature_scaler);
  const tgt = x[setup.target]!;
  setup.horizonsHours.forEach((hours, k) => {
    let predictor = input.publish[setup.variable] ?? 'model';
    // a version registered before the linear and trend baselines existed publishes persistence instead
    if ((predictor === 'linear' && !pre.linear) || (predictor === 'trend' && !pre.trend_steps)) predictor = 'persistence';
    const hSteps = Math.round(hours / series.stepHours);
    const change =
      predictor === 'model'
        ? out.data[k]! * pre.target_scaler.std[k]! + pre.target_scaler.mean[k]!
        : predictor === 'linear'
          ? ridgePredict([pre.linear![k]!], scaled).data[0]!
          : predictor === 'trend'
            ? trendChange(tgt, origin, hSteps, pre.trend_steps!)
            : 0;
    const xf = base + change;
    const r = pre.residuals[predictor] ?? pre.residuals['model']!;
    const start = new Date(originTime.getTime() + (hours - series.stepHours) * 3_600_000);
    rows.push(
      predictionRow({
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
        lower: inverse(xf + r.q05[k]!, setup, offset),
        upper: inverse(xf + r.q95[k]!, setup, offset),
        threshold_name: setup.threshold === null ? null : 'flood_threshold',
        threshold: setup.threshold,
        probability: setup.threshold === null ? null : exceedanceOf(xf, forward(setup.threshold, setup, offset), r, k),
        ...sourceOf(predictor),
      }),
    );
  });
  return { rows, origin: originTime };
}
