import { HOUR_MS } from '../calendar.ts';
import { brier, brierSkillScore, finiteOrNull, mean, reliability } from '../metrics.ts';
import type { NoisePreprocessing } from '../registry-schemas.ts';
import { decide, reliabilityJson, type Decision, type EvaluationReport, type FoldScores, type HorizonScores, type ProbabilityScores } from '../report.ts';
import type { LayersModel, Matrix } from '../nn.ts';
import type { TfRuntime } from '../runtime.ts';
import { ScoreTally } from '../tally.ts';
import type { NoiseSource } from '../../domain/noise/thresholds.ts';
import { HORIZON_HOURS, NOISE_BASELINES, noiseExamples, type NoiseBaseline, type NoiseExamples, type NoisePanel } from './features.ts';
import { describePlan, foldOfHour, type NoiseFoldPlan } from './folds.ts';
import { limitFor, nightLevel, type NightThreshold } from './nights.ts';
import { exceedance, forEachNight, forecasts, NOISE_PREDICTORS, predictAnomalies, rowOf, type NoisePredictor } from './predictors.ts';

// The noise model's evaluation: each fold's network forecasts the fold's origins, and every predictor is
// scored on the same (sensor, origin, lead time) cases — per lead time, per fold and pooled — then the
// verdicts: hourly levels by MAE with a Diebold–Mariano test and the margin rule, night thresholds by
// Brier score.

/**
 * The margin rule for the hourly levels: besides a significant Diebold–Mariano test, the network's MAE
 * must be ≤ 0.95 × the best baseline's at every lead time of the first 6 hours (where recent levels
 * carry information a profile cannot have) and not above it at 7–48 h.
 */
export const NOISE_MARGIN = { shortHours: 6, shortRatio: 0.95, longRatio: 1 } as const;

/** the network trained for one fit of the plan, with the statistics its forecasts need */
export interface NoiseFit {
  readonly net: LayersModel;
  readonly preprocessing: NoisePreprocessing;
}

interface NightTally {
  readonly threshold: NightThreshold;
  readonly probs: number[][];
  readonly outcome: number[];
  readonly brierByOrigin: OriginSeries<NoiseBaseline>;
}

/** everything scored so far, over the fits of a plan */
export class NoiseScoring {
  readonly horizons = Array.from({ length: HORIZON_HOURS }, () => new ScoreTally(NOISE_BASELINES, false));
  readonly pooled = new ScoreTally(NOISE_BASELINES);
  readonly folds: ScoreTally<NoiseBaseline>[];
  readonly nights: NightTally[];
  testRows = 0;

  constructor(
    readonly plan: NoiseFoldPlan,
    thresholds: readonly NightThreshold[],
  ) {
    this.folds = plan.folds.map(() => new ScoreTally(NOISE_BASELINES));
    this.nights = thresholds.map((threshold) => ({ threshold, probs: NOISE_PREDICTORS.map(() => []), outcome: [], brierByOrigin: new OriginSeries(NOISE_BASELINES) }));
  }
}

/** scores the folds of fit `index` with its network: origins from the hour before the first fold to the second-last hour of the last */
export async function scoreFit(rt: TfRuntime, panel: NoisePanel, sources: ReadonlyMap<string, NoiseSource>, scoring: NoiseScoring, index: number, fitted: NoiseFit): Promise<void> {
  const folds = (scoring.plan.fits[index]?.folds ?? []).map((k) => scoring.plan.folds[k]);
  const first = folds[0]?.start ?? panel.hours;
  const last = folds.at(-1)?.end ?? panel.hours;
  const origins: number[] = [];
  for (let o = first - 1; o <= last - 2; o++) origins.push(o);
  const test = noiseExamples(panel, { origins });
  scoring.testRows += test.rows;
  const pre = fitted.preprocessing;
  const f = forecasts(test, await predictAnomalies(rt, fitted.net, test, pre), pre.anomaly_decay);
  scoreLevels(scoring, test, f, pre);
  for (const tally of scoring.nights) scoreNights(tally, panel, sources, test, f, pre);
}

/** hourly levels: scored where the observation and every predictor exist, so that all are compared on the same cases */
function scoreLevels(scoring: NoiseScoring, test: NoiseExamples, f: Record<NoisePredictor, Matrix>, pre: NoisePreprocessing): void {
  const values = new Float64Array(NOISE_PREDICTORS.length);
  const inside: boolean[] = NOISE_PREDICTORS.map(() => false);
  for (let r = 0; r < test.rows; r++) {
    const origin = test.origin[r] ?? 0;
    const fold = scoring.folds[foldOfHour(scoring.plan, origin + 1)];
    for (let j = 0; j < HORIZON_HOURS; j++) {
      const i = r * HORIZON_HOURS + j;
      const v = test.observed.data[i] ?? NaN;
      if (!Number.isFinite(v) || !forecastsAt(f, i, values)) continue;
      NOISE_PREDICTORS.forEach((p, k) => (inside[k] = v >= (values[k] ?? NaN) + (pre.residual_q05[p]?.[j] ?? NaN) && v <= (values[k] ?? NaN) + (pre.residual_q95[p]?.[j] ?? NaN)));
      scoring.horizons[j]?.add(origin, v, values, inside);
      scoring.pooled.add(origin, v, values, inside);
      fold?.add(origin, v, values, inside);
    }
  }
}

/** each predictor's forecast of cell i into `out`; false when one is missing */
function forecastsAt(f: Record<NoisePredictor, Matrix>, i: number, out: Float64Array): boolean {
  for (let k = 0; k < NOISE_PREDICTORS.length; k++) {
    const v = f[NOISE_PREDICTORS[k] ?? 'model'].data[i] ?? NaN;
    if (!Number.isFinite(v)) return false;
    out[k] = v;
  }
  return true;
}

/** per night of the threshold's convention in each horizon: every predictor's exceedance probability and the outcome */
function scoreNights(tally: NightTally, panel: NoisePanel, sources: ReadonlyMap<string, NoiseSource>, test: NoiseExamples, f: Record<NoisePredictor, Matrix>, pre: NoisePreprocessing): void {
  const t = tally.threshold;
  forEachNight(panel, test, t.convention, (row, night) => {
    const limit = limitFor(t, sources.get(panel.sensors[test.sensor[row] ?? 0] ?? '') ?? 'unknown');
    const obs = nightLevel(rowOf(test.observed, row), night.offsets);
    if (limit === null || !Number.isFinite(obs)) return;
    const stats = (p: NoisePredictor) => pre.night_error[p]?.[t.convention] ?? { mean: [NaN], std: [NaN] };
    const p = NOISE_PREDICTORS.map((pr) => exceedance(nightLevel(rowOf(f[pr], row), night.offsets), limit, stats(pr), night.ordinal));
    if (p.some((v) => !Number.isFinite(v))) return;
    p.forEach((v, k) => tally.probs[k]?.push(v));
    const e = obs > limit ? 1 : 0;
    tally.outcome.push(e);
    const model = ((p[0] ?? NaN) - e) ** 2;
    tally.brierByOrigin.add(test.origin[row] ?? 0, (b) => model - ((p[NOISE_PREDICTORS.indexOf(b)] ?? NaN) - e) ** 2);
  });
}

/** the hourly levels' verdict: the best baseline, the Diebold–Mariano test on pooled per-origin loss differences, and the margin rule */
function levelDecision(scoring: NoiseScoring): Decision {
  const pooled = scoring.pooled.scores();
  const d = decide('laeq', 'mae', pooled.model['mae'] ?? null, Object.fromEntries(NOISE_BASELINES.map((b) => [b, pooled.baselines[b]?.['mae'] ?? null])), {
    differences: scoring.pooled.differences(),
    lag: HORIZON_HOURS - 1,
  });
  const ratios = scoring.horizons.map((h) => h.mae(0) / Math.min(...NOISE_BASELINES.map((_, k) => h.mae(k + 1))));
  const short = ratios.slice(0, NOISE_MARGIN.shortHours);
  const long = ratios.slice(NOISE_MARGIN.shortHours);
  if (d.use !== 'model' || (short.every((r) => r <= NOISE_MARGIN.shortRatio) && long.every((r) => r <= NOISE_MARGIN.longRatio))) return d;
  const worst = (rs: number[]) => Math.max(...rs).toFixed(3);
  return {
    ...d,
    beats_baseline: false,
    use: 'baseline',
    reason: `${d.reason}, but not by the margin (MAE ratio to the best baseline at worst ${worst(short)} at 1–${NOISE_MARGIN.shortHours} h, needed ≤ ${NOISE_MARGIN.shortRatio}; ${worst(long)} at ${NOISE_MARGIN.shortHours + 1}–${HORIZON_HOURS} h, needed ≤ ${NOISE_MARGIN.longRatio}); ${d.best_baseline} is published`,
  };
}

/** a night threshold's Brier scores, reliability and verdict (no verdict when no night was scored) */
function nightScores(tally: NightTally): { probability: ProbabilityScores; decision?: Decision } {
  const t = tally.threshold;
  const bs = Object.fromEntries(NOISE_PREDICTORS.map((p, k) => [p, brier(tally.probs[k] ?? [], tally.outcome)])) as Record<NoisePredictor, number>;
  const target = `${t.variable}>${t.name}`;
  const noEvent = !tally.outcome.includes(1);
  const decision = tally.outcome.length
    ? decide(target, 'brier', bs.model, Object.fromEntries(NOISE_BASELINES.map((b) => [b, bs[b]])), { differences: tally.brierByOrigin.series(), lag: HORIZON_HOURS - 1, noEvent })
    : undefined;
  const probability: ProbabilityScores = {
    target,
    horizon_hours: null,
    n: tally.outcome.length,
    base_rate: finiteOrNull(mean(tally.outcome)),
    no_event: noEvent,
    model: { brier: finiteOrNull(bs.model), reliability: reliabilityJson(reliability(tally.probs[0] ?? [], tally.outcome)) },
    baselines: Object.fromEntries(NOISE_BASELINES.map((b) => [b, { brier: finiteOrNull(bs[b]) }])),
    bss: noEvent ? {} : Object.fromEntries(NOISE_BASELINES.map((b) => [b, finiteOrNull(brierSkillScore(bs.model, bs[b]))])),
  };
  return decision ? { probability, decision } : { probability };
}

export type NoiseReport = Omit<EvaluationReport, 'version' | 'backend' | 'evaluated_at' | 'model' | 'data'>;

/** the evaluation report of the scored plan: per lead time, per fold, pooled, and the verdicts */
export function noiseReport(panel: NoisePanel, scoring: NoiseScoring, context: { sensors: number; stride: number }): NoiseReport {
  const iso = (rel: number) => new Date((panel.start + rel) * HOUR_MS).toISOString();
  const plan = scoring.plan;
  const horizons: HorizonScores[] = scoring.horizons.map((h, j) => ({ horizon_hours: j + 1, n: h.n, ...h.scores() }));
  const pooled = scoring.pooled;
  const coverage_90 = Object.fromEntries(NOISE_PREDICTORS.map((p, k) => [p, finiteOrNull(pooled.coverage(k), 4)]));
  const trainUntilOf = (k: number) => plan.fits.find((f) => f.folds.includes(k))?.trainUntil ?? 0;
  const folds: FoldScores[] = scoring.folds.map((t, k) =>
    t.fold({ from: iso(plan.folds[k]?.start ?? 0), until: iso(plan.folds[k]?.end ?? 0), train_until: iso(trainUntilOf(k)) }, HORIZON_HOURS - 1),
  );
  const nights = scoring.nights.map(nightScores);
  const decisions = [levelDecision(scoring), ...nights.flatMap((n) => (n.decision ? [n.decision] : []))];
  const primary = decisions[0] ?? levelDecision(scoring);
  const notes = [
    `one network for ${context.sensors} sensors; training origins every ${context.stride} h, held-out origins every hour`,
    'hourly scores on the (origin, lead time) pairs where the observation and every predictor exist',
    `${describePlan(plan)} (scored separately in \`folds\`); a "model" verdict needs a Diebold–Mariano test at 5 % on the pooled hourly loss differences against the best baseline`,
    plan.scheme === 'weekly'
      ? 'the deployed weights are the last fold’s; the held-out days still feed the features at prediction time'
      : 'the deployed weights are the evaluated ones; the held-out days still feed the features at prediction time',
    ...decisions.map((d) => `${d.target} (${d.metric}): ${d.reason}`),
  ];
  return {
    target: 'laeq',
    unit: 'dB(A)',
    train: { from: iso(0), until: iso(plan.fits.at(-1)?.trainUntil ?? 0) },
    test: { from: iso(plan.folds[0]?.start ?? 0), until: iso(panel.hours) },
    primary_metric: 'mae',
    overall: { n: pooled.n, ...pooled.scores() },
    horizons,
    probabilities: nights.map((n) => n.probability),
    crossings: [],
    folds,
    coverage_90,
    beats_baseline: primary.beats_baseline,
    best_baseline: primary.best_baseline,
    use: primary.use,
    decisions,
    notes,
  };
}

/** per origin, sums of a loss difference against each baseline, in origin order */
class OriginSeries<B extends string> {
  private readonly sums = new Map<number, number[]>();
  constructor(private readonly baselines: readonly B[]) {}

  add(origin: number, difference: (baseline: B) => number): void {
    let s = this.sums.get(origin);
    if (!s) this.sums.set(origin, (s = this.baselines.map(() => 0)));
    const sums = s;
    this.baselines.forEach((b, k) => (sums[k] = (sums[k] ?? 0) + difference(b)));
  }

  series(): Record<B, number[]> {
    const origins = [...this.sums.keys()].sort((a, b) => a - b);
    return Object.fromEntries(this.baselines.map((b, k) => [b, origins.map((o) => this.sums.get(o)?.[k] ?? NaN)])) as Record<B, number[]>;
  }
}
