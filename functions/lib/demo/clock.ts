import { plusDays } from '../domain/time/holidays.ts';
import { localDayBounds } from '../domain/time/paris.ts';

// The demo's one window: every theme (the noise network, a late-spring flood of the Seine and the
// Marne, an early-summer heat wave — as in 2016 and 2019) lies in the weeks ending at the demo clock,
// so that the demo's forecasts are fresh at that clock. The clock is recorded in lake.json and is
// "now" for the freshness of a demo lake's forecasts (models/freshness.ts); a real lake uses the wall
// clock.

/** the local day starting at the demo clock: the demo's data end at its midnight (Europe/Paris) */
export const DEMO_CLOCK_DAY = '2026-06-30';
/** days of the noise network in the demo (`npm start`): the whole of June, flood crest and heat wave included */
export const DEMO_NOISE_DAYS = 29;

/** the demo clock: midnight starting DEMO_CLOCK_DAY in Paris */
export function demoClock(): Date {
  return new Date(localDayBounds(DEMO_CLOCK_DAY).start);
}

/** the first local day of a demo theme lasting `days` days and ending at the demo clock */
export function demoWindowStart(days: number): string {
  return plusDays(DEMO_CLOCK_DAY, -days);
}
