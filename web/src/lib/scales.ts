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
  for (const s of spec.series) for (const v of s.values) if (v !== null) (any = true), see(v);
  for (const b of spec.bands ?? []) for (const v of [...b.lower, ...b.upper]) if (v !== null) (any = true), see(v);
  if (!any) return null;
  for (const t of spec.thresholds ?? []) see(t.value);
  return [lo, hi];
}

/** an extent widened to round steps, with room above and below; a flat extent gets some height */
export function paddedDomain([lo, hi]: [number, number], step = 5): [number, number] {
  if (hi - lo < step) {
    const mid = (lo + hi) / 2;
    lo = mid - step / 2;
    hi = mid + step / 2;
  }
  return [Math.floor((lo - step * 0.2) / step) * step, Math.ceil((hi + step * 0.2) / step) * step];
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
    if (gap < bestGap) (best = i), (bestGap = gap);
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
