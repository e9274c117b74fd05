import { dieboldMariano, finiteOrNull } from './metrics.ts';
import { scores, type FoldScores, type Scores } from './report.ts';

// Running sums of the errors of a model and its baselines on the same cases — pooled, per lead time or
// per fold — so that an evaluation over millions of (origin, lead time) pairs keeps no arrays of them.
// Predictor 0 is the model, predictor k + 1 the k-th baseline.

export class ScoreTally<B extends string> {
  n = 0;
  private readonly abs: Float64Array;
  private readonly sq: Float64Array;
  private readonly inside: Float64Array;
  /** per origin, Σ (|model error| − |baseline error|) for each baseline: the series the Diebold–Mariano test reads */
  private readonly lossByOrigin = new Map<number, Float64Array>();

  constructor(
    readonly baselines: readonly B[],
    private readonly byOrigin = true,
  ) {
    const predictors = baselines.length + 1;
    this.abs = new Float64Array(predictors);
    this.sq = new Float64Array(predictors);
    this.inside = new Float64Array(predictors);
  }

  /** one scored case: each predictor's forecast, and whether the observation lies inside its 90 % interval */
  add(origin: number, observed: number, forecasts: ArrayLike<number>, inside?: ArrayLike<boolean>): void {
    this.n++;
    for (let k = 0; k < forecasts.length; k++) {
      const e = (forecasts[k] ?? NaN) - observed;
      this.abs[k] = (this.abs[k] ?? 0) + Math.abs(e);
      this.sq[k] = (this.sq[k] ?? 0) + e * e;
      if (inside?.[k]) this.inside[k] = (this.inside[k] ?? 0) + 1;
    }
    if (!this.byOrigin) return;
    let sums = this.lossByOrigin.get(origin);
    if (!sums) this.lossByOrigin.set(origin, (sums = new Float64Array(this.baselines.length)));
    const model = Math.abs((forecasts[0] ?? NaN) - observed);
    for (let b = 0; b < this.baselines.length; b++) sums[b] = (sums[b] ?? 0) + model - Math.abs((forecasts[b + 1] ?? NaN) - observed);
  }

  mae(predictor: number): number {
    return this.n ? (this.abs[predictor] ?? NaN) / this.n : NaN;
  }

  rmse(predictor: number): number {
    return this.n ? Math.sqrt((this.sq[predictor] ?? NaN) / this.n) : NaN;
  }

  coverage(predictor: number): number {
    return this.n ? (this.inside[predictor] ?? NaN) / this.n : NaN;
  }

  /** the model's and each baseline's scores under their names */
  scores(metrics: readonly ('mae' | 'rmse')[] = ['mae', 'rmse']): { model: Scores; baselines: Record<string, Scores> } {
    const of = (k: number) => scores(Object.fromEntries(metrics.map((m) => [m, m === 'mae' ? this.mae(k) : this.rmse(k)])));
    return { model: of(0), baselines: Object.fromEntries(this.baselines.map((b, k) => [b, of(k + 1)])) };
  }

  /** the baseline of lowest MAE (undefined when none has one) */
  bestBaseline(): B | undefined {
    let best: B | undefined;
    let score = Infinity;
    this.baselines.forEach((b, k) => {
      const m = this.mae(k + 1);
      if (m < score) [best, score] = [b, m];
    });
    return best;
  }

  /** per baseline, the loss differences (model − baseline) summed per origin, in origin order */
  differences(): Record<B, number[]> {
    const origins = [...this.lossByOrigin.keys()].sort((a, b) => a - b);
    return Object.fromEntries(this.baselines.map((b, k) => [b, origins.map((o) => this.lossByOrigin.get(o)?.[k] ?? NaN)])) as Record<B, number[]>;
  }

  /**
   * the scores of one fold: MAE of each predictor, the fold's best baseline, the Diebold–Mariano p-value
   * of the model against it (`lag`: forecast steps − 1) and the model's 90 % interval coverage
   */
  fold(window: { from: string; until: string; train_until?: string }, lag: number): FoldScores {
    const best = this.bestBaseline();
    const dm = best === undefined ? undefined : dieboldMariano(this.differences()[best], lag);
    return {
      ...window,
      n: this.n,
      ...this.scores(['mae']),
      best_baseline: best ?? null,
      dm_p_value: dm?.p_value ?? null,
      coverage_90: finiteOrNull(this.coverage(0), 4),
    };
  }
}
