// Europe/Paris local time from UTC instants. Offsets only change on whole UTC hours, so the local
// fields of each UTC hour are computed once with Intl and cached: the hot path is a Map lookup.

export const PARIS_TZ = 'Europe/Paris';
const HOUR_MS = 3_600_000;

export interface LocalHour {
  /** local calendar date YYYY-MM-DD */
  readonly date: string;
  /** local clock hour 0-23 */
  readonly hour: number;
  /** offset from UTC in minutes (60 in winter, 120 in summer) */
  readonly offsetMinutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(tz, f);
  }
  return f;
}

const cache = new Map<string, Map<number, LocalHour>>();

/** local date, hour and offset of the UTC instant `ms` in time zone `tz` (default Europe/Paris) */
export function localHour(ms: number, tz: string = PARIS_TZ): LocalHour {
  let byHour = cache.get(tz);
  if (!byHour) {
    byHour = new Map();
    cache.set(tz, byHour);
  }
  const h = Math.floor(ms / HOUR_MS);
  let v = byHour.get(h);
  if (!v) {
    const parts = formatter(tz).formatToParts(new Date(h * HOUR_MS));
    const get = (t: string) => parts.find((p) => p.type === t)!.value;
    const date = `${get('year')}-${get('month')}-${get('day')}`;
    const hour = Number(get('hour'));
    const minute = Number(get('minute'));
    const localAsUtc = Date.UTC(Number(get('year')), Number(get('month')) - 1, Number(get('day')), hour, minute);
    v = { date, hour, offsetMinutes: Math.round((localAsUtc - h * HOUR_MS) / 60_000) };
    if (byHour.size > 500_000) byHour.clear();
    byHour.set(h, v);
  }
  return v;
}

/** the Europe/Paris local date (YYYY-MM-DD) of a UTC instant: the `dt` partition of a record */
export function parisDate(instant: Date | number): string {
  return localHour(typeof instant === 'number' ? instant : instant.getTime()).date;
}

/** UTC start instant (ms) of local calendar day `date` in `tz`, and its length in hours (23, 24 or 25) */
export function localDayBounds(date: string, tz: string = PARIS_TZ): { start: number; end: number } {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return { start: localMidnight(y, m, d, tz), end: localMidnight(y, m, d + 1, tz) };
}

function localMidnight(y: number, m: number, d: number, tz: string): number {
  const guess = Date.UTC(y, m - 1, d);
  // midnight is never skipped in Europe/Paris (changes happen at 02:00/03:00): two passes settle it
  let t = guess - localHour(guess, tz).offsetMinutes * 60_000;
  t = guess - localHour(t, tz).offsetMinutes * 60_000;
  return t;
}
