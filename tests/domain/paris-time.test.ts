import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { localDayBounds, localHour, parisDate } from '../../functions/lib/domain/time/paris.ts';

// The per-hour cache in paris.ts is a fast path; Temporal, computed afresh for every instant here, is the
// reference (~0.1 ms a call: two per hour). Every hour of 2023–2027 covers 10 daylight-saving changes
// and a leap day.
const HOUR_MS = 3_600_000;
const FROM = Date.UTC(2023, 0, 1);
const TO = Date.UTC(2028, 0, 1);

function reference(ms: number, tz: string) {
  const z = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(tz);
  return { date: z.toPlainDate().toString(), hour: z.hour, offsetMinutes: z.offsetNanoseconds / 60e9 };
}

describe('localHour() and parisDate() against Temporal', () => {
  it('give Temporal’s local date, hour and offset at the start and end of every UTC hour of 2023–2027 in Europe/Paris', () => {
    let changes = 0;
    let previousOffset = reference(FROM, 'Europe/Paris').offsetMinutes;
    for (let t = FROM; t < TO; t += HOUR_MS) {
      for (const ms of [t, t + HOUR_MS - 1]) {
        const ours = localHour(ms);
        const ref = reference(ms, 'Europe/Paris');
        if (ours.date !== ref.date || ours.hour !== ref.hour || ours.offsetMinutes !== ref.offsetMinutes) expect({ ms, ...ours }).toEqual({ ms, ...ref });
        if (parisDate(ms) !== ref.date) expect({ ms, date: parisDate(ms) }).toEqual({ ms, date: ref.date });
        if (ms === t && ref.offsetMinutes !== previousOffset) changes++;
        if (ms === t) previousOffset = ref.offsetMinutes;
      }
    }
    expect(changes).toBe(10);
  });

  it('hold in a zone whose offset is not a whole hour and changes by 30 minutes (Australia/Lord_Howe, 2024: every hour, every quarter hour of the weeks of its changes)', () => {
    const LORD_HOWE = 'Australia/Lord_Howe';
    // its changes of 2024: 7 April (+11:00 → +10:30) and 6 October (+10:30 → +11:00), at 02:00 local
    const changeWeeks = [Date.UTC(2024, 3, 3), Date.UTC(2024, 9, 2)].map((from) => [from, from + 7 * 24 * HOUR_MS] as const);
    const offsets = new Set<number>();
    for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2025, 0, 1); t += HOUR_MS / 4) {
      if (t % HOUR_MS !== 0 && !changeWeeks.some(([from, to]) => t >= from && t < to)) continue;
      const ref = reference(t, LORD_HOWE);
      expect(localHour(t, LORD_HOWE)).toEqual(ref);
      offsets.add(ref.offsetMinutes);
    }
    expect([...offsets].sort()).toEqual([630, 660]);
  });
});

describe('localDayBounds() against Temporal', () => {
  it('gives every Paris day of 2019–2027 Temporal’s start and end, 23 h on the spring change and 25 h on the autumn one', () => {
    const lengths = new Map<number, number>();
    for (let day = Temporal.PlainDate.from('2019-01-01'); Temporal.PlainDate.compare(day, '2028-01-01') < 0; day = day.add({ days: 1 })) {
      const { start, end } = localDayBounds(day.toString());
      const refStart = day.toZonedDateTime('Europe/Paris').epochMilliseconds;
      const refEnd = day.add({ days: 1 }).toZonedDateTime('Europe/Paris').epochMilliseconds;
      if (start !== refStart || end !== refEnd) expect({ day: day.toString(), start, end }).toEqual({ day: day.toString(), start: refStart, end: refEnd });
      const hours = (end - start) / HOUR_MS;
      lengths.set(hours, (lengths.get(hours) ?? 0) + 1);
    }
    expect(lengths.get(23)).toBe(9);
    expect(lengths.get(25)).toBe(9);
  });

  it('starts a day whose midnight is skipped at its first instant (America/Santiago, 2022-09-11 begins at 01:00)', () => {
    const { start, end } = localDayBounds('2022-09-11', 'America/Santiago');
    expect(new Date(start).toISOString()).toBe('2022-09-11T04:00:00.000Z');
    expect((end - start) / HOUR_MS).toBe(23);
  });
});
