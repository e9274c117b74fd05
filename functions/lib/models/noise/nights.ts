import { PERIOD_CONVENTIONS, type Convention } from '../../domain/noise/conventions.ts';
import { periodOf } from '../../domain/noise/levels.ts';
import { FR_LIMITS_2006, WHO_2018, type NoiseSource } from '../../domain/noise/thresholds.ts';
import type { HourCalendar } from '../calendar.ts';
import { HORIZON_HOURS } from './features.ts';

// Nights inside the forecast horizon, and the night limits their forecast level is compared with.

export interface NightThreshold {
  /** e.g. who_lnight */
  readonly name: string;
  /** the period convention the night is defined by (the limit's own text) */
  readonly convention: Convention;
  /** the variable name of the forecast night level, e.g. lnight_eu */
  readonly variable: string;
  /** dB(A): one number, or per noise source (null: no limit for that source) */
  readonly limit: number | ((source: NoiseSource) => number | null);
  readonly description: string;
}

/**
 * Default thresholds: the WHO 2018 Lnight guideline on the EU night (23–07) and the French Ln limit
 * value (arrêté du 4 avril 2006) on the French night (22–06), each by the sensor's noise source.
 * Both texts apply to yearly averages: a single night over the value is a nuisance signal, not a breach.
 */
export const DEFAULT_NIGHT_THRESHOLDS: readonly NightThreshold[] = [
  {
    name: 'who_lnight',
    convention: 'eu',
    variable: 'lnight_eu',
    limit: (s) => WHO_2018[s].lnight,
    description: 'WHO Environmental Noise Guidelines (2018) Lnight value for the noise source (road 45 dB(A)), night 23–07',
  },
  {
    name: 'fr_ln',
    convention: 'fr',
    variable: 'ln_fr',
    limit: (s) => FR_LIMITS_2006[s].lnight,
    description: 'French Ln limit value, arrêté du 4 avril 2006 (road 62 dB(A)), night 22–06',
  },
];

export function limitFor(t: NightThreshold, source: NoiseSource): number | null {
  return typeof t.limit === 'number' ? t.limit : t.limit(source);
}

export interface Night {
  /** target offsets j (1…HORIZON_HOURS) of the night's hours */
  readonly offsets: readonly number[];
  /** 0 for the first full night of the horizon, 1 for the second */
  readonly ordinal: number;
}

/**
 * The nights of a convention lying entirely within the targets o+1 … o+48: runs of night hours that
 * start at the night's first clock hour and end at its last (7, 8 or 9 hours on clock-change nights).
 */
export function nightsInHorizon(cal: HourCalendar, origin: number, convention: Convention): Night[] {
  const c = PERIOD_CONVENTIONS[convention];
  const lastHour = (c.dayStart + 23) % 24;
  const nights: Night[] = [];
  let run: number[] = [];
  for (let j = 1; j <= HORIZON_HOURS; j++) {
    const t = origin + j;
    if (t >= cal.hours) break;
    const h = cal.localHour[t]!;
    if (periodOf(h, c) === 'night') {
      // a run that starts mid-night (before the horizon) is marked by −1 and never kept
      if (run.length === 0) run = [h === c.nightStart ? j : -1];
      else run.push(j);
      if (h === lastHour) {
        if (run[0] !== -1) nights.push({ offsets: run, ordinal: nights.length });
        run = [];
      }
    } else {
      run = [];
    }
  }
  return nights;
}

/** energy average of the hourly levels at the night's offsets; NaN when fewer than 3/4 of them are known */
export function nightLevel(hourly: Float32Array | readonly number[], offsets: readonly number[]): number {
  let e = 0;
  let n = 0;
  for (const j of offsets) {
    const v = hourly[j - 1]!;
    if (Number.isFinite(v)) {
      e += 10 ** (v / 10);
      n++;
    }
  }
  return n >= 0.75 * offsets.length && n > 0 ? 10 * Math.log10(e / n) : NaN;
}
