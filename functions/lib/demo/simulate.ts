import { naiveLocal, utcIso, type Slot } from './grid.ts';
import { simulateSeries, type Series } from './acoustics.ts';
import { ByteWriter } from './bytes.ts';
import { writeEntity, type EntityReading } from './fiware.ts';
import type { DemoSensor, Encoding } from './network.ts';
import { demoPlan, isLate, isOnline, type CsvFormat, type DemoOptions, type DemoPlan, type FileSpec } from './plan.ts';
import { stream, uniform } from './prng.ts';

// Renders the plan into the files a real network would have delivered, in arrival order.

export interface DemoFile {
  readonly kind: 'noise-fiware' | 'noise-csv';
  /** file name, prefixed demo- */
  readonly name: string;
  readonly bytes: Buffer;
  /** for noise-csv: what the CLI flags would be */
  readonly options?: { readonly sensorId?: string; readonly lon?: number; readonly lat?: number; readonly tz?: string };
  readonly description: string;
}

function sensorSeries(plan: DemoPlan, sensor: DemoSensor, grid: readonly Slot[], label: string): Series {
  const { seed, intervalMinutes } = plan.options;
  return simulateSeries(sensor, grid, stream(seed, label, sensor.key), intervalMinutes);
}

/** the readings as the sensors report them, faults included (offline slots are NaN) */
function reportedSeries(plan: DemoPlan): Map<string, Series> {
  const out = new Map<string, Series>();
  for (const sensor of plan.sensors) {
    const s = sensorSeries(plan, sensor, plan.grid, 'readings');
    plan.grid.forEach((_, i) => {
      if (!isOnline(plan, sensor, i)) s.laeq[i] = s.lamax[i] = s.las[i] = Number.NaN;
    });
    out.set(sensor.key, s);
  }
  const r = stream(plan.options.seed, 'fault-values');
  if (plan.stuck) {
    const s = out.get(plan.stuck.sensor.key)!;
    const { start, end } = plan.stuck;
    for (let i = start + 1; i < end; i++) {
      s.laeq[i] = s.laeq[start]!;
      s.lamax[i] = s.lamax[start]!;
      s.las[i] = s.las[start]!;
    }
  }
  if (plan.spikes) {
    const s = out.get(plan.spikes.sensor.key)!;
    for (const i of plan.spikes.slots) {
      s.laeq[i] = uniform(r, 150.5, 185);
      s.lamax[i] = s.laeq[i] + uniform(r, 0, 6);
      s.las[i] = s.laeq[i] - uniform(r, 0, 3);
    }
  }
  if (plan.negative) {
    const s = out.get(plan.negative.sensor.key)!;
    for (const i of plan.negative.slots) {
      s.laeq[i] = -s.laeq[i]!;
      s.lamax[i] = -s.lamax[i]!;
      s.las[i] = -s.las[i]!;
    }
  }
  if (plan.corrected) {
    const s = out.get(plan.corrected.sensor.key)!;
    for (let i = plan.corrected.start; i < plan.corrected.end; i++) {
      s.laeq[i]! += plan.corrected.delta;
      s.lamax[i]! += plan.corrected.delta;
      s.las[i]! += plan.corrected.delta;
    }
  }
  return out;
}

interface Renderer {
  readonly plan: DemoPlan;
  readonly series: ReadonlyMap<string, Series>;
  /** UTC ISO start and end of each slot, computed once */
  readonly fromIso: readonly string[];
  readonly toIso: readonly string[];
  /** the malformed entities: sensor → slot → what is wrong */
  readonly malformed: ReadonlyMap<DemoSensor, ReadonlyMap<number, 'naive' | 'invalid-date' | 'wrong-type'>>;
}

function renderer(plan: DemoPlan): Renderer {
  const malformed = new Map<DemoSensor, Map<number, 'naive' | 'invalid-date' | 'wrong-type'>>();
  const mark = (f: { sensor: DemoSensor; slot: number } | undefined, what: 'naive' | 'invalid-date' | 'wrong-type') => {
    if (!f) return;
    const bySlot = malformed.get(f.sensor) ?? new Map<number, typeof what>();
    bySlot.set(f.slot, what);
    malformed.set(f.sensor, bySlot);
  };
  mark(plan.naive, 'naive');
  mark(plan.invalidDate, 'invalid-date');
  mark(plan.wrongType, 'wrong-type');
  return {
    plan,
    series: reportedSeries(plan),
    fromIso: plan.grid.map((g) => utcIso(g.from)),
    toIso: plan.grid.map((g) => utcIso(g.to)),
    malformed,
  };
}

function reading(r: Renderer, sensor: DemoSensor, i: number): EntityReading {
  const s = r.series.get(sensor.key)!;
  const from = r.fromIso[i]!;
  const to = r.toIso[i]!;
  const base = { sensor, from, to, laeq: s.laeq[i]!, lamax: s.lamax[i]!, las: s.las[i]! };
  switch (r.malformed.get(sensor)?.get(i)) {
    case undefined:
      return base;
    case 'naive': {
      const slot = r.plan.grid[i]!;
      return { ...base, from: naiveLocal(slot.from, 'T'), to: naiveLocal(slot.to, 'T'), idFrom: from };
    }
    case 'invalid-date':
      return { ...base, from: `${from.slice(0, 4)}-02-30${from.slice(10)}`, to: `${to.slice(0, 4)}-02-30${to.slice(10)}` };
    case 'wrong-type':
      return { ...base, type: 'NoisePollution' };
  }
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/** a JSON array of entities, written straight to bytes */
class EntityArray {
  private readonly w = new ByteWriter();
  count = 0;
  constructor() {
    this.w.bytes(OPEN);
  }
  push(r: EntityReading, encoding: Encoding): void {
    if (this.count++ > 0) this.w.bytes(COMMA);
    writeEntity(this.w, r, encoding);
  }
  toBuffer(): Buffer {
    this.w.bytes(CLOSE);
    return this.w.toBuffer();
  }
}

function range(plan: DemoPlan, start: number, end: number): string {
  return `${utcIso(plan.grid[start]!.from)} – ${utcIso(plan.grid[end - 1]!.to)}`;
}

function csvBytes(plan: DemoPlan, sensor: DemoSensor, grid: readonly Slot[], series: Series, format: CsvFormat, skipOffline: boolean): { bytes: Buffer; rows: number } {
  const semicolon = format !== 'comma';
  const lines = [semicolon ? 'datetime;LAeq' : 'timestamp,LAeq'];
  grid.forEach((slot, i) => {
    if (skipOffline && !isOnline(plan, sensor, i)) return;
    const value = series.laeq[i]!.toFixed(1);
    // loggers on local clock write naive local times: the autumn hour twice, the spring hour never
    lines.push(semicolon ? `${naiveLocal(slot.from)};${value.replace('.', ',')}` : `${naiveLocal(slot.from)},${value}`);
  });
  const eol = format === 'semicolon-bom-crlf' ? '\r\n' : '\n';
  const text = (format === 'semicolon-bom-crlf' ? '\ufeff' : '') + lines.join(eol) + eol;
  return { bytes: Buffer.from(text, 'utf8'), rows: lines.length - 1 };
}

const ENCODING_LABEL: Readonly<Record<Encoding | 'per-sensor', string>> = {
  'ngsi-v2-keyvalues': 'NGSI-v2 keyValues',
  'ngsi-v2-normalized': 'NGSI-v2 normalized',
  'ngsi-ld-keyvalues': 'NGSI-LD keyValues',
  'ngsi-ld-normalized': 'NGSI-LD normalized',
  'geojson-feature': 'GeoJSON Feature',
  'per-sensor': 'mixed (each sensor its vendor encoding)',
};

/** the corrected re-send: a sensor's readings over a few hours again, lower by the planned delta */
function correctionsFile(plan: DemoPlan, r: Renderer, name: string): DemoFile {
  const c = plan.corrected!;
  const entities = new EntityArray();
  for (let i = c.start; i < c.end; i++) {
    const sent = reading(r, c.sensor, i);
    entities.push({ ...sent, laeq: sent.laeq - c.delta, lamax: sent.lamax - c.delta, las: sent.las - c.delta }, c.sensor.encoding);
  }
  return {
    kind: 'noise-fiware',
    name,
    bytes: entities.toBuffer(),
    description: `Corrected re-send: ${entities.count} entities of ${c.sensor.sensorId}, ${range(plan, c.start, c.end)}, values ${c.delta} dB lower than first sent`,
  };
}

/** the late file: a day of some sensors' readings, held back by their gateway and sent last */
function lateFile(plan: DemoPlan, r: Renderer, name: string): DemoFile {
  const late = plan.late!;
  const entities = new EntityArray();
  plan.grid.forEach((slot, i) => {
    if (slot.day !== late.day) return;
    for (const sensor of late.sensors) if (isOnline(plan, sensor, i)) entities.push(reading(r, sensor, i), sensor.encoding);
  });
  return {
    kind: 'noise-fiware',
    name,
    bytes: entities.toBuffer(),
    description: `Late data: ${entities.count} entities of ${late.sensors.length} sensors for the local day ${late.date}, held back by their gateway and sent last`,
  };
}

/** a sensor's LAeq CSV series, over the demo period or the clock-change day, in the planned layout */
function csvFile(plan: DemoPlan, series: Renderer['series'], spec: Extract<FileSpec, { type: 'csv' }>): DemoFile {
  const dst = spec.grid === 'dst' && plan.dstDay !== undefined;
  const grid = dst ? plan.dstDay.grid : plan.grid;
  const s = dst ? sensorSeries(plan, spec.sensor, grid, 'dst-day') : series.get(spec.sensor.key)!;
  const { bytes, rows } = csvBytes(plan, spec.sensor, grid, s, spec.format, !dst);
  const layout = spec.format === 'comma' ? '`timestamp,LAeq`, decimal points' : '`datetime;LAeq`, decimal commas' + (spec.format === 'semicolon-bom-crlf' ? ', UTF-8 BOM, CRLF' : '');
  const what = dst ? `the clock-change day ${plan.dstDay.date} (${plan.dstDay.change === 'spring' ? 'a local hour missing' : 'a local hour repeated'})` : `${plan.grid[0]!.date} to ${plan.grid[plan.grid.length - 1]!.date}`;
  return {
    kind: 'noise-csv',
    name: spec.name,
    bytes,
    options: { sensorId: spec.sensor.sensorId, lon: spec.sensor.lon, lat: spec.sensor.lat, tz: 'Europe/Paris' },
    description: `LAeq CSV series of ${spec.sensor.sensorId} (${spec.sensor.name}, ${spec.sensor.noiseSource}): ${rows} rows of ${plan.options.intervalMinutes}-minute LAeq, ${what}; ${layout}; naive Europe/Paris local interval starts`,
  };
}

/**
 * Simulate the demo noise network and return the files it delivers, in arrival order: FIWARE
 * NoiseLevelObserved batches (mixed encodings) and LAeq CSV series, with the planned faults.
 * Same options → byte-identical files.
 */
export function simulateNoiseNetwork(options: DemoOptions = {}): DemoFile[] {
  const plan = demoPlan(options);
  const r = renderer(plan);
  const series = r.series;
  const batchBytes = new Map<number, Buffer>();
  const batchEntities = new Map<number, number>();
  const faultsIn = (name: string) => plan.faults.filter((f) => f.file === name && f.kind !== 'offline');

  const renderBatch = (b: number): Buffer => {
    const cached = batchBytes.get(b);
    if (cached) return cached;
    const [start, end] = plan.batches[b]!;
    const mode = plan.batchEncodings[b]!;
    const entities = new EntityArray();
    for (let i = start; i < end; i++) {
      for (const sensor of plan.fiwareSensors) {
        if (!isOnline(plan, sensor, i) || isLate(plan, sensor, i)) continue;
        entities.push(reading(r, sensor, i), mode === 'per-sensor' ? sensor.encoding : mode);
      }
    }
    const bytes = entities.toBuffer();
    batchBytes.set(b, bytes);
    batchEntities.set(b, entities.count);
    return bytes;
  };

  const regularName = (batch: number) => plan.files.find((f) => f.type === 'batch' && f.batch === batch)!.name;
  const describeBatch = (spec: FileSpec & { batch: number }, prefix: string): string => {
    const [start, end] = plan.batches[spec.batch]!;
    const extra = faultsIn(regularName(spec.batch)).map((f) => f.description);
    const text = `${prefix}FIWARE NoiseLevelObserved batch ${spec.batch + 1}/${plan.batches.length}: ${batchEntities.get(spec.batch)} entities, ${range(plan, start, end)}, encoding ${ENCODING_LABEL[plan.batchEncodings[spec.batch]!]}`;
    return extra.length ? `${text}; includes ${extra.join('; ')}` : text;
  };

  const files: DemoFile[] = [];
  for (const spec of plan.files) {
    switch (spec.type) {
      case 'batch': {
        const bytes = renderBatch(spec.batch);
        files.push({ kind: 'noise-fiware', name: spec.name, bytes, description: describeBatch(spec, '') });
        break;
      }
      case 'truncated': {
        const whole = renderBatch(spec.batch);
        files.push({ kind: 'noise-fiware', name: spec.name, bytes: whole.subarray(0, Math.floor(whole.length * 0.6)), description: `Interrupted upload (truncated JSON, 60 % of the bytes) of ${describeBatch(spec, '')}` });
        break;
      }
      case 'duplicate': {
        const bytes = Buffer.from(renderBatch(spec.batch));
        files.push({ kind: 'noise-fiware', name: spec.name, bytes, description: describeBatch(spec, 'Re-sent, byte for byte: ') });
        break;
      }
      case 'corrections':
        files.push(correctionsFile(plan, r, spec.name));
        break;
      case 'late':
        files.push(lateFile(plan, r, spec.name));
        break;
      case 'csv':
        files.push(csvFile(plan, series, spec));
        break;
    }
  }
  return files;
}
