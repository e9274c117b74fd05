// Forecast verification scores. Pairs where the forecast or the observation is not a finite number
// are left out; a score over no pair is NaN (serialised as null).

export type Values = ArrayLike<number>;

function pairs(forecast: Values, observed: Values): [number[], number[]] {
  if (forecast.length !== observed.length) throw new RangeError(`forecast has ${forecast.length} values, observed ${observed.length}`);
  const f: number[] = [];
  const o: number[] = [];
  for (let i = 0; i < forecast.length; i++) {
    const a = forecast[i]!;
    const b = observed[i]!;
    if (Number.isFinite(a) && Number.isFinite(b)) {
      f.push(a);
      o.push(b);
    }
  }
  return [f, o];
}

/** number of pairs the scores are computed on */
export function pairCount(forecast: Values, observed: Values): number {
  return pairs(forecast, observed)[0].length;
}

/** mean absolute error (one pass over the finite pairs, no copy: scores run over millions of pairs) */
export function mae(forecast: Values, observed: Values): number {
  const { n, sum } = pairSum(forecast, observed, (d) => Math.abs(d));
  return n ? sum / n : NaN;
}

/** root mean squared error */
export function rmse(forecast: Values, observed: Values): number {
  const { n, sum } = pairSum(forecast, observed, (d) => d ** 2);
  return n ? Math.sqrt(sum / n) : NaN;
}

/** Σ loss(f − o) over the pairs where both are finite, in order, and how many there were */
function pairSum(forecast: Values, observed: Values, loss: (difference: number) => number): { n: number; sum: number } {
  if (forecast.length !== observed.length) throw new RangeError(`forecast has ${forecast.length} values, observed ${observed.length}`);
  let n = 0;
  let sum = 0;
  for (let i = 0; i < forecast.length; i++) {
    const a = forecast[i]!;
    const b = observed[i]!;
    if (Number.isFinite(a) && Number.isFinite(b)) {
      sum += loss(a - b);
      n++;
    }
  }
  return { n, sum };
}

/** Nash–Sutcliffe efficiency: 1 − Σ(o−f)² / Σ(o−ō)²; 1 is perfect, 0 is as good as the observed mean */
export function nse(forecast: Values, observed: Values): number {
  const [f, o] = pairs(forecast, observed);
  if (!f.length) return NaN;
  const mean = o.reduce((a, b) => a + b, 0) / o.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < f.length; i++) {
    num += (o[i]! - f[i]!) ** 2;
    den += (o[i]! - mean) ** 2;
  }
  return den > 0 ? 1 - num / den : NaN;
}

/** Brier score: mean of (p − outcome)², outcome 1 when the event happened, 0 when not */
export function brier(probability: Values, outcome: Values): number {
  const [p, o] = pairs(probability, outcome);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i]! - o[i]!) ** 2;
  return p.length ? s / p.length : NaN;
}

/** Brier skill score against a reference forecast: 1 − BS / BS_ref (> 0: better than the reference) */
export function brierSkillScore(bs: number, bsReference: number): number {
  return bsReference > 0 ? 1 - bs / bsReference : bs === 0 ? 0 : NaN;
}

export interface ReliabilityBin {
  /** forecast probability interval [from, to) (the last bin includes 1) */
  readonly from: number;
  readonly to: number;
  readonly n: number;
  /** mean forecast probability in the bin (NaN when empty) */
  readonly meanForecast: number;
  /** share of the bin's cases where the event happened (NaN when empty) */
  readonly observedFrequency: number;
}

/** reliability diagram: forecasts binned by probability, with the observed frequency of each bin */
export function reliability(probability: Values, outcome: Values, bins = 10): ReliabilityBin[] {
  const [p, o] = pairs(probability, outcome);
  const n = new Array<number>(bins).fill(0);
  const sumP = new Array<number>(bins).fill(0);
  const sumO = new Array<number>(bins).fill(0);
  for (let i = 0; i < p.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p[i]! * bins)));
    n[b]!++;
    sumP[b]! += p[i]!;
    sumO[b]! += o[i]!;
  }
  return n.map((count, b) => ({
    from: b / bins,
    to: (b + 1) / bins,
    n: count,
    meanForecast: count ? sumP[b]! / count : NaN,
    observedFrequency: count ? sumO[b]! / count : NaN,
  }));
}

export interface Contingency {
  readonly hits: number;
  readonly misses: number;
  readonly falseAlarms: number;
  readonly correctNegatives: number;
  /** probability of detection: hits / (hits + misses) */
  readonly hitRate: number;
  /** false alarm ratio: false alarms / (hits + false alarms), the share of warnings that were wrong */
  readonly falseAlarmRatio: number;
  /** probability of false detection: false alarms / (false alarms + correct negatives) */
  readonly falseAlarmRate: number;
}

/** 2×2 table of forecast vs observed events (each 1/true or 0/false); non-finite pairs are left out */
export function contingency(forecastEvent: Values, observedEvent: Values): Contingency {
  const [f, o] = pairs(forecastEvent, observedEvent);
  let hits = 0;
  let misses = 0;
  let falseAlarms = 0;
  let correctNegatives = 0;
  for (let i = 0; i < f.length; i++) {
    const fe = f[i]! > 0;
    const oe = o[i]! > 0;
    if (fe && oe) hits++;
    else if (!fe && oe) misses++;
    else if (fe && !oe) falseAlarms++;
    else correctNegatives++;
  }
  const ratio = (a: number, b: number) => (b > 0 ? a / b : NaN);
  return {
    hits,
    misses,
    falseAlarms,
    correctNegatives,
    hitRate: ratio(hits, hits + misses),
    falseAlarmRatio: ratio(falseAlarms, hits + falseAlarms),
    falseAlarmRate: ratio(falseAlarms, falseAlarms + correctNegatives),
  };
}

/** standard normal cumulative distribution (Abramowitz & Stegun 7.1.26 erf, |error| < 1.5e-7) */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** a score as JSON can carry it: null for NaN/±Infinity, else rounded to `digits` decimals */
export function finiteOrNull(v: number, digits = 6): number | null {
  return Number.isFinite(v) ? Number(v.toFixed(digits)) : null;
}

export function mean(values: Values): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  return n ? s / n : NaN;
}

export function standardDeviation(values: Values): number {
  const m = mean(values);
  let s = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      s += (v - m) ** 2;
      n++;
    }
  }
  return n > 1 ? Math.sqrt(s / (n - 1)) : NaN;
}

/** empirical quantile (linear interpolation between order statistics) of the finite values */
export function quantile(values: Values, q: number): number {
  return quantiles(values, [q])[0]!;
}

/** several quantiles of the same values, sorted once */
export function quantiles(values: Values, qs: readonly number[]): number[] {
  const v = Float64Array.from(values).filter(Number.isFinite).sort();
  return qs.map((q) => {
    if (!v.length) return NaN;
    const pos = (v.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
  });
}

export interface DieboldMariano {
  /** number of loss differences */
  readonly n: number;
  /** mean loss difference, model − baseline (negative: the model's loss is lower) */
  readonly mean_difference: number | null;
  readonly statistic: number | null;
  /** two-sided p-value under the normal approximation */
  readonly p_value: number | null;
}

/**
 * Diebold–Mariano test of equal forecast accuracy on a time series of loss differences d_t (model's
 * loss − baseline's). Multi-step forecasts have errors correlated up to lag h − 1, so the variance of
 * the mean is the Newey–West (Bartlett) long-run variance with `lag` autocovariances.
 */
export function dieboldMariano(differences: Values, lag: number): DieboldMariano {
  const d = Array.from(differences).filter(Number.isFinite);
  const n = d.length;
  if (n < 10) return { n, mean_difference: n ? finiteOrNull(mean(d)) : null, statistic: null, p_value: null };
  const m = mean(d);
  const L = Math.max(0, Math.min(Math.floor(lag), n - 1));
  let variance = 0;
  for (let k = 0; k <= L; k++) {
    let c = 0;
    for (let t = k; t < n; t++) c += (d[t]! - m) * (d[t - k]! - m);
    c /= n;
    variance += k === 0 ? c : 2 * (1 - k / (L + 1)) * c;
  }
  if (!(variance > 0)) return { n, mean_difference: finiteOrNull(m), statistic: null, p_value: m === 0 ? 1 : null };
  const statistic = m / Math.sqrt(variance / n);
  return { n, mean_difference: finiteOrNull(m), statistic: finiteOrNull(statistic), p_value: finiteOrNull(2 * (1 - normalCdf(Math.abs(statistic)))) };
}

/** share of observations inside [lower, upper] (pairs with a missing value left out) */
export function intervalCoverage(lower: Values, upper: Values, observed: Values): number {
  let inside = 0;
  let n = 0;
  for (let i = 0; i < observed.length; i++) {
    const lo = lower[i]!;
    const hi = upper[i]!;
    const o = observed[i]!;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !Number.isFinite(o)) continue;
    n++;
    if (o >= lo && o <= hi) inside++;
  }
  return n ? inside / n : NaN;
}
