import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_NOTICE,
  demoManifest,
  demoPlan,
  easterSunday,
  encodeEntity,
  ENCODINGS,
  entityJson,
  frenchPublicHoliday,
  frenchPublicHolidays,
  simulateNoiseNetwork,
  type DemoFile,
  type DemoManifest,
  type DemoPlan,
  type Encoding,
  type SiteType,
} from '../../functions/lib/demo/index.ts';
import { COMMUNES, communeAt, pointInCommune } from '../../functions/lib/domain/geo/communes.ts';
import { localHour } from '../../functions/lib/domain/time/paris.ts';
import { defined } from '../support/defined.ts';

// a minimal reader of the simulator's output for these tests (not the project's parser)
interface Decoded {
  readonly file: string;
  readonly id: string;
  readonly type: string;
  readonly sensor: string;
  readonly from: string;
  readonly to: string;
  readonly laeq: number;
  readonly lamax: number;
  readonly las: number;
  readonly lon: number;
  readonly lat: number;
  readonly noiseSource: string;
  readonly dataProvider: string;
  readonly encoding: string;
}

type Json = Record<string, unknown>;

const unwrap = (x: unknown): unknown => {
  if (x && typeof x === 'object' && !Array.isArray(x)) {
    const o = x as Json;
    if ('@value' in o) return o['@value'];
    if ('object' in o) return o.object;
    if ('value' in o) return unwrap(o.value);
  }
  return x;
};

function encodingOf(e: Json): string {
  if (e.type === 'Feature') return 'geojson-feature';
  const ld = '@context' in e;
  const normalized = typeof e.LAeq === 'object';
  return `ngsi-${ld ? 'ld' : 'v2'}-${normalized ? 'normalized' : 'keyvalues'}`;
}

function decodeEntity(file: string, e: Json): Decoded {
  const p = e.type === 'Feature' ? { ...(e.properties as Json), id: e.id } : e;
  const location = unwrap(p.location) as { coordinates: [number, number] };
  const ref = (unwrap(p.refDevice) ?? unwrap(p.refPointOfInterest)) as string | undefined;
  const [lon, lat] = location.coordinates;
  return {
    file,
    id: p.id as string,
    type: p.type as string,
    sensor: ref ?? `loc:${lon.toFixed(5)},${lat.toFixed(5)}`,
    from: unwrap(p.dateObservedFrom) as string,
    to: unwrap(p.dateObservedTo) as string,
    laeq: unwrap(p.LAeq) as number,
    lamax: unwrap(p.LAmax) as number,
    las: unwrap(p.LAS) as number,
    lon,
    lat,
    noiseSource: unwrap(p.noiseSource) as string,
    dataProvider: unwrap(p.dataProvider) as string,
    encoding: encodingOf(e),
  };
}

/** the entities of every readable FIWARE file, in arrival order */
function decodeFiles(files: readonly DemoFile[]): Decoded[] {
  const out: Decoded[] = [];
  for (const f of files) {
    if (f.kind !== 'noise-fiware') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(f.bytes.toString('utf8'));
    } catch {
      continue;
    }
    for (const e of parsed as Json[]) out.push(decodeEntity(f.name, e));
  }
  return out;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const energyMean = (levels: readonly number[]) => 10 * Math.log10(levels.reduce((s, l) => s + 10 ** (l / 10), 0) / levels.length);

let files: DemoFile[];
let entities: Decoded[];
let plan: DemoPlan;
let manifest: DemoManifest;
let defaultRunMs: number;

beforeAll(() => {
  const t0 = performance.now();
  files = simulateNoiseNetwork();
  defaultRunMs = performance.now() - t0;
  entities = decodeFiles(files);
  plan = demoPlan();
  manifest = demoManifest();
});

const fileNamed = (name: string | undefined) => defined(files.find((f) => f.name === name), `a file named ${name}`);
const faultOf = (kind: string) => defined(manifest.faults.find((f) => f.kind === kind), `a ${kind} fault`);

describe('simulateNoiseNetwork() determinism', () => {
  it('the same seed gives byte-identical files', async ({ annotate }) => {
    await annotate(`default simulation: ${defaultRunMs.toFixed(0)} ms, ${files.length} files, ${(files.reduce((s, f) => s + f.bytes.length, 0) / 1e6).toFixed(1)} MB`);
    const again = simulateNoiseNetwork();
    expect(again.map((f) => f.name)).toEqual(files.map((f) => f.name));
    expect(again.map((f) => sha(f.bytes))).toEqual(files.map((f) => sha(f.bytes)));
    expect(again.map((f) => f.description)).toEqual(files.map((f) => f.description));
  });

  it('another seed gives other sensors and other readings', () => {
    const a = simulateNoiseNetwork({ seed: 1, days: 2 });
    const b = simulateNoiseNetwork({ seed: 2, days: 2 });
    const c = simulateNoiseNetwork({ seed: 1, days: 2 });
    expect(a.map((f) => sha(f.bytes))).toEqual(c.map((f) => sha(f.bytes)));
    expect(sha(defined(a[0], 'a file of seed 1').bytes)).not.toBe(sha(defined(b[0], 'a file of seed 2').bytes));
    expect(demoPlan({ seed: 1 }).sensors.map((s) => s.lon)).not.toEqual(demoPlan({ seed: 2 }).sensors.map((s) => s.lon));
  });

  it('rejects impossible options with what was expected', () => {
    expect(() => simulateNoiseNetwork({ start: '2025-02-30' })).toThrow(/start: expected a calendar date YYYY-MM-DD, found "2025-02-30"/);
    expect(() => simulateNoiseNetwork({ intervalMinutes: 7 })).toThrow(/divisor of 60/);
  });
});

describe('the network', () => {
  it('has a sensor in every one of the 130 communes and two outside the Métropole', () => {
    const inside = new Set(plan.sensors.filter((s) => s.inMetropole).map((s) => s.communeInsee));
    expect(COMMUNES).toHaveLength(130);
    for (const c of COMMUNES) expect(inside.has(c.commune_insee), c.name).toBe(true);
    expect(plan.sensors.filter((s) => s.communeInsee === '75056').length).toBe(20);
    expect(manifest.sensors.outsideMetropole).toHaveLength(2);
  });

  it('places each sensor inside its commune polygon, and outside sensors outside every commune', () => {
    for (const s of plan.sensors) {
      if (s.inMetropole) {
        expect(pointInCommune(s.lon, s.lat, s.communeInsee), s.key).toBe(true);
        expect(communeAt(s.lon, s.lat)?.commune_insee, s.key).toBe(s.communeInsee);
      } else {
        expect(communeAt(s.lon, s.lat), s.key).toBeUndefined();
      }
    }
    expect(new Set(plan.sensors.map((s) => s.sensorId)).size).toBe(plan.sensors.length);
  });

  it('mixes noise sources and site types, with aircraft near the airports', () => {
    expect(Object.keys(manifest.sensors.bySource).sort()).toEqual(['air', 'industry', 'mixed', 'rail', 'road']);
    expect(defined(manifest.sensors.bySource.road, 'a count of road sensors') / manifest.sensors.total).toBeGreaterThan(0.6);
    expect(Object.keys(manifest.sensors.bySite).sort()).toEqual(['loud', 'moderate', 'quiet']);
    const air = plan.sensors.filter((s) => s.noiseSource === 'air').map((s) => s.communeInsee);
    expect(air).toEqual(expect.arrayContaining(['94054', '93013', '93073', '95527']));
  });

  it('every entity carries its sensor location, the demo data provider and a demo id', () => {
    const bySensor = new Map(plan.sensors.map((s) => [s.sensorId, s]));
    const wrong = entities.filter((e) => {
      const s = bySensor.get(e.sensor);
      return (
        !s ||
        e.lon !== s.lon ||
        e.lat !== s.lat ||
        e.dataProvider !== 'DEMO — simulated by grand-paris-observatory' ||
        e.noiseSource !== s.noiseSource ||
        !e.id.startsWith(`urn:ngsi-ld:NoiseLevelObserved:${s.key}-`)
      );
    });
    expect(wrong.slice(0, 3)).toEqual([]);
    expect(files.every((f) => f.name.startsWith('demo-'))).toBe(true);
    expect(DEMO_NOTICE).toMatch(/simulated/i);
    expect(DEMO_NOTICE).toMatch(/not measurements/);
    expect(DEMO_NOTICE).not.toContain('\n');
  });
});

/** the readings no planned fault touches */
const clean = () => {
  const faulty = new Set(manifest.faults.filter((f) => f.sensorId && f.kind !== 'offline').map((f) => f.sensorId));
  return entities.filter((e) => e.type === 'NoiseLevelObserved' && e.from.endsWith('Z') && !e.from.includes('-02-30') && !faulty.has(e.sensor));
};
const roadSensors = () => new Set(plan.sensors.filter((s) => s.noiseSource === 'road' && s.delivery === 'fiware').map((s) => s.sensorId));

describe('realistic levels', () => {

  it('road sensors: the night energy average is at least 8 dB below the day (EU periods, local time)', () => {
    const road = roadSensors();
    const levels = new Map<string, { day: number[]; night: number[] }>();
    for (const e of clean()) {
      if (!road.has(e.sensor)) continue;
      const h = localHour(Date.parse(e.from)).hour;
      const l = levels.get(e.sensor) ?? { day: [], night: [] };
      if (h >= 7 && h < 19) l.day.push(e.laeq);
      if (h >= 23 || h < 7) l.night.push(e.laeq);
      levels.set(e.sensor, l);
    }
    const gaps = [...levels.values()].map((l) => energyMean(l.day) - energyMean(l.night));
    expect(gaps.length).toBeGreaterThan(100);
    expect(gaps.reduce((s, g) => s + g, 0) / gaps.length).toBeGreaterThanOrEqual(8);
    expect(Math.min(...gaps)).toBeGreaterThan(5);
    const all = clean().filter((e) => road.has(e.sensor));
    const day = all.filter((e) => localHour(Date.parse(e.from)).hour >= 7 && localHour(Date.parse(e.from)).hour < 19).map((e) => e.laeq);
    const night = all.filter((e) => localHour(Date.parse(e.from)).hour >= 23 || localHour(Date.parse(e.from)).hour < 7).map((e) => e.laeq);
    expect(energyMean(day) - energyMean(night)).toBeGreaterThanOrEqual(8);
  });

  it('Sunday and holiday mornings are quieter than weekday mornings; weekend small hours are livelier', () => {
    const road = roadSensors();
    const morning = { weekday: [] as number[], sunday: [] as number[], holiday: [] as number[] };
    const smallHours = { weekday: [] as number[], weekend: [] as number[] };
    for (const e of clean()) {
      if (!road.has(e.sensor)) continue;
      const { date, hour } = localHour(Date.parse(e.from));
      const wd = new Date(`${date}T12:00:00Z`).getUTCDay();
      const holiday = frenchPublicHoliday(date) !== undefined;
      if (hour >= 7 && hour < 10) {
        if (holiday) morning.holiday.push(e.laeq);
        else if (wd === 0) morning.sunday.push(e.laeq);
        else if (wd >= 1 && wd <= 5) morning.weekday.push(e.laeq);
      }
      if (hour < 3 && !holiday) (wd === 0 || wd === 6 ? smallHours.weekend : wd >= 2 && wd <= 5 ? smallHours.weekday : []).push(e.laeq);
    }
    expect(energyMean(morning.sunday)).toBeLessThan(energyMean(morning.weekday) - 3);
    // 2025-11-01 (Toussaint) is a Saturday in the default period, simulated like a Sunday
    expect(morning.holiday.length).toBeGreaterThan(1000);
    expect(energyMean(morning.holiday)).toBeLessThan(energyMean(morning.weekday) - 3);
    expect(energyMean(smallHours.weekend)).toBeGreaterThan(energyMean(smallHours.weekday) + 1);
  });

  it('site types sit at their levels: parks 45–50, residential streets 55–60, boulevards 70–75 dB(A) by day', () => {
    const bySite = new Map(plan.sensors.filter((s) => s.noiseSource === 'road').map((s) => [s.sensorId, s.site]));
    const day: Record<SiteType, number[]> = { quiet: [], moderate: [], loud: [] };
    for (const e of clean()) {
      const site = bySite.get(e.sensor);
      const { date, hour } = localHour(Date.parse(e.from));
      const wd = new Date(`${date}T12:00:00Z`).getUTCDay();
      if (site && hour >= 7 && hour < 19 && wd >= 1 && wd <= 5) day[site].push(e.laeq);
    }
    expect(energyMean(day.quiet)).toBeGreaterThan(44);
    expect(energyMean(day.quiet)).toBeLessThan(52);
    expect(energyMean(day.moderate)).toBeGreaterThan(54);
    expect(energyMean(day.moderate)).toBeLessThan(62);
    expect(energyMean(day.loud)).toBeGreaterThan(69);
    expect(energyMean(day.loud)).toBeLessThan(77);
  });

  it('LAmax is above LAeq, with occasional loud events', () => {
    const ok = clean();
    expect(ok.every((e) => e.lamax >= e.laeq && e.las <= e.lamax)).toBe(true);
    expect(ok.filter((e) => e.lamax - e.laeq >= 20).length).toBeGreaterThan(1000);
    expect(ok.every((e) => e.laeq > 20 && e.laeq < 100)).toBe(true);
  });

  it('Orly sensors are silent of aircraft during the 23:30–06:00 curfew', () => {
    const orly = new Set(plan.sensors.filter((s) => s.airport === 'orly').map((s) => s.sensorId));
    const night: number[] = [];
    const day: number[] = [];
    for (const e of clean()) {
      if (!orly.has(e.sensor)) continue;
      const h = localHour(Date.parse(e.from)).hour;
      if (h >= 0 && h < 5) night.push(e.laeq);
      if (h >= 8 && h < 20) day.push(e.laeq);
    }
    expect(energyMean(day) - energyMean(night)).toBeGreaterThan(10);
  });
});

const EXAMPLES = 'NoiseLevelObserved examples (tests/fixtures/noise)';
const exampleDir = new URL('../fixtures/noise/', import.meta.url);
const EXAMPLE_FILES: Record<Encoding, string> = {
  'ngsi-v2-keyvalues': 'NoiseLevelObserved.example.json',
  'ngsi-v2-normalized': 'NoiseLevelObserved.example-normalized.json',
  'ngsi-ld-keyvalues': 'NoiseLevelObserved.example.jsonld',
  'ngsi-ld-normalized': 'NoiseLevelObserved.example-normalized.jsonld',
  'geojson-feature': 'NoiseLevelObserved.example-geojsonfeature.json',
};

// the structure of a JSON value: wrapper types and contexts kept, other values reduced to their kind
function skeleton(x: unknown, key = ''): unknown {
  if (Array.isArray(x)) return key === '@context' ? x : x.map((v) => skeleton(v));
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, skeleton(v, k)]));
  return (key === 'type' || key === '@type') && typeof x === 'string' ? x : typeof x;
}

describe('FIWARE encodings', () => {
  const sensors = () => ['device', 'point-of-interest', 'none'].map((ref) => defined(plan.sensors.find((s) => s.reference === ref && s.delivery === 'fiware'), `a FIWARE sensor named by ${ref}`));
  const reading = (i: number) => ({ sensor: defined(sensors()[i % 3], 'a FIWARE sensor'), from: '2025-10-20T06:00:00Z', to: '2025-10-20T06:15:00Z', laeq: 61.04, lamax: 78.96, las: -0 });

  it('entityJson() writes exactly JSON.stringify(encodeEntity())', () => {
    ENCODINGS.forEach((encoding, i) => expect(entityJson(reading(i), encoding)).toBe(JSON.stringify(encodeEntity(reading(i), encoding))));
  });

  it(`encodeEntity() copies the shapes of the ${EXAMPLES}`, () => {
    for (const encoding of ENCODINGS) {
      const example = JSON.parse(readFileSync(new URL(EXAMPLE_FILES[encoding], exampleDir), 'utf8')) as Record<string, unknown>;
      const ours = skeleton(encodeEntity(reading(0), encoding)) as Record<string, unknown>;
      const theirs = skeleton(example) as Record<string, unknown>;
      const body = (e: Record<string, unknown>) => (encoding === 'geojson-feature' ? (e.properties as Record<string, unknown>) : e);
      for (const [k, v] of Object.entries(body(theirs))) if (k !== 'LAeq_d') expect(body(ours)[k], `${encoding} ${k}`).toEqual(v);
      if (encoding === 'geojson-feature') expect(ours.geometry).toEqual(theirs.geometry);
    }
  });
});

describe('French public holidays', () => {
  it('easterSunday() follows the Gregorian computus', () => {
    expect(['2024', '2025', '2026', '2027', '2038'].map((y) => easterSunday(Number(y)))).toEqual(['2024-03-31', '2025-04-20', '2026-04-05', '2027-03-28', '2038-04-25']);
  });

  it('frenchPublicHolidays() computes the Easter-based holidays of 2025 and 2026', () => {
    const of = (year: number) => Object.fromEntries(frenchPublicHolidays(year).map((h) => [h.name, h.date]));
    expect(of(2025)).toMatchObject({ 'Lundi de Pâques': '2025-04-21', Ascension: '2025-05-29', 'Lundi de Pentecôte': '2025-06-09' });
    expect(of(2026)).toMatchObject({ 'Lundi de Pâques': '2026-04-06', Ascension: '2026-05-14', 'Lundi de Pentecôte': '2026-05-25' });
    expect(frenchPublicHolidays(2025)).toHaveLength(11);
    expect(frenchPublicHoliday('2025-11-01')).toBe('Toussaint');
    expect(frenchPublicHoliday('2025-11-02')).toBeUndefined();
  });
});

describe('faults: files truncated, resent, corrected or late', () => {
  it('a truncated JSON file: the first part of a batch that is then sent whole', () => {
    const truncated = fileNamed(faultOf('truncated-json').file);
    const whole = fileNamed(truncated.name.replace('-attempt1', ''));
    expect(() => JSON.parse(truncated.bytes.toString('utf8')) as unknown).toThrow();
    expect(whole.bytes.subarray(0, truncated.bytes.length).equals(truncated.bytes)).toBe(true);
    expect(files.indexOf(truncated)).toBe(files.indexOf(whole) - 1);
  });

  it('a duplicate batch: exactly the same bytes under another name, later', () => {
    const resent = fileNamed(faultOf('duplicate-batch').file);
    const original = fileNamed(resent.name.replace('-resent', ''));
    expect(resent.bytes.equals(original.bytes)).toBe(true);
    expect(files.indexOf(resent)).toBeGreaterThan(files.indexOf(original));
  });

  it('a corrected re-send: same sensor and intervals, different values, sent after the originals', () => {
    const fault = faultOf('corrected-resend');
    const corrections = entities.filter((e) => e.file === fault.file);
    expect(corrections.length).toBeGreaterThan(0);
    for (const c of corrections) {
      const first = defined(entities.find((e) => e.id === c.id && e.file !== fault.file), `the first send of ${c.id}`);
      expect(first.sensor).toBe(c.sensor);
      expect([first.from, first.to]).toEqual([c.from, c.to]);
      expect(first.laeq - c.laeq).toBeCloseTo(2.5, 1);
      expect(files.findIndex((f) => f.name === first.file)).toBeLessThan(files.findIndex((f) => f.name === c.file));
    }
  });

  it('late data: an old day delivered in the last file, missing from the regular batches', () => {
    const fault = faultOf('late-data');
    expect(files.at(-1)?.name).toBe(fault.file);
    const late = entities.filter((e) => e.file === fault.file);
    expect(late.length).toBe(4 * 96);
    const ids = new Set(late.map((e) => e.id));
    expect(entities.filter((e) => ids.has(e.id))).toHaveLength(late.length);
    expect(late.every((e) => localHour(Date.parse(e.from)).date === '2025-10-21')).toBe(true);
  });
});

describe('faults: malformed entities, faulty and offline sensors', () => {
  it('one entity of the wrong type, one with a naive timestamp, one dated February 30', () => {
    const wrong = entities.filter((e) => e.type !== 'NoiseLevelObserved');
    expect(wrong).toHaveLength(1);
    expect(wrong[0]).toMatchObject({ type: 'NoisePollution', file: faultOf('wrong-entity-type').file });
    const naive = entities.filter((e) => !/(Z|[+-]\d\d:\d\d)$/.test(e.from));
    expect(naive).toHaveLength(1);
    const naiveEntity = defined(naive[0], 'an entity with a naive timestamp');
    expect(naiveEntity.from).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect(naiveEntity.file).toBe(faultOf('naive-timestamp').file);
    const invalid = entities.filter((e) => e.from.slice(5, 10) === '02-30');
    expect(invalid).toHaveLength(1);
    expect(invalid[0]?.file).toBe(faultOf('invalid-date').file);
  });

  it('faulty sensors: a stuck value for 36 hours, spikes above 150 dB(A), negative values', () => {
    // one entity per id (the duplicate batch repeats some), in time order
    const of = (kind: string) => [...new Map(entities.filter((e) => e.sensor === faultOf(kind).sensorId).map((e) => [e.id, e])).values()].sort((a, b) => a.id.localeCompare(b.id));
    const stuck = of('stuck-value').map((e) => e.laeq);
    let run = 1;
    let longest = 1;
    for (let i = 1; i < stuck.length; i++) longest = Math.max(longest, (run = stuck[i] === stuck[i - 1] ? run + 1 : 1));
    expect(longest).toBe(36 * 4);
    expect(of('spikes').filter((e) => e.laeq > 150).length).toBeGreaterThanOrEqual(5);
    expect(of('negative-values').filter((e) => e.laeq < 0).length).toBeGreaterThanOrEqual(5);
    const outOfRange = new Set(entities.filter((e) => e.laeq > 150 || e.laeq < 0).map((e) => e.sensor));
    expect(outOfRange).toEqual(new Set([faultOf('spikes').sensorId, faultOf('negative-values').sensorId]));
  });

  it('offline sensors leave gaps of hours', () => {
    const offline = manifest.faults.filter((f) => f.kind === 'offline');
    expect(offline.length).toBeGreaterThan(20);
    const f = defined(offline[0], 'an offline fault');
    const [from, to] = [defined(f.from, 'the start of the offline gap'), defined(f.to, 'the end of the offline gap')];
    const inGap = entities.filter((e) => e.sensor === f.sensorId && e.from >= from && e.to <= to);
    expect(inGap).toHaveLength(0);
  });
});

describe('malformed payloads: mixed encodings and CSV layouts with daylight-saving changes', () => {
  it('mixes the five encodings across and within batches, and the three ways of naming a sensor', () => {
    expect(new Set(entities.map((e) => e.encoding))).toEqual(new Set(ENCODINGS));
    const perFile = new Map<string, Set<string>>();
    for (const e of entities) perFile.set(e.file, (perFile.get(e.file) ?? new Set()).add(e.encoding));
    const single = [...perFile.values()].filter((s) => s.size === 1).map((s) => [...s][0]);
    expect(new Set(single).size).toBeGreaterThanOrEqual(3);
    expect([...perFile.values()].some((s) => s.size === 5)).toBe(true);
    expect(entities.some((e) => e.sensor.startsWith('urn:ngsi-ld:PointOfInterest:'))).toBe(true);
    expect(entities.some((e) => e.sensor.startsWith('loc:'))).toBe(true);
  });

  it('CSV series in two layouts with naive local times: the autumn hour twice, the spring hour missing', () => {
    const csv = files.filter((f) => f.kind === 'noise-csv');
    expect(csv.length).toBe(4);
    for (const f of csv) expect(f.options).toMatchObject({ sensorId: expect.stringMatching(/^urn:ngsi-ld:Device:demo-/) as unknown, tz: 'Europe/Paris', lon: expect.any(Number) as unknown, lat: expect.any(Number) as unknown });
    const text = (f: DemoFile) => f.bytes.toString('utf8');
    const semicolon = defined(csv.find((f) => text(f).startsWith('\ufeffdatetime;LAeq\r\n')), 'a semicolon CSV series');
    expect(text(semicolon)).toMatch(/^2025-10-20 00:00:00;\d+,\d\r$/m);
    expect(csv.some((f) => /^timestamp,LAeq\n2025-10-20 00:00:00,\d+\.\d\n/.test(text(f)))).toBe(true);
    const autumn = fileNamed(faultOf('dst-ambiguous-hour').file);
    expect(text(autumn).match(/^2025-10-26 02:15:00;/gm)).toHaveLength(2);
    const spring = fileNamed(faultOf('dst-missing-hour').file);
    expect(text(spring)).not.toMatch(/^2025-03-30 02:/m);
    expect(text(spring)).toMatch(/^2025-03-30 01:45:00;.*\r\n2025-03-30 03:00:00;/m);
  });
});

describe('sizes', () => {
  it('the default run stays within the stated bounds and matches demoManifest()', () => {
    expect(manifest.sensors.total).toBeGreaterThanOrEqual(150);
    expect(manifest.sensors.total).toBeLessThanOrEqual(250);
    expect(manifest.readings).toBeGreaterThanOrEqual(200_000);
    expect(manifest.readings).toBeLessThanOrEqual(300_000);
    expect(manifest.files.total).toBe(files.length);
    expect(manifest.entities).toBe(entities.length);
    const fiwareReadings = new Set(entities.map((e) => e.id)).size;
    const csvRows = files.filter((f) => f.kind === 'noise-csv').reduce((s, f) => s + f.bytes.toString('utf8').trim().split('\n').length - 1, 0);
    expect(manifest.readings).toBe(fiwareReadings + csvRows);
    expect(Math.max(...files.map((f) => f.bytes.length))).toBeLessThan(4_000_000);
    expect(manifest).toMatchObject({ seed: 2025, start: '2025-10-20', end: '2025-11-02', days: 14, intervalMinutes: 15, notice: DEMO_NOTICE });
  });

  it('sensorsPerCommune and days scale the run', () => {
    const small = demoManifest({ sensorsPerCommune: 1, days: 2 });
    expect(small.sensors.total).toBe(132);
    expect(small.sensors.communes).toBe(130);
    expect(small.readings).toBeLessThan(30_000);
    expect(demoManifest({ faults: false }).faults).toEqual([]);
  });
});
