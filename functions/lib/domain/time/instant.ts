// The one reader of ISO 8601 date-time text, for every parser (noise CSV and FIWARE through LocalClock,
// Hub'Eau and Vigicrues through parseInstant). It reads by character codes into one reused object: no
// match arrays and no Date parsing (which rolls 2025-02-30 over to March) on a path taken once per row.
// Two dialects, because the sources differ and what each accepted must not change:
// - 'lenient' (observation times from sensors and exports): `T`, `t` or a space between date and time,
//   `.` or `,` before any number of fraction digits, spaces before the offset, `Z`, `z` or `±HH[[:]MM]`,
//   or no offset at all (a local time, placed by LocalClock);
// - 'rfc3339' (the flood APIs): `T`, `.` and 1 to 9 fraction digits, an offset required, `Z` or
//   `±HH[:]MM` (Vigicrues writes +0100), and `24:00[:00[.000]]` as the end of the day.
import { daysInMonth } from './calendar.ts';
import { COLON, COMMA, DASH, daysFromCivil, digits, DOT, isDigit, offsetMinutes, SPACE } from './iso.ts';

export type IsoDialect = 'lenient' | 'rfc3339';

const HOUR_MS = 3_600_000;
const T = 84;
const LOWER_T = 116;
const Z = 90;

/** The fields of one date-time text; ranges are checked by `rangeProblem`. */
export class DateTimeFields {
  year = 0;
  month = 0;
  day = 0;
  hour = 0;
  minute = 0;
  second = 0;
  millis = 0;
  /** false when a fraction digit beyond the milliseconds is not 0 (24:00 must be exactly the end of the day) */
  exact = true;
  /** minutes east of UTC; undefined for a naive local time */
  offsetMinutes: number | undefined = undefined;

  constructor(private readonly dialect: IsoDialect = 'lenient') {}

  read(text: string): boolean {
    this.year = digits(text, 0, 4);
    this.month = digits(text, 5, 2);
    this.day = digits(text, 8, 2);
    this.hour = digits(text, 11, 2);
    this.minute = digits(text, 14, 2);
    const t = text.charCodeAt(10);
    if (this.year < 0 || this.month < 0 || this.day < 0 || this.hour < 0 || this.minute < 0) return false;
    if (text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH || text.charCodeAt(13) !== COLON) return false;
    if (t !== T && (this.dialect === 'rfc3339' || (t !== LOWER_T && t !== SPACE))) return false;
    const i = this.readSeconds(text, 16);
    if (i < 0) return false;
    return this.readOffset(text, i);
  }

  /** optional spaces, then `Z`, `±HH[:MM]` or the end of the text */
  protected readOffset(text: string, from: number): boolean {
    if (this.dialect === 'rfc3339') return this.readRfc3339Offset(text, from);
    let i = from;
    while (text.charCodeAt(i) === SPACE) i++;
    this.offsetMinutes = i === text.length ? undefined : offsetMinutes(text, i);
    return i === text.length || this.offsetMinutes !== undefined;
  }

  /** `Z` or `±HH[:]MM`, ending the text */
  private readRfc3339Offset(text: string, i: number): boolean {
    const c = text.charCodeAt(i);
    const rest = text.length - i;
    const hhmm = rest === 5 || (rest === 6 && text.charCodeAt(i + 3) === COLON);
    this.offsetMinutes = (c === Z && rest === 1) || hhmm ? offsetMinutes(text, i) : undefined;
    return this.offsetMinutes !== undefined;
  }

  /** `:SS[.fff…]` at `i` if present; the index after it, or -1 */
  private readSeconds(text: string, i: number): number {
    this.second = 0;
    this.millis = 0;
    this.exact = true;
    if (text.charCodeAt(i) !== COLON) return i;
    this.second = digits(text, i + 1, 2);
    if (this.second < 0) return -1;
    const c = text.charCodeAt(i + 3);
    if (c !== DOT && (c !== COMMA || this.dialect === 'rfc3339')) return i + 3;
    const end = this.readFraction(text, i + 4);
    return this.dialect === 'rfc3339' && end - (i + 4) > 9 ? -1 : end;
  }

  /** digits of a fraction of a second at `from`; the index after them, or -1 when there is none */
  protected readFraction(text: string, from: number): number {
    let j = from;
    this.millis = 0;
    this.exact = true;
    for (let scale = 100; isDigit(text.charCodeAt(j)); j++, scale /= 10) {
      const d = text.charCodeAt(j) - 48;
      if (scale >= 1) this.millis += d * scale;
      else if (d !== 0) this.exact = false;
    }
    return j === from ? -1 : j;
  }

  /** why the fields do not name a real time (the sentence after the text), or undefined */
  rangeProblem(): string | undefined {
    if (this.month < 1 || this.month > 12 || this.day < 1 || (this.day > 28 && this.day > daysInMonth(this.year, this.month))) {
      return 'is not a real calendar date';
    }
    const endOfDay = this.dialect === 'rfc3339' && this.hour === 24 && this.minute === 0 && this.second === 0 && this.millis === 0 && this.exact;
    if ((this.hour > 23 && !endOfDay) || this.minute > 59 || this.second > 59 || (this.offsetMinutes !== undefined && Math.abs(this.offsetMinutes) >= 24 * 60)) {
      return 'has an hour, minute, second or offset out of range';
    }
    return undefined;
  }

  /** UTC ms of fields that carry an offset */
  utcMillis(): number {
    const withinHour = (this.minute * 60 + this.second) * 1000 + this.millis;
    return (daysFromCivil(this.year, this.month, this.day) * 24 + this.hour) * HOUR_MS + withinHour - (this.offsetMinutes ?? 0) * 60_000;
  }
}

const rfc3339 = new DateTimeFields('rfc3339');

/**
 * UTC ms of an RFC 3339 instant (`YYYY-MM-DDTHH:MM[:SS[.f{1,9}]]` then `Z` or `±HH[:]MM`) on a real
 * calendar date; undefined for anything else, a naive local time included.
 */
export function parseRfc3339(value: unknown): number | undefined {
  if (typeof value !== 'string' || !rfc3339.read(value) || rfc3339.rangeProblem() !== undefined) return undefined;
  return rfc3339.utcMillis();
}
