import type { Convention } from '../../domain/noise/conventions.ts';
import { normalCdf } from '../metrics.ts';
import { applyScaler, matrix, predictRows, type LayersModel, type Matrix } from '../nn.ts';
import type { NoisePreprocessing } from '../registry-schemas.ts';
import type { TfRuntime } from '../runtime.ts';
import { HORIZON_HOURS, NOISE_BASELINES, type NoiseExamples, type NoisePanel } from './features.ts';
import { nightsInHorizon } from './nights.ts';

// The noise predictors' hourly forecasts from a set of examples — the network's (profile + predicted
// anomaly) and each baseline's — and the night-level exceedance probability read from them.

export const NOISE_PREDICTORS = ['model', ...NOISE_BASELINES] as const;
export type NoisePredictor = (typeof NOISE_PREDICTORS)[number];

/** hourly forecasts (dB) of each predictor for the examples: rows × 48 */
export function forecasts(x: NoiseExamples, anomalies: Matrix | undefined, decay: readonly number[] | undefined): Record<NoisePredictor, Matrix> {
  const model = matrix(x.rows, HORIZON_HOURS);
  if (anomalies) for (let i = 0; i < model.data.length; i++) model.data[i] = (x.profile.data[i] ?? NaN) + (anomalies.data[i] ?? NaN);
  else model.data.fill(NaN);
  const decaying = matrix(x.rows, HORIZON_HOURS);
  for (let r = 0; r < x.rows; r++) {
    const a0 = originAnomaly(x, r);
    for (let j = 0; j < HORIZON_HOURS; j++) decaying.data[r * HORIZON_HOURS + j] = (x.profile.data[r * HORIZON_HOURS + j] ?? NaN) + (decay ? (decay[j] ?? NaN) * a0 : NaN);
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
const originAnomaly = (x: NoiseExamples, row: number) => x.features.data[row * x.features.cols] ?? 0;

/** per lead time, the least-squares coefficient of the target's anomaly on the origin hour's anomaly */
export function fitAnomalyDecay(x: NoiseExamples): number[] {
  const out: number[] = [];
  for (let j = 0; j < HORIZON_HOURS; j++) {
    let num = 0;
    let den = 0;
    for (let r = 0; r < x.rows; r++) {
      const i = r * HORIZON_HOURS + j;
      const y = (x.observed.data[i] ?? NaN) - (x.profile.data[i] ?? NaN);
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
  for (let i = 0; i < out.data.length; i++) out.data[i] = (out.data[i] ?? NaN) * pre.target_std;
  return out;
}

interface NightStats {
  readonly mean: number[];
  readonly std: number[];
}

/** probability that a night's level exceeds the limit, from the forecast and the night-error distribution */
export function exceedance(forecast: number, limit: number, stats: NightStats, ordinal: number): number {
  if (!Number.isFinite(forecast)) return NaN;
  const k = Math.min(ordinal, stats.mean.length - 1);
  const mu = stats.mean[k] ?? NaN;
  const sd = stats.std[k] ?? NaN;
  return 1 - normalCdf((limit - (forecast + mu)) / sd);
}

export function forEachNight(panel: NoisePanel, x: NoiseExamples, convention: Convention, fn: (row: number, night: ReturnType<typeof nightsInHorizon>[number]) => void): void {
  const cache = new Map<number, ReturnType<typeof nightsInHorizon>>();
  for (let row = 0; row < x.rows; row++) {
    const o = x.origin[row] ?? 0;
    let nights = cache.get(o);
    if (!nights) cache.set(o, (nights = nightsInHorizon(panel.calendar, o, convention)));
    for (const night of nights) fn(row, night);
  }
}

export function rowOf(m: Matrix, row: number): Float32Array {
  return m.data.subarray(row * m.cols, (row + 1) * m.cols);
}

export const round = (v: number): number => (Number.isFinite(v) ? Number(v.toFixed(4)) : NaN);
