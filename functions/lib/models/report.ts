import { finiteOrNull, type ReliabilityBin } from './metrics.ts';

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
  readonly model: { brier: number | null; reliability: ReliabilityBinJson[] };
  readonly baselines: Record<string, { brier: number | null }>;
  /** Brier skill score of the model against each baseline */
  readonly bss: Record<string, number | null>;
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
}

export interface Verdict {
  readonly beats_baseline: boolean;
  readonly best_baseline: string;
  readonly use: 'model' | 'baseline';
}

/**
 * The honesty switch: the model is used only when its score (lower is better) is strictly below every
 * baseline's. A model without a score (nothing to evaluate on) does not beat anything.
 */
export function verdict(model: number | null, baselines: Record<string, number | null>): Verdict & { best_baseline_score: number } {
  const entries = Object.entries(baselines).filter((e): e is [string, number] => e[1] !== null && Number.isFinite(e[1]));
  if (!entries.length) throw new Error('verdict: no baseline has a score');
  entries.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  const [best, bestScore] = entries[0]!;
  const beats = model !== null && Number.isFinite(model) && model < bestScore;
  return { beats_baseline: beats, best_baseline: best, use: beats ? 'model' : 'baseline', best_baseline_score: bestScore };
}

export function decide(target: string, metric: Decision['metric'], model: number | null, baselines: Record<string, number | null>): Decision {
  const v = verdict(model, baselines);
  return { target, metric, beats_baseline: v.beats_baseline, best_baseline: v.best_baseline, use: v.use, model_score: model, best_baseline_score: v.best_baseline_score };
}

/** what to publish for a target: 'model', or the name of the baseline */
export function publishedPredictor(decisions: readonly Pick<Decision, 'target' | 'use' | 'best_baseline'>[], target: string): string {
  const d = decisions.find((x) => x.target === target);
  if (!d) throw new Error(`no decision for target ${target}`);
  return d.use === 'model' ? 'model' : d.best_baseline;
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
    rows.push({ ...common, is_baseline: x.predictor !== 'model', horizon_hours: null, reference: null, bin_from: null, bin_to: null, beats_baseline: null, ...x });
  const verdictOf = (target: string, metric: string, horizon: number | null) =>
    horizon === null ? (r.decisions.find((d) => d.target === target && d.metric === metric)?.beats_baseline ?? null) : null;
  const scored = (target: string, horizon: number | null, n: number, model: Scores, baselines: Record<string, Scores>) => {
    for (const [metric, value] of Object.entries(model)) {
      row({ target, predictor: 'model', horizon_hours: horizon, metric, value, n, beats_baseline: verdictOf(target, metric, horizon) });
    }
    for (const [name, s] of Object.entries(baselines)) {
      for (const [metric, value] of Object.entries(s)) row({ target, predictor: name, horizon_hours: horizon, metric, value, n });
    }
  };
  scored(r.target, null, r.overall.n, r.overall.model, r.overall.baselines);
  for (const h of r.horizons) scored(r.target, h.horizon_hours, h.n, h.model, h.baselines);
  for (const p of r.probabilities) {
    row({ target: p.target, predictor: 'model', horizon_hours: p.horizon_hours, metric: 'brier', value: p.model.brier, n: p.n, beats_baseline: verdictOf(p.target, 'brier', p.horizon_hours) });
    for (const [name, s] of Object.entries(p.baselines)) row({ target: p.target, predictor: name, horizon_hours: p.horizon_hours, metric: 'brier', value: s.brier, n: p.n });
    for (const [name, v] of Object.entries(p.bss)) row({ target: p.target, predictor: 'model', horizon_hours: p.horizon_hours, metric: 'bss', reference: name, value: v, n: p.n });
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
