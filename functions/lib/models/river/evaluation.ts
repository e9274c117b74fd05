import { contingency, finiteOrNull, intervalCoverage, mae, normalCdf, nse } from '../metrics.ts';
import type { RiverPreprocessing } from '../registry-schemas.ts';
import { decide, probabilityScores, scores, type CrossingScores, type Decision, type FoldScores, type HorizonScores, type ProbabilityScores } from '../report.ts';
import { ScoreTally } from '../tally.ts';
import { inverse, type RiverSetup } from './features.ts';
import { instantOf, type RegularSeries } from './series.ts';

// The river model's scores on the held-out origins, in the series' units, every predictor on the same
// cases: per horizon (MAE, NSE), threshold crossings, the exceedance probability's Brier score, per fold
// (yearly for daily series, daily for hourly ones) and pooled; then the one decision for all horizons.

/**
 * Baselines, scored on the same origins as the network:
 * - persistence: x(t+h) = x(t);
 * - trend: x(t+h) = x(t) + h × the change over the last day (in the transformed space: a constant rate in log flow);
 * - linear: a ridge regression of each horizon's change on the network's own inputs (standardised, λ = 1).
 */
export const RIVER_BASELINES = ['persistence', 'trend', 'linear'] as const;
export type RiverBaseline = (typeof RIVER_BASELINES)[number];
export const RIVER_PREDICTORS = ['model', ...RIVER_BASELINES] as const;
export type RiverPredictor = (typeof RIVER_PREDICTORS)[number];
/**
 * The network is published only when its MAE is at most this share of the best baseline's at every
 * horizon: a network whose edge over a 15-coefficient regression is a few percent is not worth its
 * opacity, and the regression is then published.
 */
export const RIVER_MATERIAL_RATIO = 0.9;

/** each predictor's forecast (transformed space) at held-out origin row r and horizon index k */
export type ForecastOf = (p: RiverPredictor, r: number, k: number) => number;

export interface HeldOut {
  readonly series: RegularSeries;
  readonly setup: RiverSetup;
  readonly origins: readonly number[];
  readonly hSteps: readonly number[];
  readonly horizonsHours: readonly number[];
  readonly trainEnd: number;
  readonly testEnd: number;
  readonly offset: number;
  readonly forecast: ForecastOf;
  readonly residuals: RiverPreprocessing['residuals'];
  /** the flood threshold, in the series' units and in the transformed scale */
  readonly threshold: number;
  readonly xThreshold: number;
}

type PerPredictor = Record<RiverPredictor, number[]>;
const none = (): PerPredictor => Object.fromEntries(RIVER_PREDICTORS.map((p) => [p, [] as number[]])) as PerPredictor;

interface Fold {
  readonly tally: ScoreTally<RiverBaseline>;
  from: number;
  until: number;
}

/** what the held-out origins accumulate across horizons */
class Pooled {
  readonly f = none();
  readonly lo = none();
  readonly hi = none();
  readonly obs: number[] = [];
  /** pooled over horizons: the per-origin loss differences the Diebold–Mariano test reads */
  readonly tally = new ScoreTally(RIVER_BASELINES);
  readonly folds = new Map<number, Fold>();
}

export interface RiverScores {
  readonly horizons: HorizonScores[];
  readonly crossings: CrossingScores[];
  readonly probabilities: ProbabilityScores[];
  readonly overall: { n: number; model: Record<string, number | null>; baselines: Record<string, Record<string, number | null>> };
  readonly coverage_90: Record<string, number | null>;
  readonly folds: FoldScores[];
  readonly decision: Decision;
}

export function scoreRiver(h: HeldOut): RiverScores {
  const pooled = new Pooled();
  const perHorizon = h.hSteps.map((_, k) => scoreHorizon(h, k, pooled));
  const pooledOf = (p: RiverPredictor) => scores({ mae: mae(pooled.f[p], pooled.obs), nse: nse(pooled.f[p], pooled.obs) });
  const overall = { n: pooled.obs.length, model: pooledOf('model'), baselines: Object.fromEntries(RIVER_BASELINES.map((b) => [b, pooledOf(b)])) };
  const horizons = perHorizon.map((x) => x.horizon);
  const iso = (i: number) => instantOf(h.series, i).toISOString();
  const lag = Math.max(...h.hSteps) - 1;
  return {
    horizons,
    crossings: perHorizon.map((x) => x.crossing),
    probabilities: perHorizon.map((x) => x.probability),
    overall,
    coverage_90: Object.fromEntries(RIVER_PREDICTORS.map((p) => [p, finiteOrNull(intervalCoverage(pooled.lo[p], pooled.hi[p], pooled.obs), 4)])),
    folds: [...pooled.folds.values()].map((fold) => fold.tally.fold({ from: iso(fold.from), until: iso(fold.until), train_until: iso(h.trainEnd) }, lag)),
    decision: riverDecision(h, overall, horizons, pooled.tally.differences(), lag),
  };
}

/** yearly folds for daily series, daily folds for hourly ones */
function foldKey(series: RegularSeries, t: number): number {
  const at = instantOf(series, t);
  return series.stepHours >= 24 ? at.getUTCFullYear() : Math.floor(at.getTime() / 86_400_000);
}

function foldOf(h: HeldOut, pooled: Pooled, t: number): Fold {
  const key = foldKey(h.series, t);
  let fold = pooled.folds.get(key);
  if (!fold) pooled.folds.set(key, (fold = { tally: new ScoreTally(RIVER_BASELINES), from: t, until: t + 1 }));
  fold.until = Math.max(fold.until, t + 1);
  return fold;
}

function scoreHorizon(h: HeldOut, k: number, pooled: Pooled): { horizon: HorizonScores; crossing: CrossingScores; probability: ProbabilityScores } {
  const step = h.hSteps[k] ?? 1;
  const raw = h.series.columns[h.setup.target] ?? new Float64Array();
  const f = none();
  const pr = none();
  const obs: number[] = [];
  const exceeded: number[] = [];
  const eventObs: number[] = [];
  const eventF = none();
  h.origins.forEach((t, r) => {
    const o = raw[t + step] ?? NaN;
    const now = raw[t] ?? NaN;
    const xf = RIVER_PREDICTORS.map((p) => h.forecast(p, r, k));
    if (t + step >= h.testEnd || !Number.isFinite(o) || !Number.isFinite(now) || xf.some((v) => !Number.isFinite(v))) return;
    obs.push(o);
    const e = o >= h.threshold ? 1 : 0;
    exceeded.push(e);
    const values = xf.map((x) => inverse(x, h.setup, h.offset));
    const inside = RIVER_PREDICTORS.map((p, j) => {
      const r5 = h.residuals[p];
      const lo = inverse((xf[j] ?? NaN) + (r5?.q05[k] ?? NaN), h.setup, h.offset);
      const hi = inverse((xf[j] ?? NaN) + (r5?.q95[k] ?? NaN), h.setup, h.offset);
      pooled.lo[p].push(lo);
      pooled.hi[p].push(hi);
      return o >= lo && o <= hi;
    });
    RIVER_PREDICTORS.forEach((p, j) => {
      f[p].push(values[j] ?? NaN);
      pr[p].push(exceedanceOf(xf[j] ?? NaN, h.xThreshold, h.residuals[p] ?? { mean: [], std: [] }, k));
    });
    pooled.tally.add(t, o, values, inside);
    foldOf(h, pooled, t).tally.add(t, o, values, inside);
    // a crossing: below the threshold at the origin, at or above it at the target
    if (now < h.threshold) {
      eventObs.push(e);
      RIVER_PREDICTORS.forEach((p, j) => eventF[p].push((values[j] ?? NaN) >= h.threshold ? 1 : 0));
    }
  });
  for (const p of RIVER_PREDICTORS) pooled.f[p].push(...f[p]);
  pooled.obs.push(...obs);
  const hours = h.horizonsHours[k] ?? 0;
  const of = (p: RiverPredictor) => scores({ mae: mae(f[p], obs), nse: nse(f[p], obs) });
  return {
    horizon: { horizon_hours: hours, n: obs.length, model: of('model'), baselines: Object.fromEntries(RIVER_BASELINES.map((b) => [b, of(b)])) },
    crossing: crossingScores(hours, h.threshold, eventF, eventObs),
    probability: probabilityScores(`${h.setup.variable}+${hours}h>=${Number(h.threshold.toFixed(4))}`, hours, pr.model, Object.fromEntries(RIVER_BASELINES.map((b) => [b, pr[b]])), exceeded),
  };
}

function crossingScores(hours: number, threshold: number, eventF: PerPredictor, eventObs: number[]): CrossingScores {
  const crossing = (p: RiverPredictor) => {
    const c = contingency(eventF[p], eventObs);
    return scores({ hit_rate: c.hitRate, false_alarm_ratio: c.falseAlarmRatio, false_alarm_rate: c.falseAlarmRate });
  };
  return { horizon_hours: hours, threshold: Number(threshold.toFixed(4)), n: eventObs.length, model: crossing('model'), baselines: Object.fromEntries(RIVER_BASELINES.map((b) => [b, crossing(b)])) };
}

/**
 * One decision for all horizons, so that a published trajectory comes from one predictor (the
 * per-horizon scores show where the model wins); significantly better is not enough, it must be
 * materially better at every horizon.
 */
function riverDecision(h: HeldOut, overall: RiverScores['overall'], horizons: HorizonScores[], differences: Record<RiverBaseline, number[]>, lag: number): Decision {
  const d = decide(h.setup.variable, 'mae', overall.model['mae'] ?? null, Object.fromEntries(RIVER_BASELINES.map((b) => [b, overall.baselines[b]?.['mae'] ?? null])), { differences, lag });
  const ratios = horizons.map((x) => ({ hours: x.horizon_hours, ratio: (x.model['mae'] ?? Infinity) / Math.min(...RIVER_BASELINES.map((b) => x.baselines[b]?.['mae'] ?? Infinity)) }));
  if (d.use !== 'model' || ratios.every((r) => r.ratio <= RIVER_MATERIAL_RATIO)) return d;
  return {
    ...d,
    beats_baseline: false,
    use: 'baseline',
    reason: `${d.reason}, but its MAE is not ≤ ${RIVER_MATERIAL_RATIO} × the best baseline's at every horizon (${ratios.map((r) => `+${r.hours} h: ${r.ratio.toFixed(3)}`).join(', ')}); ${d.best_baseline} is published`,
  };
}

/** P(x ≥ threshold) under the normal distribution of the training errors around the forecast */
export function exceedanceOf(xForecast: number, xThreshold: number, stats: { mean: number[]; std: number[] }, k: number): number {
  return 1 - normalCdf((xThreshold - (xForecast + (stats.mean[k] ?? NaN))) / (stats.std[k] ?? NaN));
}
