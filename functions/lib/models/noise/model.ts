import { CONVENTIONS, type Convention } from '../../domain/noise/conventions.ts';
import { NOISE_SOURCES } from '../../datasets/noise.ts';
import type { NoiseSource } from '../../domain/noise/thresholds.ts';
import { HOUR_MS } from '../calendar.ts';
import { brier, brierSkillScore, finiteOrNull, mae, mean, normalCdf, quantiles, reliability, rmse, standardDeviation } from '../metrics.ts';
import { applyScaler, buildMlp, fitMlp, fitScaler, matrix, predictRows, type FitReport, type LayersModel, type Matrix } from '../nn.ts';
import { decide, reliabilityJson, scores, TooLittleHistory, type EvaluationReport, type FoldScores, type HorizonScores, type ProbabilityScores } from '../report.ts';
import { predictionRow, sourceOf, type PredictionRow } from '../prediction-row.ts';
import type { TfRuntime } from '../runtime.ts';
import { anomalyTargets, HORIZON_HOURS, NOISE_BASELINES, NOISE_FEATURES, noiseExamples, PROFILE_WINDOW_DAYS, type NoiseExamples, type NoisePanel } from './features.ts';
import { DEFAULT_NIGHT_THRESHOLDS, limitFor, nightLevel, nightsInHorizon, type NightThreshold } from './nights.ts';

// The noise nuisance model: per sensor, the hourly LAeq of the next 48 hours, and per night in that
// horizon the probability that the night level exceeds each night threshold.
//
// One small network for all sensors: 136 features (see features.ts) → 32 ReLU units → 48 outputs, the
// anomaly of each target hour with respect to the sensor's profile. Huber loss (loud events make the
// errors heavy-tailed), Adam, seeded initialisers and batch order.
//
// Uncertainty comes from the training residuals: per lead time, the 5 % and 95 % quantiles of observed
// − forecast give the 90 % interval; per night and convention, the mean and standard deviation of the
// night-level error give a normal distribution around the forecast night level, from which the
// exceedance probability is read. The held-out period then checks whether those probabilities are
// reliable (Brier score, reliability bins).

export const NOISE_MODEL = 'noise';
export const NOISE_PREDICTORS = ['model', ...NOISE_BASELINES] as const;
export type NoisePredictor = (typeof NOISE_PREDICTORS)[number];

export interface NoiseTrainingOptions {
  /** hours between training origins (default 3) */
  readonly stride?: number;
  readonly hidden?: readonly number[];
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly seed?: number;
  /** local days at the end of the data held out for the evaluation (default: a quarter of the days, 3 to 7) */
  readonly testDays?: number;
  readonly thresholds?: readonly NightThreshold[];
}

// 12 epochs of batches of 1024 reach the loss of 25 epochs of 512 on the demo (MAE 1.98 vs 1.96 dB) in 40 % of the time
export const NOISE_DEFAULTS = { stride: 4, hidden: [32], epochs: 12, batchSize: 1024, learningRate: 0.005, seed: 2025 } as const;
/**
 * The margin rule for the hourly levels: besides a significant Diebold–Mariano test, the network's MAE
 * must be ≤ 0.95 × the best baseline's at every lead time of the first 6 hours (where recent levels
 * carry information a profile cannot have) and not above it at 7–48 h.
 */
export const NOISE_MARGIN = { shortHours: 6, shortRatio: 0.95, longRatio: 1 } as const;

/** days of history the held-out days need before them: a week for same_hour_last_week, and a day to train on */
export const NOISE_HISTORY_DAYS = 8;

/** held-out local days: a quarter of the data, at least 3 (one fold each), at most a week */
export function noiseTestDays(days: number): number {
  return Math.max(3, Math.min(7, Math.floor(days / 4)));
}

interface NightStats {
  readonly mean: number[];
  readonly std: number[];
}

import type { NoisePreprocessing } from '../registry-schemas.ts';
export type { NoisePreprocessing };

export interface NoiseTrainingResult {
  readonly model: LayersModel;
  readonly preprocessing: NoisePreprocessing;
  /** the evaluation, without version and backend (the registry fills them) */
  readonly report: Omit<EvaluationReport, 'version' | 'backend' | 'evaluated_at' | 'model' | 'data'>;
  readonly fit: FitReport;
  readonly trainRows: number;
  readonly testRows: number;
  /** seconds spent in each step: features, fit, predict, statistics, evaluation */
  readonly timings: Record<string, number>;
  readonly architecture: Record<string, unknown>;
}

export interface NoiseSplit {
  /** relative hour index where the held-out period starts */
  readonly testStart: number;
  readonly trainOrigins: number[];
  readonly testOrigins: number[];
}

/** the last `testDays` local days are held out; training origins leave 24 h of history and stop before them */
export function noiseSplit(panel: NoisePanel, testDays: number, stride: number): NoiseSplit | undefined {
  const cal = panel.calendar;
  const lastDay = cal.dayIndex[panel.hours - 1]!;
  const firstTestDay = lastDay - testDays + 1;
  let testStart = -1;
  for (let t = 0; t < panel.hours; t++) {
    if (cal.dayIndex[t]! >= firstTestDay) {
      testStart = t;
      break;
    }
  }
  if (testStart < 24 + 24) return undefined;
  const trainOrigins: number[] = [];
  for (let o = 23; o <= testStart - 2; o += stride) trainOrigins.push(o);
  const testOrigins: number[] = [];
  for (let o = testStart - 1; o <= panel.hours - 2; o++) testOrigins.push(o);
  return { testStart, trainOrigins, testOrigins };
}

/** hourly forecasts (dB) of each predictor for the examples: rows × 48 */
export function forecasts(x: NoiseExamples, anomalies: Matrix | undefined, decay: readonly number[] | undefined): Record<NoisePredictor, Matrix> {
  const model = matrix(x.rows, HORIZON_HOURS);
  if (anomalies) for (let i = 0; i < model.data.length; i++) model.data[i] = x.profile.data[i]! + anomalies.data[i]!;
  else model.data.fill(NaN);
  const decaying = matrix(x.rows, HORIZON_HOURS);
  for (let r = 0; r < x.rows; r++) {
    const a0 = originAnomaly(x, r);
    for (let j = 0; j < HORIZON_HOURS; j++) decaying.data[r * HORIZON_HOURS + j] = x.profile.data[r * HORIZON_HOURS + j]! + (decay ? decay[j]! * a0 : NaN);
  }
  return {
    model,
    same_hour_last_week: x.baselines.same_hour_last_week,
    hour_of_week_mean: x.baselines.hour_of_week_mean,
    day_type_hour_profile: x.profile,
    profile_decaying_anomaly: decaying,
  };
}

/** the anomaly of the origin hour (the first feature; 0 when the hour has no level) */
const originAnomaly = (x: NoiseExamples, row: number) => x.features.data[row * x.features.cols]!;

/** per lead time, the least-squares coefficient of the target's anomaly on the origin hour's anomaly */
export function fitAnomalyDecay(x: NoiseExamples): number[] {
  const out: number[] = [];
  for (let j = 0; j < HORIZON_HOURS; j++) {
    let num = 0;
    let den = 0;
    for (let r = 0; r < x.rows; r++) {
      const i = r * HORIZON_HOURS + j;
      const y = x.observed.data[i]! - x.profile.data[i]!;
      const a0 = originAnomaly(x, r);
      if (!Number.isFinite(y)) continue;
      num += a0 * y;
      den += a0 * a0;
    }
    out.push(round(den > 0 ? num / den : 0));
  }
  return out;
}

export async function predictAnomalies(rt: TfRuntime, model: LayersModel, x: NoiseExamples, pre: Pick<NoisePreprocessing, 'feature_scaler' | 'target_std'>): Promise<Matrix> {
  const features = applyScaler({ ...x.features, data: x.features.data.slice() }, pre.feature_scaler);
  const out = await predictRows(rt.tf, model, features);
  for (let i = 0; i < out.data.length; i++) out.data[i] = out.data[i]! * pre.target_std;
  return out;
}

export async function trainNoiseModel(
  rt: TfRuntime,
  panel: NoisePanel,
  sources: ReadonlyMap<string, NoiseSource>,
  options: NoiseTrainingOptions = {},
): Promise<NoiseTrainingResult | { skipped: string }> {
  const o = { ...NOISE_DEFAULTS, ...options };
  const thresholds = options.thresholds ?? DEFAULT_NIGHT_THRESHOLDS;
  const timings: Record<string, number> = {};
  let clock = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Number(((now - clock) / 1000).toFixed(3));
    clock = now;
  };
  const days = panel.calendar.dayIndex[panel.hours - 1]! + 1;
  const testDays = options.testDays ?? noiseTestDays(days);
  const split = days >= NOISE_HISTORY_DAYS + testDays ? noiseSplit(panel, testDays, o.stride) : undefined;
  if (!split) {
    return {
      skipped: `${days} local day(s) of hourly levels; the noise model needs at least ${NOISE_HISTORY_DAYS + testDays} (${NOISE_HISTORY_DAYS} of history, so that every baseline including the same hour last week can be scored, and ${testDays} held out)`,
    };
  }
  const train = noiseExamples(panel, { origins: split.trainOrigins, targetsUntil: split.testStart });
  const test = noiseExamples(panel, { origins: split.testOrigins });
  if (train.rows < 50 || test.rows === 0) {
    return { skipped: `too few examples (${train.rows} to train, ${test.rows} to test)` };
  }

  lap('features');
  const scaler = fitScaler(train.features);
  const { y, weights } = anomalyTargets(train);
  const targetStd = Math.fround(Math.max(0.5, standardDeviation(Array.from(y.data).filter((_, i) => weights.data[i] === 1))));
  for (let i = 0; i < y.data.length; i++) y.data[i] = y.data[i]! / targetStd;
  const xs = applyScaler({ ...train.features, data: train.features.data.slice() }, scaler);
  const net = buildMlp(rt.tf, { inputs: NOISE_FEATURES.length, hidden: o.hidden, outputs: HORIZON_HOURS, seed: o.seed });
  const fit = await fitMlp(rt.tf, net, xs, y, {
    epochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    seed: o.seed,
    loss: 'huber',
    huberDelta: 1,
    weights,
  });

  lap('fit');
  const partial = { feature_scaler: scaler, target_std: targetStd };
  const decay = fitAnomalyDecay(train);
  const trainF = forecasts(train, await predictAnomalies(rt, net, train, partial), decay);
  const testF = forecasts(test, await predictAnomalies(rt, net, test, partial), decay);

  lap('predict');
  const residual_q05 = {} as Record<NoisePredictor, number[]>;
  const residual_q95 = {} as Record<NoisePredictor, number[]>;
  for (const p of NOISE_PREDICTORS) {
    residual_q05[p] = [];
    residual_q95[p] = [];
    for (let j = 0; j < HORIZON_HOURS; j++) {
      const r = column(train.observed, j).map((v, i) => v - trainF[p].data[i * HORIZON_HOURS + j]!);
      const [q05, q95] = quantiles(r, [0.05, 0.95]);
      residual_q05[p].push(round(q05!));
      residual_q95[p].push(round(q95!));
    }
  }
  const conventions = [...new Set(thresholds.map((t) => t.convention))];
  const night_error = {} as NoisePreprocessing['night_error'];
  for (const p of NOISE_PREDICTORS) {
    night_error[p] = {};
    for (const c of conventions) {
      const errors: number[][] = [[], []];
      forEachNight(panel, train, c, (row, night) => {
        const obs = nightLevel(rowOf(train.observed, row), night.offsets);
        const f = nightLevel(rowOf(trainF[p], row), night.offsets);
        if (Number.isFinite(obs) && Number.isFinite(f) && night.ordinal < 2) errors[night.ordinal]!.push(obs - f);
      });
      const pooled = errors.flat();
      night_error[p][c] = {
        mean: errors.map((e) => round(e.length >= 30 ? mean(e) : mean(pooled))),
        std: errors.map((e) => round(Math.max(0.5, e.length >= 30 ? standardDeviation(e) : standardDeviation(pooled)))),
      };
    }
  }
  const preprocessing: NoisePreprocessing = {
    horizon_hours: HORIZON_HOURS,
    profile_window_days: PROFILE_WINDOW_DAYS,
    feature_scaler: scaler,
    target_std: targetStd,
    anomaly_decay: decay,
    residual_q05,
    residual_q95,
    night_error,
    thresholds: thresholds.map((t) => ({
      name: t.name,
      convention: t.convention,
      variable: t.variable,
      description: t.description,
      limits: Object.fromEntries(NOISE_SOURCES.map((s) => [s, limitFor(t, s)])),
    })),
  };

  lap('statistics');
  // --- evaluation on the held-out period
  const cal = panel.calendar;
  const firstTestDay = cal.dayIndex[split.testStart]!;
  const horizons: HorizonScores[] = [];
  // pooled over lead times as running sums: a month of a large network is millions of pairs
  const pooled = Object.fromEntries(NOISE_PREDICTORS.map((p) => [p, { n: 0, abs: 0, sq: 0, inside: 0 }])) as Record<NoisePredictor, { n: number; abs: number; sq: number; inside: number }>;
  // loss differences (model − baseline) summed per origin hour: the time series the Diebold–Mariano test reads
  const lossByOrigin = new OriginSeries(NOISE_BASELINES);
  const foldOf = (row: number) => cal.dayIndex[test.origin[row]! + 1]! - firstTestDay;
  const folds = new Map<number, Record<NoisePredictor, { f: number[]; o: number[] }>>();
  for (let j = 0; j < HORIZON_HOURS; j++) {
    const obs: number[] = [];
    const f = Object.fromEntries(NOISE_PREDICTORS.map((p) => [p, [] as number[]])) as Record<NoisePredictor, number[]>;
    for (let r = 0; r < test.rows; r++) {
      const i = r * HORIZON_HOURS + j;
      const v = test.observed.data[i]!;
      // scored where the observation and every predictor exist, so that all are compared on the same cases
      if (!Number.isFinite(v) || NOISE_PREDICTORS.some((p) => !Number.isFinite(testF[p].data[i]!))) continue;
      obs.push(v);
      const k = Math.max(0, foldOf(r));
      let fold = folds.get(k);
      if (!fold) folds.set(k, (fold = Object.fromEntries(NOISE_PREDICTORS.map((p) => [p, { f: [], o: [] }])) as never));
      for (const p of NOISE_PREDICTORS) {
        const fp = testF[p].data[i]!;
        f[p].push(fp);
        fold[p].f.push(fp);
        fold[p].o.push(v);
        const acc = pooled[p];
        acc.n++;
        acc.abs += Math.abs(fp - v);
        acc.sq += (fp - v) ** 2;
        if (v >= fp + preprocessing.residual_q05[p][j]! && v <= fp + preprocessing.residual_q95[p][j]!) acc.inside++;
      }
      const lm = Math.abs(testF.model.data[i]! - v);
      lossByOrigin.add(test.origin[r]!, (b) => lm - Math.abs(testF[b].data[i]! - v));
    }
    horizons.push({
      horizon_hours: j + 1,
      n: obs.length,
      model: scores({ mae: mae(f.model, obs), rmse: rmse(f.model, obs) }),
      baselines: Object.fromEntries(NOISE_BASELINES.map((b) => [b, scores({ mae: mae(f[b], obs), rmse: rmse(f[b], obs) })])),
    });
  }
  const ratio = (a: number, n: number) => (n ? a / n : NaN);
  const overallOf = (p: NoisePredictor) => scores({ mae: ratio(pooled[p].abs, pooled[p].n), rmse: Math.sqrt(ratio(pooled[p].sq, pooled[p].n)) });
  const overall = { n: pooled.model.n, model: overallOf('model'), baselines: Object.fromEntries(NOISE_BASELINES.map((b) => [b, overallOf(b)])) };
  const coverage_90 = Object.fromEntries(NOISE_PREDICTORS.map((p) => [p, finiteOrNull(ratio(pooled[p].inside, pooled[p].n), 4)]));
  const dayIso = (day: number) => {
    for (let t = split.testStart; t < cal.hours; t++) if (cal.dayIndex[t] === day) return new Date((panel.start + t) * HOUR_MS).toISOString();
    return new Date((panel.start + panel.hours) * HOUR_MS).toISOString();
  };
  const foldScores: FoldScores[] = [...folds.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([k, fold]) => ({
      from: dayIso(firstTestDay + k),
      until: dayIso(firstTestDay + k + 1),
      n: fold.model.o.length,
      model: scores({ mae: mae(fold.model.f, fold.model.o) }),
      baselines: Object.fromEntries(NOISE_BASELINES.map((b) => [b, scores({ mae: mae(fold[b].f, fold[b].o) })])),
    }));
  const decisions = [
    decide('laeq', 'mae', overall.model.mae ?? null, Object.fromEntries(NOISE_BASELINES.map((b) => [b, overall.baselines[b]!.mae ?? null])), {
      differences: lossByOrigin.series(),
      lag: HORIZON_HOURS - 1,
    }),
  ];
  const ratios = horizons.map((h) => (h.model['mae'] ?? Infinity) / Math.min(...NOISE_BASELINES.map((b) => h.baselines[b]?.['mae'] ?? Infinity)));
  const short = ratios.slice(0, NOISE_MARGIN.shortHours);
  const long = ratios.slice(NOISE_MARGIN.shortHours);
  if (decisions[0]!.use === 'model' && !(short.every((r) => r <= NOISE_MARGIN.shortRatio) && long.every((r) => r <= NOISE_MARGIN.longRatio))) {
    const d = decisions[0]!;
    const worst = (rs: number[]) => Math.max(...rs).toFixed(3);
    decisions[0] = {
      ...d,
      beats_baseline: false,
      use: 'baseline',
      reason: `${d.reason}, but not by the margin (MAE ratio to the best baseline at worst ${worst(short)} at 1–${NOISE_MARGIN.shortHours} h, needed ≤ ${NOISE_MARGIN.shortRatio}; ${worst(long)} at ${NOISE_MARGIN.shortHours + 1}–${HORIZON_HOURS} h, needed ≤ ${NOISE_MARGIN.longRatio}); ${d.best_baseline} is published`,
    };
  }

  const probabilities: ProbabilityScores[] = [];
  for (const t of thresholds) {
    const probs = Object.fromEntries(NOISE_PREDICTORS.map((p) => [p, [] as number[]])) as Record<NoisePredictor, number[]>;
    const outcome: number[] = [];
    const brierByOrigin = new OriginSeries(NOISE_BASELINES);
    forEachNight(panel, test, t.convention, (row, night) => {
      const source = sources.get(panel.sensors[test.sensor[row]!]!) ?? 'unknown';
      const limit = limitFor(t, source);
      const obs = nightLevel(rowOf(test.observed, row), night.offsets);
      if (limit === null || !Number.isFinite(obs)) return;
      const p = NOISE_PREDICTORS.map((pr) => exceedance(nightLevel(rowOf(testF[pr], row), night.offsets), limit, preprocessing.night_error[pr][t.convention]!, night.ordinal));
      if (p.some((v) => !Number.isFinite(v))) return;
      NOISE_PREDICTORS.forEach((pr, k) => probs[pr].push(p[k]!));
      const e = obs > limit ? 1 : 0;
      outcome.push(e);
      brierByOrigin.add(test.origin[row]!, (b) => (p[0]! - e) ** 2 - (p[NOISE_PREDICTORS.indexOf(b)]! - e) ** 2);
    });
    const bs = Object.fromEntries(NOISE_PREDICTORS.map((p) => [p, brier(probs[p], outcome)])) as Record<NoisePredictor, number>;
    const target = `${t.variable}>${t.name}`;
    const noEvent = !outcome.includes(1);
    if (outcome.length) {
      decisions.push(decide(target, 'brier', bs.model, Object.fromEntries(NOISE_BASELINES.map((b) => [b, bs[b]])), { differences: brierByOrigin.series(), lag: HORIZON_HOURS - 1, noEvent }));
    }
    probabilities.push({
      target,
      horizon_hours: null,
      n: outcome.length,
      base_rate: finiteOrNull(mean(outcome)),
      no_event: noEvent,
      model: { brier: finiteOrNull(bs.model), reliability: reliabilityJson(reliability(probs.model, outcome)) },
      baselines: Object.fromEntries(NOISE_BASELINES.map((b) => [b, { brier: finiteOrNull(bs[b]) }])),
      bss: noEvent ? {} : Object.fromEntries(NOISE_BASELINES.map((b) => [b, finiteOrNull(brierSkillScore(bs.model, bs[b]))])),
    });
  }

  lap('evaluation');
  const iso = (rel: number) => new Date((panel.start + rel) * HOUR_MS).toISOString();
  const notes = [
    `one network for ${panel.sensors.length} sensors; training origins every ${o.stride} h, held-out origins every hour`,
    'hourly scores on the (origin, lead time) pairs where the observation and every predictor exist',
    `${foldScores.length} daily folds in the ${testDays} held-out days (scored separately in \`folds\`); a "model" verdict needs a Diebold–Mariano test at 5 % on the hourly loss differences against the best baseline`,
    'the deployed weights are the evaluated ones; the held-out days still feed the features at prediction time',
  ];
  for (const d of decisions) {
    notes.push(`${d.target} (${d.metric}): ${d.reason}`);
  }
  const primary = decisions[0]!;
  return {
    model: net,
    preprocessing,
    fit,
    trainRows: train.rows,
    testRows: test.rows,
    timings,
    architecture: { type: 'mlp', inputs: NOISE_FEATURES.length, hidden: o.hidden, outputs: HORIZON_HOURS, activation: 'relu', loss: 'huber', optimizer: 'adam', learning_rate: o.learningRate, epochs: o.epochs, batch_size: o.batchSize, seed: o.seed, stride_hours: o.stride },
    report: {
      target: 'laeq',
      unit: 'dB(A)',
      train: { from: iso(0), until: iso(split.testStart) },
      test: { from: iso(split.testStart), until: iso(panel.hours) },
      primary_metric: 'mae',
      overall,
      horizons,
      probabilities,
      crossings: [],
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

/** probability that a night's level exceeds the limit, from the forecast and the night-error distribution */
export function exceedance(forecast: number, limit: number, stats: NightStats, ordinal: number): number {
  if (!Number.isFinite(forecast)) return NaN;
  const k = Math.min(ordinal, stats.mean.length - 1);
  const mu = stats.mean[k]!;
  const sd = stats.std[k]!;
  return 1 - normalCdf((limit - (forecast + mu)) / sd);
}

export function forEachNight(panel: NoisePanel, x: NoiseExamples, convention: Convention, fn: (row: number, night: ReturnType<typeof nightsInHorizon>[number]) => void): void {
  const cache = new Map<number, ReturnType<typeof nightsInHorizon>>();
  for (let row = 0; row < x.rows; row++) {
    const o = x.origin[row]!;
    let nights = cache.get(o);
    if (!nights) cache.set(o, (nights = nightsInHorizon(panel.calendar, o, convention)));
    for (const night of nights) fn(row, night);
  }
}

export function rowOf(m: Matrix, row: number): Float32Array {
  return m.data.subarray(row * m.cols, (row + 1) * m.cols);
}

function column(m: Matrix, j: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < m.rows; r++) out.push(m.data[r * m.cols + j]!);
  return out;
}

const round = (v: number) => (Number.isFinite(v) ? Number(v.toFixed(4)) : NaN);

export { CONVENTIONS };

export interface NoiseForecastInput {
  readonly model: LayersModel;
  readonly version: string;
  readonly preprocessing: NoisePreprocessing;
  /** per target: 'model' or the baseline to publish (CurrentPointer.publish) */
  readonly publish: Record<string, string>;
}

/**
 * Forecasts from the last hour of the panel: per sensor with a level in the last 24 hours, 48 hourly
 * levels with their 90 % interval, and per full night in the horizon and threshold, the night level
 * and the probability of exceeding the threshold.
 */
export async function forecastNoise(
  rt: TfRuntime,
  input: NoiseForecastInput,
  panel: NoisePanel,
  sources: ReadonlyMap<string, NoiseSource>,
  runTime: Date,
): Promise<{ rows: PredictionRow[]; origin: Date; sensors: number; stale: number }> {
  const origin = panel.hours - 1;
  const x = noiseExamples(panel, { origins: [origin] });
  const pre = input.preprocessing;
  const f = forecasts(x, await predictAnomalies(rt, input.model, x, pre), pre.anomaly_decay);
  const originTime = new Date((panel.start + origin + 1) * HOUR_MS);
  const rows: PredictionRow[] = [];
  const hourly = input.publish['laeq'] ?? 'model';
  const common = { model: NOISE_MODEL, version: input.version, run_time: runTime, origin_time: originTime, entity_kind: 'sensor' as const };
  const at = (j: number) => new Date((panel.start + origin + j) * HOUR_MS);
  for (let row = 0; row < x.rows; row++) {
    const sensor = panel.sensors[x.sensor[row]!]!;
    const values = rowOf(f[hourly as NoisePredictor] ?? f.model, row);
    for (let j = 1; j <= HORIZON_HOURS; j++) {
      const v = values[j - 1]!;
      if (!Number.isFinite(v)) continue;
      rows.push(
        predictionRow({
          ...common,
          ...sourceOf(hourly),
          target_time: at(j),
          target_end: at(j + 1),
          entity: sensor,
          variable: 'laeq',
          unit: 'dB(A)',
          value: v,
          lower: v + (pre.residual_q05[hourly as NoisePredictor]?.[j - 1] ?? NaN),
          upper: v + (pre.residual_q95[hourly as NoisePredictor]?.[j - 1] ?? NaN),
        }),
      );
    }
    const source = sources.get(sensor) ?? 'unknown';
    for (const t of pre.thresholds) {
      const target = `${t.variable}>${t.name}`;
      const predictor = (input.publish[target] ?? 'model') as NoisePredictor;
      const stats = pre.night_error[predictor]?.[t.convention];
      const limit = t.limits[source] ?? null;
      if (!stats) continue;
      for (const night of nightsInHorizon(panel.calendar, origin, t.convention)) {
        const level = nightLevel(rowOf(f[predictor], row), night.offsets);
        if (!Number.isFinite(level)) continue;
        const k = Math.min(night.ordinal, stats.mean.length - 1);
        const centre = level + stats.mean[k]!;
        rows.push(
          predictionRow({
            ...common,
            ...sourceOf(predictor),
            target_time: at(night.offsets[0]!),
            target_end: at(night.offsets[night.offsets.length - 1]! + 1),
            entity: sensor,
            variable: t.variable,
            unit: 'dB(A)',
            value: centre,
            lower: centre - 1.645 * stats.std[k]!,
            upper: centre + 1.645 * stats.std[k]!,
            threshold_name: t.name,
            threshold: limit,
            probability: limit === null ? null : exceedance(level, limit, stats, night.ordinal),
          }),
        );
      }
    }
  }
  return { rows, origin: originTime, sensors: x.rows, stale: panel.sensors.length - x.rows };
}

/** per origin, sums of a loss difference against each baseline, in origin order */
class OriginSeries<B extends string> {
  private readonly sums = new Map<number, number[]>();
  constructor(private readonly baselines: readonly B[]) {}

  add(origin: number, difference: (baseline: B) => number): void {
    let s = this.sums.get(origin);
    if (!s) this.sums.set(origin, (s = this.baselines.map(() => 0)));
    this.baselines.forEach((b, k) => (s[k]! += difference(b)));
  }

  series(): Record<B, number[]> {
    const origins = [...this.sums.keys()].sort((a, b) => a - b);
    return Object.fromEntries(this.baselines.map((b, k) => [b, origins.map((o) => this.sums.get(o)![k]!)])) as Record<B, number[]>;
  }
}

export { TooLittleHistory };
