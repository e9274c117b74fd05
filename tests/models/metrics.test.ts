import { describe, expect, it } from 'vitest';
import { brier, brierSkillScore, contingency, dieboldMariano, finiteOrNull, intervalCoverage, mae, normalCdf, nse, pairCount, quantile, quantiles, reliability, rmse } from '../../functions/lib/models/metrics.ts';
import { decide, evaluationRows, publishedPredictor, TooLittleHistory, verdict, type EvaluationReport } from '../../functions/lib/models/report.ts';

describe('metrics', () => {
  const f = [1, 2, 3, NaN];
  const o = [2, 2, 5, 4];

  it('mae() averages absolute errors, leaving out pairs with a missing value', () => {
    expect(mae(f, o)).toBeCloseTo(1, 12); // (1 + 0 + 2) / 3
    expect(pairCount(f, o)).toBe(3);
  });

  it('rmse() is the root of the mean squared error', () => {
    expect(rmse(f, o)).toBeCloseTo(Math.sqrt(5 / 3), 12);
  });

  it('nse() compares the squared error with the variance around the observed mean', () => {
    // ō = 3; Σ(o − f)² = 5; Σ(o − ō)² = 6 → 1 − 5/6
    expect(nse(f, o)).toBeCloseTo(1 / 6, 12);
    expect(nse([2, 2, 5], [2, 2, 5])).toBe(1);
    expect(nse([3, 3, 3], [2, 2, 5])).toBeCloseTo(0, 12); // the observed mean scores 0
  });

  it('brier() is the mean squared difference between probability and outcome', () => {
    expect(brier([0.9, 0.2, 0.5, 1], [1, 0, 1, 1])).toBeCloseTo((0.01 + 0.04 + 0.25 + 0) / 4, 12);
  });

  it('brierSkillScore() is 1 − BS / BS_reference', () => {
    expect(brierSkillScore(0.075, 0.15)).toBeCloseTo(0.5, 12);
    expect(brierSkillScore(0.3, 0.15)).toBeCloseTo(-1, 12);
    expect(brierSkillScore(0, 0)).toBe(0);
  });

  it('reliability() bins forecasts by probability and gives each bin its observed frequency', () => {
    const bins = reliability([0.1, 0.4, 0.6, 0.9, 1], [0, 1, 1, 1, 0], 2);
    expect(bins).toHaveLength(2);
    expect(bins[0]).toEqual({ from: 0, to: 0.5, n: 2, meanForecast: 0.25, observedFrequency: 0.5 });
    // p = 1 falls in the last bin
    expect(bins[1]?.n).toBe(3);
    expect(bins[1]?.meanForecast).toBeCloseTo((0.6 + 0.9 + 1) / 3, 12);
    expect(bins[1]?.observedFrequency).toBeCloseTo(2 / 3, 12);
    expect(Number.isNaN(reliability([0.1], [0], 2)[1]?.observedFrequency)).toBe(true);
  });

  it('contingency() counts hits, misses and false alarms and derives the rates', () => {
    const c = contingency([1, 1, 0, 0, 1], [1, 0, 1, 0, 1]);
    expect([c.hits, c.misses, c.falseAlarms, c.correctNegatives]).toEqual([2, 1, 1, 1]);
    expect(c.hitRate).toBeCloseTo(2 / 3, 12);
    expect(c.falseAlarmRatio).toBeCloseTo(1 / 3, 12);
    expect(c.falseAlarmRate).toBeCloseTo(1 / 2, 12);
    expect(Number.isNaN(contingency([0, 0], [0, 0]).hitRate)).toBe(true);
  });

  it('normalCdf() matches the standard normal table', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
  });

  it('quantile() interpolates between order statistics', () => {
    expect(quantile([4, 1, 3, 2, NaN], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.05)).toBeCloseTo(1.2, 12);
  });

  it('quantiles() gives several quantiles of one sort, as quantile() gives each', () => {
    const [q0, q50, q95] = quantiles([4, 1, 3, 2, NaN], [0, 0.5, 0.95]);
    expect(q0).toBe(1);
    expect(q50).toBe(2.5);
    expect(q95).toBeCloseTo(3.85, 12); // rank (4 − 1) × 0.95 = 2.85: 3 + 0.85 × (4 − 3)
    expect(quantiles([NaN], [0.05, 0.95]).every(Number.isNaN)).toBe(true);
  });

  it('mae() and rmse() skip the pairs where either value is not finite', () => {
    expect(mae([1, NaN, 3, 5], [2, 2, Infinity, 1])).toBe((1 + 4) / 2);
    expect(rmse([1, NaN, 3, 5], [2, 2, Infinity, 1])).toBeCloseTo(Math.sqrt((1 + 16) / 2), 12);
    expect(Number.isNaN(mae([NaN], [1]))).toBe(true);
    expect(() => mae([1, 2], [1])).toThrow(RangeError);
  });

  it('finiteOrNull() turns NaN into null for JSON', () => {
    expect(finiteOrNull(NaN)).toBeNull();
    expect(finiteOrNull(1 / 3, 3)).toBe(0.333);
  });
});

describe('the honesty switch', () => {
  it('verdict() uses the model only when it scores strictly below every baseline', () => {
    expect(verdict(1.0, { a: 1.2, b: 0.9 })).toMatchObject({ beats_baseline: false, best_baseline: 'b', use: 'baseline' });
    expect(verdict(0.8, { a: 1.2, b: 0.9 })).toMatchObject({ beats_baseline: true, best_baseline: 'b', use: 'model' });
    expect(verdict(0.9, { a: 1.2, b: 0.9 })).toMatchObject({ beats_baseline: false, use: 'baseline' });
    expect(verdict(null, { a: 1 })).toMatchObject({ beats_baseline: false, use: 'baseline' });
  });

  it('publishedPredictor() names the baseline to publish when the model lost', () => {
    const decisions = [decide('laeq', 'mae', 2, { same_hour_last_week: 1.5, hour_of_week_mean: 1.8 }), decide('lnight_eu>who_lnight', 'brier', 0.05, { same_hour_last_week: 0.1 })];
    expect(publishedPredictor(decisions, 'laeq')).toBe('same_hour_last_week');
    expect(publishedPredictor(decisions, 'lnight_eu>who_lnight')).toBe('model');
  });

  it('verdict() without any scored baseline is too little history, not a crash: the message says so', () => {
    expect(() => verdict(1, { a: null, b: NaN })).toThrow(TooLittleHistory);
    expect(() => decide('laeq', 'mae', 1, { a: null })).toThrow(/^laeq: no baseline could be scored on the held-out period \(too little history\)$/);
  });

  it('verdict() needs a significant Diebold–Mariano test when loss differences are given', () => {
    // the model's mean loss is lower by 0.01 with noise of ±1: not significant
    const noisy = Array.from({ length: 200 }, (_, i) => (i % 2 ? 1 : -1) - 0.01);
    const weak = verdict(0.99, { b: 1 }, { differences: { b: noisy }, lag: 0 });
    expect(weak).toMatchObject({ beats_baseline: false, use: 'baseline', best_baseline: 'b' });
    expect(weak.dm_p_value).toBeGreaterThan(0.05);
    expect(weak.reason).toMatch(/not significantly \(Diebold–Mariano p = 0\.\d+ ≥ 0\.05\); b is published/);
    // lower by 0.5 every time, with the same noise: significant
    const clear = verdict(0.5, { b: 1 }, { differences: { b: noisy.map((d) => d - 0.49) }, lag: 0 });
    expect(clear).toMatchObject({ beats_baseline: true, use: 'model' });
    expect(clear.dm_p_value).toBeLessThan(0.001);
    // no event in the test window: never "model"
    expect(verdict(0.001, { b: 0.01 }, { noEvent: true })).toMatchObject({ beats_baseline: false, use: 'baseline', reason: expect.stringMatching(/^no event in the test window/) as unknown });
  });
});

describe('metrics comparing forecasts: the Diebold–Mariano test, interval coverage', () => {
  it('dieboldMariano() gives the textbook statistic on a small series (lag 0: mean / (sd/√n), population variance)', () => {
    const d = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((x) => x - 3);
    const m = 2.5;
    const v = d.reduce((a, x) => a + (x - m) ** 2, 0) / d.length;
    const t = m / Math.sqrt(v / d.length);
    const r = dieboldMariano(d, 0);
    expect(r.statistic).toBeCloseTo(t, 5);
    expect(r.p_value).toBeCloseTo(2 * (1 - normalCdf(t)), 5);
    // a positive autocorrelation at lag 1 widens the variance: a smaller statistic
    expect(Math.abs(dieboldMariano([1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2], 1).statistic ?? NaN)).toBeLessThan(Math.abs(dieboldMariano([1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2], 0).statistic ?? NaN));
    expect(dieboldMariano([1, 2, 3], 0)).toMatchObject({ n: 3, statistic: null, p_value: null });
  });

  it('intervalCoverage() counts observations inside [lower, upper], bounds included, missing pairs left out', () => {
    expect(intervalCoverage([0, 0, 0, 0, NaN], [1, 1, 1, 1, 1], [0, 1, 1.5, -0.1, 0.5])).toBe(0.5);
  });
});

/** a river report whose model lost to persistence, with `over` replaced */
const report = (over: Partial<EvaluationReport>): EvaluationReport => {
  const decision = decide('level', 'mae', 5, { persistence: 4, trend: 4.5 });
  return {
    model: 'river',
    version: 'v1',
    evaluated_at: '2026-01-01T00:00:00.000Z',
    data: 'lake',
    backend: 'cpu',
    target: 'F700000103',
    unit: 'm',
    train: { from: '2025-01-01T00:00:00.000Z', until: '2025-06-01T00:00:00.000Z' },
    test: { from: '2025-06-01T00:00:00.000Z', until: '2025-07-01T00:00:00.000Z' },
    primary_metric: 'mae',
    overall: { n: 10, model: { mae: 5, nse: 0.5 }, baselines: { persistence: { mae: 4, nse: 0.6 }, trend: { mae: 4.5, nse: 0.55 } } },
    horizons: [{ horizon_hours: 24, n: 10, model: { mae: 5, nse: 0.5 }, baselines: { persistence: { mae: 4, nse: 0.6 }, trend: { mae: 4.5, nse: 0.55 } } }],
    probabilities: [],
    crossings: [],
    folds: [],
    coverage_90: { model: 0.88, persistence: 0.7 },
    beats_baseline: decision.beats_baseline,
    best_baseline: decision.best_baseline,
    use: decision.use,
    decisions: [decision],
    notes: [],
    ...over,
  };
};

describe('evaluationRows(): the report as rows of the evaluation dataset', () => {
  it('evaluationRows(): a river report (decision on "level", rows on the station code) flags its pooled primary row with the verdict', () => {
    const rows = evaluationRows(report({}));
    const pooledMae = rows.find((r) => r.predictor === 'model' && r.metric === 'mae' && r.horizon_hours === null);
    expect(pooledMae).toMatchObject({ target: 'F700000103', value: 5, beats_baseline: false, is_baseline: false, n: 10 });
    expect(rows.filter((r) => r.beats_baseline !== null)).toHaveLength(1);
    expect(rows.find((r) => r.predictor === 'trend' && r.horizon_hours === 24 && r.metric === 'nse')?.value).toBe(0.55);
    expect(rows.filter((r) => r.metric === 'coverage_90').map((r) => [r.predictor, r.value, r.is_baseline])).toEqual([
      ['model', 0.88, false],
      ['persistence', 0.7, true],
    ]);
  });

  it('evaluationRows(): no BSS is stored when the event never happened in the test window, and the base rate says so', () => {
    const probability = (target: string, noEvent: boolean): EvaluationReport['probabilities'][number] => ({
      target,
      horizon_hours: null,
      n: 50,
      base_rate: noEvent ? 0 : 0.1,
      no_event: noEvent,
      model: { brier: 0.01, reliability: [] },
      baselines: { climatology: { brier: 0.02 } },
      bss: noEvent ? {} : { climatology: 0.5 },
    });
    const rows = evaluationRows(report({ probabilities: [probability('heatwave', true), probability('lnight_eu>who_lnight', false)] }));
    expect(rows.filter((r) => r.metric === 'bss').map((r) => [r.target, r.reference, r.value])).toEqual([['lnight_eu>who_lnight', 'climatology', 0.5]]);
    expect(rows.filter((r) => r.metric === 'base_rate').map((r) => [r.target, r.predictor, r.value, r.is_baseline])).toEqual([
      ['heatwave', 'observed', 0, false],
      ['lnight_eu>who_lnight', 'observed', 0.1, false],
    ]);
  });
});
