// Local time from UTC instants (Europe/Paris unless told), Temporal being the reference. Today's zones
// have offsets in whole quarter hours that change on quarter hours (Paris: 01:00 UTC), so the local
// fields of each UTC quarter hour are computed once and cached: the hot path is a Map lookup.
// tests/domain/paris-time.test.ts holds the cache to Temporal over every hour of several years, DST
// changes included.
import { Temporal } from 'temporal-polyfill';

export const PARIS_TZ = 'Europe/Paris';
const QUARTER_MS = 900_000;

export interface LocalHour {
  /** local calendar date YYYY-MM-DD */
  readonly date: string;
  /** local clock hour 0-23 */
  readonly hour: number;
  /** offset from UTC in minutes (60 in winter, 120 in summer) */
  readonly offsetMinutes: number;
}

const cache = new Map<string, Map<number, LocalHour>>();

/** local date, hour and offset of the UTC instant `ms` in time zone `tz` (default Europe/Paris) */
export function localHour(ms: number, tz: string = PARIS_TZ): LocalHour {
  let byQuarter = cache.get(tz);
  if (!byQuarter) {
    byQuarter = new Map();
    cache.set(tz, byQuarter);
  }
  const q = Math.floor(ms / QUARTER_MS);
  let v = byQuarter.get(q);
  if (!v) {
    const local = Temporal.Instant.fromEpochMilliseconds(q * QUARTER_MS).toZonedDateTimeISO(tz);
    v = { date: local.toPlainDate().toString(), hour: local.hour, offsetMinutes: local.offsetNanoseconds / 60e9 };
    if (byQuarter.size > 1_000_000) byQuarter.clear();
    byQuarter.set(q, v);
  }
  return v;
}

/** the Europe/Paris local date (YYYY-MM-DD) of a UTC instant: the `dt` partition of a record */
export function parisDate(instant: Date | number): string {
  return localHour(typeof instant === 'number' ? instant : instant.getTime()).date;
}

/** UTC start instant (ms) of local calendar day `date` in `tz` and of the next day (23, 24 or 25 h later) */
export function localDayBounds(date: string, tz: string = PARIS_TZ): { start: number; end: number } {
  const key = `${tz} ${date}`;
  let bounds = dayBounds.get(key);
  if (!bounds) {
    bounds = Object.freeze(dayBoundsOf(Temporal.PlainDate.from(date), tz));
    if (dayBounds.size > 100_000) dayBounds.clear();
    dayBounds.set(key, bounds);
  }
  return bounds;
}

const dayBounds = new Map<string, { start: number; end: number }>();

function dayBoundsOf(day: Temporal.PlainDate, tz: string): { start: number; end: number } {
  // startOfDay: the first instant of the day, also where a zone skips its midnight
  const start = day.toZonedDateTime({ timeZone: tz }).startOfDay().epochMilliseconds;
  const end = day.add({ days: 1 }).toZonedDateTime({ timeZone: tz }).startOfDay().epochMilliseconds;
  return { start, end };
}
