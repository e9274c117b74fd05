// FIWARE Smart Data Models NoiseLevelObserved (schema 0.2.1) → noise observations.
// Every attribute is unwrapped by its own shape, so NGSI-v2 / NGSI-LD, keyValues / normalized and the
// GeoJSON Feature form are all read, and one batch (even one entity) may mix them.
import { isAscii } from 'node:buffer';
import { NOISE_SOURCES } from '../../datasets/noise.ts';
import {
  FieldProblem,
  type NoiseObservation,
  type ParseResult,
  type RecordRejection,
  UnreadableInputError,
  truncateRecord,
} from './observation.ts';
import { isObject } from '../json.ts';
import { COLON, COMMA } from '../time/iso.ts';
import { isoDurationMillis, LocalClock } from '../time/local-clock.ts';

const ENTITY_TYPE = 'NoiseLevelObserved';
const EXPECTED_INPUT = 'a JSON NoiseLevelObserved entity, an array of entities, a GeoJSON FeatureCollection or an NGSI notification';
const EXPECTED_NUMBER = 'a JSON number (dB(A))';
// refDevice / refPointOfInterest: the schema caps entity ids at 256 characters
const MAX_ID_LENGTH = 256;
const FOUND_MAX = 200;

type Attributes = Record<string, unknown>;

/** where a single observation instant sits in its integration interval */
export type IntervalAnchor = 'end' | 'start';

export interface IntegrationInterval {
  readonly seconds: number;
  /** 'end' (the default): the instant closes the interval; 'start': it opens it */
  readonly anchor: IntervalAnchor;
}

/** what the caller knows that a payload does not say (plain data: it is sent to shard readers as it is) */
export interface FiwareOptions {
  /** IANA zone of times without offset; none (the default): such times are refused */
  readonly tz?: string;
  /** the integration interval of readings stamped with a single instant (--interval, the push network's configuration) */
  readonly interval?: IntegrationInterval;
  /** per sensor id, its registered integration interval (the sensor registry); wins over `interval` */
  readonly sensorIntervals?: Readonly<Record<string, IntegrationInterval>>;
}

/** the reader's state for one payload: its options and its clock */
class Reading {
  readonly clock: LocalClock;

  constructor(readonly options: FiwareOptions) {
    this.clock = new LocalClock({
      tz: options.tz,
      tzAdvice: 'pass --tz ZONE (command line) or set "tz" in the push network\'s configuration',
    });
  }

  intervalOf(sensorId: string): IntegrationInterval | undefined {
    const registered = this.options.sensorIntervals;
    return (registered && Object.hasOwn(registered, sensorId) ? registered[sensorId] : undefined) ?? this.options.interval;
  }
}

export function parseFiware(text: string, options: FiwareOptions = {}): ParseResult {
  const body = withoutBom(text);
  const span = arraySpan(body);
  if (span) {
    const reader = new FiwareArrayReader(body, span.from, span.to, 0, options);
    if (reader.read(Infinity) === 'done') return reader.take();
  }
  const bounds = arrayElementBounds(body);
  const reading = new Reading(options);
  return (bounds && readFiwareElements(reading, body, bounds, 0)) ?? readBatch(reading, entitiesOf(parseJson(body), body), body);
}

export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The characters of a JSON text as the array reader reads them (what it asks of a string): a string,
 * or AsciiChars.
 */
export interface JsonChars {
  readonly length: number;
  charCodeAt(index: number): number;
  indexOf(search: string, from: number): number;
  slice(from: number, to: number): string;
}

/**
 * Bytes that are all ASCII read as characters, each byte one character at its own offset: the reader
 * decodes each chunk as it reads it, and no text of the whole input is made (a large input's text
 * costs as much as its bytes to make, in fresh memory).
 */
export class AsciiChars implements JsonChars {
  readonly bytes: Buffer;

  /** `bytes` must be all ASCII (charsOf checks it) */
  constructor(bytes: Uint8Array) {
    this.bytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  charCodeAt(index: number): number {
    return this.bytes[index] ?? NaN;
  }

  indexOf(search: string, from: number): number {
    return this.bytes.indexOf(search, from, 'latin1');
  }

  slice(from: number, to: number): string {
    return this.bytes.toString('latin1', from, to);
  }
}

/** the characters of UTF-8 bytes: AsciiChars when they are all ASCII, else their decoded text */
export function charsOf(bytes: Uint8Array): JsonChars {
  if (isAscii(bytes)) return new AsciiChars(bytes);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** the whole text of characters */
export function textOf(chars: JsonChars): string {
  return typeof chars === 'string' ? chars : chars.slice(0, chars.length);
}

function readBatch(reading: Reading, { entities, bounds }: Batch, body: string): ParseResult {
  const observations: NoiseObservation[] = [];
  const rejections: RecordRejection[] = [];
  for (let index = 0; index < entities.length; index++) {
    const entity = entities[index];
    const start = bounds[2 * index];
    const recordText = truncateRecord(start === undefined ? printable(entity) : body.slice(start, bounds[2 * index + 1]));
    readInto(reading, observations, rejections, entity, index, recordText);
  }
  return { observations, rejections };
}

function readInto(reading: Reading, observations: NoiseObservation[], rejections: RecordRejection[], entity: unknown, index: number, text: string | RecordTexts): void {
  const read = readEntity(reading, entity, index, text);
  if (read instanceof FieldProblem) rejections.push({ record: String(index), ...read, recordText: typeof text === 'string' ? text : text.at(index) });
  else observations.push(read);
}

/**
 * An observation of a FIWARE entity. Its record text is looked up only when it is needed (a record
 * the checks reject): the chunked reader does not cut the array into elements.
 */
class FiwareObservation implements NoiseObservation {
  readonly #text: string | RecordTexts;

  constructor(
    readonly record: number,
    text: string | RecordTexts,
    readonly sensorId: string,
    readonly name: string | null,
    readonly lon: number | null,
    readonly lat: number | null,
    readonly tsFrom: Date,
    readonly tsTo: Date,
    readonly laeq: number | null,
    readonly lamax: number | null,
    readonly las: number | null,
    readonly noiseSource: string,
    readonly sonometerClass: string | null,
  ) {
    this.#text = text;
  }

  get recordText(): string {
    const text = this.#text;
    return typeof text === 'string' ? text : text.at(this.record);
  }
}

/** the fields of a chunk of RecordTexts */
const START = 0;
const END = 1;
const FIRST_INDEX = 2;

/** the text of each element of a chunked array, found (by scanning its chunk) only when asked for */
class RecordTexts {
  /** per chunk: start, end (character offsets) and the index of its first element */
  private readonly chunks: number[] = [];
  private cached?: { chunk: number; bounds: number[] };

  constructor(private readonly body: JsonChars) {}

  add(start: number, end: number, firstIndex: number): void {
    this.chunks.push(start, end, firstIndex);
  }

  at(record: number): string {
    // the last chunk starting at or before the record (a binary search: a hostile file may be rejected whole)
    let low = 0;
    let high = this.chunks.length / 3 - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.field(middle, FIRST_INDEX) <= record) low = middle;
      else high = middle - 1;
    }
    const chunk = low;
    if (this.cached?.chunk !== chunk) this.cached = { chunk, bounds: elementsWithin(this.body, this.field(chunk, START), this.field(chunk, END)) };
    const i = record - this.field(chunk, FIRST_INDEX);
    return truncateRecord(this.body.slice(this.cached.bounds[2 * i] ?? 0, this.cached.bounds[2 * i + 1] ?? this.body.length));
  }

  /** a field of a chunk (every chunk has its three) */
  private field(chunk: number, field: typeof START | typeof END | typeof FIRST_INDEX): number {
    return this.chunks[3 * chunk + field] ?? 0;
  }
}

/** where the elements of a JSON array text lie (`from` … `to`, between the brackets and their white space); undefined when the text is not `[` … `]` */
export function arraySpan(body: JsonChars): { from: number; to: number } | undefined {
  const open = firstNonSpace(body);
  let close = body.length - 1;
  while (close > open && isSpace(body.charCodeAt(close))) close--;
  if (body.charCodeAt(open) !== OPEN_BRACKET || close <= open || body.charCodeAt(close) !== CLOSE_BRACKET) return undefined;
  let to = close;
  while (to > open + 1 && isSpace(body.charCodeAt(to - 1))) to--;
  return { from: firstNonSpace(body, open + 1), to };
}

/**
 * After `from` and before `to`, a place where a top-level element may end and the next begin: a `}`
 * followed by a comma and a `{` (white space aside). Returns the end of the element and the start of
 * the next, or undefined. Only a guess (the same three characters may sit inside a string or a nested
 * array): the reader checks it, as JSON.parse of the pieces only succeeds when every cut is between
 * elements.
 */
export function nextElementCut(body: JsonChars, from: number, to: number): { end: number; next: number } | undefined {
  for (let i = from; ; ) {
    const at = body.indexOf('},', i);
    if (at < 0 || at + 2 >= to) return undefined;
    const next = firstNonSpace(body, at + 2);
    if (body.charCodeAt(next) === OPEN_BRACE && next < to) return { end: at + 1, next };
    i = at + 2;
  }
}

/** characters of an array parsed by one JSON.parse: its objects still die young */
const CHUNK_CHARS = 64 * 1024;

/**
 * Reads the elements of an array text between `from` and `to` (see arraySpan), numbered from
 * `firstIndex`, a chunk of elements per JSON.parse: there is no scan of the text for the elements'
 * bounds, where the whole array would otherwise be read twice. Every chunk must parse as JSON, and
 * with the cuts between them (nextElementCut) the chunks make up the array exactly: the reader gives
 * what a whole JSON.parse of the array gives, or 'invalid' (and the caller reads the text element by
 * element, or whole, for the verdict).
 */
export class FiwareArrayReader {
  private observations: NoiseObservation[] = [];
  private rejections: RecordRejection[] = [];
  /** elements read so far */
  count = 0;
  private at: number;
  private readonly texts: RecordTexts;
  private readonly reading: Reading;

  constructor(
    private readonly body: JsonChars,
    from: number,
    private readonly to: number,
    private readonly firstIndex: number,
    options: FiwareOptions = {},
    /** the characters of a chunk, before the next cut (smaller in tests, to cut everywhere) */
    private readonly chunkChars = CHUNK_CHARS,
  ) {
    this.at = from;
    this.texts = new RecordTexts(body);
    this.reading = new Reading(options);
  }

  /** the elements from here to `end`, or undefined when they are not a JSON array's */
  private parse(end: number): unknown[] | undefined {
    try {
      const entities: unknown = JSON.parse(`[${this.body.slice(this.at, end)}]`);
      return Array.isArray(entities) ? entities : undefined;
    } catch {
      return undefined;
    }
  }

  /** what was read since the last take() */
  take(): ParseResult {
    const read = { observations: this.observations, rejections: this.rejections };
    this.observations = [];
    this.rejections = [];
    return read;
  }

  /** reads chunks of at least `chars` characters in all (the last chunk whole) */
  read(chars: number): 'more' | 'done' | 'invalid' {
    const stop = Math.min(this.to, this.at + chars);
    while (this.at < this.to) {
      let cut = this.to - this.at > this.chunkChars ? nextElementCut(this.body, this.at + this.chunkChars, this.to) : undefined;
      let entities = this.parse(cut ? cut.end : this.to);
      if (entities === undefined && cut) {
        // the guess may have cut inside an element (a text holding "},{", a nested list of objects): cut
        // where an element does end, found by scanning the elements of this chunk
        cut = exactElementCut(this.body, this.at, this.at + this.chunkChars, this.to);
        entities = this.parse(cut ? cut.end : this.to);
      }
      // (a cut after a comma that parses as an empty array: "[…,]" is not valid)
      if (entities === undefined || (entities.length === 0 && (cut || this.count > 0))) return 'invalid';
      const end = cut ? cut.end : this.to;
      const first = this.firstIndex + this.count;
      this.texts.add(this.at, end, first);
      for (let i = 0; i < entities.length; i++) readInto(this.reading, this.observations, this.rejections, entities[i], first + i, this.texts);
      this.count += entities.length;
      this.at = cut ? cut.next : this.to;
      if (this.at >= stop && this.at < this.to) return 'more';
    }
    return 'done';
  }
}

/**
 * From `from` (an element's start), the first element ending at or after `until`, scanned element by
 * element: its end and the next element's start; undefined when no element follows it before `to`
 * (the chunk then runs to the end). On text that is not JSON the answer means nothing, and JSON.parse
 * of the chunk says so.
 */
function exactElementCut(text: JsonChars, from: number, until: number, to: number): { end: number; next: number } | undefined {
  let i = from;
  while (i < to) {
    const end = skipValue(text, i);
    const comma = firstNonSpace(text, end);
    if (text.charCodeAt(comma) !== COMMA || end <= i) return undefined;
    const next = firstNonSpace(text, comma + 1);
    if (end >= until) return next < to ? { end, next } : undefined;
    i = next;
  }
  return undefined;
}

/** start, end… of the elements from `start` (an element's start) to `end` (after the last one) */
function elementsWithin(text: JsonChars, start: number, end: number): number[] {
  const bounds: number[] = [];
  let i = start;
  while (i < end) {
    const e = skipValue(text, i);
    bounds.push(i, e);
    i = firstNonSpace(text, e);
    if (text.charCodeAt(i) !== COMMA) break;
    i = firstNonSpace(text, i + 1);
  }
  return bounds;
}

/**
 * An array the chunked reader could not read (FiwareArrayReader: one of its pieces is not JSON, maybe
 * cut inside an element) is read one element at a time: each entity's objects die young, instead of the
 * whole parsed array outliving the batch (~1/3 less time in the garbage collector).
 * The start and end of each element (flat: start, end, start, end…) when the text (without BOM) is a
 * JSON array with nothing but white space after it; undefined otherwise (the whole is then read by
 * JSON.parse, which gives the verdict).
 */
function arrayElementBounds(body: string): number[] | undefined {
  const open = firstNonSpace(body);
  if (body.charCodeAt(open) !== OPEN_BRACKET) return undefined;
  const bounds = elementBounds(body, open);
  const close = firstNonSpace(body, bounds[bounds.length - 1] ?? open + 1);
  if (body.charCodeAt(close) !== CLOSE_BRACKET || firstNonSpace(body, close + 1) !== body.length) return undefined;
  return bounds;
}

/**
 * Reads array elements of `text` (start, end pairs into it), numbering them from `firstIndex`: the
 * same verdicts as a whole JSON.parse of the array, or undefined when an element is not valid JSON
 * (the whole array is then read by JSON.parse, which names the error).
 */
function readFiwareElements(reading: Reading, text: string, bounds: ArrayLike<number>, firstIndex: number): ParseResult | undefined {
  const observations: NoiseObservation[] = [];
  const rejections: RecordRejection[] = [];
  for (let i = 0; 2 * i < bounds.length; i++) {
    const element = text.slice(bounds[2 * i], bounds[2 * i + 1]);
    let entity: unknown;
    try {
      entity = JSON.parse(element);
    } catch {
      return undefined;
    }
    readInto(reading, observations, rejections, entity, firstIndex + i, truncateRecord(element));
  }
  return { observations, rejections };
}

function parseJson(body: string): unknown {
  if (!/\S/.test(body)) throw new UnreadableInputError('empty input: no JSON to read', EXPECTED_INPUT, 'empty input');
  try {
    return JSON.parse(body);
  } catch (error) {
    const found = `invalid JSON (${(error as Error).message}) starting ${JSON.stringify(body.slice(0, 60))}`;
    throw new UnreadableInputError('input is not valid JSON', EXPECTED_INPUT, found);
  }
}

interface Batch {
  readonly entities: readonly unknown[];
  /** start, end of each entity's text in the input: the record as received, and several times cheaper than JSON.stringify */
  readonly bounds: readonly number[];
}

function entitiesOf(json: unknown, body: string): Batch {
  const start = firstNonSpace(body);
  if (Array.isArray(json)) return batch(json, elementBounds(body, start));
  if (!isObject(json)) {
    const found = `a JSON ${json === null ? 'null' : typeof json}`;
    throw new UnreadableInputError('JSON input is neither an object nor an array', EXPECTED_INPUT, found);
  }
  if (own(json, 'type') === 'FeatureCollection') {
    const features = own(json, 'features');
    if (!Array.isArray(features)) {
      throw new UnreadableInputError('FeatureCollection without a features array', 'a "features" array', clip(show(features)));
    }
    return batch(features, elementBounds(body, memberStart(body, start, 'features')));
  }
  // an NGSI-v2 or NGSI-LD subscription notification carries the entities in `data`
  const data = own(json, 'data');
  if (Object.hasOwn(json, 'subscriptionId') && Array.isArray(data)) {
    return batch(data, elementBounds(body, memberStart(body, start, 'data')));
  }
  return batch([json], [start, skipValue(body, start)]);
}

function batch(entities: readonly unknown[], bounds: readonly number[]): Batch {
  return { entities, bounds: bounds.length === 2 * entities.length ? bounds : [] };
}

function readEntity(reading: Reading, entity: unknown, index: number, text: string | RecordTexts): NoiseObservation | FieldProblem {
  if (!isObject(entity)) {
    return new FieldProblem('type', 'a JSON object (a NoiseLevelObserved entity)', clip(show(entity)), 'entity is not an object');
  }
  const feature = own(entity, 'type') === 'Feature';
  const attributes = feature ? own(entity, 'properties') : entity;
  if (!isObject(attributes)) {
    return new FieldProblem('properties', 'an object holding the entity', clip(show(attributes)), 'GeoJSON Feature without properties');
  }
  const type = readType(attributes);
  if (type) return type;
  const locationField = feature && !Object.hasOwn(attributes, 'location') ? 'geometry' : 'location';
  const point = readPoint(locationField === 'geometry' ? unwrap(own(entity, 'geometry')) : attribute(attributes, 'location'), locationField);
  if (point instanceof FieldProblem) return point;
  const sensorId = readSensorId(attributes, point);
  if (sensorId instanceof FieldProblem) return sensorId;
  const period = readPeriod(reading, attributes, sensorId);
  if (period instanceof FieldProblem) return period;
  const laeq = readLevel(attributes, 'LAeq');
  if (laeq instanceof FieldProblem) return laeq;
  const lamax = readLevel(attributes, 'LAmax');
  if (lamax instanceof FieldProblem) return lamax;
  const las = readLevel(attributes, 'LAS');
  if (las instanceof FieldProblem) return las;
  const sonometerClass = readSonometerClass(attributes);
  if (sonometerClass instanceof FieldProblem) return sonometerClass;
  const noiseSource = readNoiseSource(attributes);
  if (noiseSource instanceof FieldProblem) return noiseSource;
  const name = attribute(attributes, 'name');
  return new FiwareObservation(
    index,
    text,
    sensorId,
    typeof name === 'string' ? name : null,
    point ? point[0] : null,
    point ? point[1] : null,
    new Date(period[0]),
    new Date(period[1]),
    laeq,
    lamax,
    las,
    noiseSource,
    sonometerClass,
  );
}


function readType(attributes: Attributes): FieldProblem | undefined {
  const type = own(attributes, 'type');
  // NGSI-LD may give the expanded type URI instead of the short name
  if (typeof type === 'string' && (type === ENTITY_TYPE || type.endsWith(`/${ENTITY_TYPE}`))) return undefined;
  const reason = type === undefined ? 'entity has no type' : `entity type is not ${ENTITY_TYPE}`;
  return new FieldProblem('type', JSON.stringify(ENTITY_TYPE), clip(show(type)), reason);
}

/** the reading's position; null when the entity has none (a registered sensor's position is taken at ingest) */
function readPoint(location: unknown, field: string): [number, number] | null | FieldProblem {
  const expected = 'a GeoJSON Point {"type":"Point","coordinates":[lon, lat]}';
  if (location === undefined || location === null) return null;
  if (!isObject(location) || own(location, 'type') !== 'Point') {
    return new FieldProblem(field, expected, clip(show(location)), `${field} is not a GeoJSON Point`);
  }
  const c = own(location, 'coordinates');
  if (!Array.isArray(c) || c.length < 2 || !isFiniteNumber(c[0]) || !isFiniteNumber(c[1])) {
    return new FieldProblem(field, 'coordinates [lon, lat] as two numbers', clip(show(c)), `${field} coordinates are not [lon, lat] numbers`);
  }
  const [lon, lat] = c as [number, number];
  if (lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    return new FieldProblem(field, 'lon in [-180, 180], lat in [-90, 90]', clip(show(c)), `${field} coordinates out of range`);
  }
  return [lon, lat];
}

const EXPECTED_PERIOD = 'dateObservedFrom and dateObservedTo, or dateObserved as an interval "start/end" or "start/duration", or a single instant with a known integration interval';

/**
 * The observed period, from any of the forms the data model and real deployments use:
 * dateObservedFrom/To; dateObserved as an ISO 8601 interval `start/end`, `start/duration` or
 * `duration/end`; or a single instant (dateObserved, or From equal to To), which is the end (or, for a
 * sensor registered so, the start) of the sensor's integration interval when one is known.
 */
function readPeriod(reading: Reading, attributes: Attributes, sensorId: string): [number, number] | FieldProblem {
  const from = present(attribute(attributes, 'dateObservedFrom'));
  const to = present(attribute(attributes, 'dateObservedTo'));
  if (from !== undefined && to !== undefined) {
    const start = readDateTime(reading, from, 'dateObservedFrom');
    if (start instanceof FieldProblem) return start;
    const end = readDateTime(reading, to, 'dateObservedTo');
    if (end instanceof FieldProblem) return end;
    return start === end ? instantPeriod(reading, end, 'dateObservedTo', to, sensorId) : [start, end];
  }
  const observed = present(attribute(attributes, 'dateObserved'));
  if (observed === undefined) {
    const field = from === undefined ? 'dateObservedFrom' : 'dateObservedTo';
    return new FieldProblem(field, EXPECTED_PERIOD, 'nothing', `${field} is missing`);
  }
  if (typeof observed !== 'string') return new FieldProblem('dateObserved', EXPECTED_PERIOD, clip(show(observed)), 'dateObserved is not a date-time text');
  const parts = observed.split('/');
  if (parts.length === 1) {
    const instant = readDateTime(reading, observed, 'dateObserved');
    return instant instanceof FieldProblem ? instant : instantPeriod(reading, instant, 'dateObserved', observed, sensorId);
  }
  if (parts.length !== 2) {
    return new FieldProblem('dateObserved', 'an ISO 8601 interval "start/end" or "start/duration"', clip(observed), 'dateObserved is not a start/end interval');
  }
  const [first = '', second = ''] = parts;
  return intervalPeriod(reading, first, second, observed);
}

function intervalPeriod(reading: Reading, first: string, second: string, text: string): [number, number] | FieldProblem {
  const durationFirst = first.startsWith('P');
  const durationSecond = second.startsWith('P');
  if (durationFirst || durationSecond) {
    const duration = isoDurationMillis(durationFirst ? first : second);
    if (duration === undefined || duration <= 0 || (durationFirst && durationSecond)) {
      const expected = 'an ISO 8601 interval "start/end" or "start/duration" with a duration in days, hours, minutes or seconds (e.g. PT1M)';
      return new FieldProblem('dateObserved', expected, clip(text), 'dateObserved does not have a usable duration');
    }
    const instant = readDateTime(reading, durationFirst ? second : first, 'dateObserved');
    if (instant instanceof FieldProblem) return instant;
    return durationFirst ? [instant - duration, instant] : [instant, instant + duration];
  }
  const start = readDateTime(reading, first, 'dateObserved');
  if (start instanceof FieldProblem) return start;
  const end = readDateTime(reading, second, 'dateObserved');
  return end instanceof FieldProblem ? end : [start, end];
}

/** a single observation instant: the interval it ends (or starts), when the sensor's integration interval is known */
function instantPeriod(reading: Reading, instant: number, field: string, text: unknown, sensorId: string): [number, number] | FieldProblem {
  const interval = reading.intervalOf(sensorId);
  if (!interval) {
    return new FieldProblem(
      field,
      EXPECTED_PERIOD,
      clip(show(text)),
      `single instant and no integration interval known for sensor ${sensorId}: register it (observatory ingest sensors, with interval_s) or pass --interval (or set interval_s in the push network's configuration)`,
    );
  }
  const ms = interval.seconds * 1000;
  return interval.anchor === 'start' ? [instant, instant + ms] : [instant - ms, instant];
}

function present(value: unknown): unknown {
  return value === null ? undefined : value;
}

function readDateTime(reading: Reading, value: unknown, field: string): number | FieldProblem {
  if (typeof value !== 'string') return new FieldProblem(field, reading.clock.expected, clip(show(value)), `${field} is not a date-time text`);
  const millis = reading.clock.parse(value);
  return typeof millis === 'number' ? millis : new FieldProblem(field, millis.expected, clip(value), `${field} ${millis.reason}`);
}

function readLevel(attributes: Attributes, field: string): number | null | FieldProblem {
  const value = attribute(attributes, field);
  if (value === undefined || value === null) return null;
  if (isFiniteNumber(value)) return value;
  const reason =
    typeof value === 'string'
      ? `${field} is text, not a JSON number (the schema types measurands as numbers)`
      : typeof value === 'number'
        ? `${field} is not a finite number`
        : `${field} is not a number`;
  return new FieldProblem(field, EXPECTED_NUMBER, clip(show(value)), reason);
}

/**
 * refDevice, else refPointOfInterest, else `loc:<lon>,<lat>` with 5 decimals (about 1 m): a sensor
 * without a reference keeps one stable id across payloads as long as its position does not move.
 */
function readSensorId(attributes: Attributes, point: [number, number] | null): string | FieldProblem {
  for (const field of ['refDevice', 'refPointOfInterest']) {
    const ref = reference(attribute(attributes, field));
    if (ref === undefined) continue;
    if (typeof ref === 'string' && ref.trim() !== '' && ref.length <= MAX_ID_LENGTH) return ref;
    return new FieldProblem(field, `an entity id (text of 1 to ${MAX_ID_LENGTH} characters) or a list of them`, clip(show(ref)), `${field} is not a usable entity id`);
  }
  if (point) return `loc:${coordinate(point[0])},${coordinate(point[1])}`;
  const expected = 'a GeoJSON Point {"type":"Point","coordinates":[lon, lat]}, or a refDevice naming a registered sensor';
  return new FieldProblem('location', expected, 'nothing', 'location is missing and no refDevice names the sensor');
}

function reference(value: unknown): unknown {
  let ref = unwrap(value);
  if (Array.isArray(ref)) ref = unwrap(ref[0]);
  return ref === null ? undefined : ref;
}

function coordinate(x: number): string {
  const text = x.toFixed(5);
  return text === '-0.00000' ? '0.00000' : text;
}

function readSonometerClass(attributes: Attributes): string | null | FieldProblem {
  const value = attribute(attributes, 'sonometerClass');
  if (value === undefined || value === null) return null;
  if (value === '0' || value === '1' || value === '2' || value === 0 || value === 1 || value === 2) return String(value);
  return new FieldProblem('sonometerClass', '"0", "1" or "2"', clip(show(value)), 'sonometerClass is not an IEC 61672 class 0, 1 or 2');
}

function readNoiseSource(attributes: Attributes): string | FieldProblem {
  const value = attribute(attributes, 'noiseSource');
  if (value === undefined || value === null) return 'unknown';
  const source = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (source !== undefined && (NOISE_SOURCES as readonly string[]).includes(source)) return source;
  return new FieldProblem('noiseSource', `one of ${NOISE_SOURCES.join(', ')}`, clip(show(value)), 'noiseSource is not a known noise source');
}

/** an own attribute of the entity, unwrapped */
function attribute(attributes: Attributes, name: string): unknown {
  return unwrap(own(attributes, name));
}

/** a property of the object itself, never one inherited from a (possibly polluted) prototype */
function own(object: Attributes, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/**
 * The plain value of a normalized attribute (v2 `value`, LD Property `value`, LD Relationship `object`,
 * JSON-LD `@value`). The attribute's `type` is optional (NGSI-v2 lets the broker infer it from the JSON
 * value, and the data model's own examples leave it out): `{"value": 67.8}` is read as 67.8. A GeoJSON
 * geometry has `type` and `coordinates`, never `value`, so it stays as it is.
 */
function unwrap(value: unknown): unknown {
  if (!isObject(value)) return value;
  let inner: unknown = value;
  const type = own(value, 'type');
  if (type === 'Relationship' && Object.hasOwn(value, 'object')) inner = value.object;
  else if ((typeof type === 'string' || type === undefined) && Object.hasOwn(value, 'value')) inner = value.value;
  else if (type === undefined && Object.hasOwn(value, 'object')) inner = value.object;
  return isObject(inner) && Object.hasOwn(inner, '@value') ? inner['@value'] : inner;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** JSON text of a parsed value; nesting too deep for JSON.stringify must not crash the batch */
function printable(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined';
  } catch {
    return '(not printable: nested too deeply)';
  }
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : printable(value);
}

function clip(text: string): string {
  return truncateRecord(text, FOUND_MAX);
}

// A minimal scanner over text already accepted by JSON.parse: it only finds where values start and end.
// Iterative (deep nesting cannot overflow the stack); strings are skipped with indexOf.

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function firstNonSpace(text: JsonChars, from = 0): number {
  let i = from;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

function skipString(text: JsonChars, open: number): number {
  let from = open + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return text.length;
    let b = quote - 1;
    while (text.charCodeAt(b) === BACKSLASH) b--;
    if ((quote - 1 - b) % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

function skipValue(text: JsonChars, start: number): number {
  const first = text.charCodeAt(start);
  if (first === QUOTE) return skipString(text, start);
  let i = start;
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isSpace(c)) break;
      i++;
    }
    return i;
  }
  let depth = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = skipString(text, i);
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return i;
}

/** start, end, start, end… of the elements of the array at `open`, flat to spare an allocation per entity */
function elementBounds(text: string, open: number): number[] {
  if (text.charCodeAt(open) !== OPEN_BRACKET) return [];
  const first = firstNonSpace(text, open + 1);
  return text.charCodeAt(first) === CLOSE_BRACKET ? [] : elementsWithin(text, first, text.length);
}

/** where the value of member `key` of the object at `open` starts (the last one wins, as in JSON.parse) */
function memberStart(text: string, open: number, key: string): number {
  let found = -1;
  let i = firstNonSpace(text, open + 1);
  while (text.charCodeAt(i) === QUOTE) {
    const keyEnd = skipString(text, i);
    const raw = text.slice(i, keyEnd);
    const name = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
    i = firstNonSpace(text, keyEnd);
    if (text.charCodeAt(i) !== COLON) break;
    i = firstNonSpace(text, i + 1);
    if (name === key) found = i;
    i = firstNonSpace(text, skipValue(text, i));
    if (text.charCodeAt(i) !== COMMA) break;
    i = firstNonSpace(text, i + 1);
  }
  return found;
}
