// A sensor registry file → registered sensors: CSV (`sensor_id,lon,lat[,name,network,interval_s,
// interval_anchor,valid_from,valid_to]`), GeoJSON points (the same names as properties, the position
// from the geometry) or NGSI Device entities (id, location, name; interval_s and interval_anchor when
// the network adds them). Times without offset are Europe/Paris local times; a date alone is its
// local midnight.
import { isObject } from '../json.ts';
import { columnKey, readCsv } from '../csv/reader.ts';
import { LocalClock } from '../time/local-clock.ts';
import type { IntegrationInterval } from './fiware.ts';
import { type RecordRejection, truncateRecord, UnreadableInputError } from './observation.ts';

export interface RegisteredSensor {
  readonly sensor_id: string;
  readonly name: string | null;
  readonly network: string | null;
  readonly interval_s: number | null;
  readonly interval_anchor: 'end' | 'start' | null;
  readonly lon: number;
  readonly lat: number;
  readonly valid_from: Date | null;
  readonly valid_to: Date | null;
}

export interface RegistryParse {
  readonly sensors: RegisteredSensor[];
  readonly rejections: RecordRejection[];
}

type Fields = Record<string, unknown>;

const clock = new LocalClock({ tz: 'Europe/Paris', tzAdvice: 'give an offset' });

export function parseSensorRegistry(text: string): RegistryParse {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') throw new UnreadableInputError('empty registry file', 'a CSV with sensor_id,lon,lat, GeoJSON points or NGSI Device entities', 'an empty file');
  return /^\s*[[{]/.test(body) ? fromJson(body) : fromCsv(body);
}

function fromCsv(text: string): RegistryParse {
  const { records, unterminated } = readCsv(text);
  const [first] = records;
  const header = first?.fields.map(columnKey) ?? [];
  for (const needed of ['sensorid', 'lon', 'lat']) {
    if (!header.includes(needed)) {
      throw new UnreadableInputError(`registry CSV without a ${needed === 'sensorid' ? 'sensor_id' : needed} column`, 'a header sensor_id,lon,lat[,name,network,interval_s,interval_anchor,valid_from,valid_to]', `header ${JSON.stringify(truncateRecord(first?.text ?? '', 200))}`);
    }
  }
  const sensors: RegisteredSensor[] = [];
  const rejections: RecordRejection[] = [];
  for (const record of records.slice(1)) {
    if (record.fields.every((f) => f.trim() === '')) continue;
    const fields: Fields = {};
    header.forEach((key, i) => (fields[key] = record.fields[i]?.trim() ?? ''));
    add(sensors, rejections, String(record.line), record.text, fields, undefined);
  }
  if (unterminated) rejections.push({ record: String(unterminated.line), field: null, expected: 'a closing quote', found: truncateRecord(unterminated.text, 200), reason: 'unterminated quoted field', recordText: unterminated.text });
  return { sensors, rejections };
}

function fromJson(text: string): RegistryParse {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UnreadableInputError(`not JSON: ${(e as Error).message}`, 'GeoJSON points or NGSI Device entities', `${text.length} characters`);
  }
  const items = isObject(doc) && Array.isArray(doc.features) ? doc.features : Array.isArray(doc) ? doc : [doc];
  const sensors: RegisteredSensor[] = [];
  const rejections: RecordRejection[] = [];
  items.forEach((item, i) => {
    const recordText = truncateRecord(JSON.stringify(item) ?? String(item));
    if (!isObject(item)) return void rejections.push(problem(i, 'record', 'an object', JSON.stringify(item), 'not a GeoJSON feature or an NGSI entity', recordText));
    const feature = item.type === 'Feature';
    const raw = feature ? (isObject(item.properties) ? item.properties : {}) : item;
    const fields: Fields = {};
    for (const [k, v] of Object.entries(raw)) fields[columnKey(k)] = unwrap(v);
    if (!feature && fields.sensorid === undefined) fields.sensorid = fields.id;
    const geometry = feature ? item.geometry : unwrap(raw.location);
    add(sensors, rejections, String(i), recordText, fields, geometry);
  });
  return { sensors, rejections };
}

/** why a registry row cannot be read: the field, what was expected, what was found, and why */
interface RowProblem {
  readonly field: string;
  readonly expected: string;
  readonly found: unknown;
  readonly reason: string;
}

const isProblem = (x: object): x is RowProblem => 'reason' in x;

function add(sensors: RegisteredSensor[], rejections: RecordRejection[], record: string, recordText: string, f: Fields, geometry: unknown): void {
  const reject = (p: RowProblem) => rejections.push(problem(record, p.field, p.expected, p.found === undefined || p.found === '' ? 'nothing' : JSON.stringify(p.found), p.reason, recordText));
  const id = typeof f.sensorid === 'string' ? f.sensorid.trim() : typeof f.sensorid === 'number' ? String(f.sensorid) : '';
  if (!id) return void reject({ field: 'sensor_id', expected: 'the sensor id its readings carry (refDevice, or the CSV sensor column)', found: f.sensorid, reason: 'sensor_id missing' });
  const position = positionOf(id, f, geometry);
  if (isProblem(position)) return void reject(position);
  const integration = integrationOf(id, f);
  if (isProblem(integration)) return void reject(integration);
  const validity = validityOf(id, f);
  if (isProblem(validity)) return void reject(validity);
  sensors.push({ sensor_id: id, name: text(f.name), network: text(f.network), ...integration, ...position, ...validity });
}

/** where the sensor stands: the GeoJSON Point, else the lon and lat fields */
function positionOf(id: string, f: Fields, geometry: unknown): { lon: number; lat: number } | RowProblem {
  const point = isObject(geometry) && geometry.type === 'Point' && Array.isArray(geometry.coordinates) ? geometry.coordinates : undefined;
  const lon = num(point ? point[0] : f.lon);
  const lat = num(point ? point[1] : f.lat);
  if (lon === undefined || lat === undefined || lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    return { field: point ? 'geometry' : 'lon', expected: 'lon in [-180, 180] and lat in [-90, 90] (WGS84 degrees)', found: point ?? [f.lon, f.lat], reason: `sensor ${id}: position missing or out of range` };
  }
  return { lon, lat };
}

/** how long each reading lasts, and whether a single instant ends or starts it (both optional) */
function integrationOf(id: string, f: Fields): Pick<RegisteredSensor, 'interval_s' | 'interval_anchor'> | RowProblem {
  const interval = absent(f.intervals) ? null : num(f.intervals);
  if (interval === undefined || (interval !== null && !(interval > 0))) return { field: 'interval_s', expected: 'a positive number of seconds', found: f.intervals, reason: `sensor ${id}: interval_s is not a positive number` };
  const anchor = absent(f.intervalanchor) ? null : f.intervalanchor;
  if (anchor !== null && anchor !== 'end' && anchor !== 'start') return { field: 'interval_anchor', expected: '"end" (a single instant ends its reading) or "start"', found: anchor, reason: `sensor ${id}: interval_anchor is neither end nor start` };
  return { interval_s: interval, interval_anchor: anchor };
}

/** the period of the row (each end optional) */
function validityOf(id: string, f: Fields): Pick<RegisteredSensor, 'valid_from' | 'valid_to'> | RowProblem {
  const expected = 'an ISO 8601 date or date-time (Europe/Paris when without offset)';
  const validFrom = instant(f.validfrom);
  if (validFrom === undefined) return { field: 'valid_from', expected, found: f.validfrom, reason: `sensor ${id}: valid_from is not a date` };
  const validTo = instant(f.validto);
  if (validTo === undefined) return { field: 'valid_to', expected, found: f.validto, reason: `sensor ${id}: valid_to is not a date` };
  if (validFrom && validTo && validTo.getTime() <= validFrom.getTime()) return { field: 'valid_to', expected: 'after valid_from', found: f.validto, reason: `sensor ${id}: valid_to is not after valid_from` };
  return { valid_from: validFrom, valid_to: validTo };
}

const absent = (value: unknown) => value === undefined || value === '' || value === null;

/** the registered position of a sensor at an instant, if any */
export function registeredAt(registry: readonly RegisteredSensor[], sensorId: string, ms: number): RegisteredSensor | undefined {
  return registry.find((s) => s.sensor_id === sensorId && (s.valid_from === null || s.valid_from.getTime() <= ms) && (s.valid_to === null || ms < s.valid_to.getTime()));
}

/**
 * per sensor, its current registration: the period valid at `at`, else the latest that has begun, else
 * the first (a sensor registered from a later date)
 */
export function currentRegistrations(registry: readonly RegisteredSensor[], at: Date): Map<string, RegisteredSensor> {
  const ms = at.getTime();
  const begun = (s: RegisteredSensor) => s.valid_from === null || s.valid_from.getTime() <= ms;
  const rank = (s: RegisteredSensor) => (registeredAt([s], s.sensor_id, ms) ? 2 : begun(s) ? 1 : 0);
  const current = new Map<string, RegisteredSensor>();
  // ordered by start, so that among equals the latest begun wins, and among those not begun the first
  const ordered = [...registry].sort((a, b) => (a.valid_from?.getTime() ?? -Infinity) - (b.valid_from?.getTime() ?? -Infinity));
  for (const s of ordered) {
    const held = current.get(s.sensor_id);
    if (!held || rank(s) > rank(held) || (rank(s) === rank(held) && rank(s) > 0)) current.set(s.sensor_id, s);
  }
  return current;
}

/** per sensor, its registered integration interval (the latest period that gives one) */
export function registeredIntervals(registry: readonly RegisteredSensor[]): Record<string, IntegrationInterval> {
  const intervals: Record<string, IntegrationInterval> = {};
  const ordered = [...registry].sort((a, b) => (a.valid_from?.getTime() ?? -Infinity) - (b.valid_from?.getTime() ?? -Infinity));
  for (const s of ordered) if (s.interval_s !== null) intervals[s.sensor_id] = { seconds: s.interval_s, anchor: s.interval_anchor ?? 'end' };
  return intervals;
}

function instant(value: unknown): Date | null | undefined {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') return undefined;
  const ms = clock.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00` : value);
  return typeof ms === 'number' ? new Date(ms) : undefined;
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || !/^[+-]?\d+(\.\d+)?$/.test(value.trim())) return undefined;
  return Number(value);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value.trim() : null;
}

function unwrap(value: unknown): unknown {
  if (!isObject(value)) return value;
  if ('value' in value) return value.value;
  if ('object' in value) return value.object;
  return value;
}

function problem(record: string | number, field: string, expected: string, found: string, reason: string, recordText: string): RecordRejection {
  return { record: String(record), field, expected, found, reason, recordText };
}
