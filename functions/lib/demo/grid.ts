import { localDayBounds, localHour, PARIS_TZ } from '../domain/time/paris.ts';
import { frenchPublicHoliday, plusDays, weekday } from '../domain/time/holidays.ts';

// The time grid of the simulation: regular UTC intervals covering whole Europe/Paris local days,
// so a 25-hour autumn day has 100 quarter-hours and a 23-hour spring day 92.

export type DayType = 'weekday' | 'saturday' | 'sunday';

export interface Slot {
  /** UTC start and end (ms) */
  readonly from: number;
  readonly to: number;
  /** local calendar date, clock hour and minute of the start */
  readonly date: string;
  readonly hour: number;
  readonly minute: number;
  /** 0 = Sunday … 6 = Saturday */
  readonly weekday: number;
  /** public holidays count as Sundays */
  readonly dayType: DayType;
  readonly holiday: string | undefined;
  /** index of the local day in the period (0-based) */
  readonly day: number;
}

export function timeGrid(start: string, days: number, intervalMinutes: number, tz: string = PARIS_TZ): Slot[] {
  const step = intervalMinutes * 60_000;
  const slots: Slot[] = [];
  for (let day = 0; day < days; day++) {
    const date = plusDays(start, day);
    const { start: from, end } = localDayBounds(date, tz);
    const wd = weekday(date);
    const holiday = frenchPublicHoliday(date);
    const dayType: DayType = holiday !== undefined || wd === 0 ? 'sunday' : wd === 6 ? 'saturday' : 'weekday';
    for (let t = from; t < end; t += step) {
      const local = localHour(t, tz);
      // Europe/Paris offsets are whole hours, so the local minute is the UTC minute
      slots.push({ from: t, to: t + step, date, hour: local.hour, minute: new Date(t).getUTCMinutes(), weekday: wd, dayType, holiday, day });
    }
  }
  return slots;
}

/** ISO 8601 UTC without milliseconds: 2025-10-20T06:15:00Z */
export function utcIso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** naive local time `YYYY-MM-DD HH:MM:SS` as a logger on local clock writes it */
export function naiveLocal(ms: number, separator = ' ', tz: string = PARIS_TZ): string {
  const local = localHour(ms, tz);
  const minute = String(new Date(ms).getUTCMinutes()).padStart(2, '0');
  return `${local.date}${separator}${String(local.hour).padStart(2, '0')}:${minute}:00`;
}

/** the last Sunday of a month (the EU clock-change days: March and October) */
export function lastSunday(year: number, month: number): string {
  const last = new Date(Date.UTC(year, month, 0));
  const day = last.getUTCDate() - last.getUTCDay();
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
