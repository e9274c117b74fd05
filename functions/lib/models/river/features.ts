import { matrix, type Matrix } from '../nn.ts';
import { instantOf, type RegularSeries } from './series.ts';

// The river model's inputs, from values up to the origin only: the target's changes over several lags,
// its level, each upstream station's changes and offset to the target, basin rain before the origin's
// day, and the season; and its targets, the changes x(t + h) − x(t) in the transformed scale.

export interface RiverSetup {
  /** target column */
  readonly target: string;
  /** upstream columns the model may use */
  readonly upstream: readonly string[];
  /**
   * columns of daily rain (mm, RR: 06 UTC on the day to 06 UTC the next) at basin stations upstream of the
   * target; their mean enters as basin rain over the last 1, 3, 7 and 30 days (daily series only)
   */
  readonly rain?: readonly string[];
  /** 'log' for discharges, 'identity' for stages */
  readonly transform: 'log' | 'identity';
  /** e.g. flow or level: names the forecast variable */
  readonly variable: string;
  readonly unit: string;
  readonly horizonsHours?: readonly number[];
  /** a level of the target whose crossings are scored (and whose exceedance probability is published) */
  readonly threshold?: number;
  /** where the threshold comes from, for the report */
  readonly thresholdSource?: string;
}

/** steps the trend baseline measures the recent change over: a day, or one step when steps are longer */
export const trendSteps = (stepHours: number): number => Math.max(1, Math.round(24 / stepHours));

/** the trend baseline's change at horizon h (steps) from origin t, in the transformed space */
export function trendChange(tgt: Float64Array, t: number, h: number, steps: number): number {
  return t - steps >= 0 ? (h * ((tgt[t] ?? NaN) - (tgt[t - steps] ?? NaN))) / steps : NaN;
}

/** lags of the target and of upstream stations, in steps of the series */
export function lagSteps(stepHours: number): { target: number[]; upstream: number[] } {
  if (stepHours >= 24) return { target: [1, 2, 3, 4, 5, 6, 7], upstream: [1, 2, 3, 4, 5] };
  const hours = { target: [1, 3, 6, 12, 24, 48, 72, 120], upstream: [1, 3, 6, 12, 24, 48] };
  const toSteps = (h: number[]) => [...new Set(h.map((x) => Math.max(1, Math.round(x / stepHours))))];
  return { target: toSteps(hours.target), upstream: toSteps(hours.upstream) };
}

/**
 * Days of basin rain summed at an origin, ending the day before the origin's: RR of day d is measured up
 * to 06 UTC on d + 1, after a daily origin's end (the end of d), so day d's rain is not known yet.
 */
export const BASIN_RAIN_DAYS = [1, 3, 7, 30] as const;

export function riverFeatureNames(setup: Pick<RiverSetup, 'upstream' | 'rain'>, stepHours: number): string[] {
  const lags = lagSteps(stepHours);
  return [
    ...lags.target.map((l) => `target_change_${l * stepHours}h`),
    'target_level',
    ...setup.upstream.flatMap((u) => [...lags.upstream.map((l) => `${u}_change_${l * stepHours}h`), `${u}_minus_target`]),
    ...(setup.rain?.length ? BASIN_RAIN_DAYS.map((n) => `basin_rain_${n}d`) : []),
    'day_of_year_sin',
    'day_of_year_cos',
  ];
}

/** the transformed columns (log or identity), NaN where missing or not positive under log */
export function transformed(series: RegularSeries, setup: Pick<RiverSetup, 'target' | 'upstream' | 'transform' | 'rain'>, offsets: Record<string, number>): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const c of [setup.target, ...setup.upstream]) {
    const v = series.columns[c];
    if (!v) throw new Error(`series has no column "${c}"; columns: ${Object.keys(series.columns).join(', ')}`);
    out[c] = setup.transform === 'log' ? v.map((x) => (x + (offsets[c] ?? NaN) > 0 ? Math.log(x + (offsets[c] ?? NaN)) : NaN)) : v.slice();
  }
  if (setup.rain?.length) out[BASIN_RAIN] = basinRain(series, setup.rain);
  return out;
}

/** the key of the basin's mean daily rain among the transformed columns (not a column name a series can have: it holds a tab) */
export const BASIN_RAIN = '\tbasin_rain';

/** per day, the mean rain of the basin stations reporting that day (NaN when none does) */
export function basinRain(series: RegularSeries, rain: readonly string[]): Float64Array {
  if (series.stepHours !== 24) throw new Error(`basin rain is daily: it needs a daily series, not one of ${series.stepHours} h steps`);
  const columns = rain.map((c) => {
    const v = series.columns[c];
    if (!v) throw new Error(`series has no rain column "${c}"; columns: ${Object.keys(series.columns).join(', ')}`);
    return v;
  });
  const out = new Float64Array(series.length).fill(NaN);
  for (let t = 0; t < series.length; t++) {
    let sum = 0;
    let n = 0;
    for (const v of columns) {
      if (!Number.isFinite((v[t] ?? NaN))) continue;
      sum += (v[t] ?? NaN);
      n++;
    }
    if (n) out[t] = sum / n;
  }
  return out;
}

/**
 * Basin rain summed over the `days` days before origin t. The day before must be known; a longer window
 * may miss up to a fifth of its days, each counted at the window's mean of the known ones (a station
 * file late by a day must not stop the forecast).
 */
function rainBefore(r: Float64Array, t: number, days: number): number {
  if (t - days < 0 || !Number.isFinite((r[t - 1] ?? NaN))) return NaN;
  let sum = 0;
  let n = 0;
  for (let d = t - days; d < t; d++) {
    if (!Number.isFinite((r[d] ?? NaN))) continue;
    sum += (r[d] ?? NaN);
    n++;
  }
  return n >= days * 0.8 ? (sum * days) / n : NaN;
}

export function inverse(x: number, setup: Pick<RiverSetup, 'transform'>, offset: number): number {
  return setup.transform === 'log' ? Math.exp(x) - offset : x;
}

export function forward(v: number, setup: Pick<RiverSetup, 'transform'>, offset: number): number {
  return setup.transform === 'log' ? Math.log(v + offset) : v;
}

export interface Examples {
  readonly origins: number[];
  readonly x: Matrix;
  /** transformed target at each origin */
  readonly base: Float64Array;
}

/** features at the given origins; origins lacking an input are dropped */
export function examples(series: RegularSeries, setup: Pick<RiverSetup, 'target' | 'upstream' | 'rain'>, x: Record<string, Float64Array>, origins: Iterable<number>): Examples {
  const lags = lagSteps(series.stepHours);
  const names = riverFeatureNames(setup, series.stepHours);
  const rows: number[] = [];
  const data: number[] = [];
  const base: number[] = [];
  const tgt = columnOf(x, setup.target);
  for (const t of origins) {
    const row: number[] = [];
    const xt = (tgt[t] ?? NaN);
    if (!Number.isFinite(xt)) continue;
    let ok = true;
    for (const l of lags.target) row.push(xt - (t - l >= 0 ? (tgt[t - l] ?? NaN) : NaN));
    row.push(xt);
    for (const u of setup.upstream) {
      const xu = columnOf(x, u);
      for (const l of lags.upstream) row.push((xu[t] ?? NaN) - (t - l >= 0 ? (xu[t - l] ?? NaN) : NaN));
      row.push((xu[t] ?? NaN) - xt);
    }
    if (setup.rain?.length) for (const n of BASIN_RAIN_DAYS) row.push(rainBefore(columnOf(x, BASIN_RAIN), t, n));
    const doy = dayOfYear(instantOf(series, t));
    row.push(Math.sin((2 * Math.PI * doy) / 365.25), Math.cos((2 * Math.PI * doy) / 365.25));
    for (const v of row) if (!Number.isFinite(v)) ok = false;
    if (!ok) continue;
    rows.push(t);
    data.push(...row);
    base.push(xt);
  }
  return { origins: rows, x: { rows: rows.length, cols: names.length, data: Float32Array.from(data) }, base: Float64Array.from(base) };
}

/** the feature row at origin t (transformed with the given offsets), undefined when an input is missing */
export function riverFeatureRow(series: RegularSeries, setup: Pick<RiverSetup, 'target' | 'upstream' | 'transform' | 'rain'>, offsets: Record<string, number>, t: number): number[] | undefined {
  const ex = examples(series, setup, transformed(series, setup, offsets), [t]);
  return ex.x.rows ? Array.from(ex.x.data) : undefined;
}

function dayOfYear(d: Date): number {
  return (d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000;
}

/** changes x(t+h) − x(t) per horizon, and 0/1 weights (targets at or after `until` are hidden) */
export function changes(ex: Examples, tgt: Float64Array, hSteps: readonly number[], until: number): { y: Matrix; w: Matrix } {
  const y = matrix(ex.x.rows, hSteps.length);
  const w = matrix(ex.x.rows, hSteps.length);
  ex.origins.forEach((t, r) => {
    hSteps.forEach((h, k) => {
      const v = t + h < until ? (tgt[t + h] ?? NaN) - (ex.base[r] ?? NaN) : NaN;
      y.data[r * hSteps.length + k] = Number.isFinite(v) ? v : 0;
      w.data[r * hSteps.length + k] = Number.isFinite(v) ? 1 : 0;
    });
  });
  return { y, w };
}

/** a transformed column, by name (an error naming the columns there are when it is missing) */
export function columnOf(x: Readonly<Record<string, Float64Array>>, name: string): Float64Array {
  const c = x[name];
  if (!c) throw new Error(`no column "${name}" among ${Object.keys(x).join(', ')}`);
  return c;
}
