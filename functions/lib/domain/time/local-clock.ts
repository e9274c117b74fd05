// Date-time texts → UTC milliseconds, the one reader of observation times for every parser (noise CSV,
// FIWARE). A time with an offset (or Z) is taken as it is; a naive time is placed in the reader's time
// zone when it has one, never shifted: a time in the spring-forward gap or the fall-back overlap is
// refused (Temporal, disambiguation 'reject'). Without a zone a naive time is refused, saying how to
// give one.
import { Temporal } from 'temporal-polyfill';
import { truncateRecord } from '../noise/observation.ts';
import { DateTimeFields } from './instant.ts';
import { isDigit } from './iso.ts';
import { parseTimeFormat, type FormatToken } from './formats.ts';

export { isoDurationMillis, parseIntervalSeconds, parseTimeFormat } from './formats.ts';

const HOUR_MS = 3_600_000;

export interface TimeProblem {
  readonly expected: string;
  readonly reason: string;
}

export interface LocalClockOptions {
  /** IANA zone of naive times; undefined: naive times are refused */
  readonly tz?: string;
  /** a strftime-like pattern (%Y %m %d %H %M %S %f); undefined: ISO 8601 `YYYY-MM-DD[T ]HH:MM[:SS[.fff]]` */
  readonly format?: string;
  /** what the user can do to give a naive time its zone (the end of the rejection's reason) */
  readonly tzAdvice: string;
}

/** true when `tz` is an IANA time zone this runtime knows */
export function isTimeZone(tz: string): boolean {
  try {
    Temporal.Now.zonedDateTimeISO(tz);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads date-times to UTC milliseconds. Temporal is slow (~10 µs a call), so the UTC start of each
 * local hour is computed once; rows add their minutes and seconds to it.
 */
export class LocalClock {
  private readonly fields: DateTimeFields;
  private readonly expectedOnce: string;
  readonly expected: string;
  /**
   * Per local hour (numeric key of `YYYY-MM-DDTHH`): the UTC ms of its start; or, when none of its times
   * can be placed, why; or NaN when the offset changes within the hour, so each row is placed on its own.
   */
  private readonly hours = new Map<number, number | string>();
  // consecutive rows mostly share their hour
  private lastKey = -1;
  private lastHour: number | string = NaN;

  constructor(private readonly options: LocalClockOptions) {
    this.fields = options.format ? new FormattedFields(options.format) : new DateTimeFields();
    const shape = options.format ? `a date-time in the format ${options.format}` : 'an ISO 8601 date-time YYYY-MM-DDTHH:MM[:SS[.fff]]';
    this.expected = options.tz ? `${shape}, local time in ${options.tz} or with an offset or Z` : `${shape} with an offset or Z`;
    this.expectedOnce = `a local time that occurs exactly once in ${options.tz}, or a time with an offset`;
  }

  /** UTC milliseconds of a date-time text, or why it cannot be placed in time */
  parse(text: string): number | TimeProblem {
    const f = this.fields;
    const shown = truncateRecord(text, 200);
    if (!f.read(text)) return { expected: this.expected, reason: `${JSON.stringify(shown)} is not a date-time${this.options.format ? ` in the format ${this.options.format}` : ''}` };
    const outOfRange = f.rangeProblem();
    if (outOfRange) return { expected: this.expected, reason: `${shown} ${outOfRange}` };
    if (f.offsetMinutes !== undefined) return f.utcMillis();
    if (!this.options.tz) {
      return { expected: this.expected, reason: `${shown} has no UTC offset: an offset or Z is required to place it in time; ${this.options.tzAdvice}` };
    }
    const hour = this.hourOf(f.year, f.month, f.day, f.hour);
    if (typeof hour === 'string') return { expected: this.expectedOnce, reason: `${shown} ${hour}` };
    if (!Number.isNaN(hour)) return hour + (f.minute * 60 + f.second) * 1000 + f.millis;
    const local = new Temporal.PlainDateTime(f.year, f.month, f.day, f.hour, f.minute, f.second, f.millis);
    const exact = this.resolve(local);
    return Number.isNaN(exact) ? { expected: this.expectedOnce, reason: `${shown} ${this.explain(local)}` } : exact;
  }

  private hourOf(year: number, month: number, day: number, hour: number): number | string {
    const key = ((year * 13 + month) * 32 + day) * 24 + hour;
    if (key === this.lastKey) return this.lastHour;
    let placed = this.hours.get(key);
    if (placed === undefined) {
      placed = this.placeHour(year, month, day, hour);
      this.hours.set(key, placed);
    }
    this.lastKey = key;
    this.lastHour = placed;
    return placed;
  }

  private placeHour(year: number, month: number, day: number, hour: number): number | string {
    const start = new Temporal.PlainDateTime(year, month, day, hour);
    const first = this.resolve(start);
    const last = this.resolve(new Temporal.PlainDateTime(year, month, day, hour, 59, 59, 999));
    if (last - first === HOUR_MS - 1) return first;
    // offsets change at most once an hour: both ends unplaceable means the whole hour is
    return Number.isNaN(first) && Number.isNaN(last) ? this.explain(start) : NaN;
  }

  /** the zone of naive times; only asked for once parse() has checked there is one */
  private zone(): string {
    if (this.options.tz === undefined) throw new Error('LocalClock: a naive time reached zone placement without a zone');
    return this.options.tz;
  }

  /** UTC ms of a local time, NaN when it does not exist or occurs twice */
  private resolve(local: Temporal.PlainDateTime): number {
    try {
      return local.toZonedDateTime(this.zone(), { disambiguation: 'reject' }).epochMilliseconds;
    } catch {
      return NaN;
    }
  }

  /** why a local time that does not exist or occurs twice cannot be placed (the sentence after the time) */
  private explain(local: Temporal.PlainDateTime): string {
    const tz = this.zone();
    const earlier = local.toZonedDateTime(tz, { disambiguation: 'earlier' });
    const change = earlier.getTimeZoneTransition('next');
    const skipped = !local.toZonedDateTime(tz, { disambiguation: 'compatible' }).toPlainDateTime().equals(local);
    const advice = 'pass --tz or give times with an offset';
    if (!change) return `cannot be placed in ${tz}; ${advice}`;
    const before = clockAt(change.epochMilliseconds + earlier.offsetNanoseconds / 1e6);
    const after = clockAt(change.epochMilliseconds + change.offsetNanoseconds / 1e6);
    const on = change.toPlainDate().toString();
    return skipped
      ? `does not exist in ${tz} (clocks jump from ${before} to ${after} on ${on}, daylight saving time); ${advice}`
      : `occurs twice in ${tz} (clocks go back from ${before} to ${after} on ${on}, end of daylight saving time); ${advice}`;
  }
}

/** the date-time fields of a text written in a strftime-like format; an offset may follow it */
class FormattedFields extends DateTimeFields {
  private readonly tokens: FormatToken[];

  constructor(format: string) {
    super();
    this.tokens = parseTimeFormat(format);
  }

  override read(text: string): boolean {
    this.hour = this.minute = this.second = this.millis = 0;
    let i = 0;
    for (const token of this.tokens) {
      if (token.kind === 'literal') {
        if (!text.startsWith(token.text, i)) return false;
        i += token.text.length;
      } else if (token.kind === 'f') {
        i = this.readFraction(text, i);
        if (i < 0) return false;
      } else {
        // a four-digit year; other fields one or two digits (exports write 1/6/2023 as well as 01/06/2023)
        const max = token.kind === 'Y' ? 4 : 2;
        let n = 0;
        const from = i;
        while (i - from < max && isDigit(text.charCodeAt(i))) n = n * 10 + text.charCodeAt(i++) - 48;
        if (i - from < (token.kind === 'Y' ? 4 : 1)) return false;
        this.set(token.kind, n);
      }
    }
    return this.readOffset(text, i);
  }

  private set(kind: 'Y' | 'm' | 'd' | 'H' | 'M' | 'S', n: number): void {
    if (kind === 'Y') this.year = n;
    else if (kind === 'm') this.month = n;
    else if (kind === 'd') this.day = n;
    else if (kind === 'H') this.hour = n;
    else if (kind === 'M') this.minute = n;
    else this.second = n;
  }
}

/** HH:MM of a wall-clock instant given as milliseconds */
function clockAt(wallMs: number): string {
  return new Date(wallMs).toISOString().slice(11, 16);
}
