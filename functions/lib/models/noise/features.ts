import { hourCalendar, type HourCalendar } from '../calendar.ts';
import { matrix, type Matrix } from '../nn.ts';

// Features of the noise model, built only from what is known at the forecast origin.
//
// The origin `o` is the last complete UTC hour with data: levels of hours ≤ o are known, the targets are
// the 48 hours o+1 … o+48. Every level feature is computed from hours ≤ o (a test perturbs the later
// hours and checks the features do not move); the calendar of the target hours (local clock hour, day
// type, public holidays) is known in advance and is used freely.
//
// The sensor's profile P(day type, local hour) is the mean hourly level over the PROFILE_WINDOW_DAYS
// before the origin (hours ≤ o), shrunk towards the sensor's mean level at that local hour when a
// (day type, hour) cell has few values. The model predicts each target's anomaly L − P, so that one
// network serves sensors whose levels differ by tens of dB.
//
// Levels are averaged in dB (arithmetic mean), not energy-averaged: the forecast is scored on hourly
// levels in dB, and the arithmetic mean is the estimate that minimises the squared error in dB.

export const HORIZON_HOURS = 48;
/** hours of recent anomalies fed to the model: lag k is the same clock hour "yesterday" for target o+24−k */
export const RECENT_HOURS = 24;
export const PROFILE_WINDOW_DAYS = 28;
const WINDOW = PROFILE_WINDOW_DAYS * 24;
/** pseudo-count of the shrinkage of a (day type, hour) cell towards the sensor's mean at that hour */
const SHRINK = 1;
const WEEK = 168;

export const NOISE_FEATURES: readonly string[] = [
  ...Array.from({ length: RECENT_HOURS }, (_, k) => `anomaly_lag${k}h`),
  'recent_missing_share',
  'anomaly_mean_24h',
  ...Array.from({ length: HORIZON_HOURS }, (_, j) => `profile_minus_mean_h${j + 1}`),
  ...Array.from({ length: HORIZON_HOURS }, (_, j) => `same_hour_last_week_anomaly_h${j + 1}`),
  'last_week_missing_share',
  'origin_hour_of_week_sin',
  'origin_hour_of_week_cos',
  ...[0, 1, 2].flatMap((d) => [`day${d}_saturday`, `day${d}_sunday_or_holiday`, `day${d}_public_holiday`]),
  'sensor_mean_level',
  'history_days',
];

/**
 * Baselines, each scored on the same (sensor, origin, lead time) cases as the network:
 * - same_hour_last_week: the level 168 h before the target;
 * - hour_of_week_mean: the mean level at the target's hour of the week over the profile window;
 * - day_type_hour_profile: the sensor's (day type × clock hour) profile P, the network's own reference;
 * - profile_decaying_anomaly: P + b_j × the anomaly of the origin hour, b_j (one per lead time) fitted by
 *   least squares on the training examples, so that a loud or quiet spell fades as it does on average.
 */
export const NOISE_BASELINES = ['same_hour_last_week', 'hour_of_week_mean', 'day_type_hour_profile', 'profile_decaying_anomaly'] as const;
export type NoiseBaseline = (typeof NOISE_BASELINES)[number];
/** the baselines read straight from the history (the decaying anomaly needs fitted coefficients) */
type HistoryBaseline = Exclude<NoiseBaseline, 'profile_decaying_anomaly' | 'day_type_hour_profile'>;

/** hourly levels of every sensor on one hourly grid */
export interface NoisePanel {
  /** UTC hour index of the first hour */
  readonly start: number;
  /** hours of data; the calendar covers HORIZON_HOURS more */
  readonly hours: number;
  readonly sensors: readonly string[];
  /** per sensor, one level per hour (NaN = no level) */
  readonly levels: readonly Float32Array[];
  readonly calendar: HourCalendar;
}

export interface HourlyLevel {
  readonly sensor_id: string;
  /** UTC hour index (ms / 3 600 000) */
  readonly hour: number;
  readonly leq: number;
}

export function noisePanel(rows: readonly HourlyLevel[], range?: { start: number; end: number }): NoisePanel {
  let start = range?.start ?? Infinity;
  let end = range?.end ?? -Infinity;
  if (!range) {
    for (const r of rows) {
      if (r.hour < start) start = r.hour;
      if (r.hour + 1 > end) end = r.hour + 1;
    }
  }
  if (!(end > start)) throw new RangeError('noisePanel: no hourly level');
  const hours = end - start;
  const index = new Map<string, number>();
  const sensors: string[] = [];
  const levels: Float32Array[] = [];
  for (const r of [...rows].sort((a, b) => (a.sensor_id < b.sensor_id ? -1 : a.sensor_id > b.sensor_id ? 1 : 0))) {
    if (r.hour < start || r.hour >= end || !Number.isFinite(r.leq)) continue;
    let s = index.get(r.sensor_id);
    if (s === undefined) {
      s = sensors.length;
      index.set(r.sensor_id, s);
      sensors.push(r.sensor_id);
      levels.push(new Float32Array(hours).fill(NaN));
    }
    const row = levels[s];
    if (row) row[r.hour - start] = r.leq;
  }
  return { start, hours, sensors, levels, calendar: hourCalendar(start, hours + HORIZON_HOURS) };
}

/** the sensor's hourly statistics over a sliding window of past hours */
class History {
  private readonly cellSum = new Float64Array(3 * 24);
  private readonly cellCount = new Uint32Array(3 * 24);
  private readonly hourSum = new Float64Array(24);
  private readonly hourCount = new Uint32Array(24);
  private readonly howSum = new Float64Array(WEEK);
  private readonly howCount = new Uint32Array(WEEK);
  private sum = 0;
  count = 0;

  constructor(
    private readonly levels: Float32Array,
    private readonly calendar: HourCalendar,
  ) {}

  update(i: number, sign: 1 | -1): void {
    const v = this.levels[i] ?? NaN;
    if (!Number.isFinite(v)) return;
    const h = this.calendar.localHour[i] ?? 0;
    const cell = (this.calendar.dayType[i] ?? 0) * 24 + h;
    const how = this.calendar.hourOfWeek[i] ?? 0;
    this.cellSum[cell] = (this.cellSum[cell] ?? 0) + sign * v;
    this.cellCount[cell] = (this.cellCount[cell] ?? 0) + sign;
    this.hourSum[h] = (this.hourSum[h] ?? 0) + sign * v;
    this.hourCount[h] = (this.hourCount[h] ?? 0) + sign;
    this.howSum[how] = (this.howSum[how] ?? 0) + sign * v;
    this.howCount[how] = (this.howCount[how] ?? 0) + sign;
    this.sum += sign * v;
    this.count += sign;
  }

  mean(): number {
    return this.count ? this.sum / this.count : NaN;
  }

  /**
   * profile level of calendar hour i (any hour, past or future: only its calendar is read): the mean of
   * the same (day type, clock hour) cell, shrunk towards the mean at the same clock hour. (Shrinking
   * towards the hour-of-week mean instead did worse on the demo's held-out days: one week's value is
   * noisier than the day-type cell.)
   */
  profile(i: number): number {
    const h = this.calendar.localHour[i] ?? 0;
    const cell = (this.calendar.dayType[i] ?? 0) * 24 + h;
    const hourCount = this.hourCount[h] ?? 0;
    const hourMean = hourCount ? (this.hourSum[h] ?? 0) / hourCount : this.mean();
    return ((this.cellSum[cell] ?? 0) + SHRINK * hourMean) / ((this.cellCount[cell] ?? 0) + SHRINK);
  }

  hourOfWeekMean(i: number): number {
    const how = this.calendar.hourOfWeek[i] ?? 0;
    const count = this.howCount[how] ?? 0;
    return count ? (this.howSum[how] ?? 0) / count : NaN;
  }
}

/** examples of one or more (sensor, origin) pairs: features, and what scoring and de-normalising need */
export interface NoiseExamples {
  readonly rows: number;
  /** panel sensor index and origin hour index (relative to panel.start) of each row */
  readonly sensor: Uint32Array;
  readonly origin: Uint32Array;
  readonly features: Matrix;
  /** profile level P of each target hour (dB): forecast = P + predicted anomaly */
  readonly profile: Matrix;
  /** observed level of each target hour (NaN when missing, or at/after `targetsUntil`) */
  readonly observed: Matrix;
  readonly baselines: Readonly<Record<HistoryBaseline, Matrix>>;
}

export interface ExampleOptions {
  /** origins per sensor (hour indexes relative to panel.start, ascending); the same list for all sensors */
  readonly origins: readonly number[];
  /** targets at or after this relative hour index are hidden (NaN): keeps a held-out period out of training */
  readonly targetsUntil?: number;
  /** only these sensors (panel indexes); default all */
  readonly sensors?: readonly number[];
}

/**
 * Builds the examples at the given origins. A (sensor, origin) is kept when the sensor has at least one
 * level in the 24 hours up to the origin.
 */
export function noiseExamples(panel: NoisePanel, options: ExampleOptions): NoiseExamples {
  const origins = [...options.origins].sort((a, b) => a - b);
  const sensors = options.sensors ?? panel.sensors.map((_, i) => i);
  const out = new ExampleRows(sensors.length * origins.length);
  for (const s of sensors) sensorExamples(panel, s, origins, options.targetsUntil ?? panel.hours, out);
  return out.examples();
}

const COLS = NOISE_FEATURES.length;

/** the 48 target hours of one example: the arrays the scoring reads beside the features */
interface TargetHours {
  readonly profile: Float32Array;
  readonly observed: Float32Array;
  readonly lastWeek: Float32Array;
  readonly hourOfWeekMean: Float32Array;
}

/** the examples' arrays, sized for every (sensor, origin), filled one row at a time */
class ExampleRows {
  private readonly features: Float32Array;
  private readonly profile: Float32Array;
  private readonly observed: Float32Array;
  private readonly lastWeek: Float32Array;
  private readonly hourOfWeekMean: Float32Array;
  private readonly sensor: Uint32Array;
  private readonly origin: Uint32Array;
  private rows = 0;

  constructor(capacity: number) {
    this.features = new Float32Array(capacity * COLS);
    this.profile = new Float32Array(capacity * HORIZON_HOURS);
    this.observed = new Float32Array(capacity * HORIZON_HOURS);
    this.lastWeek = new Float32Array(capacity * HORIZON_HOURS);
    this.hourOfWeekMean = new Float32Array(capacity * HORIZON_HOURS);
    this.sensor = new Uint32Array(capacity);
    this.origin = new Uint32Array(capacity);
  }

  /** the next row's feature vector and target hours (views on the arrays) */
  next(): { features: Float32Array; targets: TargetHours } {
    const n = this.rows;
    const targets = (a: Float32Array) => a.subarray(n * HORIZON_HOURS, (n + 1) * HORIZON_HOURS);
    return {
      features: this.features.subarray(n * COLS, (n + 1) * COLS),
      targets: { profile: targets(this.profile), observed: targets(this.observed), lastWeek: targets(this.lastWeek), hourOfWeekMean: targets(this.hourOfWeekMean) },
    };
  }

  /** keeps the row last filled through `next()` */
  keep(sensor: number, origin: number): void {
    this.sensor[this.rows] = sensor;
    this.origin[this.rows] = origin;
    this.rows++;
  }

  examples(): NoiseExamples {
    const n = this.rows;
    const cut = (a: Float32Array, width: number): Matrix => ({ rows: n, cols: width, data: a.slice(0, n * width) });
    return {
      rows: n,
      sensor: this.sensor.slice(0, n),
      origin: this.origin.slice(0, n),
      features: cut(this.features, COLS),
      profile: cut(this.profile, HORIZON_HOURS),
      observed: cut(this.observed, HORIZON_HOURS),
      baselines: { same_hour_last_week: cut(this.lastWeek, HORIZON_HOURS), hour_of_week_mean: cut(this.hourOfWeekMean, HORIZON_HOURS) },
    };
  }
}

/** one sensor at one origin: its levels, and its history's window ending at the origin */
interface SensorAtOrigin {
  readonly levels: Float32Array;
  readonly history: History;
  readonly calendar: HourCalendar;
  /** origin (hour index relative to panel.start) */
  readonly o: number;
}

/** one sensor's examples, its history's window sliding along the (ascending) origins */
function sensorExamples(panel: NoisePanel, s: number, origins: readonly number[], until: number, out: ExampleRows): void {
  const levels = panel.levels[s];
  if (!levels) throw new RangeError(`noiseExamples: no sensor ${s} in the panel`);
  const history = new History(levels, panel.calendar);
  let lo = 0; // window is [lo, hi]
  let hi = -1;
  for (const o of origins) {
    if (o < 0 || o >= panel.hours) continue;
    while (hi < o) history.update(++hi, 1);
    while (lo < o - WINDOW + 1) history.update(lo++, -1);
    const recentCount = knownRecentHours(levels, o);
    if (recentCount === 0 || history.count === 0) continue;
    const x: SensorAtOrigin = { levels, history, calendar: panel.calendar, o };
    const { features, targets } = out.next();
    let c = recentAnomalyFeatures(features, x, recentCount);
    c = targetHourFeatures(features, c, x, targets, Math.min(until, panel.hours));
    c = lastWeekFeatures(features, c, targets);
    c = calendarFeatures(features, c, x.calendar, o);
    features[c++] = history.mean();
    features[c] = history.count / 24;
    out.keep(s, o);
  }
}

/** levels known in the RECENT_HOURS up to the origin */
function knownRecentHours(levels: Float32Array, o: number): number {
  let count = 0;
  for (let k = 0; k < RECENT_HOURS; k++) if (o - k >= 0 && Number.isFinite(levels[o - k] ?? NaN)) count++;
  return count;
}

/** the anomalies of the RECENT_HOURS up to the origin (0 where missing), the missing share and the mean anomaly; returns the next column */
function recentAnomalyFeatures(f: Float32Array, x: SensorAtOrigin, recentCount: number): number {
  let c = 0;
  let anomalySum = 0;
  for (let k = 0; k < RECENT_HOURS; k++) {
    const i = x.o - k;
    const v = i >= 0 ? (x.levels[i] ?? NaN) : NaN;
    const a = Number.isFinite(v) ? v - x.history.profile(i) : NaN;
    if (Number.isFinite(a)) anomalySum += a;
    f[c++] = Number.isFinite(a) ? a : 0;
  }
  f[c++] = 1 - recentCount / RECENT_HOURS;
  f[c++] = anomalySum / recentCount;
  return c;
}

/**
 * per target hour o+1 … o+48: its profile, its observed level (hidden from `observedUntil` on), the
 * baselines' levels, and the feature profile − sensor mean; returns the next column
 */
function targetHourFeatures(f: Float32Array, c: number, x: SensorAtOrigin, targets: TargetHours, observedUntil: number): number {
  const m = x.history.mean();
  for (let j = 1; j <= HORIZON_HOURS; j++) {
    const t = x.o + j;
    const p = x.history.profile(t);
    targets.profile[j - 1] = p;
    targets.observed[j - 1] = t < observedUntil ? (x.levels[t] ?? NaN) : NaN;
    targets.hourOfWeekMean[j - 1] = x.history.hourOfWeekMean(t);
    const w = t - WEEK; // ≤ o − 120: known at the origin
    targets.lastWeek[j - 1] = w >= 0 ? (x.levels[w] ?? NaN) : NaN;
    f[c++] = p - m;
  }
  return c;
}

/** the anomalies of the same hours a week before the targets (0 where missing) and the missing share; returns the next column */
function lastWeekFeatures(f: Float32Array, c: number, targets: TargetHours): number {
  let missing = 0;
  for (let j = 0; j < HORIZON_HOURS; j++) {
    const v = targets.lastWeek[j] ?? NaN;
    if (!Number.isFinite(v)) missing++;
    f[c++] = Number.isFinite(v) ? v - (targets.profile[j] ?? NaN) : 0;
  }
  f[c++] = missing / HORIZON_HOURS;
  return c;
}

/** the origin's hour of the week, and the day types of the three local dates the targets fall on; returns the next column */
function calendarFeatures(f: Float32Array, c: number, cal: HourCalendar, o: number): number {
  const angle = (2 * Math.PI * (cal.hourOfWeek[o] ?? 0)) / WEEK;
  f[c++] = Math.sin(angle);
  f[c++] = Math.cos(angle);
  // the three local dates the targets fall on: the date of o+1 and the next two
  const firstDay = cal.dayIndex[o + 1] ?? 0;
  for (let d = 0; d < 3; d++) {
    const t = firstHourOfDay(cal, firstDay + d, o + 1);
    f[c++] = t === undefined ? 0 : cal.dayType[t] === 1 ? 1 : 0;
    f[c++] = t === undefined ? 0 : cal.dayType[t] === 2 ? 1 : 0;
    f[c++] = t === undefined ? 0 : (cal.holiday[t] ?? 0);
  }
  return c;
}

function firstHourOfDay(cal: HourCalendar, day: number, from: number): number | undefined {
  for (let t = from; t < cal.hours && t < from + 72; t++) if (cal.dayIndex[t] === day) return t;
  return undefined;
}

/** the anomaly targets (observed − profile) and their weights (0 where no observation) */
export function anomalyTargets(x: NoiseExamples): { y: Matrix; weights: Matrix } {
  const y = matrix(x.rows, HORIZON_HOURS);
  const weights = matrix(x.rows, HORIZON_HOURS);
  for (let i = 0; i < y.data.length; i++) {
    const v = (x.observed.data[i] ?? NaN) - (x.profile.data[i] ?? NaN);
    const ok = Number.isFinite(v);
    y.data[i] = ok ? v : 0;
    weights.data[i] = ok ? 1 : 0;
  }
  return { y, weights };
}

export { matrix };
