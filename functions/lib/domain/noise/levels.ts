import { PERIOD_CONVENTIONS, type Convention, type Period, type PeriodConvention, type PeriodHours } from './conventions.ts';

// Acoustic indicators over levels in dB: always through energies (10^(L/10)), never arithmetic means of dB.

/** dB added to each period's level in Lden (Directive 2002/49/EC, Annex I) */
export const LDEN_PENALTY: Readonly<Record<Period, number>> = { day: 0, evening: 5, night: 10 };

export interface StatisticalLevels {
  /** exceeded 10 % of the time: the 90th percentile */
  readonly l10: number | null;
  readonly l50: number | null;
  /** exceeded 90 % of the time: the 10th percentile */
  readonly l90: number | null;
}

/** 10·log10(Σ wᵢ·10^(Lᵢ/10) / Σ wᵢ); equal weights by default; null when there is nothing to average */
export function energyAverage(levels: readonly number[], weights?: readonly number[]): number | null {
  if (weights && weights.length !== levels.length) {
    throw new RangeError(`energyAverage: ${levels.length} levels but ${weights.length} weights`);
  }
  let energy = 0;
  let total = 0;
  for (let i = 0; i < levels.length; i++) {
    const w = weights ? weights[i]! : 1;
    if (w < 0) throw new RangeError(`energyAverage: weight ${i} is negative (${w})`);
    energy += w * 10 ** (levels[i]! / 10);
    total += w;
  }
  return total > 0 ? 10 * Math.log10(energy / total) : null;
}

/**
 * Lden = 10·log10((hd·10^(Ld/10) + he·10^((Le+5)/10) + hn·10^((Ln+10)/10)) / 24), hd/he/hn the
 * convention's period lengths (12/4/8 for both eu and fr); null when a period level is missing.
 */
export function lden(
  ld: number | null,
  le: number | null,
  ln: number | null,
  periods: PeriodHours | Convention = 'eu',
): number | null {
  if (ld === null || le === null || ln === null) return null;
  const h = typeof periods === 'string' ? PERIOD_CONVENTIONS[periods].hours : periods;
  const p = LDEN_PENALTY;
  const energy = h.day * 10 ** ((ld + p.day) / 10) + h.evening * 10 ** ((le + p.evening) / 10) + h.night * 10 ** ((ln + p.night) / 10);
  return 10 * Math.log10(energy / (h.day + h.evening + h.night));
}

/** the p-th percentile (0–100) with linear interpolation between order statistics, as numpy.percentile */
export function percentileLevel(samples: readonly number[], p: number): number | null {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentileLevel: p must be in [0, 100], found ${p}`);
  if (samples.length === 0) return null;
  return sortedPercentile(Float64Array.from(samples).sort(), p);
}

function sortedPercentile(sorted: Float64Array, p: number): number {
  const h = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** L10, L50, L90: the levels exceeded 10, 50 and 90 % of the time */
export function statisticalLevels(samples: readonly number[]): StatisticalLevels {
  if (samples.length === 0) return { l10: null, l50: null, l90: null };
  const sorted = Float64Array.from(samples).sort();
  return { l10: sortedPercentile(sorted, 90), l50: sortedPercentile(sorted, 50), l90: sortedPercentile(sorted, 10) };
}

/**
 * The period of local clock hour `hour` (0–23). The night of day D is its hours before the day
 * period and from the night start to midnight, so every period of day D lies within local day D.
 */
export function periodOf(hour: number, convention: Convention | PeriodConvention = 'eu'): Period {
  const c = typeof convention === 'string' ? PERIOD_CONVENTIONS[convention] : convention;
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new RangeError(`periodOf: local hour must be an integer in 0–23, found ${hour}`);
  if (hour >= c.dayStart && hour < c.eveningStart) return 'day';
  if (hour >= c.eveningStart && hour < c.nightStart) return 'evening';
  return 'night';
}
