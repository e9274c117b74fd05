import { frenchPublicHoliday, weekday } from '../domain/time/holidays.ts';
import { localHour } from '../domain/time/paris.ts';

// The Europe/Paris calendar of a run of UTC hours: what a forecast knows about a future hour without
// any measurement (local clock hour, day of the week, public holiday).

export const HOUR_MS = 3_600_000;

/** 0 weekday, 1 Saturday, 2 Sunday or French public holiday */
export type DayType = 0 | 1 | 2;
export const DAY_TYPES = ['weekday', 'saturday', 'sunday_or_holiday'] as const;

export interface HourCalendar {
  /** UTC hour index (ms / 3 600 000) of the first hour */
  readonly start: number;
  readonly hours: number;
  readonly localHour: Uint8Array;
  readonly dayType: Uint8Array;
  readonly holiday: Uint8Array;
  /** local hour of the week, Monday 00:00 = 0 … Sunday 23:00 = 167 */
  readonly hourOfWeek: Uint8Array;
  /** index of the local calendar date, counted from the first hour's date */
  readonly dayIndex: Uint32Array;
  readonly dates: string[];
}

export function hourCalendar(start: number, hours: number): HourCalendar {
  const lh = new Uint8Array(hours);
  const dayType = new Uint8Array(hours);
  const holiday = new Uint8Array(hours);
  const how = new Uint8Array(hours);
  const dayIndex = new Uint32Array(hours);
  const dates: string[] = [];
  for (let i = 0; i < hours; i++) {
    const l = localHour((start + i) * HOUR_MS);
    if (dates[dates.length - 1] !== l.date) dates.push(l.date);
    const wd = weekday(l.date);
    const isHoliday = frenchPublicHoliday(l.date) !== undefined;
    lh[i] = l.hour;
    holiday[i] = isHoliday ? 1 : 0;
    dayType[i] = isHoliday || wd === 0 ? 2 : wd === 6 ? 1 : 0;
    how[i] = ((wd + 6) % 7) * 24 + l.hour;
    dayIndex[i] = dates.length - 1;
  }
  return { start, hours, localHour: lh, dayType, holiday, hourOfWeek: how, dayIndex, dates };
}

export const hourIndex = (instant: Date | number) => Math.floor((typeof instant === 'number' ? instant : instant.getTime()) / HOUR_MS);
export const hourDate = (index: number) => new Date(index * HOUR_MS);
