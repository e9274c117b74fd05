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
const CSV_FORMATS: readonly CsvFormat[] = ['semicolon-bom-crlf', 'comma', 'semicolon'];

/** the file name of regular batch `b` */
const batchName = (b: number) => `demo-fiware-batch-${pad4(b + 1)}.json`;

/** the slot `i` of a grid, which the plan only ever asks of slots it made */
function slotOf(grid: readonly Slot[], i: number): Slot {
  const slot = grid[i];
  if (!slot) throw new Error(`demo plan: no slot ${i} in a grid of ${grid.length}`);
  return slot;
}

/** the most recent last Sunday of March or October strictly before `start` */
function previousClockChange(start: string): { date: string; change: 'spring' | 'autumn' } {
  const year = Number(start.slice(0, 4));
  const candidates = [year - 1, year].flatMap((y) => [
    { date: lastSunday(y, 3), change: 'spring' as const },
    { date: lastSunday(y, 10), change: 'autumn' as const },
  ]);
  const [latest] = candidates.filter((c) => c.date < start).sort((a, b) => b.date.localeCompare(a.date));
  if (!latest) throw new Error(`demo plan: no clock change before ${start}`);
  return latest;
}

/** the period's time grid as the faults see it: slots as UTC instants, fractions of the period as slots */
interface Period {
  readonly grid: readonly Slot[];
  readonly n: number;
  readonly perHour: number;
  /** the start of the slot (the last slot's past the end) */
  iso(slot: number): string;
  /** the end of the slot before `slot` (the end of a range [start, slot)) */
  isoEnd(slot: number): string;
  slotAt(fraction: number): number;
  /** the first slot of local hour `hour` of day `day` (0 if the grid has none) */
  dayStart(day: number, hour: number): number;
}

function periodOf(o: ResolvedDemoOptions): Period {
  const grid = timeGrid(o.start, o.days, o.intervalMinutes);
  const n = grid.length;
  return {
    grid,
    n,
    perHour: 60 / o.intervalMinutes,
    iso: (slot) => utcIso(slotOf(grid, Math.min(slot, n - 1)).from),
    isoEnd: (slot) => utcIso(slotOf(grid, Math.min(slot, n) - 1).to),
    slotAt: (fraction) => Math.min(n - 1, Math.floor(n * fraction)),
    dayStart: (day, hour) => Math.max(0, grid.findIndex((g) => g.day === day && g.hour === hour)),
  };
}

/** the regular batches: slot ranges of about `batchSize` entities, each with its encoding */
interface Batching {
  readonly batches: readonly (readonly [number, number])[];
  readonly batchEncodings: readonly (Encoding | 'per-sensor')[];
  batchOf(slot: number): number;
}

function batchingOf(o: ResolvedDemoOptions, n: number, fiwareSensors: number): Batching {
  const k = Math.max(1, Math.floor(o.batchSize / Math.max(1, fiwareSensors)));
  const batches: [number, number][] = [];
  for (let s = 0; s < n; s += k) batches.push([s, Math.min(n, s + k)]);
  const modes = stream(o.seed, 'batch-encodings');
  const batchEncodings = batches.map(() => (modes() < 0.6 ? ('per-sensor' as const) : pick(modes, ENCODINGS)));
  return { batches, batchEncodings, batchOf: (slot) => Math.floor(slot / k) };
}

/** what the fault planners share: the period, the batches, the sensors still free for a fault, the faults so far */
interface FaultContext {
  readonly o: ResolvedDemoOptions;
  readonly period: Period;
  readonly batching: Batching;
  /** the next sensor free for a targeted fault (undefined when none is left) */
  take(): DemoSensor | undefined;
  /** draws of the targeted faults */
  readonly r: () => number;
  /** sensors given a targeted fault: no outage on top */
  readonly exempt: Set<string>;
  readonly faults: InjectedFault[];
}

function faultContext(o: ResolvedDemoOptions, period: Period, batching: Batching, fiwareSensors: readonly DemoSensor[]): FaultContext {
  // sensors for the targeted faults: ordinary road/rail/mixed sensors with a refDevice, never the Paris showcase ones
  const candidates = shuffled(
    stream(o.seed, 'fault-sensors'),
    fiwareSensors.filter((s) => s.inMetropole && s.reference === 'device' && s.noiseSource !== 'air' && s.key !== 'demo-75056-01' && s.key !== 'demo-75056-02'),
  );
  return { o, period, batching, take: () => candidates.shift(), r: stream(o.seed, 'faults'), exempt: new Set(), faults: [] };
}

/** a sensor taken for a targeted fault, exempt from outages */
function faultySensor(ctx: FaultContext): DemoSensor | undefined {
  const sensor = ctx.take();
  if (sensor) ctx.exempt.add(sensor.key);
  return sensor;
}

/** `count` draws of distinct slots, in order */
function scatteredSlots(ctx: FaultContext, count: number): number[] {
  return [...new Set(Array.from({ length: count }, () => integer(ctx.r, 0, ctx.period.n - 1)))].sort((a, b) => a - b);
}

/** the UTC interval from the first to the end of the last of the slots */
function spanOf(period: Period, slots: readonly number[]): { from: string; to: string } {
  return { from: period.iso(slots[0] ?? 0), to: period.isoEnd((slots[slots.length - 1] ?? 0) + 1) };
}

/** values a sensor gets wrong: frozen for 36 hours, spikes above 150 dB(A), negative levels */
function valueFaults(ctx: FaultContext): Pick<DemoPlan, 'stuck' | 'spikes' | 'negative'> {
  const { period, faults } = ctx;
  let plan: Pick<DemoPlan, 'stuck' | 'spikes' | 'negative'> = {};
  const stuckSensor = faultySensor(ctx);
  if (stuckSensor) {
    const start = period.dayStart(Math.floor(ctx.o.days * 0.3), 8);
    const end = Math.min(period.n, start + 36 * period.perHour);
    plan = { ...plan, stuck: { sensor: stuckSensor, start, end } };
    faults.push({ kind: 'stuck-value', sensorId: stuckSensor.sensorId, from: period.iso(start), to: period.isoEnd(end), description: 'sensor frozen: LAeq, LAmax and LAS repeat the same values for 36 hours' });
  }
  const spikeSensor = faultySensor(ctx);
  if (spikeSensor) {
    const slots = scatteredSlots(ctx, 10);
    plan = { ...plan, spikes: { sensor: spikeSensor, slots } };
    faults.push({ kind: 'spikes', sensorId: spikeSensor.sensorId, ...spanOf(period, slots), description: `${slots.length} readings with LAeq above 150 dB(A) (electrical interference)` });
  }
  const negativeSensor = faultySensor(ctx);
  if (negativeSensor) {
    const slots = scatteredSlots(ctx, 8);
    plan = { ...plan, negative: { sensor: negativeSensor, slots } };
    faults.push({ kind: 'negative-values', sensorId: negativeSensor.sensorId, ...spanOf(period, slots), description: `${slots.length} readings with negative LAeq, LAmax and LAS (firmware sign bug)` });
  }
  return plan;
}

/** single entities a batch gets wrong: a naive timestamp, an impossible date, the wrong entity type */
function entityFaults(ctx: FaultContext): Pick<DemoPlan, 'naive' | 'invalidDate' | 'wrongType'> {
  const slotFault = (fraction: number): SlotFault | undefined => {
    const sensor = faultySensor(ctx);
    return sensor && { sensor, slot: ctx.period.slotAt(fraction) };
  };
  const naive = slotFault(0.35);
  const invalidDate = slotFault(0.55);
  const wrongType = slotFault(0.65);
  const entityFault = (kind: FaultKind, fault: SlotFault | undefined, description: string) => {
    if (fault) ctx.faults.push({ kind, sensorId: fault.sensor.sensorId, file: batchName(ctx.batching.batchOf(fault.slot)), from: ctx.period.iso(fault.slot), description });
  };
  entityFault('naive-timestamp', naive, 'one entity whose dateObservedFrom/To are local times without offset');
  entityFault('invalid-date', invalidDate, 'one entity dated February 30 (JavaScript Date would roll it over to March 2)');
  entityFault('wrong-entity-type', wrongType, 'one entity of type NoisePollution instead of NoiseLevelObserved');
  return { naive, invalidDate, wrongType };
}

/** readings sent 2.5 dB too high, re-sent corrected three batches later (`correctionsAfter`: that batch, -1 if none) */
function correctedResend(ctx: FaultContext): Pick<DemoPlan, 'corrected'> & { correctionsAfter: number } {
  const { period, batching } = ctx;
  const sensor = faultySensor(ctx);
  if (!sensor) return { correctionsAfter: -1 };
  const b = batching.batchOf(period.slotAt(0.5));
  const [start, batchEnd] = batching.batches[b] ?? [0, 0];
  const end = Math.min(batchEnd, start + 2 * period.perHour);
  ctx.faults.push({
    kind: 'corrected-resend',
    sensorId: sensor.sensorId,
    file: 'demo-fiware-corrections-0001.json',
    from: period.iso(start),
    to: period.isoEnd(end),
    description: `readings first sent 2.5 dB too high in ${batchName(b)}, re-sent with corrected values later (same sensor and intervals)`,
  });
  return { corrected: { sensor, start, end, delta: 2.5 }, correctionsAfter: Math.min(batching.batches.length - 1, b + 3) };
}

/** a gateway of four sensors holding back their second local day, which arrives after everything else */
function lateGateway(ctx: FaultContext): Pick<DemoPlan, 'late'> {
  const sensors = [faultySensor(ctx), faultySensor(ctx), faultySensor(ctx), faultySensor(ctx)].filter((s): s is DemoSensor => s !== undefined);
  if (sensors.length === 0) return {};
  const day = Math.min(1, ctx.o.days - 1);
  const date = ctx.period.grid.find((g) => g.day === day)?.date;
  if (date === undefined) throw new Error(`demo plan: no local day ${day} in the period`);
  const { start, end } = localDayBounds(date);
  ctx.faults.push({
    kind: 'late-data',
    file: `demo-fiware-late-${date}.json`,
    from: utcIso(start),
    to: utcIso(end),
    description: `a gateway of ${sensors.length} sensors (${sensors.map((s) => s.sensorId).join(', ')}) held back the local day ${date}; it arrives after everything else`,
  });
  return { late: { sensors, day, date } };
}

/** outages: a long one for two sensors, a few hours for about a third of the others, none on the exempt ones */
function plannedOutages(ctx: FaultContext, sensors: readonly DemoSensor[]): Map<string, [number, number][]> {
  const { period } = ctx;
  const outages = new Map<string, [number, number][]>();
  const down = stream(ctx.o.seed, 'outages');
  const eligible = sensors.filter((s) => !ctx.exempt.has(s.key));
  const long = new Set(shuffled(stream(ctx.o.seed, 'long-outages'), eligible).slice(0, 2).map((s) => s.key));
  for (const s of eligible) {
    const p = down();
    const hours = long.has(s.key) ? uniform(down, 30, 54) : uniform(down, 2, 14);
    const startAt = integer(down, 0, period.n - 1);
    if (!long.has(s.key) && p >= 0.3) continue;
    const end = Math.min(period.n, startAt + Math.round(hours * period.perHour));
    const offlineHours = (slotOf(period.grid, end - 1).to - slotOf(period.grid, startAt).from) / HOUR_MS;
    outages.set(s.key, [[startAt, end]]);
    ctx.faults.push({ kind: 'offline', sensorId: s.sensorId, from: period.iso(startAt), to: period.isoEnd(end), description: `sensor offline for ${offlineHours.toFixed(1)} h: no readings` });
  }
  return outages;
}

/** files delivered wrong among the batches: an interrupted upload, a batch sent twice, the corrections file */
function deliveryFaults(ctx: FaultContext, files: FileSpec[], correctionsAfter: number): void {
  const { batches } = ctx.batching;
  if (batches.length === 0) return;
  const truncated = Math.floor(batches.length * 0.2);
  const duplicate = Math.floor(batches.length * 0.4);
  const at = (b: number) => files.findIndex((f) => f.type === 'batch' && f.batch === b);
  const truncatedName = batchName(truncated).replace('.json', '-attempt1.json');
  files.splice(at(truncated), 0, { type: 'truncated', name: truncatedName, batch: truncated });
  ctx.faults.push({ kind: 'truncated-json', file: truncatedName, description: `an interrupted upload: the first 60 % of the bytes of ${batchName(truncated)}, which is then sent whole` });
  const resentName = batchName(duplicate).replace('.json', '-resent.json');
  files.splice(at(Math.min(batches.length - 1, duplicate + 1)) + 1, 0, { type: 'duplicate', name: resentName, batch: duplicate });
  ctx.faults.push({ kind: 'duplicate-batch', file: resentName, description: `exactly the same bytes as ${batchName(duplicate)}, sent again` });
  if (correctionsAfter >= 0) files.splice(at(correctionsAfter) + 1, 0, { type: 'corrections', name: 'demo-fiware-corrections-0001.json' });
}

/** the extra one-day CSV of the first CSV sensor over the most recent clock change before the period */
function dstShowcase(ctx: FaultContext, csvFiles: FileSpec[], showcase: DemoSensor | undefined): Pick<DemoPlan, 'dstDay'> {
  const { intervalMinutes } = ctx.o;
  const change = previousClockChange(ctx.o.start);
  const dstGrid = timeGrid(change.date, 1, intervalMinutes);
  if (!showcase) return {};
  const lastSlotMinute = String(60 - intervalMinutes).padStart(2, '0');
  csvFiles.push({ type: 'csv', name: `demo-laeq-${showcase.key}-${change.date}.csv`, sensor: showcase, format: 'semicolon-bom-crlf', grid: 'dst' });
  ctx.faults.push({
    kind: change.change === 'spring' ? 'dst-missing-hour' : 'dst-ambiguous-hour',
    sensorId: showcase.sensorId,
    file: `demo-laeq-${showcase.key}-${change.date}.csv`,
    description:
      change.change === 'spring'
        ? `naive local times jump from 01:${lastSlotMinute} to 03:00 on ${change.date} (the hour that does not exist)`
        : `naive local times from 02:00 to 02:${lastSlotMinute} appear twice on ${change.date} (the hour that occurs twice)`,
  });
  return { dstDay: { date: change.date, change: change.change, grid: dstGrid } };
}

/** clock changes inside the period: every period CSV shows them (unless its sensor was offline through the repeated hour) */
function periodClockChanges(ctx: FaultContext, csvFiles: readonly FileSpec[], outages: DemoPlan['outages']): void {
  const { grid } = ctx.period;
  const lastSlotMinute = String(60 - ctx.o.intervalMinutes).padStart(2, '0');
  for (const g of grid) {
    if (g.hour !== 0 || g.minute !== 0) continue;
    const { start, end } = localDayBounds(g.date);
    if (end - start === 24 * HOUR_MS) continue;
    const longDay = end - start > 24 * HOUR_MS;
    for (const spec of csvFiles) {
      if (spec.type !== 'csv' || spec.grid !== 'period') continue;
      const sensor = spec.sensor;
      if (longDay && !grid.some((x, i) => x.date === g.date && x.hour === 2 && isOnline({ outages }, sensor, i))) continue;
      ctx.faults.push({
        kind: longDay ? 'dst-ambiguous-hour' : 'dst-missing-hour',
        sensorId: sensor.sensorId,
        file: spec.name,
        description: longDay ? `naive local times from 02:00 to 02:${lastSlotMinute} appear twice on ${g.date}` : `naive local times skip 02:00–03:00 on ${g.date}`,
      });
    }
  }
}

export function demoPlan(options: DemoOptions = {}): DemoPlan {
  const o = resolveDemoOptions(options);
  const period = periodOf(o);
  const { grid } = period;
  const sensors = demoNetwork({ seed: o.seed, sensorsPerCommune: o.sensorsPerCommune });
  const fiwareSensors = sensors.filter((s) => s.delivery === 'fiware');
  const csvSensors = sensors.filter((s) => s.delivery === 'csv');
  const batching = batchingOf(o, period.n, fiwareSensors.length);
  const { batches, batchEncodings } = batching;

  const files: FileSpec[] = batches.map((_, b) => ({ type: 'batch', name: batchName(b), batch: b }));
  const periodEnd = slotOf(grid, period.n - 1).date;
  const csvFiles: FileSpec[] = csvSensors.map((sensor, i) => ({
    type: 'csv',
    name: `demo-laeq-${sensor.key}-${o.start}_${periodEnd}.csv`,
    sensor,
    format: CSV_FORMATS[i % CSV_FORMATS.length] ?? 'semicolon',
    grid: 'period',
  }));
  const plan = { options: o, grid, sensors, fiwareSensors, csvSensors, batches, batchEncodings };
  if (!o.faults) return { ...plan, outages: new Map(), files: [...files, ...csvFiles], faults: [] };

  const ctx = faultContext(o, period, batching, fiwareSensors);
  const values = valueFaults(ctx);
  const entities = entityFaults(ctx);
  const { correctionsAfter, ...corrected } = correctedResend(ctx);
  const late = lateGateway(ctx);
  // never an outage on the DST-showcase CSV sensor
  if (csvSensors[0]) ctx.exempt.add(csvSensors[0].key);
  const outages = plannedOutages(ctx, sensors);
  deliveryFaults(ctx, files, correctionsAfter);
  const dstDay = dstShowcase(ctx, csvFiles, csvSensors[0]);
  periodClockChanges(ctx, csvFiles, outages);

  files.push(...csvFiles);
  if (late.late) files.push({ type: 'late', name: `demo-fiware-late-${late.late.date}.json` });
  return { ...plan, ...values, ...entities, ...corrected, ...late, ...dstDay, outages, files, faults: ctx.faults };
}

/** whether the sensor delivers a reading for the slot of the period (false while offline) */
export function isOnline(plan: Pick<DemoPlan, 'outages'>, sensor: DemoSensor, slot: number): boolean {
  const ranges = plan.outages.get(sensor.key);
  return !ranges || ranges.every(([a, b]) => slot < a || slot >= b);
}

/** whether the reading is held back from the regular batches and sent late */
export function isLate(plan: DemoPlan, sensor: DemoSensor, slot: number): boolean {
  return plan.late !== undefined && plan.grid[slot]?.day === plan.late.day && plan.late.sensors.includes(sensor);
}
