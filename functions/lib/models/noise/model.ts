import { NOISE_SOURCES } from '../../datasets/noise.ts';
import type { NoiseSource } from '../../domain/noise/thresholds.ts';
import { HOUR_MS } from '../calendar.ts';
import { mean, quantiles, standardDeviation } from '../metrics.ts';
import { applyScaler, buildMlp, fitMlp, fitScaler, type FitReport, type LayersModel } from '../nn.ts';
import type { NoisePreprocessing } from '../registry-schemas.ts';
import { TooLittleHistory } from '../report.ts';
import { predictionRow, sourceOf, type PredictionRow } from '../prediction-row.ts';
import type { TfRuntime } from '../runtime.ts';
import { NoiseScoring, noiseReport, scoreFit, type NoiseFit, type NoiseReport } from './evaluation.ts';
import { anomalyTargets, HORIZON_HOURS, NOISE_FEATURES, noiseExamples, PROFILE_WINDOW_DAYS, type NoiseExamples, type NoisePanel } from './features.ts';
import { noiseFoldPlan } from './folds.ts';
import { DEFAULT_NIGHT_THRESHOLDS, limitFor, nightLevel, nightsInHorizon, type NightThreshold } from './nights.ts';
import { exceedance, fitAnomalyDecay, forEachNight, forecasts, NOISE_PREDICTORS, predictAnomalies, round, rowOf, type NoisePredictor } from './predictors.ts';

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
// exceedance probability is read. The evaluation folds (folds.ts: weekly rolling origins, or daily
// folds on a young lake) then check whether those intervals and probabilities hold (evaluation.ts).

export const NOISE_MODEL = 'noise';
export { NOISE_PREDICTORS, type NoisePredictor, fitAnomalyDecay, forecasts, predictAnomalies, exceedance, forEachNight, rowOf };
export { NOISE_MARGIN } from './evaluation.ts';
export { NOISE_HISTORY_DAYS, NOISE_WEEKLY, noiseTestDays } from './folds.ts';

export interface NoiseTrainingOptions {
  /** hours between training origins (default 4) */
  readonly stride?: number;
  readonly hidden?: readonly number[];
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly seed?: number;
  /** daily folds on this many held-out local days, even when the history allows weekly folds */
  readonly testDays?: number;
  readonly thresholds?: readonly NightThreshold[];
}

// 12 epochs of batches of 1024 reach the loss of 25 epochs of 512 on the demo (MAE 1.98 vs 1.96 dB) in 40 % of the time
export const NOISE_DEFAULTS = { stride: 4, hidden: [32], epochs: 12, batchSize: 1024, learningRate: 0.005, seed: 2025 } as const;
interface Settings {
  readonly stride: number;
  readonly hidden: readonly number[];
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
}

export type { NoisePreprocessing };

export interface NoiseTrainingResult {
  readonly model: LayersModel;
  readonly preprocessing: NoisePreprocessing;
  /** the evaluation, without version and backend (the registry fills them) */
  readonly report: NoiseReport;
  /** the deployed network's fit (the last fold's under weekly folds) */
  readonly fit: FitReport;
  readonly trainRows: number;
  readonly testRows: number;
  /** seconds spent in each step, summed over the folds' fits: features, fit, predict, statistics, evaluation */
  readonly timings: Record<string, number>;
  readonly architecture: Record<string, unknown>;
}

/** seconds per named step, summed over repeated steps */
class Laps {
  readonly timings: Record<string, number> = {};
  private clock = performance.now();

  lap(name: string): void {
    const now = performance.now();
    this.timings[name] = Number(((this.timings[name] ?? 0) + (now - this.clock) / 1000).toFixed(3));
    this.clock = now;
  }
}

/**
 * Trains and evaluates the network on the folds the history allows (folds.ts): one network per fit of
 * the plan, each scoring its folds; the last one is deployed.
 */
export async function trainNoiseModel(
  rt: TfRuntime,
  panel: NoisePanel,
  sources: ReadonlyMap<string, NoiseSource>,
  options: NoiseTrainingOptions = {},
): Promise<NoiseTrainingResult | { skipped: string }> {
  const settings: Settings = { ...NOISE_DEFAULTS, ...options };
  const thresholds = options.thresholds ?? DEFAULT_NIGHT_THRESHOLDS;
  const plan = noiseFoldPlan(panel, options.testDays === undefined ? {} : { testDays: options.testDays });
  if ('skipped' in plan) return plan;
  const laps = new Laps();
  const scoring = new NoiseScoring(plan, thresholds);
  let deployed: (NoiseFit & { fit: FitReport; trainRows: number }) | undefined;
  for (const [index, { trainUntil }] of plan.fits.entries()) {
    const fitted = await fitNoise(rt, panel, trainUntil, settings, thresholds, laps);
    deployed?.net.dispose();
    if ('skipped' in fitted) return fitted;
    deployed = fitted;
    await scoreFit(rt, panel, sources, scoring, index, fitted);
    laps.lap('evaluation');
  }
  if (!deployed || scoring.testRows === 0) {
    deployed?.net.dispose();
    return { skipped: `no held-out example to score (${scoring.testRows})` };
  }
  return {
    model: deployed.net,
    preprocessing: deployed.preprocessing,
    fit: deployed.fit,
    trainRows: deployed.trainRows,
    testRows: scoring.testRows,
    timings: laps.timings,
    architecture: architecture(settings),
    report: noiseReport(panel, scoring, { sensors: panel.sensors.length, stride: settings.stride }),
  };
}

function architecture(s: Settings): Record<string, unknown> {
  return { type: 'mlp', inputs: NOISE_FEATURES.length, hidden: s.hidden, outputs: HORIZON_HOURS, activation: 'relu', loss: 'huber', optimizer: 'adam', learning_rate: s.learningRate, epochs: s.epochs, batch_size: s.batchSize, seed: s.seed, stride_hours: s.stride };
}

/** training origins: every `stride` hours from the first with a day of history, their first target before `trainUntil` */
function trainingOrigins(trainUntil: number, stride: number): number[] {
  const origins: number[] = [];
  for (let o = 23; o <= trainUntil - 2; o += stride) origins.push(o);
  return origins;
}

/** one network trained on the targets before `trainUntil`, with its residual statistics */
async function fitNoise(rt: TfRuntime, panel: NoisePanel, trainUntil: number, s: Settings, thresholds: readonly NightThreshold[], laps: Laps): Promise<(NoiseFit & { fit: FitReport; trainRows: number }) | { skipped: string }> {
  const train = noiseExamples(panel, { origins: trainingOrigins(trainUntil, s.stride), targetsUntil: trainUntil });
  if (train.rows < 50) return { skipped: `too few examples to train on before ${new Date((panel.start + trainUntil) * HOUR_MS).toISOString()} (${train.rows}, need 50)` };
  laps.lap('features');
  const { net, fit, scaling } = await fitAnomalyNetwork(rt, train, s);
  laps.lap('fit');
  const decay = fitAnomalyDecay(train);
  const trainF = forecasts(train, await predictAnomalies(rt, net, train, scaling), decay);
  laps.lap('predict');
  const preprocessing: NoisePreprocessing = {
    horizon_hours: HORIZON_HOURS,
    profile_window_days: PROFILE_WINDOW_DAYS,
    ...scaling,
    anomaly_decay: decay,
    ...residualQuantiles(train, trainF),
    night_error: nightErrors(panel, train, trainF, thresholds),
    thresholds: thresholds.map((t) => ({
      name: t.name,
      convention: t.convention,
      variable: t.variable,
      description: t.description,
      limits: Object.fromEntries(NOISE_SOURCES.map((source) => [source, limitFor(t, source)])),
    })),
  };
  laps.lap('statistics');
  return { net, preprocessing, fit, trainRows: train.rows };
}

/** the network fitted to the standardised anomalies (observed − profile) of the training examples */
async function fitAnomalyNetwork(rt: TfRuntime, train: NoiseExamples, s: Settings) {
  const scaler = fitScaler(train.features);
  const { y, weights } = anomalyTargets(train);
  const targetStd = Math.fround(Math.max(0.5, standardDeviation(Array.from(y.data).filter((_, i) => weights.data[i] === 1))));
  for (let i = 0; i < y.data.length; i++) y.data[i] = (y.data[i] ?? NaN) / targetStd;
  const xs = applyScaler({ ...train.features, data: train.features.data.slice() }, scaler);
  const net = buildMlp(rt.tf, { inputs: NOISE_FEATURES.length, hidden: s.hidden, outputs: HORIZON_HOURS, seed: s.seed });
  const fit = await fitMlp(rt.tf, net, xs, y, { epochs: s.epochs, batchSize: s.batchSize, learningRate: s.learningRate, seed: s.seed, loss: 'huber', huberDelta: 1, weights });
  return { net, fit, scaling: { feature_scaler: scaler, target_std: targetStd } };
}

/** per predictor and lead time, the 5 % and 95 % quantiles of the training errors: the 90 % interval */
function residualQuantiles(train: NoiseExamples, trainF: Record<NoisePredictor, { data: Float32Array }>): Pick<NoisePreprocessing, 'residual_q05' | 'residual_q95'> {
  const residual_q05 = {} as Record<NoisePredictor, number[]>;
  const residual_q95 = {} as Record<NoisePredictor, number[]>;
  for (const p of NOISE_PREDICTORS) {
    residual_q05[p] = [];
    residual_q95[p] = [];
    for (let j = 0; j < HORIZON_HOURS; j++) {
      const errors = new Float64Array(train.rows);
      for (let r = 0; r < train.rows; r++) errors[r] = (train.observed.data[r * HORIZON_HOURS + j] ?? NaN) - (trainF[p].data[r * HORIZON_HOURS + j] ?? NaN);
      const [q05 = NaN, q95 = NaN] = quantiles(errors, [0.05, 0.95]);
      residual_q05[p].push(round(q05));
      residual_q95[p].push(round(q95));
    }
  }
  return { residual_q05, residual_q95 };
}

/** per predictor, convention and night (first, second), the mean and standard deviation of the training night-level errors */
function nightErrors(panel: NoisePanel, train: NoiseExamples, trainF: Record<NoisePredictor, { data: Float32Array; cols: number; rows: number }>, thresholds: readonly NightThreshold[]): NoisePreprocessing['night_error'] {
  const conventions = [...new Set(thresholds.map((t) => t.convention))];
  const out = {} as NoisePreprocessing['night_error'];
  for (const p of NOISE_PREDICTORS) {
    const byConvention: NoisePreprocessing['night_error'][NoisePredictor] = {};
    for (const c of conventions) {
      const errors: number[][] = [[], []];
      forEachNight(panel, train, c, (row, night) => {
        const obs = nightLevel(rowOf(train.observed, row), night.offsets);
        const f = nightLevel(rowOf(trainF[p], row), night.offsets);
        if (Number.isFinite(obs) && Number.isFinite(f) && night.ordinal < 2) errors[night.ordinal]?.push(obs - f);
      });
      const pooled = errors.flat();
      byConvention[c] = {
        mean: errors.map((e) => round(e.length >= 30 ? mean(e) : mean(pooled))),
        std: errors.map((e) => round(Math.max(0.5, e.length >= 30 ? standardDeviation(e) : standardDeviation(pooled)))),
      };
    }
    out[p] = byConvention;
  }
  return out;
}

export interface NoiseForecastInput {
  readonly model: LayersModel;
  readonly version: string;
  readonly preprocessing: NoisePreprocessing;
  /** per target: 'model' or the baseline to publish (CurrentPointer.publish) */
  readonly publish: Record<string, string>;
}

interface ForecastContext {
  readonly input: NoiseForecastInput;
  readonly panel: NoisePanel;
  readonly origin: number;
  readonly f: ReturnType<typeof forecasts>;
  readonly common: Pick<Parameters<typeof predictionRow>[0], 'model' | 'version' | 'run_time' | 'origin_time' | 'entity_kind'>;
  /** the start of the hour `j` hours after the origin's */
  readonly at: (j: number) => Date;
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
  const ctx: ForecastContext = {
    input,
    panel,
    origin,
    f,
    common: { model: NOISE_MODEL, version: input.version, run_time: runTime, origin_time: originTime, entity_kind: 'sensor' },
    at: (j) => new Date((panel.start + origin + j) * HOUR_MS),
  };
  const rows: PredictionRow[] = [];
  for (let row = 0; row < x.rows; row++) {
    const sensor = panel.sensors[x.sensor[row] ?? 0] ?? '';
    rows.push(...levelRows(ctx, row, sensor), ...nightRows(ctx, row, sensor, sources.get(sensor) ?? 'unknown'));
  }
  return { rows, origin: originTime, sensors: x.rows, stale: panel.sensors.length - x.rows };
}

/** the 48 hourly levels of one sensor, from the predictor published for `laeq`, with its 90 % interval */
function levelRows(ctx: ForecastContext, row: number, sensor: string): PredictionRow[] {
  const pre = ctx.input.preprocessing;
  const hourly = (ctx.input.publish['laeq'] ?? 'model') as NoisePredictor;
  const values = rowOf(ctx.f[hourly] ?? ctx.f.model, row);
  const rows: PredictionRow[] = [];
  for (let j = 1; j <= HORIZON_HOURS; j++) {
    const v = values[j - 1] ?? NaN;
    if (!Number.isFinite(v)) continue;
    rows.push(
      predictionRow({
        ...ctx.common,
        ...sourceOf(hourly),
        target_time: ctx.at(j),
        target_end: ctx.at(j + 1),
        entity: sensor,
        variable: 'laeq',
        unit: 'dB(A)',
        value: v,
        lower: v + (pre.residual_q05[hourly]?.[j - 1] ?? NaN),
        upper: v + (pre.residual_q95[hourly]?.[j - 1] ?? NaN),
      }),
    );
  }
  return rows;
}

/** per threshold and full night in the horizon: the night level from the predictor published for it, and the exceedance probability */
function nightRows(ctx: ForecastContext, row: number, sensor: string, source: NoiseSource | 'unknown'): PredictionRow[] {
  const rows: PredictionRow[] = [];
  for (const t of ctx.input.preprocessing.thresholds) {
    const predictor = (ctx.input.publish[`${t.variable}>${t.name}`] ?? 'model') as NoisePredictor;
    const stats = ctx.input.preprocessing.night_error[predictor]?.[t.convention];
    const limit = t.limits[source] ?? null;
    if (!stats) continue;
    for (const night of nightsInHorizon(ctx.panel.calendar, ctx.origin, t.convention)) {
      const level = nightLevel(rowOf(ctx.f[predictor], row), night.offsets);
      if (!Number.isFinite(level)) continue;
      const k = Math.min(night.ordinal, stats.mean.length - 1);
      const centre = level + (stats.mean[k] ?? NaN);
      const spread = 1.645 * (stats.std[k] ?? NaN);
      rows.push(
        predictionRow({
          ...ctx.common,
          ...sourceOf(predictor),
          target_time: ctx.at(night.offsets[0] ?? 0),
          target_end: ctx.at((night.offsets.at(-1) ?? 0) + 1),
          entity: sensor,
          variable: t.variable,
          unit: 'dB(A)',
          value: centre,
          lower: centre - spread,
          upper: centre + spread,
          threshold_name: t.name,
          threshold: limit,
          probability: limit === null ? null : exceedance(level, limit, stats, night.ordinal),
        }),
      );
    }
  }
  return rows;
}

export { TooLittleHistory };
