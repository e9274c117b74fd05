import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { arraySpan, AsciiChars, charsOf, FiwareArrayReader, nextElementCut, parseFiware } from '../../functions/lib/domain/noise/fiware.ts';
import type { ParseResult } from '../../functions/lib/domain/noise/observation.ts';
import { UnreadableInputError } from '../../functions/lib/domain/noise/observation.ts';

const ENCODINGS = [
  'NoiseLevelObserved.example.json',
  'NoiseLevelObserved.example-normalized.json',
  'NoiseLevelObserved.example.jsonld',
  'NoiseLevelObserved.example-normalized.jsonld',
  'NoiseLevelObserved.example-geojsonfeature.json',
] as const;

const fixture = (name: string) => readFileSync(new URL(`../fixtures/noise/${name}`, import.meta.url), 'utf8');
/** the published GeoJSON Feature example, as far as these tests look into it */
interface GeoJsonFeature {
  properties: Record<string, unknown>;
  geometry?: unknown;
}

const VITORIA = {
  sensorId: 'loc:-2.69800,42.84910',
  name: null,
  lon: -2.698,
  lat: 42.8491,
  tsFrom: new Date('2016-12-28T11:00:00Z'),
  tsTo: new Date('2016-12-28T12:00:00Z'),
  laeq: 67.8,
  lamax: 94.5,
  las: 91.6,
  noiseSource: 'unknown',
  sonometerClass: null,
};

const keyValues = (extra: Record<string, unknown> = {}) => ({
  id: 'urn:ngsi-ld:NoiseLevelObserved:1',
  type: 'NoiseLevelObserved',
  dateObservedFrom: '2025-06-01T10:00:00+02:00',
  dateObservedTo: '2025-06-01T10:01:00+02:00',
  location: { type: 'Point', coordinates: [2.3522219, 48.856614] },
  LAeq: 61.2,
  ...extra,
});

const one = (entity: unknown) => parseFiware(JSON.stringify(entity));

/** observations as plain objects, their record text included (it is looked up on demand) */
/** the value, which the test expects to be there */
function defined<T>(value: T | null | undefined): T {
  if (value === null || value === undefined) throw new Error('expected a value');
  return value;
}

const plain = (r: ParseResult) => ({ observations: r.observations.map((o) => ({ ...o, recordText: o.recordText })), rejections: r.rejections });

const rejectionOf = (entity: unknown) => {
  const result = one(entity);
  expect(result.observations).toHaveLength(0);
  expect(result.rejections).toHaveLength(1);
  return defined(result.rejections[0]);
};

const unreadable = (text: string): UnreadableInputError => {
  try {
    parseFiware(text);
  } catch (error) {
    expect(error).toBeInstanceOf(UnreadableInputError);
    return error as UnreadableInputError;
  }
  throw new Error(`parseFiware() accepted ${JSON.stringify(text.slice(0, 40))}`);
};

describe('parseFiware()', () => {
  it('parseFiware() reads the same reading from all five encodings', () => {
    for (const name of ENCODINGS) {
      const { observations, rejections } = parseFiware(fixture(name));
      expect(rejections, name).toEqual([]);
      expect(observations, name).toHaveLength(1);
      expect(observations[0], name).toMatchObject({ record: 0, ...VITORIA });
    }
  });

  it('parseFiware() keeps each entity as received in recordText', () => {
    for (const name of ENCODINGS) {
      const [observation] = parseFiware(fixture(name)).observations;
      expect(JSON.parse(defined(observation).recordText)).toEqual(JSON.parse(fixture(name)));
    }
  });

  it('parseFiware() reads a batch mixing the encodings entity by entity', () => {
    const batch = `[${ENCODINGS.map(fixture).join(',\n')}]`;
    const { observations, rejections } = parseFiware(batch);
    expect(rejections).toEqual([]);
    expect(observations.map((o) => o.record)).toEqual([0, 1, 2, 3, 4]);
    for (const o of observations) expect(o).toMatchObject(VITORIA);
    expect(observations.map((o): unknown => JSON.parse(o.recordText))).toEqual(ENCODINGS.map((name): unknown => JSON.parse(fixture(name))));
  });

  it('parseFiware() reads the features of a GeoJSON FeatureCollection', () => {
    const feature = JSON.parse(fixture('NoiseLevelObserved.example-geojsonfeature.json')) as GeoJsonFeature;
    const collection = { type: 'FeatureCollection', features: [feature, { ...feature, properties: { ...feature.properties, LAeq: 70 } }] };
    const { observations } = parseFiware(JSON.stringify(collection, null, 2));
    expect(observations.map((o) => [o.record, o.laeq])).toEqual([
      [0, 67.8],
      [1, 70],
    ]);
    expect((JSON.parse(defined(observations[1]).recordText) as GeoJsonFeature).properties.LAeq).toBe(70);
    const decoy = `{"metadata":{"features":[1,2]},"fea\\u0074ures":[${JSON.stringify(feature)}],"type":"FeatureCollection"}`;
    expect(JSON.parse(defined(parseFiware(decoy).observations[0]).recordText)).toEqual(feature);
  });

  it('parseFiware() takes the location of a Feature from its geometry when properties have none', () => {
    const feature = JSON.parse(fixture('NoiseLevelObserved.example-geojsonfeature.json')) as GeoJsonFeature;
    delete feature.properties.location;
    feature.geometry = { type: 'Point', coordinates: [2.35, 48.85] };
    expect(one(feature).observations[0]).toMatchObject({ lon: 2.35, lat: 48.85, sensorId: 'loc:2.35000,48.85000' });
  });

  it('parseFiware() reads the entities of an NGSI subscription notification', () => {
    const notification = { subscriptionId: 'urn:ngsi-ld:Subscription:1', data: [keyValues(), keyValues({ LAeq: 62 })] };
    expect(one(notification).observations.map((o) => o.laeq)).toEqual([61.2, 62]);
  });

});

describe('parseFiware(): sensor, attributes and times', () => {
  it('parseFiware() names the sensor after refDevice, else refPointOfInterest, else its location to 5 decimals', () => {
    const poi = 'urn:ngsi-ld:PointOfInterest:square';
    const cases: [Record<string, unknown>, string][] = [
      [{ refDevice: 'urn:ngsi-ld:Device:a', refPointOfInterest: poi }, 'urn:ngsi-ld:Device:a'],
      [{ refDevice: ['urn:ngsi-ld:Device:b', 'urn:ngsi-ld:Device:c'] }, 'urn:ngsi-ld:Device:b'],
      [{ refDevice: { type: 'Relationship', object: 'urn:ngsi-ld:Device:d' } }, 'urn:ngsi-ld:Device:d'],
      [{ refDevice: { type: 'Relationship', value: 'urn:ngsi-ld:Device:e' } }, 'urn:ngsi-ld:Device:e'],
      [{ refDevice: { type: 'Relationship', object: ['urn:ngsi-ld:Device:f'] } }, 'urn:ngsi-ld:Device:f'],
      [{ refDevice: null, refPointOfInterest: poi }, poi],
      [{ refDevice: [], refPointOfInterest: { type: 'Relationship', object: poi } }, poi],
      [{}, 'loc:2.35222,48.85661'],
      [{ location: { type: 'Point', coordinates: [-0.000001, 48.8] } }, 'loc:0.00000,48.80000'],
    ];
    for (const [extra, sensorId] of cases) {
      expect(one(keyValues(extra)).observations[0]?.sensorId, JSON.stringify(extra)).toBe(sensorId);
    }
  });

  it('parseFiware() reads name, sonometerClass and noiseSource, with defaults when absent', () => {
    const read = one(keyValues({ name: { type: 'Property', value: 'Place de la Nation' }, sonometerClass: 1, noiseSource: 'Road' }));
    expect(read.observations[0]).toMatchObject({ name: 'Place de la Nation', sonometerClass: '1', noiseSource: 'road' });
    expect(one(keyValues({ sonometerClass: '2' })).observations[0]).toMatchObject({ sonometerClass: '2', noiseSource: 'unknown', name: null });
  });

  it('parseFiware() takes the period from a dateObserved interval when dateObservedFrom/To are absent', () => {
    const entity = keyValues({ dateObserved: '2025-06-01T08:00:00Z/2025-06-01T09:00:00Z' });
    delete (entity as Record<string, unknown>).dateObservedFrom;
    delete (entity as Record<string, unknown>).dateObservedTo;
    expect(one(entity).observations[0]).toMatchObject({ tsFrom: new Date('2025-06-01T08:00:00Z'), tsTo: new Date('2025-06-01T09:00:00Z') });
  });

  it('parseFiware() places offset and fractional timestamps in UTC', () => {
    const read = one(keyValues({ dateObservedFrom: '2024-02-29T23:59:59.5-05:30', dateObservedTo: '2024-03-01T05:31:00+0000' }));
    expect(read.observations[0]?.tsFrom.toISOString()).toBe('2024-03-01T05:29:59.500Z');
    expect(read.observations[0]?.tsTo.toISOString()).toBe('2024-03-01T05:31:00.000Z');
  });

  it('parseFiware() passes levels and period order through for the dataset validator', () => {
    const read = one(keyValues({ LAeq: 180, LAmax: -3, dateObservedTo: '2025-06-01T09:00:00+02:00' }));
    expect(read.observations[0]).toMatchObject({ laeq: 180, lamax: -3, las: null });
  });

});

describe('parseFiware(): rejected entities and times', () => {
  it('parseFiware() rejects an entity of another type, naming the type', () => {
    expect(rejectionOf(keyValues({ type: 'WeatherObserved' }))).toMatchObject({
      record: '0',
      field: 'type',
      expected: '"NoiseLevelObserved"',
      found: '"WeatherObserved"',
    });
    expect(rejectionOf({ ...keyValues(), type: undefined }).reason).toBe('entity has no type');
  });

  it('parseFiware() rejects an entity without dates, naming the missing attribute', () => {
    const entity: Record<string, unknown> = keyValues();
    delete entity.dateObservedTo;
    expect(rejectionOf(entity)).toMatchObject({ field: 'dateObservedTo', found: 'nothing', reason: 'dateObservedTo is missing' });
  });

  it('parseFiware() rejects a timestamp without offset, saying an offset is required', () => {
    const rejection = rejectionOf(keyValues({ dateObservedFrom: '2025-06-01T10:00:00' }));
    expect(rejection).toMatchObject({ field: 'dateObservedFrom', found: '2025-06-01T10:00:00' });
    expect(rejection.reason).toContain('no UTC offset');
    expect(rejection.reason).toContain('offset or Z is required');
  });

  it('parseFiware() rejects a date that JavaScript Date would roll over to March', () => {
    expect(rejectionOf(keyValues({ dateObservedFrom: '2025-02-30T10:00:00Z' }))).toEqual({
      record: '0',
      field: 'dateObservedFrom',
      expected: 'an ISO 8601 date-time YYYY-MM-DDTHH:MM[:SS[.fff]] with an offset or Z',
      found: '2025-02-30T10:00:00Z',
      reason: 'dateObservedFrom 2025-02-30T10:00:00Z is not a real calendar date',
      recordText: JSON.stringify(keyValues({ dateObservedFrom: '2025-02-30T10:00:00Z' })),
    });
    for (const text of ['2025-06-01T24:00:00Z', '2025-06-01T10:60:00Z', '2025-13-01T10:00:00Z', '2025-06-01', '1748772000000', 'yesterday']) {
      expect(rejectionOf(keyValues({ dateObservedTo: text })), text).toMatchObject({ field: 'dateObservedTo', found: text });
    }
  });

});

describe('parseFiware(): rejected values', () => {
  it('parseFiware() rejects a measurand that is not a finite JSON number, numeric text included', () => {
    const cases: [unknown, string][] = [
      ['67.8', 'LAeq is text, not a JSON number (the schema types measurands as numbers)'],
      ['NaN', 'LAeq is text, not a JSON number (the schema types measurands as numbers)'],
      ['', 'LAeq is text, not a JSON number (the schema types measurands as numbers)'],
      [true, 'LAeq is not a number'],
      [{ type: 'Property', value: [67.8] }, 'LAeq is not a number'],
    ];
    for (const [value, reason] of cases) {
      expect(rejectionOf(keyValues({ LAeq: value })), JSON.stringify(value)).toMatchObject({
        field: 'LAeq',
        expected: 'a JSON number (dB(A))',
        reason,
      });
    }
    expect(rejectionOf(keyValues({ LAmax: { type: 'Number', value: '94.5' } }))).toMatchObject({ field: 'LAmax', found: '"94.5"' });
    const overflow = parseFiware(JSON.stringify(keyValues()).replace('"LAeq":61.2', '"LAS":1e999'));
    expect(overflow.rejections[0]).toMatchObject({ field: 'LAS', reason: 'LAS is not a finite number' });
  });

  it('parseFiware() rejects a location that is not a GeoJSON Point of [lon, lat] numbers in range', () => {
    const cases: [unknown, string][] = [
      [undefined, 'location is missing and no refDevice names the sensor'],
      [{ type: 'Polygon', coordinates: [[[2, 48], [3, 48], [2, 49], [2, 48]]] }, 'location is not a GeoJSON Point'],
      ['48.85,2.35', 'location is not a GeoJSON Point'],
      [{ type: 'Point', coordinates: ['2.35', '48.85'] }, 'location coordinates are not [lon, lat] numbers'],
      [{ type: 'Point', coordinates: [2.35] }, 'location coordinates are not [lon, lat] numbers'],
      [{ type: 'Point', coordinates: [48.85, 182.35] }, 'location coordinates out of range'],
      [{ type: 'geo:json', value: { type: 'Point', coordinates: [200, 48] } }, 'location coordinates out of range'],
    ];
    for (const [location, reason] of cases) {
      expect(rejectionOf(keyValues({ location })), reason).toMatchObject({ field: 'location', reason });
    }
  });

  it('parseFiware() rejects unusable sensor references, sonometer classes and noise sources', () => {
    expect(rejectionOf(keyValues({ refDevice: 42 }))).toMatchObject({ field: 'refDevice', found: '42' });
    expect(rejectionOf(keyValues({ refDevice: 'x'.repeat(300) }))).toMatchObject({ field: 'refDevice' });
    expect(rejectionOf(keyValues({ sonometerClass: 'A' }))).toMatchObject({ field: 'sonometerClass', expected: '"0", "1" or "2"', found: '"A"' });
    expect(rejectionOf(keyValues({ noiseSource: 'traffic' }))).toMatchObject({
      field: 'noiseSource',
      expected: 'one of road, rail, air, industry, mixed, unknown',
      found: '"traffic"',
    });
  });

});

describe('parseFiware(): hostile input', () => {
  it('parseFiware() rejects entities that are not objects and goes on with the batch', () => {
    const { observations, rejections } = parseFiware(JSON.stringify([42, keyValues(), null, ['a'], 'text', keyValues({ type: 'X' })]));
    expect(observations.map((o) => o.record)).toEqual([1]);
    expect(rejections.map((r) => [r.record, r.field])).toEqual([
      ['0', 'type'],
      ['2', 'type'],
      ['3', 'type'],
      ['4', 'type'],
      ['5', 'type'],
    ]);
    expect(rejections.slice(0, 4).map((r) => r.recordText)).toEqual(['42', 'null', '["a"]', '"text"']);
  });

  it('parseFiware() survives an entity nested too deeply to print', () => {
    const depth = 100_000;
    const text = `[${'['.repeat(depth)}${']'.repeat(depth)}, ${JSON.stringify(keyValues())}]`;
    const { observations, rejections } = parseFiware(text);
    expect(observations).toHaveLength(1);
    expect(rejections[0]).toMatchObject({ record: '0', field: 'type' });
    expect(defined(defined(rejections[0]).recordText).length).toBeLessThanOrEqual(4097);
    const deepAttribute = JSON.stringify(keyValues({ LAeq: 'x' })).replace('{', `{"deep":${'['.repeat(depth)}${']'.repeat(depth)},`);
    expect(parseFiware(deepAttribute).rejections[0]).toMatchObject({ field: 'LAeq', found: '"x"' });
  });

  it('parseFiware() clips huge strings in what it reports', () => {
    const huge = 'x'.repeat(1_000_000);
    const rejection = rejectionOf(keyValues({ LAeq: huge }));
    expect(defined(rejection.found).length).toBeLessThanOrEqual(201);
    expect(defined(rejection.recordText).length).toBeLessThanOrEqual(4097);
    expect(defined(rejectionOf(keyValues({ dateObservedFrom: huge })).found).length).toBeLessThanOrEqual(201);
  });

  it('parseFiware() reads __proto__ keys as plain data, never as the prototype', () => {
    const text = JSON.stringify(keyValues()).replace('{', '{"__proto__":{"LAmax":99,"polluted":true,"refDevice":"evil"},');
    const { observations } = parseFiware(`[${text}, {"__proto__": {"type": "NoiseLevelObserved"}}]`);
    expect(observations).toHaveLength(1);
    expect(observations[0]).toMatchObject({ lamax: null, sensorId: 'loc:2.35222,48.85661' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('type');
  });

  it('parseFiware() ignores attributes inherited from a polluted Object.prototype', () => {
    const polluted = Object.prototype as Record<string, unknown>;
    polluted.refDevice = 'urn:evil';
    polluted.LAmax = 99;
    try {
      expect(one(keyValues()).observations[0]).toMatchObject({ sensorId: 'loc:2.35222,48.85661', lamax: null });
    } finally {
      delete polluted.refDevice;
      delete polluted.LAmax;
    }
  });

  it('parseFiware() reads input behind a UTF-8 BOM', () => {
    expect(parseFiware(`\uFEFF${fixture('NoiseLevelObserved.example.json')}`).observations[0]).toMatchObject(VITORIA);
  });

});

describe('parseFiware(): whole documents and top-level arrays', () => {
  it('parseFiware() throws UnreadableInputError for input that is not a JSON object or array', () => {
    expect(unreadable('')).toMatchObject({ found: 'empty input' });
    expect(unreadable(' \n\t')).toMatchObject({ found: 'empty input' });
    expect(unreadable('\uFEFF')).toMatchObject({ found: 'empty input' });
    expect(unreadable('datetime,LAeq\n2025-01-01 00:00,50').found).toContain('invalid JSON');
    expect(unreadable('[{"type": "NoiseLevelObserved",')).toMatchObject({ message: 'input is not valid JSON' });
    expect(unreadable('42')).toMatchObject({ found: 'a JSON number' });
    expect(unreadable('"NoiseLevelObserved"')).toMatchObject({ found: 'a JSON string' });
    expect(unreadable('null')).toMatchObject({ found: 'a JSON null' });
    expect(unreadable('{"type":"FeatureCollection","features":{}}')).toMatchObject({ expected: 'a "features" array', found: '{}' });
    expect(unreadable('42').expected).toContain('NoiseLevelObserved entity');
  });

  it('parseFiware() reads a top-level array element by element with the verdicts of a whole JSON.parse', () => {
    // valid arrays: the same observations and rejections as the same array read through the whole-document
    // path (an NGSI notification wrapping it)
    const valid = [
      '[]',
      ' \n[ ]\t',
      JSON.stringify([keyValues(), keyValues({ LAeq: 'loud' }), 42, null, [1, [2]], keyValues({ name: 'a "quoted" ] } name \\' })]),
      `[\n  ${JSON.stringify(keyValues())} ,\n\t${JSON.stringify(keyValues({ refDevice: 'd\\u00e9v' }))}\n]\n`,
      '[{"__proto__": {"type": "NoiseLevelObserved"}, "type": "x"}, "a,b]", 1e400, -0, true]',
    ];
    for (const text of valid) {
      const notification = `{"subscriptionId": "s", "data": ${text.trim()}}`;
      expect(plain(parseFiware(text)), text).toEqual(plain(parseFiware(notification)));
    }
    // not JSON: unreadable exactly when JSON.parse says so
    const invalid = ['[1,]', '[,1]', '[1 2]', '[] x', '[]]', '[[]', '["a]', '[{"a": 1}, {"b": }]', '[1]\n,', '[\'x\']', '[01]', '[{"a":"\\x"}]', '[NaN]'];
    for (const text of invalid) {
      expect(() => void JSON.parse(text), text).toThrow();
      expect(unreadable(text), text).toMatchObject({ message: 'input is not valid JSON' });
    }
  });

});

describe('FiwareArrayReader and large arrays', () => {
  it('FiwareArrayReader, a chunk of elements per JSON.parse, cut between elements: what a whole JSON.parse gives, or "invalid" for what is not JSON', () => {
    const normalized = JSON.parse(fixture('NoiseLevelObserved.example-normalized.json')) as unknown;
    const entities = [
      keyValues(),
      normalized, // nested objects: many "}," that are not between elements
      keyValues({ LAeq: 'loud' }),
      keyValues({ refDevice: ['urn:a', 'urn:b'], extra: [{ a: 1 }, { b: 2 }] }), // "},{" inside an element
      42,
      keyValues({ name: 'no cut here: },{ inside a string' }),
      [1, [2]],
      keyValues({ refDevice: 'd\u00e9v' }),
    ];
    const texts = [JSON.stringify(entities), JSON.stringify(entities, null, 2), `[ ${entities.map((e) => JSON.stringify(e)).join(' ,\n\t')} ]`];
    // every chunk size: the guessed cuts fall everywhere a "}" "," "{" is, inside the elements too (the
    // nested list of objects, the string), and the reader then cuts where an element ends
    for (const text of texts) {
      const whole = plain(parseFiware(`{"subscriptionId": "s", "data": ${text}}`));
      expect(whole.observations.length + whole.rejections.length).toBe(entities.length);
      for (let chunk = 1; chunk <= text.length; chunk += 7) {
        const span = defined(arraySpan(text));
        const reader = new FiwareArrayReader(text, span.from, span.to, 0, {}, chunk);
        expect(reader.read(Infinity), `${chunk}`).toBe('done');
        expect(plain(reader.take()), `${chunk}`).toEqual(whole);
      }
      expect(plain(parseFiware(text))).toEqual(whole);
    }
    // a guessed cut inside an element
    const inside = JSON.stringify(entities);
    const guess = defined(nextElementCut(inside, inside.indexOf('"extra"'), inside.length));
    expect(inside.slice(guess.end - 6, guess.next + 6)).toBe('"a":1},{"b":2');
    // not JSON: "invalid" at every chunk size
    for (const text of ['[1,]', '[{"a":1},]', '[{"a":1},,{"b":2}]', '[{"a":1}{"b":2}]', '[{"a":1},{"b":}]', '[{"a":1}, {"b":2}] x', '[{"a":"},{"}, {"b":2]']) {
      const span = arraySpan(text);
      for (let chunk = 1; span && chunk <= text.length; chunk++) {
        expect(new FiwareArrayReader(text, span.from, span.to, 0, {}, chunk).read(Infinity), `${text} / ${chunk}`).toBe('invalid');
      }
    }
    // the cuts: after a "}" before a comma and a "{", white space aside
    const text = '[{"a":{"b":1}, "c":2},\n {"d":3}]';
    expect(nextElementCut(text, 0, text.length)).toEqual({ end: text.indexOf('},\n') + 1, next: text.indexOf('{"d"') });
    expect(nextElementCut(text, text.indexOf('{"d"'), text.length)).toBeUndefined();
  });

  // how the time grows with the size: `BENCH_ONLY=parsers npm run bench` (several sizes, not a bound in seconds)
  it('parseFiware() reads 20 000 entities (many chunks of elements), numbered in order', () => {
    const entities = Array.from({ length: 20_000 }, (_, i) =>
      keyValues({ refDevice: `urn:ngsi-ld:Device:${i % 50}`, dateObservedFrom: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString() }),
    );
    const { observations } = parseFiware(JSON.stringify(entities));
    expect(observations).toHaveLength(20_000);
    expect(observations.map((o) => o.record)).toEqual(entities.map((_, i) => i));
    expect(observations[19_999]).toMatchObject({ record: 19_999, sensorId: 'urn:ngsi-ld:Device:49' });
  });
});

describe('the array reader over ASCII bytes', () => {
  it('AsciiChars: the reader over ASCII bytes gives what it gives over their text, at every chunk size; charsOf keeps other bytes as their UTF-8 text', () => {
    const normalized = JSON.parse(fixture('NoiseLevelObserved.example-normalized.json')) as unknown;
    const entities = [
      keyValues(),
      normalized,
      keyValues({ LAeq: 'loud' }), // rejected: its record text is cut from the bytes
      keyValues({ refDevice: ['urn:a', 'urn:b'], extra: [{ a: 1 }, { b: 2 }] }),
      42,
      keyValues({ name: 'no cut here: },{ inside a string, and a \\"quote\\"' }),
    ];
    // (a character beyond ASCII escaped in the JSON text: the text is still ASCII)
    const escaped = `${JSON.stringify(entities).slice(0, -1)},${JSON.stringify(keyValues({ refDevice: 'dev' })).replace('"dev"', '"d\\u00e9v"')}]`;
    for (const text of [escaped, `[ ${entities.map((e) => JSON.stringify(e, null, 1)).join(' ,\n\t')} ]\n`]) {
      const bytes = Buffer.from(text);
      const chars = charsOf(bytes);
      expect(chars).toBeInstanceOf(AsciiChars);
      expect(chars.length).toBe(text.length);
      expect(arraySpan(chars)).toEqual(arraySpan(text));
      const span = defined(arraySpan(text));
      for (let chunk = 1; chunk <= text.length; chunk += 5) {
        const fromText = new FiwareArrayReader(text, span.from, span.to, 0, {}, chunk);
        const fromBytes = new FiwareArrayReader(chars, span.from, span.to, 0, {}, chunk);
        expect(fromBytes.read(Infinity), `${chunk}`).toBe(fromText.read(Infinity));
        expect(plain(fromBytes.take()), `${chunk}`).toEqual(plain(fromText.take()));
      }
      // a rejected record's text, cut from the bytes as received
      const reader = new FiwareArrayReader(chars, span.from, span.to, 0, {}, 64);
      expect(reader.read(Infinity)).toBe('done');
      const loud = reader.take().rejections.find((r) => r.record === '2');
      expect(loud?.recordText).toBe(text.startsWith('[ ') ? JSON.stringify(entities[2], null, 1) : JSON.stringify(entities[2]));
      for (let at = 0; at < text.length; at += 97) {
        expect(nextElementCut(chars, at, text.length), `${at}`).toEqual(nextElementCut(text, at, text.length));
        expect(chars.charCodeAt(at)).toBe(text.charCodeAt(at));
      }
      expect(chars.charCodeAt(text.length)).toBeNaN();
    }
    // not JSON: "invalid" over the bytes as over the text
    for (const text of ['[{"a":1},]', '[{"a":1},,{"b":2}]', '[{"a":1}{"b":2}]', '[{"a":"},{"}, {"b":2]']) {
      const span = defined(arraySpan(text));
      for (let chunk = 1; chunk <= text.length; chunk++) expect(new FiwareArrayReader(charsOf(Buffer.from(text)), span.from, span.to, 0, {}, chunk).read(Infinity), `${text} / ${chunk}`).toBe('invalid');
    }
    // bytes that are not all ASCII: their text, decoded as UTF-8 (a byte-order mark and invalid bytes included)
    for (const bytes of [Buffer.from('[{"name":"Hôtel-de-Ville"}]'), Buffer.from('\ufeff[1]'), Buffer.from([0x5b, 0xff, 0x5d])]) {
      expect(charsOf(bytes)).toBe(bytes.toString('utf8'));
    }
  });
});
