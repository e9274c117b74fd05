// An LAeq time series in CSV → noise observations, one per row.
import { Temporal } from 'temporal-polyfill';
import { daysInMonth } from '../time/calendar.ts';
import {
  type NoiseObservation,
  type ParseResult,
  type RecordRejection,
  UnreadableInputError,
  truncateRecord,
} from './observation.ts';
import { COLON, COMMA, DASH, daysFromCivil, digits, DOT, isDigit, offsetMinutes, SPACE } from '../time/iso.ts';

export interface NoiseCsvOptions {
  readonly sensorId: string;
  readonly name?: string;
  readonly lon?: number;
  readonly lat?: number;
  /** time zone of naive timestamps (default Europe/Paris) */
  readonly tz?: string;
  /** length of each reading; inferred from the timestamps when absent */
  readonly intervalSeconds?: number;
}

const EXPECTED_HEADER =
  'a header with a time column (datetime, timestamp, date_time, time, or date + time) and a level column (LAeq, Leq, noise_LAeq…)';
const EXPECTED_TIME = 'YYYY-MM-DD HH:MM[:SS[.fff]] (local time), or ISO 8601 with an offset or Z';
const EXPECTED_NUMBER = 'a number (dB(A)), decimal point or comma';
const NUMBER = /^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$/;
const HOUR_MS = 3_600_000;
// interval inference looks at the first steps only: enough for a typical step, bounded on large files
const INTERVAL_SAMPLE = 1000;
const FALLBACK_INTERVAL_MS = 60_000;

interface Columns {
  readonly time: number;
  /** a separate date column when the file splits date and time */
  readonly date: number;
  readonly laeq: number;
  readonly lamax: number;
  readonly las: number;
  readonly names: readonly string[];
}

interface Reading {
  readonly record: number;
  readonly recordText: string;
  readonly ms: number;
  readonly laeq: number;
  readonly lamax: number | null;
  readonly las: number | null;
}

interface TimeProblem {
  readonly expected: string;
  readonly reason: string;
}

class Problem {
  constructor(
    readonly field: string | null,
    readonly expected: string,
    readonly found: string,
    readonly reason: string,
  ) {}
}

export function parseNoiseCsv(text: string, options: NoiseCsvOptions): ParseResult {
  const tz = options.tz ?? 'Europe/Paris';
  checkOptions(options, tz);
  const lines = linesOf(text);
  const headerIndex = lines.findIndex((line) => line.trim() !== '');
  const headerLine = lines[headerIndex] as string;
  const separator = detectSeparator(headerLine);
  const columns = locateColumns(splitFields(headerLine, separator), headerLine);
  const clock = new LocalClock(tz);
  const readings: Reading[] = [];
  const rejections: RecordRejection[] = [];
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === '')) continue;
    const read = readRow(line, i + 1, separator, columns, clock);
    if (read === undefined) continue;
    if (read instanceof Problem) rejections.push({ record: String(i + 1), ...read, recordText: truncateRecord(line) });
    else readings.push(read);
  }
  const intervalMs = options.intervalSeconds === undefined ? typicalStep(readings) : options.intervalSeconds * 1000;
  return { observations: readings.map((r) => observation(r, intervalMs, options)), rejections };
}

/** options come with the file (CLI flags, object metadata): wrong ones make the file unreadable, not the process fail */
function checkOptions(options: NoiseCsvOptions, tz: string): void {
  if (!options.sensorId) throw new UnreadableInputError('a noise CSV series needs the sensor it comes from', 'a sensor id', 'none');
  const interval = options.intervalSeconds;
  if (interval !== undefined && !(Number.isFinite(interval) && interval > 0)) {
    throw new UnreadableInputError('interval of the readings is not a positive duration', 'intervalSeconds > 0', String(interval));
  }
  try {
    Temporal.Now.zonedDateTimeISO(tz);
  } catch {
    throw new UnreadableInputError(`unknown time zone for the naive timestamps`, 'an IANA time zone such as Europe/Paris or UTC', tz);
  }
}

function linesOf(text: string): string[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const nul = body.indexOf('\0');
  if (nul >= 0) {
    throw new UnreadableInputError('binary data, not a CSV text file', 'UTF-8 text (a CSV file)', `a NUL byte at character ${nul}`);
  }
  if (body.trim() === '') throw new UnreadableInputError('empty CSV file', EXPECTED_HEADER, 'an empty file');
  return body.includes('\r') ? body.split(/\r\n|\n|\r/) : body.split('\n');
}

/** the separator that splits the header into the most fields; on a tie tab, then `;`, then `,` */
function detectSeparator(header: string): string {
  let best = ',';
  let bestCount = 0;
  for (const candidate of ['\t', ';', ',']) {
    const count = splitFields(header, candidate)?.length ?? 0;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

function locateColumns(header: readonly string[] | null, headerLine: string): Columns {
  const names = (header ?? []).map((name) => name.trim());
  const keys = names.map(normalize);
  const find = (match: (key: string) => boolean) => keys.findIndex(match);
  const single = find((k) => k === 'datetime' || k === 'timestamp');
  const date = find((k) => k === 'date');
  const time = find((k) => k === 'time');
  const laeq = find((k) => k.startsWith('laeq') || k.startsWith('leq') || k === 'noiselaeq');
  const columns: Columns = {
    time: single >= 0 ? single : time >= 0 ? time : date,
    date: single < 0 && date >= 0 && time >= 0 ? date : -1,
    laeq,
    lamax: find((k) => k.startsWith('lamax') || k === 'noiselamax'),
    las: find((k) => k === 'las' || k.startsWith('lasdb')),
    names,
  };
  if (columns.time < 0 || laeq < 0) {
    const missing = columns.time < 0 ? (laeq < 0 ? 'no time column and no level column' : 'no time column') : 'no level column';
    throw new UnreadableInputError(`CSV header not recognised: ${missing}`, EXPECTED_HEADER, `header ${JSON.stringify(truncateRecord(headerLine, 200))}`);
  }
  return columns;
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** the row's reading, why it cannot be read, or undefined for a row of empty fields */
function readRow(line: string, lineNumber: number, separator: string, columns: Columns, clock: LocalClock): Reading | Problem | undefined {
  const fields = splitFields(line, separator);
  if (fields === null) return new Problem(null, 'quotes closed on the same line', truncateRecord(line, 200), 'unterminated quoted field');
  if (fields.length !== columns.names.length) {
    if (fields.every((f) => f.trim() === '')) return undefined;
    const expected = `${columns.names.length} fields, as in the header`;
    return new Problem(null, expected, `${fields.length} fields`, `line ${lineNumber} has ${fields.length} fields, the header has ${columns.names.length}`);
  }
  const timeText = timeOf(fields, columns);
  if (timeText === '' && fields.every((f) => f.trim() === '')) return undefined;
  const ms = clock.parse(timeText);
  if (typeof ms !== 'number') return new Problem(timeField(columns), ms.expected, truncateRecord(timeText, 200), ms.reason);
  const laeq = readLevel(fields, columns, columns.laeq);
  if (laeq === null) return missingLevel(columns);
  if (laeq instanceof Problem) return laeq;
  const lamax = readLevel(fields, columns, columns.lamax);
  if (lamax instanceof Problem) return lamax;
  const las = readLevel(fields, columns, columns.las);
  if (las instanceof Problem) return las;
  return { record: lineNumber, recordText: truncateRecord(line), ms, laeq, lamax, las };
}

function timeOf(fields: readonly string[], columns: Columns): string {
  const time = (fields[columns.time] as string).trim();
  return columns.date < 0 ? time : `${(fields[columns.date] as string).trim()} ${time}`;
}

function timeField(columns: Columns): string {
  const time = columns.names[columns.time] as string;
  return columns.date < 0 ? time : `${columns.names[columns.date]}+${time}`;
}

function readLevel(fields: readonly string[], columns: Columns, index: number): number | null | Problem {
  if (index < 0) return null;
  const text = (fields[index] as string).trim();
  if (text === '') return null;
  if (NUMBER.test(text)) return Number(text.includes(',') ? text.replace(',', '.') : text);
  const field = columns.names[index] as string;
  return new Problem(field, EXPECTED_NUMBER, truncateRecord(text, 200), `${field} is not a number`);
}

function missingLevel(columns: Columns): Problem {
  const field = columns.names[columns.laeq] as string;
  return new Problem(field, EXPECTED_NUMBER, 'an empty field', `${field} is empty`);
}

/** fields of one physical line; null when a quote is left open */
function splitFields(line: string, separator: string): string[] | null {
  if (!line.includes('"')) return line.split(separator);
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c !== '"') field += c;
      else if (line[i + 1] === '"') field += line[++i];
      else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === separator) {
      fields.push(field);
      field = '';
    } else field += c;
  }
  if (quoted) return null;
  fields.push(field);
  return fields;
}

/**
 * The length of each reading when not given: the median of the first positive steps between consecutive
 * timestamps (robust to a gap or a rejected row); 60 s when there is no step to look at (a single row).
 */
function typicalStep(readings: readonly Reading[]): number {
  const steps: number[] = [];
  for (let i = 1; i < readings.length && steps.length < INTERVAL_SAMPLE; i++) {
    const step = (readings[i] as Reading).ms - (readings[i - 1] as Reading).ms;
    if (step > 0) steps.push(step);
  }
  if (steps.length === 0) return FALLBACK_INTERVAL_MS;
  steps.sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)] as number;
}

function observation(r: Reading, intervalMs: number, options: NoiseCsvOptions): NoiseObservation {
  return {
    record: r.record,
    recordText: r.recordText,
    sensorId: options.sensorId,
    name: options.name ?? null,
    lon: options.lon ?? null,
    lat: options.lat ?? null,
    tsFrom: new Date(r.ms),
    tsTo: new Date(r.ms + intervalMs),
    laeq: r.laeq,
    lamax: r.lamax,
    las: r.las,
    noiseSource: 'unknown',
    sonometerClass: null,
  };
}

/**
 * Naive local times → UTC in one time zone, never shifted: a time in the spring-forward gap or the
 * fall-back overlap is refused (Temporal, disambiguation 'reject'). Temporal is slow (~10 µs a call), so the
 * UTC start of each local hour is computed once; rows add their minutes and seconds to it.
 */
class LocalClock {
  private readonly fields = new DateTimeFields();
  private readonly expectedOnce: string;
  /**
   * Per local hour (numeric key of `YYYY-MM-DDTHH`): the UTC ms of its start; or, when none of its times
   * can be placed, why; or NaN when the offset changes within the hour, so each row is placed on its own.
   */
  private readonly hours = new Map<number, number | string>();
  // consecutive rows mostly share their hour
  private lastKey = -1;
  private lastHour: number | string = NaN;

  constructor(private readonly tz: string) {
    this.expectedOnce = `a local time that occurs exactly once in ${tz}, or a time with an offset`;
  }

  /** UTC milliseconds of a CSV timestamp, or why it cannot be placed in time */
  parse(text: string): number | TimeProblem {
    const f = this.fields;
    if (!f.read(text)) return { expected: EXPECTED_TIME, reason: `${JSON.stringify(truncateRecord(text, 200))} is not a date-time` };
    if (f.month < 1 || f.month > 12 || f.day < 1 || (f.day > 28 && f.day > daysInMonth(f.year, f.month))) {
      return { expected: EXPECTED_TIME, reason: `${text.slice(0, 10)} is not a calendar date` };
    }
    if (f.hour > 23 || f.minute > 59 || f.second > 59) {
      return { expected: EXPECTED_TIME, reason: `${text} has an hour, minute or second out of range` };
    }
    const withinHour = (f.minute * 60 + f.second) * 1000 + f.millis;
    if (f.offsetMinutes !== undefined) {
      return (daysFromCivil(f.year, f.month, f.day) * 24 + f.hour) * HOUR_MS + withinHour - f.offsetMinutes * 60_000;
    }
    const hour = this.hourOf(f.year, f.month, f.day, f.hour);
    if (typeof hour === 'string') return { expected: this.expectedOnce, reason: `${text} ${hour}` };
    if (!Number.isNaN(hour)) return hour + withinHour;
    const local = new Temporal.PlainDateTime(f.year, f.month, f.day, f.hour, f.minute, f.second, f.millis);
    const exact = this.resolve(local);
    return Number.isNaN(exact) ? { expected: this.expectedOnce, reason: `${text} ${this.explain(local)}` } : exact;
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

  /** UTC ms of a local time, NaN when it does not exist or occurs twice */
  private resolve(local: Temporal.PlainDateTime): number {
    try {
      return local.toZonedDateTime(this.tz, { disambiguation: 'reject' }).epochMilliseconds;
    } catch {
      return NaN;
    }
  }

  /** why a local time that does not exist or occurs twice cannot be placed (the sentence after the time) */
  private explain(local: Temporal.PlainDateTime): string {
    const earlier = local.toZonedDateTime(this.tz, { disambiguation: 'earlier' });
    const change = earlier.getTimeZoneTransition('next');
    const skipped = !local.toZonedDateTime(this.tz, { disambiguation: 'compatible' }).toPlainDateTime().equals(local);
    const advice = 'pass --tz or give times with an offset';
    if (!change) return `cannot be placed in ${this.tz}; ${advice}`;
    const before = clockAt(change.epochMilliseconds + earlier.offsetNanoseconds / 1e6);
    const after = clockAt(change.epochMilliseconds + change.offsetNanoseconds / 1e6);
    const on = change.toPlainDate().toString();
    return skipped
      ? `does not exist in ${this.tz} (clocks jump from ${before} to ${after} on ${on}, daylight saving time); ${advice}`
      : `occurs twice in ${this.tz} (clocks go back from ${before} to ${after} on ${on}, end of daylight saving time); ${advice}`;
  }
}

/**
 * The fields of `YYYY-MM-DD[T ]HH:MM[:SS[.fff…]][Z|±HH[:MM]]`, read by character codes into one reused
 * object: no regex match arrays on a path taken once per row. Ranges are checked by the caller.
 */
class DateTimeFields {
  year = 0;
  month = 0;
  day = 0;
  hour = 0;
  minute = 0;
  second = 0;
  millis = 0;
  /** minutes east of UTC; undefined for a naive local time */
  offsetMinutes: number | undefined = undefined;

  read(text: string): boolean {
    this.year = digits(text, 0, 4);
    this.month = digits(text, 5, 2);
    this.day = digits(text, 8, 2);
    this.hour = digits(text, 11, 2);
    this.minute = digits(text, 14, 2);
    const t = text.charCodeAt(10);
    if (this.year < 0 || this.month < 0 || this.day < 0 || this.hour < 0 || this.minute < 0) return false;
    if (text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH || text.charCodeAt(13) !== COLON) return false;
    if (t !== 84 /* T */ && t !== 116 /* t */ && t !== SPACE) return false;
    let i = this.readSeconds(text, 16);
    if (i < 0) return false;
    while (text.charCodeAt(i) === SPACE) i++;
    this.offsetMinutes = i === text.length ? undefined : offsetMinutes(text, i);
    return i === text.length || this.offsetMinutes !== undefined;
  }

  /** `:SS[.fff…]` at `i` if present; the index after it, or -1 */
  private readSeconds(text: string, i: number): number {
    this.second = 0;
    this.millis = 0;
    if (text.charCodeAt(i) !== COLON) return i;
    this.second = digits(text, i + 1, 2);
    if (this.second < 0) return -1;
    let j = i + 3;
    const c = text.charCodeAt(j);
    if (c !== DOT && c !== COMMA) return j;
    const from = ++j;
    for (let scale = 100; isDigit(text.charCodeAt(j)); j++, scale /= 10) {
      if (scale >= 1) this.millis += (text.charCodeAt(j) - 48) * scale;
    }
    return j === from ? -1 : j;
  }
}

/** HH:MM of a wall-clock instant given as milliseconds */
function clockAt(wallMs: number): string {
  return new Date(wallMs).toISOString().slice(11, 16);
}

