import { isCalendarDate } from '../domain/time/calendar.ts';
import { localDayBounds } from '../domain/time/paris.ts';
import type { Commune } from '../domain/geo/communes.ts';
import { lastSunday, timeGrid, utcIso, type Slot } from './grid.ts';
import { demoNetwork, defaultSensorsPerCommune, ENCODINGS, type DemoSensor, type Encoding } from './network.ts';
import { integer, pick, shuffled, stream, uniform } from './prng.ts';

// What the simulation will deliver, decided before a single level is drawn: the network, the time grid,
// outages, faults, batches and the order the files arrive in. The manifest reads the plan; the renderer
// turns it into bytes.

export interface DemoOptions {
  /** PRNG seed; the same seed gives byte-identical files */
  readonly seed?: number;
  /** first local day YYYY-MM-DD (Europe/Paris) */
  readonly start?: string;
  readonly days?: number;
  /** sensors per commune of the Métropole: a number for all, or a function (default: Paris 20, ≥100 000 inhabitants 3, ≥50 000 2, else 1) */
  readonly sensorsPerCommune?: number | ((commune: Commune) => number);
  /** reading interval, a divisor of 60 */
  readonly intervalMinutes?: number;
  /** target number of entities per FIWARE batch file */
  readonly batchSize?: number;
  /** inject outages, faulty sensors and malformed payloads (default true) */
  readonly faults?: boolean;
}

// the default period covers the 2025-10-26 clock change (a 25-hour day) and Toussaint (Saturday 2025-11-01)
export const DEMO_DEFAULTS = { seed: 2025, start: '2025-10-20', days: 14, intervalMinutes: 15, batchSize: 2000, faults: true } as const;

export interface ResolvedDemoOptions {
  readonly seed: number;
  readonly start: string;
  readonly days: number;
  readonly intervalMinutes: number;
  readonly batchSize: number;
  readonly faults: boolean;
  readonly sensorsPerCommune: number | ((commune: Commune) => number);
}

export function resolveDemoOptions(options: DemoOptions = {}): ResolvedDemoOptions {
  const o = { ...DEMO_DEFAULTS, sensorsPerCommune: defaultSensorsPerCommune, ...options };
  const fail = (field: string, expected: string, found: unknown) => {
    throw new Error(`demo simulator option ${field}: expected ${expected}, found ${JSON.stringify(found)}`);
  };
  if (!Number.isInteger(o.seed)) fail('seed', 'an integer', o.seed);
  if (!isCalendarDate(o.start)) fail('start', 'a calendar date YYYY-MM-DD', o.start);
  if (!Number.isInteger(o.days) || o.days < 1 || o.days > 366) fail('days', 'an integer 1–366', o.days);
  if (!Number.isInteger(o.intervalMinutes) || o.intervalMinutes < 1 || 60 % o.intervalMinutes !== 0) fail('intervalMinutes', 'a divisor of 60', o.intervalMinutes);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) fail('batchSize', 'a positive integer', o.batchSize);
  if (typeof o.sensorsPerCommune === 'number' && !(o.sensorsPerCommune >= 1)) fail('sensorsPerCommune', 'at least 1', o.sensorsPerCommune);
  return { ...o, seed: o.seed >>> 0 };
}

export type CsvFormat = 'semicolon-bom-crlf' | 'comma' | 'semicolon';

export type FileSpec =
  | { readonly type: 'batch'; readonly name: string; readonly batch: number }
  | { readonly type: 'truncated'; readonly name: string; readonly batch: number }
  | { readonly type: 'duplicate'; readonly name: string; readonly batch: number }
  | { readonly type: 'corrections'; readonly name: string }
  | { readonly type: 'late'; readonly name: string }
  | { readonly type: 'csv'; readonly name: string; readonly sensor: DemoSensor; readonly format: CsvFormat; readonly grid: 'period' | 'dst' };

export type FaultKind =
  | 'offline'
  | 'stuck-value'
  | 'spikes'
  | 'negative-values'
  | 'truncated-json'
  | 'wrong-entity-type'
  | 'naive-timestamp'
  | 'invalid-date'
  | 'duplicate-batch'
  | 'corrected-resend'
  | 'late-data'
  | 'dst-ambiguous-hour'
  | 'dst-missing-hour';

export interface InjectedFault {
  readonly kind: FaultKind;
  readonly description: string;
  readonly sensorId?: string;
  readonly file?: string;
  /** UTC interval the fault touches */
  readonly from?: string;
  readonly to?: string;
}

interface SlotFault {
  readonly sensor: DemoSensor;
  readonly slot: number;
}

export interface DemoPlan {
  readonly options: ResolvedDemoOptions;
  readonly grid: readonly Slot[];
  readonly sensors: readonly DemoSensor[];
  readonly fiwareSensors: readonly DemoSensor[];
  readonly csvSensors: readonly DemoSensor[];
  /** per sensor key: offline slot ranges [start, end) */
  readonly outages: ReadonlyMap<string, readonly (readonly [number, number])[]>;
  readonly stuck?: { readonly sensor: DemoSensor; readonly start: number; readonly end: number };
  readonly spikes?: { readonly sensor: DemoSensor; readonly slots: readonly number[] };
  readonly negative?: { readonly sensor: DemoSensor; readonly slots: readonly number[] };
  readonly wrongType?: SlotFault;
  readonly naive?: SlotFault;
  readonly invalidDate?: SlotFault;
  /** the regular batches carried values `delta` dB too high; the corrections file re-sends the right ones */
  readonly corrected?: { readonly sensor: DemoSensor; readonly start: number; readonly end: number; readonly delta: number };
  /** these sensors' readings of local day `day` are held back and arrive last */
  readonly late?: { readonly sensors: readonly DemoSensor[]; readonly day: number; readonly date: string };
  /** the extra one-day CSV over the most recent clock change before the period */
  readonly dstDay?: { readonly date: string; readonly change: 'spring' | 'autumn'; readonly grid: readonly Slot[] };
  /** slot ranges of the regular batches */
  readonly batches: readonly (readonly [number, number])[];
  /** per batch: one encoding for the whole batch, or each sensor's own */
  readonly batchEncodings: readonly (Encoding | 'per-sensor')[];
  readonly files: readonly FileSpec[];
  readonly faults: readonly InjectedFault[];
}

const pad4 = (n: number) => String(n).padStart(4, '0');
const HOUR_MS = 3_600_000;

/** the most recent last Sunday of March or October strictly before `start` */
function previousClockChange(start: string): { date: string; change: 'spring' | 'autumn' } {
  const year = Number(start.slice(0, 4));
  const candidates = [year - 1, year].flatMap((y) => [
    { date: lastSunday(y, 3), change: 'spring' as const },
    { date: lastSunday(y, 10), change: 'autumn' as const },
  ]);
  return candidates.filter((c) => c.date < start).sort((a, b) => b.date.localeCompare(a.date))[0]!;
}

export function demoPlan(options: DemoOptions = {}): DemoPlan {
  const o = resolveDemoOptions(options);
  const { seed, intervalMinutes } = o;
  const grid = timeGrid(o.start, o.days, intervalMinutes);
  const n = grid.length;
  const perHour = 60 / intervalMinutes;
  const sensors = demoNetwork({ seed, sensorsPerCommune: o.sensorsPerCommune });
  const fiwareSensors = sensors.filter((s) => s.delivery === 'fiware');
  const csvSensors = sensors.filter((s) => s.delivery === 'csv');
  const iso = (slot: number) => utcIso(grid[Math.min(slot, n - 1)]!.from);
  const isoEnd = (slot: number) => utcIso(grid[Math.min(slot, n) - 1]!.to);
  const slotAt = (fraction: number) => Math.min(n - 1, Math.floor(n * fraction));

  const k = Math.max(1, Math.floor(o.batchSize / Math.max(1, fiwareSensors.length)));
  const batches: [number, number][] = [];
  for (let s = 0; s < n; s += k) batches.push([s, Math.min(n, s + k)]);
  const batchOf = (slot: number) => Math.floor(slot / k);
  const modes = stream(seed, 'batch-encodings');
  const batchEncodings = batches.map(() => (modes() < 0.6 ? ('per-sensor' as const) : pick(modes, ENCODINGS)));
  const batchName = (b: number) => `demo-fiware-batch-${pad4(b + 1)}.json`;

  const faults: InjectedFault[] = [];
  const outages = new Map<string, [number, number][]>();
  const files: FileSpec[] = batches.map((_, b) => ({ type: 'batch', name: batchName(b), batch: b }));
  const csvFiles: FileSpec[] = [];
  const formats: CsvFormat[] = ['semicolon-bom-crlf', 'comma', 'semicolon'];
  const periodEnd = grid[n - 1]!.date;
  csvSensors.forEach((sensor, i) => {
    const format = formats[i % formats.length]!;
    csvFiles.push({ type: 'csv', name: `demo-laeq-${sensor.key}-${o.start}_${periodEnd}.csv`, sensor, format, grid: 'period' });
  });

  let plan: Omit<DemoPlan, 'files' | 'faults' | 'outages'> = { options: o, grid, sensors, fiwareSensors, csvSensors, batches, batchEncodings };
  if (!o.faults) return { ...plan, outages, files: [...files, ...csvFiles], faults };

  // sensors for the targeted faults: ordinary road/rail/mixed sensors with a refDevice, never the Paris showcase ones
  const candidates = shuffled(
    stream(seed, 'fault-sensors'),
    fiwareSensors.filter((s) => s.inMetropole && s.reference === 'device' && s.noiseSource !== 'air' && s.key !== 'demo-75056-01' && s.key !== 'demo-75056-02'),
  );
  const take = () => candidates.shift();
  const r = stream(seed, 'faults');
  const exempt = new Set<string>();
  const dayStart = (day: number, hour: number) => {
    const i = grid.findIndex((g) => g.day === day && g.hour === hour);
    return i >= 0 ? i : 0;
  };

  const stuckSensor = take();
  if (stuckSensor) {
    const start = dayStart(Math.floor(o.days * 0.3), 8);
    const end = Math.min(n, start + 36 * perHour);
    plan = { ...plan, stuck: { sensor: stuckSensor, start, end } };
    exempt.add(stuckSensor.key);
    faults.push({ kind: 'stuck-value', sensorId: stuckSensor.sensorId, from: iso(start), to: isoEnd(end), description: 'sensor frozen: LAeq, LAmax and LAS repeat the same values for 36 hours' });
  }
  const spikeSensor = take();
  if (spikeSensor) {
    const slots = [...new Set(Array.from({ length: 10 }, () => integer(r, 0, n - 1)))].sort((a, b) => a - b);
    plan = { ...plan, spikes: { sensor: spikeSensor, slots } };
    exempt.add(spikeSensor.key);
    faults.push({ kind: 'spikes', sensorId: spikeSensor.sensorId, from: iso(slots[0]!), to: isoEnd(slots[slots.length - 1]! + 1), description: `${slots.length} readings with LAeq above 150 dB(A) (electrical interference)` });
  }
  const negativeSensor = take();
  if (negativeSensor) {
    const slots = [...new Set(Array.from({ length: 8 }, () => integer(r, 0, n - 1)))].sort((a, b) => a - b);
    plan = { ...plan, negative: { sensor: negativeSensor, slots } };
    exempt.add(negativeSensor.key);
    faults.push({ kind: 'negative-values', sensorId: negativeSensor.sensorId, from: iso(slots[0]!), to: isoEnd(slots[slots.length - 1]! + 1), description: `${slots.length} readings with negative LAeq, LAmax and LAS (firmware sign bug)` });
  }
  const slotFault = (fraction: number): SlotFault | undefined => {
    const sensor = take();
    if (!sensor) return undefined;
    exempt.add(sensor.key);
    return { sensor, slot: slotAt(fraction) };
  };
  const naive = slotFault(0.35);
  const invalidDate = slotFault(0.55);
  const wrongType = slotFault(0.65);
  plan = { ...plan, naive, invalidDate, wrongType };
  if (naive) faults.push({ kind: 'naive-timestamp', sensorId: naive.sensor.sensorId, file: batchName(batchOf(naive.slot)), from: iso(naive.slot), description: 'one entity whose dateObservedFrom/To are local times without offset' });
  if (invalidDate) faults.push({ kind: 'invalid-date', sensorId: invalidDate.sensor.sensorId, file: batchName(batchOf(invalidDate.slot)), from: iso(invalidDate.slot), description: 'one entity dated February 30 (JavaScript Date would roll it over to March 2)' });
  if (wrongType) faults.push({ kind: 'wrong-entity-type', sensorId: wrongType.sensor.sensorId, file: batchName(batchOf(wrongType.slot)), from: iso(wrongType.slot), description: 'one entity of type NoisePollution instead of NoiseLevelObserved' });

  const correctedSensor = take();
  let correctionsAfter = -1;
  if (correctedSensor) {
    const b = batchOf(slotAt(0.5));
    const [start, batchEnd] = batches[b]!;
    const end = Math.min(batchEnd, start + 2 * perHour);
    correctionsAfter = Math.min(batches.length - 1, b + 3);
    exempt.add(correctedSensor.key);
    plan = { ...plan, corrected: { sensor: correctedSensor, start, end, delta: 2.5 } };
    faults.push({
      kind: 'corrected-resend',
      sensorId: correctedSensor.sensorId,
      file: 'demo-fiware-corrections-0001.json',
      from: iso(start),
      to: isoEnd(end),
      description: `readings first sent 2.5 dB too high in ${batchName(b)}, re-sent with corrected values later (same sensor and intervals)`,
    });
  }

  const lateSensors = [take(), take(), take(), take()].filter((s): s is DemoSensor => s !== undefined);
  if (lateSensors.length > 0) {
    const day = Math.min(1, o.days - 1);
    const date = grid.find((g) => g.day === day)!.date;
    for (const s of lateSensors) exempt.add(s.key);
    plan = { ...plan, late: { sensors: lateSensors, day, date } };
    const { start, end } = localDayBounds(date);
    faults.push({
      kind: 'late-data',
      file: `demo-fiware-late-${date}.json`,
      from: utcIso(start),
      to: utcIso(end),
      description: `a gateway of ${lateSensors.length} sensors (${lateSensors.map((s) => s.sensorId).join(', ')}) held back the local day ${date}; it arrives after everything else`,
    });
  }

  // outages: a long one for two sensors, a few hours for about a third of the others; never on the DST-showcase CSV sensor
  if (csvSensors[0]) exempt.add(csvSensors[0].key);
  const down = stream(seed, 'outages');
  const eligible = sensors.filter((s) => !exempt.has(s.key));
  const long = new Set(shuffled(stream(seed, 'long-outages'), eligible).slice(0, 2).map((s) => s.key));
  for (const s of eligible) {
    const p = down();
    const hours = long.has(s.key) ? uniform(down, 30, 54) : uniform(down, 2, 14);
    const startAt = integer(down, 0, n - 1);
    if (!long.has(s.key) && p >= 0.3) continue;
    const end = Math.min(n, startAt + Math.round(hours * perHour));
    outages.set(s.key, [[startAt, end]]);
    faults.push({ kind: 'offline', sensorId: s.sensorId, from: iso(startAt), to: isoEnd(end), description: `sensor offline for ${((grid[end - 1]!.to - grid[startAt]!.from) / HOUR_MS).toFixed(1)} h: no readings` });
  }

  if (batches.length > 0) {
    const truncated = Math.floor(batches.length * 0.2);
    const duplicate = Math.floor(batches.length * 0.4);
    const at = (b: number) => files.findIndex((f) => f.type === 'batch' && f.batch === b);
    const truncatedName = batchName(truncated).replace('.json', '-attempt1.json');
    files.splice(at(truncated), 0, { type: 'truncated', name: truncatedName, batch: truncated });
    faults.push({ kind: 'truncated-json', file: truncatedName, description: `an interrupted upload: the first 60 % of the bytes of ${batchName(truncated)}, which is then sent whole` });
    const resentName = batchName(duplicate).replace('.json', '-resent.json');
    files.splice(at(Math.min(batches.length - 1, duplicate + 1)) + 1, 0, { type: 'duplicate', name: resentName, batch: duplicate });
    faults.push({ kind: 'duplicate-batch', file: resentName, description: `exactly the same bytes as ${batchName(duplicate)}, sent again` });
    if (correctionsAfter >= 0) files.splice(at(correctionsAfter) + 1, 0, { type: 'corrections', name: 'demo-fiware-corrections-0001.json' });
  }

  const change = previousClockChange(o.start);
  const dstGrid = timeGrid(change.date, 1, intervalMinutes);
  const showcase = csvSensors[0];
  const lastSlotMinute = String(60 - intervalMinutes).padStart(2, '0');
  if (showcase) {
    csvFiles.push({ type: 'csv', name: `demo-laeq-${showcase.key}-${change.date}.csv`, sensor: showcase, format: 'semicolon-bom-crlf', grid: 'dst' });
    plan = { ...plan, dstDay: { date: change.date, change: change.change, grid: dstGrid } };
    faults.push({
      kind: change.change === 'spring' ? 'dst-missing-hour' : 'dst-ambiguous-hour',
      sensorId: showcase.sensorId,
      file: `demo-laeq-${showcase.key}-${change.date}.csv`,
      description:
        change.change === 'spring'
          ? `naive local times jump from 01:${lastSlotMinute} to 03:00 on ${change.date} (the hour that does not exist)`
          : `naive local times from 02:00 to 02:${lastSlotMinute} appear twice on ${change.date} (the hour that occurs twice)`,
    });
  }
  // clock changes inside the period: every period CSV shows them (unless its sensor was offline through the repeated hour)
  for (const g of grid) {
    if (g.hour !== 0 || g.minute !== 0) continue;
    const { start, end } = localDayBounds(g.date);
    if (end - start === 24 * HOUR_MS) continue;
    const longDay = end - start > 24 * HOUR_MS;
    for (const spec of csvFiles) {
      if (spec.type !== 'csv' || spec.grid !== 'period') continue;
      const sensor = spec.sensor;
      if (longDay && !grid.some((x, i) => x.date === g.date && x.hour === 2 && isOnline({ outages }, sensor, i))) continue;
      faults.push({
        kind: longDay ? 'dst-ambiguous-hour' : 'dst-missing-hour',
        sensorId: sensor.sensorId,
        file: spec.name,
        description: longDay ? `naive local times from 02:00 to 02:${lastSlotMinute} appear twice on ${g.date}` : `naive local times skip 02:00–03:00 on ${g.date}`,
      });
    }
  }

  files.push(...csvFiles);
  if (plan.late) files.push({ type: 'late', name: `demo-fiware-late-${plan.late.date}.json` });
  return { ...plan, outages, files, faults };
}

/** whether the sensor delivers a reading for the slot of the period (false while offline) */
export function isOnline(plan: Pick<DemoPlan, 'outages'>, sensor: DemoSensor, slot: number): boolean {
  const ranges = plan.outages.get(sensor.key);
  return !ranges || ranges.every(([a, b]) => slot < a || slot >= b);
}

/** whether the reading is held back from the regular batches and sent late */
export function isLate(plan: DemoPlan, sensor: DemoSensor, slot: number): boolean {
  return plan.late !== undefined && plan.grid[slot]!.day === plan.late.day && plan.late.sensors.includes(sensor);
}
