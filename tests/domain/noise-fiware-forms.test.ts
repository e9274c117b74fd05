import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FiwareArrayReader, arraySpan, parseFiware, type FiwareOptions } from '../../functions/lib/domain/noise/fiware.ts';

// The forms real deployments send, beyond the data model's canonical examples: attributes without
// `type`, repeated keys, single observation instants, ISO 8601 durations, and times without offset.

const fixture = (name: string) => readFileSync(new URL(`../fixtures/noise/${name}`, import.meta.url), 'utf8');

const base = (extra: Record<string, unknown> = {}) => {
  const entity: Record<string, unknown> = {
    id: 'urn:ngsi-ld:NoiseLevelObserved:cesva-1',
    type: 'NoiseLevelObserved',
    refDevice: 'urn:ngsi-ld:Device:cesva-ta120-0042',
    location: { type: 'Point', coordinates: [2.3522, 48.8566] },
    LAeq: 61.2,
    ...extra,
  };
  for (const [k, v] of Object.entries(entity)) if (v === undefined) delete entity[k];
  return entity;
};

const read = (entity: unknown, options?: FiwareOptions) => parseFiware(JSON.stringify(entity), options);
const period = (entity: unknown, options?: FiwareOptions) => {
  const r = read(entity, options);
  expect(r.rejections).toEqual([]);
  return [r.observations[0]!.tsFrom.toISOString(), r.observations[0]!.tsTo.toISOString()];
};
const rejection = (entity: unknown, options?: FiwareOptions) => {
  const r = read(entity, options);
  expect(r.observations).toEqual([]);
  expect(r.rejections).toHaveLength(1);
  return r.rejections[0]!;
};

describe('FIWARE attributes without type, and repeated keys', () => {
  it('reads the published NGSI-v2 normalized example with every attribute type removed as the same reading', () => {
    const published = JSON.parse(fixture('NoiseLevelObserved.example-normalized.json')) as Record<string, unknown>;
    const untyped: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(published)) {
      untyped[k] = typeof v === 'object' && v !== null && 'value' in v ? { value: v.value } : v;
    }
    expect(JSON.stringify(untyped)).not.toContain('"Number"');
    const withTypes = parseFiware(JSON.stringify(published)).observations[0]!;
    const [withoutTypes] = parseFiware(JSON.stringify(untyped)).observations;
    expect(withoutTypes).toMatchObject({ laeq: 67.8, lamax: 94.5, las: 91.6, lon: -2.698, lat: 42.8491 });
    expect(withoutTypes!.tsFrom).toEqual(withTypes.tsFrom);
    expect(withoutTypes!.tsTo).toEqual(withTypes.tsTo);
  });

  it('reads NGSI-LD properties and relationships without type by their value or object', () => {
    const entity = base({
      LAeq: { value: 58.4, unitCode: '2N' },
      refDevice: { object: 'urn:ngsi-ld:Device:ld-7' },
      dateObservedFrom: { value: '2025-06-01T10:00:00Z' },
      dateObservedTo: { value: { '@type': 'DateTime', '@value': '2025-06-01T10:01:00Z' } },
    });
    expect(read(entity).observations[0]).toMatchObject({ laeq: 58.4, sensorId: 'urn:ngsi-ld:Device:ld-7' });
  });

  it('keeps the last of repeated keys, as JSON.parse does, whole or read in chunks', () => {
    const entity = '{"type":"NoiseLevelObserved","LAeq":50,"location":{"type":"Point","coordinates":[2.35,48.85]},"dateObservedFrom":"2025-06-01T10:00:00Z","dateObservedTo":"2025-06-01T10:01:00Z","LAeq":61.2,"LAeq":{"value":62.5}}';
    expect(parseFiware(entity).observations[0]!.laeq).toBe(62.5);
    const array = `[${Array.from({ length: 40 }, () => entity).join(',')}]`;
    const span = arraySpan(array)!;
    const reader = new FiwareArrayReader(array, span.from, span.to, 0, {}, 200);
    expect(reader.read(Infinity)).toBe('done');
    const taken = reader.take();
    expect(taken.observations.map((o) => o.laeq)).toEqual(Array(40).fill(62.5));
    // a notification naming `data` twice: the last list is the one read
    const notification = `{"subscriptionId":"s","data":[],"data":[${entity}]}`;
    expect(parseFiware(notification).observations).toHaveLength(1);
  });
});

describe('FIWARE observation time forms', () => {
  const noDates = { dateObservedFrom: undefined, dateObservedTo: undefined };

  it('reads dateObserved as start/duration and duration/end', () => {
    expect(period(base({ ...noDates, dateObserved: '2025-06-01T08:00:00Z/PT1M' }))).toEqual(['2025-06-01T08:00:00.000Z', '2025-06-01T08:01:00.000Z']);
    expect(period(base({ ...noDates, dateObserved: 'PT15M/2025-06-01T08:00:00+02:00' }))).toEqual(['2025-06-01T05:45:00.000Z', '2025-06-01T06:00:00.000Z']);
    expect(period(base({ ...noDates, dateObserved: '2025-06-01T08:00:00Z/PT0.5S' }))).toEqual(['2025-06-01T08:00:00.000Z', '2025-06-01T08:00:00.500Z']);
    for (const bad of ['2025-06-01T08:00:00Z/P1M', '2025-06-01T08:00:00Z/PT', 'PT1M/PT1M', '2025-06-01T08:00:00Z/PT0S']) {
      expect(rejection(base({ ...noDates, dateObserved: bad })), bad).toMatchObject({ field: 'dateObserved', found: bad, reason: 'dateObserved does not have a usable duration' });
    }
  });

  it('takes a single instant as the end of the integration interval given, or its start when the anchor says so', () => {
    const instant = base({ ...noDates, dateObserved: '2025-06-01T08:00:00+0200' });
    expect(period(instant, { interval: { seconds: 60, anchor: 'end' } })).toEqual(['2025-06-01T05:59:00.000Z', '2025-06-01T06:00:00.000Z']);
    expect(period(instant, { interval: { seconds: 900, anchor: 'start' } })).toEqual(['2025-06-01T06:00:00.000Z', '2025-06-01T06:15:00.000Z']);
    // a converter writing From == To sends the same single instant
    const same = base({ dateObservedFrom: '2025-06-01T06:00:00Z', dateObservedTo: '2025-06-01T06:00:00Z' });
    expect(period(same, { interval: { seconds: 1, anchor: 'end' } })).toEqual(['2025-06-01T05:59:59.000Z', '2025-06-01T06:00:00.000Z']);
  });

  it('a sensor’s registered interval wins over the default one; other sensors take the default', () => {
    const options: FiwareOptions = {
      interval: { seconds: 60, anchor: 'end' },
      sensorIntervals: { 'urn:ngsi-ld:Device:cesva-ta120-0042': { seconds: 1, anchor: 'start' } },
    };
    const registered = base({ ...noDates, dateObserved: '2025-06-01T06:00:00Z' });
    expect(period(registered, options)).toEqual(['2025-06-01T06:00:00.000Z', '2025-06-01T06:00:01.000Z']);
    const other = base({ ...noDates, dateObserved: '2025-06-01T06:00:00Z', refDevice: 'urn:ngsi-ld:Device:other' });
    expect(period(other, options)).toEqual(['2025-06-01T05:59:00.000Z', '2025-06-01T06:00:00.000Z']);
  });

  it('quarantines a single instant without a known interval, naming the sensor and the fix', () => {
    const r = rejection(base({ ...noDates, dateObserved: '2025-06-01T06:00:00Z' }));
    expect(r).toMatchObject({ record: '0', field: 'dateObserved', found: '"2025-06-01T06:00:00Z"' });
    expect(r.reason).toContain('single instant and no integration interval known for sensor urn:ngsi-ld:Device:cesva-ta120-0042');
    expect(r.reason).toContain('--interval');
    expect(r.reason).toContain('observatory ingest sensors');
    const same = rejection(base({ dateObservedFrom: '2025-06-01T06:00:00Z', dateObservedTo: '2025-06-01T06:00:00+00:00' }));
    expect(same.field).toBe('dateObservedTo');
  });

  it('places naive times (the data model’s own examples) in the zone given, and refuses them without one', () => {
    const vitoria = { ...base(), dateObservedFrom: '2016-12-28T11:00:00', dateObservedTo: '2016-12-28T12:00:00' };
    const refused = rejection(vitoria);
    expect(refused).toMatchObject({ field: 'dateObservedFrom', found: '2016-12-28T11:00:00' });
    expect(refused.reason).toContain('no UTC offset');
    expect(refused.reason).toContain('--tz');
    expect(period(vitoria, { tz: 'Europe/Madrid' })).toEqual(['2016-12-28T10:00:00.000Z', '2016-12-28T11:00:00.000Z']);
    // an offset in the text wins over the zone
    expect(period({ ...vitoria, dateObservedTo: '2016-12-28T12:00:00Z' }, { tz: 'Europe/Madrid' })[1]).toBe('2016-12-28T12:00:00.000Z');
  });

  it('quarantines naive times that do not exist or occur twice in the zone, never shifting them', () => {
    const gap = rejection(base({ ...noDates, dateObserved: '2025-03-30T02:30:00/PT1M' }), { tz: 'Europe/Paris' });
    expect(gap.reason).toContain('does not exist in Europe/Paris');
    const twice = rejection(base({ ...noDates, dateObserved: '2025-10-26T02:30:00' }), { tz: 'Europe/Paris', interval: { seconds: 60, anchor: 'end' } });
    expect(twice.reason).toContain('occurs twice in Europe/Paris');
    expect(period(base({ ...noDates, dateObserved: '2025-10-26T03:30:00' }), { tz: 'Europe/Paris', interval: { seconds: 60, anchor: 'end' } })).toEqual([
      '2025-10-26T02:29:00.000Z',
      '2025-10-26T02:30:00.000Z',
    ]);
  });

  it('accepts a reading without location when a refDevice names its sensor (its position comes from the registry at ingest)', () => {
    const r = read(base({ location: undefined, dateObservedFrom: '2025-06-01T06:00:00Z', dateObservedTo: '2025-06-01T06:01:00Z' }));
    expect(r.observations[0]).toMatchObject({ sensorId: 'urn:ngsi-ld:Device:cesva-ta120-0042', lon: null, lat: null });
  });
});
