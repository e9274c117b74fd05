import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { localDayBounds, localHour, parisDate } from '../../functions/lib/domain/time/paris.ts';

// The per-hour cache in paris.ts is a fast path; Temporal, computed afresh for every instant here, is the
// reference. Every hour of 2019–2027 covers 18 daylight-saving changes.
const HOUR_MS = 3_600_000;
const FROM = Date.UTC(2019, 0, 1);
const TO = Date.UTC(2028, 0, 1);

function reference(ms: number, tz: string) {
  const z = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(tz);
  return { date: z.toPlainDate().toString(), hour: z.hour, offsetMinutes: z.offsetNanoseconds / 60e9 };
}

describe('localHour() and parisDate() against Temporal', () => {
  it('give Temporal’s local date, hour and offset at the start and end of every UTC hour of 2019–2027 in Europe/Paris', () => {
    let changes = 0;
    let previousOffset = reference(FROM, 'Europe/Paris').offsetMinutes;
    for (let t = FROM; t < TO; t += HOUR_MS) {
      for (const ms of [t, t + HOUR_MS - 1]) {
        const ours = localHour(ms);
        const ref = reference(ms, 'Europe/Paris');
        if (ours.date !== ref.date || ours.hour !== ref.hour || ours.offsetMinutes !== ref.offsetMinutes) expect({ ms, ...ours }).toEqual({ ms, ...ref });
        if (parisDate(ms) !== ref.date) expect({ ms, date: parisDate(ms) }).toEqual({ ms, date: ref.date });
      }
      const offset = reference(t, 'Europe/Paris').offsetMinutes;
      if (offset !== previousOffset) changes++;
      previousOffset = offset;
    }
    expect(changes).toBe(18);
  });

  it('hold in a zone whose offset is not a whole hour and changes by 30 minutes (Australia/Lord_Howe, 2024, every quarter hour)', () => {
    for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2025, 0, 1); t += HOUR_MS / 4) {
      expect(localHour(t, 'Australia/Lord_Howe')).toEqual(reference(t, 'Australia/Lord_Howe'));
    }
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
