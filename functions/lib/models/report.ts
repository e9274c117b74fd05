import { brier, brierSkillScore, dieboldMariano, finiteOrNull, mean, reliability, type ReliabilityBin } from './metrics.ts';

// The evaluation report of a model version: the model's scores next to its baselines', per horizon,
// on a held-out period after the training window. Written to models/<name>/<version>/metrics.json and,
// row by row, to the model_evaluations dataset; `observatory models evaluate` prints it.

export type Scores = Record<string, number | null>;

export interface HorizonScores {
  readonly horizon_hours: number;
  readonly n: number;
  readonly model: Scores;
  readonly baselines: Record<string, Scores>;
}

export interface ProbabilityScores {
  /** e.g. lnight_eu>who_lnight, heatwave */
  readonly target: string;
  /** null = all horizons pooled */
  readonly horizon_hours: number | null;
  readonly n: number;
  /** share of cases where the event happened */
  readonly base_rate: number | null;
  /** the event never happened in the test window: no skill can be measured, no BSS is given */
  readonly no_event: boolean;
  readonly model: { brier: number | null; reliability: ReliabilityBinJson[] };
  readonly baselines: Record<string, { brier: number | null }>;
  /** Brier skill score of the model against each baseline (empty when no event happened) */
  readonly bss: Record<string, number | null>;
}

/** the scores of one fold of the rolling-origin evaluation (all horizons pooled) */
export interface FoldScores {
  readonly from: string;
  readonly until: string;
  /** rolling origins: the fold's model was trained on data before this instant (absent: one fit for every fold, trained before the first) */
  readonly train_until?: string;
  readonly n: number;
  readonly model: Scores;
  readonly baselines: Record<string, Scores>;
  /** the fold's own best baseline (lowest MAE) */
  readonly best_baseline?: string | null;
  /** Diebold–Mariano p-value of the model against the fold's best baseline */
  readonly dm_p_value?: number | null;
  /** share of the fold's observations inside the model's 90 % interval */
  readonly coverage_90?: number | null;
}

export interface ReliabilityBinJson {
  readonly from: number;
  readonly to: number;
  readonly n: number;
  readonly mean_forecast: number | null;
  readonly observed_frequency: number | null;
}

export interface CrossingScores {
  readonly horizon_hours: number;
  readonly threshold: number;
  /** cases scored (origins below the threshold) */
  readonly n: number;
  readonly model: Scores;
  readonly baselines: Record<string, Scores>;
}

export interface Window {
  readonly from: string;
  readonly until: string;
}

export interface EvaluationReport {
  readonly model: string;
  readonly version: string;
  readonly evaluated_at: string;
  /** 'lake' or 'series:<file>' */
  readonly data: string;
  readonly backend: string;
  /** the scored quantity, e.g. laeq, or the target column of a series */
  readonly target: string;
  readonly unit: string;
  readonly train: Window;
  readonly test: Window;
  /** the metric deciding beats_baseline (lower is better) */
  readonly primary_metric: 'mae' | 'brier';
  /** all horizons pooled */
  readonly overall: { n: number; model: Scores; baselines: Record<string, Scores> };
  readonly horizons: HorizonScores[];
  readonly probabilities: ProbabilityScores[];
  readonly crossings: CrossingScores[];
  /** the held-out period cut into consecutive folds in time, each scored on its own (the pooled scores are `overall`) */
  readonly folds: FoldScores[];
  /** share of held-out observations inside the published 90 % interval, per predictor (all horizons pooled) */
  readonly coverage_90: Record<string, number | null>;
  /** the primary target's decision (the first of `decisions`) */
  readonly beats_baseline: boolean;
  readonly best_baseline: string;
  /** what the predictions publish for the primary target: the model's forecast, or the best baseline's */
  readonly use: 'model' | 'baseline';
  /** one decision per forecast target (hourly levels, each night threshold, …): each is published from the model or from its best baseline */
  readonly decisions: Decision[];
  readonly notes: string[];
}

export interface Decision extends Verdict {
  readonly target: string;
  /** the score compared (lower is better) */
  readonly metric: 'mae' | 'brier';
  readonly model_score: number | null;
  readonly best_baseline_score: number | null;
  /** two-sided p-value of the Diebold–Mariano test of the model against the best baseline (null: not run) */
  readonly dm_p_value: number | null;
  /** why the verdict is what it is */
  readonly reason: string;
}

/** a model with too little history to be scored against any baseline: it is skipped, the run goes on */
export class TooLittleHistory extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TooLittleHistory';
  }
}

/** the level of the Diebold–Mariano test a "model" verdict needs */
export const DM_LEVEL = 0.05;

export interface Evidence {
  /** per baseline, the time series of loss differences (model − baseline, one value per origin) */
  readonly differences?: Readonly<Record<string, readonly number[]>>;
  /** autocovariance lags of the test (forecast horizon in steps − 1) */
  readonly lag?: number;
  /** the event never happened in the test window (probability targets) */
  readonly noEvent?: boolean;
}

export interface Verdict {
  readonly beats_baseline: boolean;
  readonly best_baseline: string;
  readonly use: 'model' | 'baseline';
}

/**
 * The honesty switch: the model is used only when its score (lower is better) is strictly below the best
 * baseline's and, where loss differences are given, a Diebold–Mariano test rejects equal accuracy at 5 %.
 * A model without a score does not beat anything; without any scored baseline there is no verdict at all.
 */
export function verdict(model: number | null, baselines: Record<string, number | null>, evidence: Evidence = {}): Verdict & { best_baseline_score: number; dm_p_value: number | null; reason: string } {
  const entries = Object.entries(baselines).filter((e): e is [string, number] => e[1] !== null && Number.isFinite(e[1]));
  if (!entries.length) throw new TooLittleHistory('no baseline could be scored on the held-out period (too little history)');
  entries.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  const [best, bestScore] = entries[0] ?? ['', NaN];
  const differences = evidence.differences?.[best];
  const dm = differences ? dieboldMariano(differences, evidence.lag ?? 0) : undefined;
  const lower = model !== null && Number.isFinite(model) && model < bestScore;
  const significant = dm === undefined || (dm.p_value !== null && dm.p_value < DM_LEVEL);
  const beats = !evidence.noEvent && lower && significant;
  const reason = verdictReason({ model, best, bestScore, lower, significant, noEvent: evidence.noEvent, dmP: dm?.p_value ?? null, tested: dm !== undefined });
  return { beats_baseline: beats, best_baseline: best, use: beats ? 'model' : 'baseline', best_baseline_score: bestScore, dm_p_value: dm?.p_value ?? null, reason };
}

const round3 = (v: number) => Number(v.toFixed(3));

/** why the verdict is what it is, in the order the rule checks it */
function verdictReason(v: { model: number | null; best: string; bestScore: number; lower: boolean; significant: boolean; noEvent?: boolean; dmP: number | null; tested: boolean }): string {
  const { model, best, bestScore } = v;
  if (v.noEvent) return `no event in the test window: skill cannot be measured; ${best} is published`;
  if (model === null || !Number.isFinite(model)) return `the model has no score; ${best} is published`;
  if (!v.lower) return `the model (${round3(model)}) does not do better than ${best} (${round3(bestScore)}); ${best} is published`;
  if (!v.significant) {
    return `the model (${round3(model)}) is below ${best} (${round3(bestScore)}) but not significantly (Diebold–Mariano p = ${v.dmP ?? 'n/a'} ≥ ${DM_LEVEL}); ${best} is published`;
  }
  return `the model (${round3(model)}) beats ${best} (${round3(bestScore)})${v.tested ? ` (Diebold–Mariano p = ${v.dmP})` : ''}`;
}

export function decide(target: string, metric: Decision['metric'], model: number | null, baselines: Record<string, number | null>, evidence: Evidence = {}): Decision {
  let v;
  try {
    v = verdict(model, baselines, evidence);
  } catch (e) {
    if (e instanceof TooLittleHistory) throw new TooLittleHistory(`${target}: ${e.message}`);
    throw e;
  }
  return { target, metric, beats_baseline: v.beats_baseline, best_baseline: v.best_baseline, use: v.use, model_score: model, best_baseline_score: v.best_baseline_score, dm_p_value: v.dm_p_value, reason: v.reason };
}

/** what to publish for a target: 'model', or the name of the baseline */
export function publishedPredictor(decisions: readonly Pick<Decision, 'target' | 'use' | 'best_baseline'>[], target: string): string {
  const d = decisions.find((x) => x.target === target);
  if (!d) throw new Error(`no decision for target ${target}`);
  return d.use === 'model' ? 'model' : d.best_baseline;
}

/**
 * The `observatory models evaluate` summary: per horizon the model's scores, every baseline's under its
 * name, the best baseline and the verdict ('model' or the baseline's name); horizons in days for daily
 * series, in hours for sub-daily ones.
 */
export function evaluationSummary(
  report: Pick<EvaluationReport, 'target' | 'unit' | 'horizons' | 'probabilities' | 'decisions' | 'primary_metric' | 'folds' | 'coverage_90' | 'test' | 'train'>,
  extra: { stepHours: number; origins?: { used: number; dropped: number }; transform?: string },
): Record<string, unknown> {
  const metric = report.primary_metric;
  const primary = report.decisions[0];
  const daily = extra.stepHours >= 24;
  return {
    target: report.target,
    unit: report.unit,
    ...(extra.transform ? { transform: extra.transform } : {}),
    train: report.train,
    test: report.test,
    ...(extra.origins ? { origins_used: extra.origins.used, origins_dropped: extra.origins.dropped } : {}),
    metric,
    horizons: horizonRows(report).map((h) => {
      const entries = Object.entries(h.baselines).flatMap(([b, s]) => (typeof s[metric] === 'number' ? [[b, s[metric]] as const] : []));
      const best = entries.sort((a, b) => a[1] - b[1])[0];
      const model = h.model[metric];
      return {
        ...(daily ? { horizon_days: h.horizon_hours / 24 } : { horizon_hours: h.horizon_hours }),
        n: h.n,
        model: h.model,
        baselines: h.baselines,
        best_baseline: best?.[0] ?? null,
        verdict: best && model !== null && model !== undefined && model < best[1] ? 'model' : (best?.[0] ?? null),
      };
    }),
    decision: primary ? { verdict: primary.use === 'model' ? 'model' : primary.best_baseline, best_baseline: primary.best_baseline, dm_p_value: primary.dm_p_value, reason: primary.reason } : null,
    coverage_90: report.coverage_90,
    folds: report.folds,
  };
}

/** per-horizon scores: the value scores, or (probability models) the Brier scores per horizon */
function horizonRows(report: Pick<EvaluationReport, 'horizons' | 'probabilities'>): HorizonScores[] {
  if (report.horizons.length) return report.horizons;
  return report.probabilities
    .flatMap((p) => (p.horizon_hours === null ? [] : [{ ...p, horizon_hours: p.horizon_hours }]))
    .map((p) => ({ horizon_hours: p.horizon_hours, n: p.n, model: { brier: p.model.brier }, baselines: Object.fromEntries(Object.entries(p.baselines).map(([b, v]) => [b, { brier: v.brier }])) }));
}

export function reliabilityJson(bins: readonly ReliabilityBin[]): ReliabilityBinJson[] {
  return bins.map((b) => ({
    from: b.from,
    to: b.to,
    n: b.n,
    mean_forecast: finiteOrNull(b.meanForecast),
    observed_frequency: finiteOrNull(b.observedFrequency),
  }));
}

export function scores(values: Record<string, number>): Scores {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, finiteOrNull(v)]));
}

/** one row per score, as the model_evaluations dataset holds them */
export interface EvaluationRow {
  model: string;
  version: string;
  evaluated_at: Date;
  data: string;
  train_from: Date;
  train_until: Date;
  test_from: Date;
  test_until: Date;
  target: string;
  predictor: string;
  is_baseline: boolean;
  horizon_hours: number | null;
  metric: string;
  reference: string | null;
  bin_from: number | null;
  bin_to: number | null;
  value: number | null;
  n: number;
  beats_baseline: boolean | null;
  backend: string;
}

export function evaluationRows(r: EvaluationReport): EvaluationRow[] {
  const common = {
    model: r.model,
    version: r.version,
    evaluated_at: new Date(r.evaluated_at),
    data: r.data,
    train_from: new Date(r.train.from),
    train_until: new Date(r.train.until),
    test_from: new Date(r.test.from),
    test_until: new Date(r.test.until),
    backend: r.backend,
  };
  const rows: EvaluationRow[] = [];
  const row = (x: Partial<EvaluationRow> & Pick<EvaluationRow, 'target' | 'predictor' | 'metric' | 'value' | 'n'>) =>
    rows.push({ ...common, is_baseline: x.predictor !== 'model' && x.predictor !== 'observed', horizon_hours: null, reference: null, bin_from: null, bin_to: null, beats_baseline: null, ...x });
  // the primary decision may name the forecast variable (river: level, flow) while the rows name the scored column
  const decisionOf = (target: string, metric: string) =>
    r.decisions.find((d) => d.target === target && d.metric === metric) ?? (target === r.target && r.decisions[0]?.metric === metric ? r.decisions[0] : undefined);
  const verdictOf = (target: string, metric: string, horizon: number | null) => (horizon === null ? (decisionOf(target, metric)?.beats_baseline ?? null) : null);
  const scored = (target: string, horizon: number | null, n: number, model: Scores, baselines: Record<string, Scores>) => {
    for (const [metric, value] of Object.entries(model)) {
      row({ target, predictor: 'model', horizon_hours: horizon, metric, value, n, beats_baseline: verdictOf(target, metric, horizon) });
    }
    for (const [name, s] of Object.entries(baselines)) {
      for (const [metric, value] of Object.entries(s)) row({ target, predictor: name, horizon_hours: horizon, metric, value, n });
    }
  };
  scored(r.target, null, r.overall.n, r.overall.model, r.overall.baselines);
  for (const [predictor, value] of Object.entries(r.coverage_90 ?? {})) row({ target: r.target, predictor, metric: 'coverage_90', value, n: r.overall.n });
  for (const d of r.decisions) {
    if (d.dm_p_value === null || d.dm_p_value === undefined) continue;
    const target = r.decisions[0] === d && !r.probabilities.some((p) => p.target === d.target) ? r.target : d.target;
    row({ target, predictor: 'model', metric: 'dm_p_value', reference: d.best_baseline, value: d.dm_p_value, n: r.overall.n });
  }
  for (const h of r.horizons) scored(r.target, h.horizon_hours, h.n, h.model, h.baselines);
  for (const p of r.probabilities) {
    row({ target: p.target, predictor: 'model', horizon_hours: p.horizon_hours, metric: 'brier', value: p.model.brier, n: p.n, beats_baseline: verdictOf(p.target, 'brier', p.horizon_hours) });
    for (const [name, s] of Object.entries(p.baselines)) row({ target: p.target, predictor: name, horizon_hours: p.horizon_hours, metric: 'brier', value: s.brier, n: p.n });
    row({ target: p.target, predictor: 'observed', horizon_hours: p.horizon_hours, metric: 'base_rate', value: p.base_rate, n: p.n });
    // no event in the test window: a skill score would only measure how close to 0 each forecast stayed
    if (!p.no_event) for (const [name, v] of Object.entries(p.bss)) row({ target: p.target, predictor: 'model', horizon_hours: p.horizon_hours, metric: 'bss', reference: name, value: v, n: p.n });
    for (const b of p.model.reliability) {
      row({ target: p.target, predictor: 'model', horizon_hours: p.horizon_hours, metric: 'reliability', bin_from: b.from, bin_to: b.to, value: b.observed_frequency, n: b.n });
    }
  }
  for (const c of r.crossings) {
    const target = `${r.target}>=${c.threshold}`;
    for (const [metric, value] of Object.entries(c.model)) row({ target, predictor: 'model', horizon_hours: c.horizon_hours, metric, value, n: c.n });
    for (const [name, s] of Object.entries(c.baselines)) {
      for (const [metric, value] of Object.entries(s)) row({ target, predictor: name, horizon_hours: c.horizon_hours, metric, value, n: c.n });
    }
  }
  return rows;
}

/** a probability target's Brier scores (model and each baseline), base rate, reliability and skill (none when no event happened) */
export function probabilityScores(target: string, horizon: number | null, model: readonly number[], baselines: Readonly<Record<string, readonly number[]>>, outcome: readonly number[]): ProbabilityScores {
  const bm = brier(model, outcome);
  const bb = Object.fromEntries(Object.entries(baselines).map(([k, v]) => [k, brier(v, outcome)]));
  const noEvent = !outcome.includes(1);
  return {
    target,
    horizon_hours: horizon,
    n: outcome.length,
    base_rate: finiteOrNull(mean(outcome)),
    no_event: noEvent,
    model: { brier: finiteOrNull(bm), reliability: reliabilityJson(reliability(model, outcome)) },
    baselines: Object.fromEntries(Object.entries(bb).map(([k, v]) => [k, { brier: finiteOrNull(v) }])),
    bss: noEvent ? {} : Object.fromEntries(Object.entries(bb).map(([k, v]) => [k, finiteOrNull(brierSkillScore(bm, v))])),
  };
}
