import type { ChartSpec } from '../../../functions/lib/publish/contract.ts';
import { parseDay } from './format.ts';

// The pure part of the charts: domains from a chart's values, bands and thresholds.

/** min and max over every series, band and threshold; null when the chart holds no value */
export function yExtent(spec: Pick<ChartSpec, 'series' | 'bands' | 'thresholds'>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  let any = false;
  const see = (v: number | null | undefined) => {
    if (v === null || v === undefined || !Number.isFinite(v)) return;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  };
  const value = (v: number | null) => {
    if (v === null) return;
    any = true;
    see(v);
  };
  for (const s of spec.series) s.values.forEach(value);
  for (const b of spec.bands ?? []) [...b.lower, ...b.upper].forEach(value);
  if (!any) return null;
  for (const t of spec.thresholds ?? []) see(t.value);
  return [lo, hi];
}

/** a round step giving about `count` intervals over `span`: 1, 2, 2.5 or 5 × 10^k */
export function niceStep(span: number, count = 6): number {
  const raw = span / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw - 1e-12)!;
}

/**
 * an extent widened to round steps with room above and below; a flat extent gets some height; an
 * extent of non-negative values never goes below 0 (no negative level, index or count)
 */
export function paddedDomain([lo, hi]: readonly [number, number]): [number, number] {
  if (hi - lo < 1e-9) {
    const pad = Math.max(1, Math.abs(lo) * 0.05);
    [lo, hi] = [lo - pad, hi + pad];
  }
  const step = niceStep(hi - lo);
  let a = Math.floor((lo - step * 0.25) / step) * step;
  const b = Math.ceil((hi + step * 0.25) / step) * step;
  if (lo >= 0 && a < 0) a = 0;
  return [a, b];
}

/**
 * the indexes to join with a line, in runs: a run breaks at a missing value and where two
 * consecutive values lie more than `maxGapFactor` times the usual spacing apart (forecast targets
 * months apart must not be joined)
 */
export function lineRuns(xs: readonly number[], defined: readonly boolean[], maxGapFactor = 3): number[][] {
  const gaps = xs.slice(1).map((x, i) => x - xs[i]!).filter((g) => g > 0).sort((a, b) => a - b);
  const usual = gaps.length ? gaps[Math.floor(gaps.length / 2)]! : Infinity;
  const runs: number[][] = [];
  let run: number[] = [];
  xs.forEach((x, i) => {
    if (!defined[i]) {
      if (run.length) runs.push(run);
      run = [];
      return;
    }
    if (run.length && x - xs[run[run.length - 1]!]! > usual * maxGapFactor) {
      runs.push(run);
      run = [];
    }
    run.push(i);
  });
  if (run.length) runs.push(run);
  return runs;
}

/** the x position of each value: dates for days and instants, numbers for hours */
export function xValues(spec: Pick<ChartSpec, 'x'>): (Date | number)[] {
  const x = spec.x;
  if (x.kind === 'hour') return x.values.map(Number);
  if (x.kind === 'day') return x.values.map((v) => parseDay(String(v)));
  return x.values.map((v) => new Date(String(v)));
}

/** the index of the value nearest to `target` (a sorted x), -1 when there is none */
export function nearestIndex(values: readonly (Date | number)[], target: number): number {
  let best = -1;
  let bestGap = Infinity;
  values.forEach((v, i) => {
    const gap = Math.abs(+v - target);
    if (gap < bestGap) {
      best = i;
      bestGap = gap;
    }
  });
  return best;
}

/** label positions that do not overlap: each at least `gap` px below the one above */
export function spreadLabels(ys: readonly number[], gap: number, top = -Infinity, bottom = Infinity): number[] {
  const order = ys.map((y, i) => ({ y, i })).sort((a, b) => a.y - b.y);
  const out = new Array<number>(ys.length);
  let prev = -Infinity;
  for (const { y, i } of order) {
    const placed = Math.max(y, prev + gap, top);
    out[i] = placed;
    prev = placed;
  }
  // pushed past the bottom: shift the whole stack up
  const overflow = Math.max(...out) - bottom;
  return overflow > 0 ? out.map((y) => y - overflow) : out;
}
