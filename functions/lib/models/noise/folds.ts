import type { NoisePanel } from './features.ts';

// The noise model's evaluation folds, consecutive in time at the end of the data.
//
// Weekly, rolling origin, when the history allows it: after a minimum training span of two weeks, the
// last 3 to 4 whole weeks are folds; each fold's network is trained on everything before the fold's
// first hour (targets included) and scores the fold's week. The deployed weights are the last fold's.
//
// Daily, on a young lake (less than 2 + 3 weeks): one network trained before the held-out days (a
// quarter of the days, 3 to 7) scores them, one fold per local day.

/** days of history before the first held-out day: a week for same_hour_last_week, and a day to train on */
export const NOISE_HISTORY_DAYS = 8;
/** the weekly scheme: the days of history before the first fold, and how many weekly folds */
export const NOISE_WEEKLY = { trainDays: 14, minFolds: 3, maxFolds: 4 } as const;

/** held-out local days of the daily scheme: a quarter of the data, at least 3 (one fold each), at most a week */
export function noiseTestDays(days: number): number {
  return Math.max(3, Math.min(7, Math.floor(days / 4)));
}

export interface NoiseFoldPlan {
  readonly scheme: 'weekly' | 'daily';
  /** consecutive held-out periods [start, end), relative hour indexes starting at local midnight */
  readonly folds: readonly { readonly start: number; readonly end: number }[];
  /** each network: trained on the targets before `trainUntil`, it scores the folds listed (indexes into `folds`) */
  readonly fits: readonly { readonly trainUntil: number; readonly folds: readonly number[] }[];
}

export interface FoldOptions {
  /** force the daily scheme with this many held-out days */
  readonly testDays?: number;
}

/** the folds the history allows, or why there are none */
export function noiseFoldPlan(panel: NoisePanel, options: FoldOptions = {}): NoiseFoldPlan | { skipped: string } {
  const days = localDays(panel);
  const weeks = Math.min(NOISE_WEEKLY.maxFolds, Math.floor((days - NOISE_WEEKLY.trainDays) / 7));
  if (options.testDays === undefined && weeks >= NOISE_WEEKLY.minFolds) {
    const starts = Array.from({ length: weeks }, (_, k) => dayStart(panel, days - 7 * (weeks - k)));
    const folds = starts.map((start, k) => ({ start, end: starts[k + 1] ?? panel.hours }));
    return { scheme: 'weekly', folds, fits: folds.map((f, k) => ({ trainUntil: f.start, folds: [k] })) };
  }
  const testDays = options.testDays ?? noiseTestDays(days);
  const starts = Array.from({ length: testDays }, (_, k) => dayStart(panel, days - testDays + k));
  if (days < NOISE_HISTORY_DAYS + testDays || (starts[0] ?? 0) < 48) {
    return {
      skipped: `${days} local day(s) of hourly levels; the noise model needs at least ${NOISE_HISTORY_DAYS + testDays} (${NOISE_HISTORY_DAYS} of history, so that every baseline including the same hour last week can be scored, and ${testDays} held out)`,
    };
  }
  const folds = starts.map((start, k) => ({ start, end: starts[k + 1] ?? panel.hours }));
  return { scheme: 'daily', folds, fits: [{ trainUntil: starts[0] ?? 0, folds: folds.map((_, k) => k) }] };
}

/** local days the panel's hours fall on */
function localDays(panel: NoisePanel): number {
  return (panel.calendar.dayIndex[panel.hours - 1] ?? -1) + 1;
}

/** the first hour of local day `day` (relative index) */
function dayStart(panel: NoisePanel, day: number): number {
  for (let t = 0; t < panel.hours; t++) if ((panel.calendar.dayIndex[t] ?? -1) >= day) return t;
  return panel.hours;
}

/** the fold holding hour t (the fold of an origin o is the fold of o + 1, its first target) */
export function foldOfHour(plan: NoiseFoldPlan, t: number): number {
  return plan.folds.findIndex((f) => t >= f.start && t < f.end);
}

export function describePlan(plan: NoiseFoldPlan): string {
  if (plan.scheme === 'daily') {
    return `${plan.folds.length} daily folds in the last ${plan.folds.length} days, scored by one network trained before them (too little history for weekly rolling-origin folds: they need ${NOISE_WEEKLY.trainDays} days of training and ${NOISE_WEEKLY.minFolds} weeks)`;
  }
  return `${plan.folds.length} weekly rolling-origin folds over the last ${plan.folds.length} weeks: each fold's network trained on everything before the fold's start, the deployed one on everything before the last fold`;
}
