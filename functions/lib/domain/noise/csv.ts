// Noise level series in CSV → noise observations, one per row: one sensor per file (the sensor given by
// the caller) or several (a sensor column), columns found by their usual names or named by the caller,
// times in ISO 8601 or in a given format, naive times in a given zone.
import { type CsvDelimiter, columnKey, readCsv, type CsvRecord } from '../csv/reader.ts';
import { isTimeZone, LocalClock, parseTimeFormat } from '../time/local-clock.ts';
import type { IntegrationInterval, IntervalAnchor } from './fiware.ts';
import {
  FieldProblem,
  type NoiseObservation,
  type ParseResult,
  type RecordRejection,
  UnreadableInputError,
  truncateRecord,
} from './observation.ts';

export interface NoiseCsvOptions {
  /** the sensor of a one-sensor file (exclusive with sensorColumn) */
  readonly sensorId?: string;
  /** the column naming each row's sensor, in a file of several sensors */
  readonly sensorColumn?: string;
  readonly name?: string;
  readonly lon?: number;
  readonly lat?: number;
  /** time zone of naive timestamps (default Europe/Paris) */
  readonly tz?: string;
  /** length of each reading; inferred from the timestamps (per sensor) when absent */
  readonly intervalSeconds?: number;
  /** where a row's time sits in its reading: 'start' (the CSV default) or 'end' */
  readonly intervalAnchor?: IntervalAnchor;
  /** per sensor, its registered integration interval (the sensor registry); wins over intervalSeconds */
  readonly sensorIntervals?: Readonly<Record<string, IntegrationInterval>>;
  /** the column of the readings' times (default: datetime, timestamp, date_time, time, or date + time) */
  readonly timeColumn?: string;
  /** the column of the readings' ends (the interval then comes from each row) */
  readonly endColumn?: string;
  /** the column of LAeq (default: LAeq, Leq, noise_LAeq…) */
  readonly levelColumn?: string;
  /** the decimal mark of levels; both are read when not given */
  readonly decimal?: '.' | ',';
  /** the field delimiter; detected from the header when not given */
  readonly delimiter?: CsvDelimiter;
  /** the format of times (%Y %m %d %H %M %S %f), e.g. %d/%m/%Y %H:%M:%S */
  readonly timeFormat?: string;
}

const EXPECTED_HEADER =
  'a header with a time column (datetime, timestamp, date_time, time, or date + time) and a level column (LAeq, Leq, noise_LAeq…), or --time-column / --level-column naming them';
const NUMBER = /^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$/;
const NUMBER_POINT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NUMBER_COMMA = /^[+-]?(?:\d+(?:,\d*)?|,\d+)$/;
// interval inference looks at the first steps only: enough for a typical step, bounded on large files
const INTERVAL_SAMPLE = 1000;
const FALLBACK_INTERVAL_MS = 60_000;

interface Columns {
  readonly time: number;
  /** a separate date column when the file splits date and time */
  readonly date: number;
  readonly end: number;
  readonly sensor: number;
  readonly laeq: number;
  readonly lamax: number;
  readonly las: number;
  readonly names: readonly string[];
}

interface Reading {
  readonly record: number;
  readonly recordText: string;
  readonly sensorId: string;
  readonly ms: number;
  /** the reading's end, from an end column */
  readonly endMs: number | undefined;
  readonly laeq: number;
  readonly lamax: number | null;
  readonly las: number | null;
}

export function parseNoiseCsv(text: string, options: NoiseCsvOptions): ParseResult {
  const tz = options.tz ?? 'Europe/Paris';
  checkOptions(options, tz);
  checkText(text);
  const csv = readCsv(text, { delimiter: options.delimiter });
  const header = csv.records[0];
  if (!header) throw new UnreadableInputError('empty CSV file', EXPECTED_HEADER, 'an empty file');
  const columns = locateColumns(header, options);
  const clock = new LocalClock({ tz, format: options.timeFormat, tzAdvice: 'pass --tz ZONE' });
  const readings: Reading[] = [];
  const rejections: RecordRejection[] = [];
  for (let i = 1; i < csv.records.length; i++) {
    const record = csv.records[i]!;
    const read = readRow(record, columns, clock, options);
    if (read === undefined) continue;
    if (read instanceof FieldProblem) rejections.push({ record: String(record.line), ...read, recordText: truncateRecord(record.text) });
    else readings.push(read);
  }
  if (csv.unterminated) {
    const { line, text: rest } = csv.unterminated;
    const reason = `unterminated quoted field: the quote opened on line ${line} is never closed, so the rest of the file cannot be split into rows`;
    rejections.push({ record: String(line), field: null, expected: 'a closing quote (") for every opening one', found: truncateRecord(rest, 200), reason, recordText: truncateRecord(rest) });
  }
  return { observations: observations(readings, options), rejections };
}

/** options come with the file (CLI flags, object metadata): wrong ones make the file unreadable, not the process fail */
function checkOptions(options: NoiseCsvOptions, tz: string): void {
  if (!options.sensorId && !options.sensorColumn) {
    throw new UnreadableInputError('a noise CSV series needs the sensor it comes from', 'a sensor id (--sensor ID) or a sensor column (--sensor-column NAME)', 'none');
  }
  if (options.sensorId && options.sensorColumn) {
    throw new UnreadableInputError('a sensor id and a sensor column both given', 'either --sensor ID (one sensor per file) or --sensor-column NAME', `--sensor ${options.sensorId} and --sensor-column ${options.sensorColumn}`);
  }
  const interval = options.intervalSeconds;
  if (interval !== undefined && !(Number.isFinite(interval) && interval > 0)) {
    throw new UnreadableInputError('interval of the readings is not a positive duration', 'intervalSeconds > 0', String(interval));
  }
  if (!isTimeZone(tz)) throw new UnreadableInputError(`unknown time zone for the naive timestamps`, 'an IANA time zone such as Europe/Paris or UTC', tz);
  if (options.timeFormat !== undefined) {
    try {
      parseTimeFormat(options.timeFormat);
    } catch (e) {
      throw new UnreadableInputError((e as Error).message, 'a time format made of %Y %m %d %H %M %S %f and literal characters', options.timeFormat);
    }
  }
}

function checkText(text: string): void {
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    throw new UnreadableInputError('binary data, not a CSV text file', 'UTF-8 text (a CSV file)', `a NUL byte at character ${nul - (text.charCodeAt(0) === 0xfeff ? 1 : 0)}`);
  }
  if (text.replace(/^\uFEFF/, '').trim() === '') throw new UnreadableInputError('empty CSV file', EXPECTED_HEADER, 'an empty file');
}

function locateColumns(header: CsvRecord, options: NoiseCsvOptions): Columns {
  const names = header.fields.map((name) => name.trim());
  const keys = names.map(columnKey);
  const find = (match: (key: string) => boolean) => keys.findIndex(match);
  const named = (option: string, name: string | undefined): number => {
    if (name === undefined) return -1;
    const at = keys.indexOf(columnKey(name));
    if (at < 0) {
      throw new UnreadableInputError(`no column ${JSON.stringify(name)} (${option}) in the header`, `a header naming ${JSON.stringify(name)} (compared without case or accents)`, `columns ${names.map((n) => JSON.stringify(n)).join(', ')}`);
    }
    return at;
  };
  const single = options.timeColumn !== undefined ? named('--time-column', options.timeColumn) : find((k) => k === 'datetime' || k === 'timestamp');
  const date = options.timeColumn !== undefined ? -1 : find((k) => k === 'date');
  const time = options.timeColumn !== undefined ? -1 : find((k) => k === 'time');
  const laeq = options.levelColumn !== undefined ? named('--level-column', options.levelColumn) : find((k) => k.startsWith('laeq') || k.startsWith('leq') || k === 'noiselaeq');
  const columns: Columns = {
    time: single >= 0 ? single : time >= 0 ? time : date,
    date: single < 0 && date >= 0 && time >= 0 ? date : -1,
    end: named('--end-column', options.endColumn),
    sensor: named('--sensor-column', options.sensorColumn),
    laeq,
    lamax: find((k) => k.startsWith('lamax') || k === 'noiselamax'),
    las: find((k) => k === 'las' || k.startsWith('lasdb')),
    names,
  };
  if (columns.time < 0 || laeq < 0) {
    const missing = columns.time < 0 ? (laeq < 0 ? 'no time column and no level column' : 'no time column') : 'no level column';
    throw new UnreadableInputError(`CSV header not recognised: ${missing}`, EXPECTED_HEADER, `header ${JSON.stringify(truncateRecord(header.text, 200))}`);
  }
  return columns;
}

/** the row's reading, why it cannot be read, or undefined for a row of empty fields */
function readRow(record: CsvRecord, columns: Columns, clock: LocalClock, options: NoiseCsvOptions): Reading | FieldProblem | undefined {
  const fields = record.fields;
  if (record.error) return new FieldProblem(null, 'quotes only around whole fields ("a""b" for a quote inside)', truncateRecord(record.text, 200), `misplaced quote: ${record.error}`);
  if (fields.length !== columns.names.length) {
    if (fields.every((f) => f.trim() === '')) return undefined;
    const expected = `${columns.names.length} fields, as in the header`;
    return new FieldProblem(null, expected, `${fields.length} fields`, `line ${record.line} has ${fields.length} fields, the header has ${columns.names.length}`);
  }
  const timeText = timeOf(fields, columns);
  if (timeText === '' && fields.every((f) => f.trim() === '')) return undefined;
  const ms = clock.parse(timeText);
  if (typeof ms !== 'number') return new FieldProblem(timeField(columns), ms.expected, truncateRecord(timeText, 200), ms.reason);
  let endMs: number | undefined;
  if (columns.end >= 0) {
    const endText = fields[columns.end]!.trim();
    const end = clock.parse(endText);
    if (typeof end !== 'number') return new FieldProblem(columns.names[columns.end]!, end.expected, truncateRecord(endText, 200), end.reason);
    endMs = end;
  }
  const sensorId = columns.sensor >= 0 ? fields[columns.sensor]!.trim() : options.sensorId!;
  if (sensorId === '') {
    const field = columns.names[columns.sensor]!;
    return new FieldProblem(field, 'a sensor id', 'an empty field', `${field} is empty: the row names no sensor`);
  }
  const laeq = readLevel(fields, columns, columns.laeq, options.decimal);
  if (laeq === null) return missingLevel(columns);
  if (laeq instanceof FieldProblem) return laeq;
  const lamax = readLevel(fields, columns, columns.lamax, options.decimal);
  if (lamax instanceof FieldProblem) return lamax;
  const las = readLevel(fields, columns, columns.las, options.decimal);
  if (las instanceof FieldProblem) return las;
  return { record: record.line, recordText: truncateRecord(record.text), sensorId, ms, endMs, laeq, lamax, las };
}

function timeOf(fields: readonly string[], columns: Columns): string {
  const time = fields[columns.time]!.trim();
  return columns.date < 0 ? time : `${fields[columns.date]!.trim()} ${time}`;
}

function timeField(columns: Columns): string {
  const time = columns.names[columns.time]!;
  return columns.date < 0 ? time : `${columns.names[columns.date]}+${time}`;
}

function readLevel(fields: readonly string[], columns: Columns, index: number, decimal: '.' | ',' | undefined): number | null | FieldProblem {
  if (index < 0) return null;
  const text = fields[index]!.trim();
  if (text === '') return null;
  const pattern = decimal === '.' ? NUMBER_POINT : decimal === ',' ? NUMBER_COMMA : NUMBER;
  if (pattern.test(text)) return Number(text.includes(',') ? text.replace(',', '.') : text);
  const field = columns.names[index]!;
  const expected = decimal ? `a number (dB(A)) with a decimal ${decimal === '.' ? 'point' : 'comma'} (--decimal ${decimal})` : 'a number (dB(A)), decimal point or comma';
  return new FieldProblem(field, expected, truncateRecord(text, 200), `${field} is not a number`);
}

function missingLevel(columns: Columns): FieldProblem {
  const field = columns.names[columns.laeq]!;
  return new FieldProblem(field, 'a number (dB(A)), decimal point or comma', 'an empty field', `${field} is empty`);
}

/** each reading's period: its end column, its sensor's registered interval, the interval given, or its sensor's typical step */
function observations(readings: readonly Reading[], options: NoiseCsvOptions): NoiseObservation[] {
  const inferred = new Map<string, number>();
  const intervalOf = (sensorId: string): IntegrationInterval => {
    const registered = options.sensorIntervals && Object.hasOwn(options.sensorIntervals, sensorId) ? options.sensorIntervals[sensorId] : undefined;
    if (registered) return registered;
    const anchor = options.intervalAnchor ?? 'start';
    if (options.intervalSeconds !== undefined) return { seconds: options.intervalSeconds, anchor };
    let ms = inferred.get(sensorId);
    if (ms === undefined) inferred.set(sensorId, (ms = typicalStep(readings, sensorId)));
    return { seconds: ms / 1000, anchor };
  };
  return readings.map((r) => {
    let from = r.ms;
    let to = r.endMs;
    if (to === undefined) {
      const interval = intervalOf(r.sensorId);
      const ms = interval.seconds * 1000;
      if (interval.anchor === 'end') from = r.ms - ms;
      to = from + ms;
    }
    return {
      record: r.record,
      recordText: r.recordText,
      sensorId: r.sensorId,
      name: options.sensorId ? (options.name ?? null) : null,
      lon: options.sensorId ? (options.lon ?? null) : null,
      lat: options.sensorId ? (options.lat ?? null) : null,
      tsFrom: new Date(from),
      tsTo: new Date(to),
      laeq: r.laeq,
      lamax: r.lamax,
      las: r.las,
      noiseSource: 'unknown',
      sonometerClass: null,
    };
  });
}

/**
 * The length of a sensor's readings when not given: the median of the first positive steps between its
 * consecutive timestamps (robust to a gap or a rejected row); 60 s when there is no step to look at.
 */
function typicalStep(readings: readonly Reading[], sensorId: string): number {
  const steps: number[] = [];
  let previous: number | undefined;
  for (let i = 0; i < readings.length && steps.length < INTERVAL_SAMPLE; i++) {
    const r = readings[i]!;
    if (r.sensorId !== sensorId) continue;
    if (previous !== undefined && r.ms - previous > 0) steps.push(r.ms - previous);
    previous = r.ms;
  }
  if (steps.length === 0) return FALLBACK_INTERVAL_MS;
  steps.sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)]!;
}
