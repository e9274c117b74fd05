import type { ByteWriter } from './bytes.ts';
import type { DemoSensor, Encoding } from './network.ts';

// FIWARE Smart Data Models NoiseLevelObserved entities, in the five encodings of the model's examples
// (NGSI-v2 keyValues and normalized, NGSI-LD keyValues and normalized, GeoJSON Feature).

export const DEMO_DATA_PROVIDER = 'DEMO — simulated by grand-paris-observatory';
const LD_CONTEXT = ['https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/context.jsonld'];
const GEOJSON_CONTEXT = ['https://smartdatamodels.org/context.jsonld', 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld'];

export interface EntityReading {
  readonly sensor: DemoSensor;
  /** dateObservedFrom / dateObservedTo as written (normally UTC with Z) */
  readonly from: string;
  readonly to: string;
  readonly laeq: number;
  readonly lamax: number;
  readonly las: number;
  /** the entity type written, NoiseLevelObserved unless a fault says otherwise */
  readonly type?: string;
  /** the entity id's interval start (defaults to `from`) */
  readonly idFrom?: string;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export function entityId(sensor: DemoSensor, from: string): string {
  return `urn:ngsi-ld:NoiseLevelObserved:${sensor.key}-${from}`;
}

interface Fields {
  id: string;
  type: string;
  from: string;
  to: string;
  point: { type: 'Point'; coordinates: [number, number] };
  measurands: [string, number | string][];
  relationships: [string, string][];
  texts: [string, string][];
}

interface Values {
  id: string;
  type: string;
  from: string;
  to: string;
  laeq: number | string;
  lamax: number | string;
  las: number | string;
}

function fields(s: DemoSensor, v: Values): Fields {
  const relationships: [string, string][] = [];
  if (s.reference === 'device') relationships.push(['refDevice', `urn:ngsi-ld:Device:${s.key}`]);
  if (s.reference === 'point-of-interest') relationships.push(['refPointOfInterest', `urn:ngsi-ld:PointOfInterest:${s.key}`]);
  return {
    id: v.id,
    type: v.type,
    from: v.from,
    to: v.to,
    point: { type: 'Point', coordinates: [s.lon, s.lat] },
    measurands: [
      ['LAeq', v.laeq],
      ['LAmax', v.lamax],
      ['LAS', v.las],
    ],
    relationships,
    texts: [
      ['name', s.name],
      ['sonometerClass', s.sonometerClass],
      ['noiseSource', s.noiseSource],
      ['dataProvider', DEMO_DATA_PROVIDER],
    ],
  };
}

function values(r: EntityReading): Values {
  return {
    id: entityId(r.sensor, r.idFrom ?? r.from),
    type: r.type ?? 'NoiseLevelObserved',
    from: r.from,
    to: r.to,
    laeq: round1(r.laeq),
    lamax: round1(r.lamax),
    las: round1(r.las),
  };
}

function keyValues(f: Fields): Record<string, unknown> {
  const e: Record<string, unknown> = { id: f.id, type: f.type, dateObservedFrom: f.from, dateObservedTo: f.to, location: f.point };
  for (const [k, v] of f.measurands) e[k] = v;
  for (const [k, v] of f.relationships) e[k] = v;
  for (const [k, v] of f.texts) e[k] = v;
  return e;
}

function v2Normalized(f: Fields): Record<string, unknown> {
  const e: Record<string, unknown> = {
    id: f.id,
    type: f.type,
    dateObservedFrom: { type: 'DateTime', value: f.from },
    dateObservedTo: { type: 'DateTime', value: f.to },
    location: { type: 'geo:json', value: f.point },
  };
  for (const [k, v] of f.measurands) e[k] = { type: 'Number', value: v };
  for (const [k, v] of f.relationships) e[k] = { type: 'Relationship', value: v };
  for (const [k, v] of f.texts) e[k] = { type: 'Text', value: v };
  return e;
}

function ldProperties(f: Fields): Record<string, unknown> {
  const e: Record<string, unknown> = {};
  for (const [k, v] of f.measurands) e[k] = { type: 'Property', value: v };
  e.dateObservedFrom = { type: 'Property', value: { '@type': 'DateTime', '@value': f.from } };
  e.dateObservedTo = { type: 'Property', value: { '@type': 'DateTime', '@value': f.to } };
  e.location = { type: 'GeoProperty', value: f.point };
  for (const [k, v] of f.relationships) e[k] = { type: 'Relationship', object: v };
  for (const [k, v] of f.texts) e[k] = { type: 'Property', value: v };
  return e;
}

/** one NoiseLevelObserved entity in the given encoding, as a plain JSON value */
export function encodeEntity(r: EntityReading, encoding: Encoding): Record<string, unknown> {
  return build(fields(r.sensor, values(r)), encoding);
}

function build(f: Fields, encoding: Encoding): Record<string, unknown> {
  switch (encoding) {
    case 'ngsi-v2-keyvalues':
      return keyValues(f);
    case 'ngsi-v2-normalized':
      return v2Normalized(f);
    case 'ngsi-ld-keyvalues':
      return { ...keyValues(f), '@context': LD_CONTEXT };
    case 'ngsi-ld-normalized':
      return { id: f.id, type: f.type, ...ldProperties(f), '@context': LD_CONTEXT };
    case 'geojson-feature':
      return {
        id: f.id,
        type: 'Feature',
        geometry: { type: 'GeoProperty', value: f.point },
        properties: { type: f.type, ...ldProperties(f), '@context': GEOJSON_CONTEXT },
      };
  }
}

// The fast path: each sensor's entity is serialised once with placeholders, then only the holes are
// filled per reading. Same bytes as JSON.stringify(encodeEntity(…)), several times faster.
const HOLE = /"@@hole:(\w+)@@"/;
const HOLES: Values = { id: '@@hole:id@@', type: '@@hole:type@@', from: '@@hole:from@@', to: '@@hole:to@@', laeq: '@@hole:laeq@@', lamax: '@@hole:lamax@@', las: '@@hole:las@@' };
interface Template {
  /** [text, hole, text, hole, …, text] as split() with a capture group returns it */
  readonly parts: readonly string[];
  /** the text parts as UTF-8 bytes (index i holds parts[2i]) */
  readonly bytes: readonly Buffer[];
}

const templates = new WeakMap<DemoSensor, Map<Encoding, Template>>();

function template(sensor: DemoSensor, encoding: Encoding): Template {
  let bySensor = templates.get(sensor);
  if (!bySensor) {
    bySensor = new Map();
    templates.set(sensor, bySensor);
  }
  let t = bySensor.get(encoding);
  if (!t) {
    const parts = JSON.stringify(build(fields(sensor, HOLES), encoding)).split(new RegExp(HOLE.source, 'g'));
    t = { parts, bytes: parts.filter((_, i) => i % 2 === 0).map((p) => Buffer.from(p, 'utf8')) };
    bySensor.set(encoding, t);
  }
  return t;
}

const holeText = (value: string | number) => (typeof value === 'number' ? String(value) : JSON.stringify(value));

/** the entity as JSON text: JSON.stringify(encodeEntity(r, encoding)) */
export function entityJson(r: EntityReading, encoding: Encoding): string {
  const { parts } = template(r.sensor, encoding);
  const v = values(r);
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) out += holeText(v[parts[i] as keyof Values]) + parts[i + 1]!;
  return out;
}

/** the same bytes as entityJson(), written straight into `w` */
export function writeEntity(w: ByteWriter, r: EntityReading, encoding: Encoding): void {
  const { parts, bytes } = template(r.sensor, encoding);
  const v = values(r);
  w.bytes(bytes[0]!);
  for (let i = 1; i < parts.length; i += 2) {
    w.text(holeText(v[parts[i] as keyof Values]));
    w.bytes(bytes[(i + 1) / 2]!);
  }
}
