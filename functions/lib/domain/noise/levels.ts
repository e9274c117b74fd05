import { PERIOD_CONVENTIONS, type Convention, type Period, type PeriodConvention } from './conventions.ts';

// The periods of the day and their Lden penalties. The indicators themselves (energy averages, Lden,
// percentiles) are computed once, in the SQL of stages/noise-indicators.ts, and held to an independent
// numpy computation by tests/stages/noise-indicators-reference.test.ts.

/** dB added to each period's level in Lden (Directive 2002/49/EC, Annex I) */
export const LDEN_PENALTY: Readonly<Record<Period, number>> = { day: 0, evening: 5, night: 10 };

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
