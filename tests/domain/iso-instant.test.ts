import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../functions/lib/domain/flood/records.ts';
import { parseRfc3339 } from '../../functions/lib/domain/time/instant.ts';
import { LocalClock } from '../../functions/lib/domain/time/local-clock.ts';
import { mulberry32 } from '../../functions/lib/domain/random.ts';

// One reader of ISO 8601 text serves the flood APIs (dialect 'rfc3339') and the noise parsers (LocalClock,
// dialect 'lenient'). The flood dialect used to be a regular expression, a leap-year rule and Date.parse:
// that definition is kept here as the reference, with V8's own ISO parser doing the arithmetic, and the
// reader is held to it over generated texts, accepted and refused alike.
const FLOOD_FORM = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
function floodReference(value: string): number | undefined {
  const text = /[+-]\d{4}$/.test(value) ? `${value.slice(0, -2)}:${value.slice(-2)}` : value;
  const m = FLOOD_FORM.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = mo === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(mo) ? 30 : 31;
  if (mo < 1 || mo > 12 || d < 1 || d > days) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** mostly a usual value, sometimes one at or past an edge */
function field(random: () => number, usual: readonly string[], edges: readonly string[]): string {
  const from = random() < 0.85 ? usual : edges;
  return from[Math.floor(random() * from.length)]!;
}

/** texts near the edges of every field: valid and invalid dates, hours, separators, fractions and offsets */
function generatedText(random: () => number): string {
  const year = field(random, ['2024', '2025', '2000'], ['1900', '2100', '0000', '0004', '9999', '202']);
  const month = field(random, ['01', '02', '03', '10', '12'], ['00', '13', '1', '04']);
  const day = field(random, ['01', '15', '28', '29'], ['30', '31', '32', '00', '9']);
  const sep = field(random, ['T'], ['t', ' ', '_']);
  const hour = field(random, ['00', '01', '09', '23'], ['24', '25', '7']);
  const minute = field(random, ['00', '30', '59'], ['60', '5']);
  const second = field(random, ['', ':00', ':59'], [':60', ':5']);
  const fraction = second.length === 3 ? field(random, ['', '.5', '.123'], ['.000', '.0001', '.123456789', '.1234567890', ',5', '.']) : '';
  const offset = field(random, ['Z', '+01:00', '+0100', '-05:30'], ['z', '', '+01', '+010', '+23:59', '+24:00', '-00:00', '+12:60', ' Z', '+01:00:00']);
  return `${year}-${month}-${day}${sep}${hour}:${minute}${second}${fraction}${offset}`;
}

describe('parseRfc3339() (the flood APIs’ instants)', () => {
  it('accepts and refuses exactly what the former regular expression + Date.parse reader did, over 20 000 generated texts', () => {
    const random = mulberry32(21);
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const text = generatedText(random);
      const expected = floodReference(text);
      if (parseRfc3339(text) !== expected) expect({ text, ms: parseRfc3339(text) }).toEqual({ text, ms: expected });
      if (expected !== undefined) accepted++;
    }
    // the corpus exercises both sides
    expect(accepted).toBeGreaterThan(2_000);
    expect(accepted).toBeLessThan(18_000);
  });

  it('reads the forms the flood sources write', () => {
    expect(parseInstant('2021-01-23T13:58:40+0100')?.toISOString()).toBe('2021-01-23T12:58:40.000Z');
    expect(parseInstant('2021-01-23T13:58:40+01:00')?.toISOString()).toBe('2021-01-23T12:58:40.000Z');
    expect(parseInstant('2024-02-29T00:00:00Z')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    // 24:00 is the end of the day, as Date.parse read it
    expect(parseInstant('2025-12-31T24:00Z')?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(parseInstant('2025-12-31T24:00:00.0001Z')).toBeUndefined();
    // fractions past the millisecond are cut, not rounded
    expect(parseInstant('2025-01-01T10:00:00.9999Z')?.toISOString()).toBe('2025-01-01T10:00:00.999Z');
  });

  it('refuses what is not an instant with an explicit offset on a real date', () => {
    for (const text of ['2021-02-30T13:58:40+0100', '2021-01-23T13:58:40+010', '2021-01-23T13:58:40', '2021-01-23 13:58:40Z', '2021-01-23T13:58:40z', '2023-02-29T00:00Z']) {
      expect(parseInstant(text), text).toBeUndefined();
    }
    expect(parseInstant(1_611_406_720_000)).toBeUndefined();
    expect(parseInstant(null)).toBeUndefined();
  });
});

describe('LocalClock over the same reader (the noise parsers’ instants, dialect lenient)', () => {
  const clock = new LocalClock({ tzAdvice: 'pass --tz' });

  it('places every generated text with an offset where Temporal.Instant places it, and refuses what Temporal cannot read', () => {
    const random = mulberry32(7);
    let compared = 0;
    for (let i = 0; i < 5_000; i++) {
      const text = generatedText(random);
      const ours = clock.parse(text);
      let reference: number | undefined;
      try {
        reference = Temporal.Instant.from(text).epochMilliseconds;
      } catch {
        reference = undefined; // not an instant for Temporal: compared below only when we accept it
      }
      if (typeof ours === 'number') {
        // the lenient dialect reads `±HH`, a space before the offset and more than 9 fraction digits, which Temporal does not
        if (reference !== undefined) expect({ text, ms: ours }).toEqual({ text, ms: reference });
        else expect(text, `${text} accepted but not an instant for Temporal`).toMatch(/( [Zz+-]|[+-]\d{2}$|[.,]\d{10})/);
        compared++;
      } else if (reference !== undefined && !/[+-]\d\d:\d\d:\d\d$|:60/.test(text)) {
        // Temporal also reads offsets with seconds and leap seconds (as :59), which no source writes
        expect.fail(`${text} refused (${ours.reason}) though Temporal reads it`);
      }
    }
    expect(compared).toBeGreaterThan(300);
  });

  it('explains what it refuses: the calendar, the ranges, and a missing offset without a zone', () => {
    expect(clock.parse('2025-02-29T10:00Z')).toMatchObject({ reason: '2025-02-29T10:00Z is not a real calendar date' });
    expect(clock.parse('2025-01-01T24:00Z')).toMatchObject({ reason: '2025-01-01T24:00Z has an hour, minute, second or offset out of range' });
    expect(clock.parse('2025-01-01T10:00')).toMatchObject({ reason: expect.stringContaining('has no UTC offset') as unknown });
    expect(clock.parse('2025-01-01 10:00:00,5 +01')).toBe(Date.UTC(2025, 0, 1, 9, 0, 0, 500));
  });
});
