import { noiseReadings, type NoiseReadingRow } from '../datasets/index.ts';
import { communeAt } from '../domain/geo/communes.ts';
import { arrondissementOf } from '../domain/geo/arrondissements.ts';
import { parseNoiseCsv, type NoiseCsvOptions } from '../domain/noise/csv.ts';
import { arraySpan, AsciiChars, charsOf, FiwareArrayReader, nextElementCut, parseFiware, textOf, withoutBom, type FiwareOptions, type JsonChars } from '../domain/noise/fiware.ts';
import { concatEncoded, encodeRows, RowEncoder, valueAt, type EncodedRows } from '../datasets/encoded-rows.ts';
import {
  UnreadableInputError,
  type NoiseObservation,
  type ParseResult,
  type RecordRejection,
} from '../domain/noise/observation.ts';
import { parisDate } from '../domain/time/paris.ts';
import { sha256Hex, sha256HexSync } from '../hash.ts';
import { datasetFileKey, rawKey, rawSha } from '../lake/layout.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { StageContext } from './context.ts';
import { encodedColumns, storeCurated, validateCandidates, type CuratedBatch } from './curate.ts';
import { NOISE_SOURCE_FORMATS, SHARDED_READ_MIN_BYTES, type NoiseSourceKind } from './source-kinds.ts';
import { stageSensorSightings, type SensorSighting } from './sensors.ts';
import { registeredAt, registeredIntervals, type RegisteredSensor } from '../domain/noise/registry.ts';
import { loadRegistry } from './sensor-registry.ts';

// The noise ingest stage: raw bytes in, curated readings and quarantined records out.
// 1. the exact bytes go to raw/ under their sha256 (a replay lands on the same key, first receipt kept);
// 2. the parser turns them into observations or record rejections;
// 3. each observation gets its commune and is validated against the noise_readings declaration;
// 4. valid rows are written per local day to curated/noise_readings/dt=…/<sha>.parquet, rejected ones
//    to quarantine/dt=…/<kind>-<sha>.parquet — both named after the raw file, so re-ingesting rewrites
//    the same files with the same rows and changes nothing.
// A FIWARE array goes through steps 2–3 a chunk of elements at a time, the rows kept only as typed
// arrays (memory grows with the rows' encoding, not their objects); a large one is read in parts on
// several threads when the stage is given shard readers (the local command line). Either way the
// lake ends up byte for byte the same (tests/stages/sharded-ingest.test.ts).

export { isNoiseSourceKind, NOISE_SOURCE_FORMATS, SHARDED_READ_MIN_BYTES, type NoiseSourceKind } from './source-kinds.ts';

export type { NoiseCsvOptions } from '../domain/noise/csv.ts';
export type { FiwareOptions } from '../domain/noise/fiware.ts';

export interface IngestInput {
  readonly sourceKind: NoiseSourceKind;
  readonly bytes: Uint8Array;
  /** the file name or request id the bytes came with (kept in the raw object's metadata) */
  readonly origin: string;
  readonly contentType?: string;
  readonly csv?: NoiseCsvOptions;
  /** noise-fiware: the time zone of naive times and the integration interval of single instants */
  readonly fiware?: FiwareOptions;
  /** demo data: recorded in the raw metadata */
  readonly demo?: boolean;
  /**
   * bytes received before with other parse options are a correction: applied only with replace
   * (else CorrectionRequiredError), their earlier readings then replaced by what the new options give
   */
  readonly replace?: boolean;
}

export interface IngestSummary {
  readonly rawKey: string;
  readonly origin: string;
  /** false when the same bytes had been received before (a replay) */
  readonly newRaw: boolean;
  readonly receivedAt: string;
  /** records found in the input (entities or data lines); 0 when the file could not be read */
  readonly records: number;
  readonly curated: number;
  readonly quarantined: number;
  /** curated records superseded by a later record of the same file with the same key */
  readonly duplicatesInFile: number;
  /** the whole input could not be read: the reason (the file is in raw/ and in the quarantine) */
  readonly unreadable?: string;
  readonly days: string[];
  /** the first few rejections, for the command line */
  readonly rejections: RecordRejection[];
  /** a correction (same bytes, other options, replace given): what it replaced, e.g. "2 readings of A (93066) moved to B (93048)" */
  readonly correction?: string;
}

function parseText(input: IngestInput, text: string): ParseResult {
  switch (input.sourceKind) {
    case 'noise-fiware':
      return parseFiware(text, input.fiware);
    case 'noise-csv':
      return parseNoiseCsv(text, input.csv ?? {});
  }
}

/** the raw metadata that marks bytes whose curation is queued (the push API on AWS) */
export const QUEUED_CURATION = { name: 'curation', value: 'queued' } as const;

/** stores the raw bytes (first receipt wins) and returns the key and the first receive time */
export async function storeRaw(
  store: ObjectStore,
  input: { sourceKind: string; bytes: Uint8Array; origin: string; contentType?: string; demo?: boolean; extension: string; options?: object; sha256?: string; queued?: boolean },
  now: Date,
): Promise<{ key: string; receivedAt: Date; created: boolean; metadata: Record<string, string> }> {
  const sha256 = input.sha256 ?? (await sha256Hex(input.bytes));
  const key = rawKey(input.sourceKind, sha256, input.extension);
  const { created, info } = await store.putIfAbsent(key, input.bytes, {
    sha256,
    contentType: input.contentType,
    metadata: {
      'source-kind': input.sourceKind,
      'received-at': now.toISOString(),
      origin: encodeURIComponent(input.origin).slice(0, 512),
      sha256,
      ...(input.demo ? { demo: 'true' } : {}),
      // what is needed to parse the bytes again (quarantine replay): e.g. the CSV's sensor and time zone
      ...(input.options ? { 'parse-options': JSON.stringify(input.options) } : {}),
      // curated by the queue's consumer, not by the writer (functions/lib/push/queued.ts)
      ...(input.queued ? { [QUEUED_CURATION.name]: QUEUED_CURATION.value } : {}),
    },
  });
  const recorded = info.metadata?.['received-at'];
  return { key, receivedAt: recorded ? new Date(recorded) : info.lastModified, created, metadata: info.metadata ?? {} };
}

/** the same bytes came with other parse options, and replace was not given: nothing was changed */
export class CorrectionRequiredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorrectionRequiredError';
  }
}

/** parse options as compared between receipts: keys sorted, undefined left out */
export function canonicalOptions(options: object | undefined): string {
  const plain = JSON.parse(JSON.stringify(options ?? {})) as Record<string, unknown>;
  return JSON.stringify(Object.fromEntries(Object.entries(plain).sort(([a], [b]) => (a < b ? -1 : 1))));
}

/** the raw file the rows come from: its key and when it was first received */
export interface RawReceipt {
  readonly key: string;
  readonly receivedAt: Date;
}

/**
 * Worker threads that read part of a large FIWARE array while the stage reads the first part: the
 * other cores of a machine where one file at a time is ingested (functions/local/ingest-workers).
 */
export interface NoiseShardReaders {
  readonly count: number;
  /**
   * Reads a part of a FIWARE array into a shard, its rows naming the raw file and checked against its
   * receive time. Undefined when the part is not a JSON array of at least one element.
   */
  read(part: NoiseShardPart, raw: RawReceipt): Promise<NoiseShard | undefined>;
}

export interface NoiseShardPart {
  readonly sourceKind: NoiseSourceKind;
  readonly options?: FiwareOptions;
  readonly placement?: Placement;
  /**
   * the part's elements, numbered from 0 in the shard, without the array's brackets: their text, or
   * their bytes when all ASCII (shared with the reader's thread or moved there, not cloned; see partOf)
   */
  readonly text: string | Uint8Array;
}

/** what one part of an input gives: validated rows (encoded), rejections and sensor sightings, in record order */
export interface NoiseShard {
  readonly records: number;
  /** records the parser could not read */
  readonly unread: RecordRejection[];
  /** records the dataset's checks rejected */
  readonly rejected: RecordRejection[];
  /** the rows that passed, encoded with encodedColumns(noiseReadings) */
  readonly rows: EncodedRows;
  /** per sensor, in order of first appearance among the rows */
  readonly sightings: SensorSighting[];
}

/**
 * Where readings without a position are placed: at their sensor's registered position valid at the
 * reading's start. A reading of a sensor with no registered position is quarantined, except in a
 * one-sensor CSV series (its position, when known, is given with --lon/--lat).
 */
export interface Placement {
  readonly registry: readonly RegisteredSensor[];
  readonly requirePosition: boolean;
}

/**
 * the parser options with the registry's integration intervals, and the placement of positionless readings
 * (`registered`: where the registry comes from, default the store read afresh; the queued pushes' curation
 * reads it once per batch)
 */
export async function withRegistry(
  ctx: StageContext,
  input: IngestInput,
  registered?: () => Promise<readonly RegisteredSensor[]>,
): Promise<{ parsing: IngestInput; placement: Placement }> {
  const registry = await (registered ?? (() => loadRegistry(ctx.store)))();
  const placement = { registry, requirePosition: !(input.sourceKind === 'noise-csv' && input.csv?.sensorId) };
  const sensorIntervals = registeredIntervals(registry);
  if (Object.keys(sensorIntervals).length === 0) return { parsing: input, placement };
  const parsing =
    input.sourceKind === 'noise-fiware' ? { ...input, fiware: { ...input.fiware, sensorIntervals } } : { ...input, csv: { ...input.csv, sensorIntervals } };
  return { parsing, placement };
}

/** a raw file as stored: its key, first receive time, whether this call created it, and its metadata */
export interface StoredRaw extends RawReceipt {
  readonly created: boolean;
  readonly metadata: Record<string, string>;
}

/** an input read against its raw file's receipt, nothing curated yet */
export interface NoiseRead {
  readonly input: IngestInput;
  readonly raw: StoredRaw;
  /** the input's characters (charsOf its bytes) */
  readonly chars: JsonChars;
  readonly placement: Placement;
  readonly shards: NoiseShard[] | { readonly unreadable: UnreadableInputError };
  /** the earlier parse options of the same bytes (a correction, with replace) */
  readonly earlier?: object;
}

/**
 * Stores the raw bytes (first receipt wins) and reads them against that receipt. `queued`: the raw
 * file is marked for the queued curation (the push API on AWS: functions/lib/push/queued.ts).
 */
/** @param options.registry where the sensor registry comes from (default: the store, read afresh) */
export async function readNoise(
  ctx: StageContext,
  input: IngestInput,
  options: { queued?: boolean; registry?: () => Promise<readonly RegisteredSensor[]> } = {},
): Promise<NoiseRead> {
  const format = NOISE_SOURCE_FORMATS[input.sourceKind];
  const { parsing, placement } = await withRegistry(ctx, input, options.registry);
  const now = ctx.now();
  // the raw file's key at once (hashed here: ~12 ms for 15 MB); the file is written while the bytes are read
  const sha256 = sha256HexSync(input.bytes);
  const storing = storeRaw(
    ctx.store,
    { ...input, contentType: input.contentType ?? format.contentType, extension: format.extension, options: input.csv ?? input.fiware, sha256, queued: options.queued },
    now,
  );
  storing.catch(() => {}); // awaited below; this only keeps a failed write from being reported as unhandled meanwhile
  // the rows are checked as they are read, against the receipt of new bytes: received now
  const receipt: RawReceipt = { key: rawKey(input.sourceKind, sha256, format.extension), receivedAt: now };
  const chars = charsOf(input.bytes);
  let shards = (await readArray(ctx.noiseShards, parsing, chars, receipt, placement)) ?? readWhole(parsing, chars, receipt, placement);
  const raw = await storing;
  const earlier = raw.created ? undefined : correctionOf(input, raw);
  // bytes received before (a replay, or the same file ingested at the same time): read again, checked
  // against their first receipt
  if (raw.receivedAt.getTime() !== now.getTime()) shards = await readStored(ctx.noiseShards, { parsing, text: chars, raw, placement });
  return { input, raw, chars, placement, shards, ...(earlier ? { earlier } : {}) };
}

/** the bytes of a stored raw file read against its receipt, with the parser options the registry completes */
export async function readStored(
  readers: NoiseShardReaders | undefined,
  job: { parsing: IngestInput; text: JsonChars; raw: RawReceipt; placement: Placement },
): Promise<NoiseShard[] | { unreadable: UnreadableInputError }> {
  return (await readArray(readers, job.parsing, job.text, job.raw, job.placement)) ?? readWhole(job.parsing, job.text, job.raw, job.placement);
}

/** what a read gives to curate: its rows, its rejections in record order, its sightings */
export function curatedBatchOf(read: Pick<NoiseRead, 'input' | 'raw' | 'shards'>): CuratedBatch & { sightings: SensorSighting[] } {
  const { input, raw, shards } = read;
  const common = { dataset: noiseReadings, sourceKind: input.sourceKind, raw, origin: input.origin };
  if ('unreadable' in shards) {
    const { message, expected, found } = shards.unreadable;
    return { ...common, rows: encodeRows(encodedColumns(noiseReadings), []), rejections: [], records: 0, unreadable: { message, expected, found }, sightings: [] };
  }
  return {
    ...common,
    rows: concatEncoded(encodedColumns(noiseReadings), shards.map((s) => s.rows)),
    // in record order, as when the whole file is read at once: what the parser could not read, then what the checks rejected
    rejections: [...shards.flatMap((s) => s.unread), ...shards.flatMap((s) => s.rejected)],
    records: shards.reduce((n, s) => n + s.records, 0),
    sightings: mergeSightings(shards.map((s) => s.sightings)),
  };
}

export async function ingestNoise(ctx: StageContext, input: IngestInput): Promise<IngestSummary> {
  const read = await readNoise(ctx, input);
  const { sightings, ...batch } = curatedBatchOf(read);
  if (batch.unreadable) return storeCurated(ctx, batch);
  const correction = read.earlier ? await replaceEarlier(ctx, { input, text: read.chars, raw: read.raw, placement: read.placement, earlier: read.earlier, rows: batch.rows }) : undefined;
  const summary = await storeCurated(ctx, batch);
  if (sightings.length) await stageSensorSightings(ctx.store, rawSha(read.raw.key), read.raw.receivedAt, sightings);
  return correction ? { ...summary, correction } : summary;
}

/**
 * The earlier parse options of bytes received before, when they differ from these: a correction,
 * refused without replace. Undefined when the options are the same (a replay).
 */
function correctionOf(input: IngestInput, raw: { key: string; receivedAt: Date; metadata: Record<string, string> }): object | undefined {
  const stored = raw.metadata['parse-options'];
  const earlier = stored ? (JSON.parse(stored) as object) : {};
  if (canonicalOptions(earlier) === canonicalOptions(input.csv ?? input.fiware)) return undefined;
  if (!input.replace) {
    throw new CorrectionRequiredError(
      `${input.origin}: these bytes were received on ${raw.receivedAt.toISOString()} (${raw.key}) with other options: ${canonicalOptions(earlier)}; ` +
        `now ${canonicalOptions(input.csv ?? input.fiware)}. Ingesting them again with other options is a correction: add --replace to apply it (nothing was changed)`,
    );
  }
  return earlier;
}

/**
 * Applies a correction: the readings the earlier options gave are replaced by these. Their files of
 * days the new readings do not reach are deleted (the others are rewritten by storeCurated), and the
 * raw file's metadata keeps both receipts. Returns what moved.
 */
async function replaceEarlier(
  ctx: StageContext,
  job: { input: IngestInput; text: JsonChars; raw: { key: string; receivedAt: Date; metadata: Record<string, string> }; placement: Placement; earlier: object; rows: EncodedRows },
): Promise<string> {
  const { input, raw } = job;
  const before = input.sourceKind === 'noise-csv' ? { ...input, csv: job.earlier as NoiseCsvOptions } : { ...input, fiware: job.earlier as FiwareOptions };
  const old = readWhole((await withRegistry(ctx, before)).parsing, job.text, raw, job.placement);
  const oldRows = 'unreadable' in old ? encodeRows(encodedColumns(noiseReadings), []) : concatEncoded(encodedColumns(noiseReadings), old.map((s) => s.rows));
  const was = readingsBySensor(oldRows);
  const now = readingsBySensor(job.rows);
  const newDays = new Set(now.days);
  const gone = was.days.filter((dt) => !newDays.has(dt));
  const sha = rawSha(raw.key);
  for (const dt of gone) await ctx.store.delete(datasetFileKey(noiseReadings, sha, dt));
  await ctx.lake.recordChange(noiseReadings, gone, `${sha.slice(0, 16)}-replaced`);
  const receipts = [
    ...(raw.metadata['receipts'] ? (JSON.parse(raw.metadata['receipts']) as object[]) : [{ at: raw.receivedAt.toISOString(), options: job.earlier }]),
    { at: ctx.now().toISOString(), options: input.csv ?? input.fiware ?? {} },
  ];
  await ctx.store.put(raw.key, input.bytes, {
    contentType: input.contentType ?? NOISE_SOURCE_FORMATS[input.sourceKind].contentType,
    metadata: { ...raw.metadata, 'parse-options': JSON.stringify(input.csv ?? input.fiware ?? {}), receipts: JSON.stringify(receipts) },
  });
  return `correction: ${describeReadings(was.sensors)} replaced by ${describeReadings(now.sensors)}`.replace(
    /^correction: (\d+) readings? of (\S+) (\(.*?\)) replaced by \1 readings? of (\S+) (\(.*?\))$/,
    (_m, n: string, a: string, ca: string, b: string, cb: string) => `correction: ${n} reading${n === '1' ? '' : 's'} of ${a} ${ca} moved to ${b} ${cb}`,
  );
}

/** per sensor, its readings and communes; and the days they fall in */
function readingsBySensor(rows: EncodedRows): { sensors: Map<string, { n: number; communes: Set<string> }>; days: string[] } {
  const sensors = new Map<string, { n: number; communes: Set<string> }>();
  const days = new Set<string>();
  const column = (name: string) => {
    const c = rows.columns[name];
    if (!c) throw new Error(`encoded noise readings without a ${name} column`);
    return c;
  };
  const [ids, communes, dts] = [column('sensor_id'), column('commune_insee'), column('dt')];
  for (let i = 0; i < rows.count; i++) {
    const id = String(valueAt(ids, i));
    const s = sensors.get(id) ?? { n: 0, communes: new Set<string>() };
    s.n++;
    const commune = valueAt(communes, i);
    s.communes.add(typeof commune === 'string' ? commune : 'no commune');
    sensors.set(id, s);
    days.add(String(valueAt(dts, i)));
  }
  return { sensors, days: [...days].sort() };
}

function describeReadings(sensors: Map<string, { n: number; communes: Set<string> }>): string {
  if (!sensors.size) return 'no reading';
  return [...sensors]
    .map(([id, s]) => `${s.n} reading${s.n === 1 ? '' : 's'} of ${id} (${[...s.communes].sort().join(', ')})`)
    .join(', ');
}

function readWhole(input: IngestInput, chars: JsonChars, raw: RawReceipt, placement?: Placement): NoiseShard[] | { unreadable: UnreadableInputError } {
  let parsed: ParseResult;
  try {
    parsed = parseText(input, textOf(chars));
  } catch (e) {
    if (!(e instanceof UnreadableInputError)) throw e;
    return { unreadable: e };
  }
  return [new NoiseShardBuilder(input.sourceKind, raw, placement).add(parsed).finish()];
}

/**
 * The usual FIWARE batch, a top-level array, read a chunk of elements at a time, each chunk checked and
 * encoded before the next (its objects die young), with turns of the event loop between them (the raw
 * file is written meanwhile). A large array is read in parts: the first here, the others on the shard
 * readers' threads at the same time, cut between elements. Undefined (read the text whole, for the
 * verdict) when the input is not such an array or a part is not valid JSON.
 */
async function readArray(readers: NoiseShardReaders | undefined, input: IngestInput, chars: JsonChars, raw: RawReceipt, placement?: Placement): Promise<NoiseShard[] | undefined> {
  if (input.sourceKind !== 'noise-fiware') return undefined;
  const body = typeof chars === 'string' ? withoutBom(chars) : chars;
  const span = arraySpan(body);
  if (!span) return undefined;
  const parts = readers?.count && input.bytes.byteLength >= SHARDED_READ_MIN_BYTES ? readers.count + 1 : 1;
  const shards = await readParts(readers, input, body, span, parts, raw, placement);
  // a cut between parts is a guess (nextElementCut) that a reader finds wrong when it falls inside an
  // element: then the array is read here alone, where every cut is checked
  return shards ?? (parts > 1 ? readParts(undefined, input, body, span, 1, raw, placement) : undefined);
}

async function readParts(
  readers: NoiseShardReaders | undefined,
  { sourceKind, fiware: options }: IngestInput,
  body: JsonChars,
  span: { from: number; to: number },
  parts: number,
  raw: RawReceipt,
  placement?: Placement,
): Promise<NoiseShard[] | undefined> {
  // where the parts are cut: this thread's part comes first (it also writes the Parquet files
  // afterwards, while the readers wait), then the readers' parts, all of about the same size
  const cuts: { end: number; next: number }[] = [];
  for (let j = 0; j < parts - 1; j++) {
    const share = SHARE_READ_HERE + (j * (1 - SHARE_READ_HERE)) / (parts - 1);
    const target = Math.max(span.from + Math.floor((span.to - span.from) * share), cuts.at(-1)?.next ?? 0);
    const cut = nextElementCut(body, target, span.to);
    if (!cut) break;
    cuts.push(cut);
  }
  // cuts only when there are readers (parts > 1)
  const reading = readers ? cuts.map((cut, j) => readers.read({ sourceKind, options, placement, text: partOf(body, cut.next, cuts[j + 1]?.end ?? span.to) }, raw)) : [];
  for (const r of reading) r.catch(() => {}); // awaited below (Promise.all): a reader's failure meanwhile is not "unhandled"
  const first = await readChunks(new FiwareArrayReader(body, span.from, cuts[0]?.end ?? span.to, 0, options), new NoiseShardBuilder(sourceKind, raw, placement));
  const others = await Promise.all(reading);
  if (!first || others.some((s) => !s)) return undefined;
  // the readers number their elements from 0: renumbered after the parts before them
  const shards = [first];
  let offset = first.records;
  for (const shard of others as NoiseShard[]) {
    shards.push(renumbered(shard, offset));
    offset += shard.records;
  }
  return shards;
}

/**
 * The elements body[from, to): as bytes when the input is ASCII (each byte a character at its offset),
 * where they are when the input's bytes are in shared memory (the command line reads a large file
 * there), else in one copy moved to the reader's thread; either way no structured clone of a text
 * (~3× the CPU in all, on both threads). As text otherwise.
 */
function partOf(body: JsonChars, from: number, to: number): string | Uint8Array {
  if (!(body instanceof AsciiChars)) return body.slice(from, to);
  const part = body.bytes.subarray(from, to);
  return part.buffer instanceof SharedArrayBuffer ? part : new Uint8Array(part);
}

/** the share of a sharded array read on the ingest's own thread: with 0.58 it seldom waits for the reader on 2 cores */
export const SHARE_READ_HERE = 0.58;
/** characters read between two turns of the event loop (the raw file's write goes on in them) */
const CHARS_PER_TURN = 256 * 1024;

/** reads the elements into the shard, some chunks at a time; undefined when they are not valid JSON */
export async function readChunks(reader: FiwareArrayReader, shard: NoiseShardBuilder, turns = true): Promise<NoiseShard | undefined> {
  for (;;) {
    const state = reader.read(CHARS_PER_TURN);
    if (state === 'invalid') return undefined;
    shard.add(reader.take());
    if (state === 'done') return shard.finish();
    if (turns) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** a shard whose records are numbered from `offset` */
function renumbered(shard: NoiseShard, offset: number): NoiseShard {
  const record = shard.rows.columns.record;
  if (record?.kind !== 'numbers') throw new Error(`a shard's record column is ${record?.kind ?? 'missing'}`);
  const values = record.values.map((r) => r + offset);
  const moved = (r: RecordRejection) => ({ ...r, record: String(Number(r.record) + offset) });
  return {
    ...shard,
    rows: { ...shard.rows, columns: { ...shard.rows.columns, record: { ...record, values } } },
    unread: shard.unread.map(moved),
    rejected: shard.rejected.map(moved),
  };
}

/** where a reading was taken: its commune of the Métropole and, in Paris, its arrondissement */
type Place = Pick<NoiseReadingRow, 'commune_insee' | 'arrondissement_insee'>;
const NOWHERE: Place = { commune_insee: null, arrondissement_insee: null };

/**
 * Observations → rows with their commune and arrondissement → checked against noise_readings → encoded, a batch of
 * observations at a time; the sightings of the rows are kept. The rows are not: a large input is held
 * as typed arrays.
 */
export class NoiseShardBuilder {
  private records = 0;
  private readonly unread: RecordRejection[] = [];
  private readonly rejected: RecordRejection[] = [];
  private readonly sightings = new Map<string, SensorSighting>();
  private readonly encoder = new RowEncoder(encodedColumns(noiseReadings));
  /**
   * the commune and arrondissement of each position met (by longitude, then latitude: no key text made
   * per reading): a file's readings come from a few sensors, each at one place
   */
  private readonly places = new Map<number, Map<number, Place>>();

  constructor(
    private readonly sourceKind: NoiseSourceKind,
    private readonly raw: RawReceipt,
    private readonly placement?: Placement,
  ) {}

  /** the reading's position: its own, else its sensor's registered one at its start; undefined when it must have one and has none */
  private positionOf(o: NoiseObservation): { lon: number; lat: number } | null | undefined {
    if (o.lon != null && o.lat != null && Number.isFinite(o.lon) && Number.isFinite(o.lat)) return { lon: o.lon, lat: o.lat };
    const registered = this.placement?.registry.length ? registeredAt(this.placement.registry, o.sensorId, o.tsFrom.getTime()) : undefined;
    if (registered) return { lon: registered.lon, lat: registered.lat };
    return this.placement?.requirePosition ? undefined : null;
  }

  private placeOf(position: { lon: number; lat: number } | null): Place {
    if (!position) return NOWHERE;
    const { lon, lat } = position;
    let atLon = this.places.get(lon);
    if (atLon === undefined) this.places.set(lon, (atLon = new Map<number, Place>()));
    let place = atLon.get(lat);
    if (place === undefined) {
      const commune = communeAt(lon, lat)?.commune_insee ?? null;
      place = { commune_insee: commune, arrondissement_insee: arrondissementOf(commune, lon, lat) };
      atLon.set(lat, place);
    }
    return place;
  }

  add(parsed: ParseResult): this {
    const { raw, sourceKind } = this;
    const unplaced: RecordRejection[] = [];
    const candidates: { record: number; observation: NoiseObservation; row: NoiseReadingRow; position: { lon: number; lat: number } | null }[] = [];
    for (const o of parsed.observations) {
      const position = this.positionOf(o);
      if (position === undefined) {
        unplaced.push({
          record: String(o.record),
          field: 'location',
          expected: 'a position: in the reading, or registered for its sensor at the reading’s time',
          found: 'nothing',
          reason: `unknown position for sensor ${o.sensorId}: register it with \`observatory ingest sensors FILE\` (then \`observatory quarantine replay\`)`,
          recordText: o.recordText,
        });
        continue;
      }
      const place = this.placeOf(position);
      const row: NoiseReadingRow = {
        sensor_id: o.sensorId,
        commune_insee: place.commune_insee,
        arrondissement_insee: place.arrondissement_insee,
        ts_from: o.tsFrom,
        ts_to: o.tsTo,
        laeq: o.laeq,
        lamax: o.lamax,
        las: o.las,
        source_kind: sourceKind,
        raw_key: raw.key,
        record: o.record,
        received_at: raw.receivedAt,
        dt: Number.isFinite(o.tsFrom.getTime()) ? parisDate(o.tsFrom) : '',
      };
      candidates.push({ record: o.record, observation: o, row, position });
    }
    const { rows, rejections } = validateCandidates<NoiseReadingRow, (typeof candidates)[number]>(noiseReadings, candidates, raw.receivedAt, (c) => c.observation.recordText);
    // the rows are the candidates that passed, in order: walk both to find each row's observation
    for (let i = 0, j = 0; i < candidates.length && j < rows.length; i++) {
      const candidate = candidates[i];
      const row = rows[j];
      if (candidate && row && candidate.row === row) {
        noteSighting(this.sightings, candidate.observation, row, candidate.position);
        j++;
      }
    }
    this.encoder.add(rows);
    for (const r of parsed.rejections) this.unread.push(r);
    for (const r of unplaced) this.rejected.push(r);
    for (const r of rejections) this.rejected.push(r);
    this.records += parsed.observations.length + parsed.rejections.length;
    return this;
  }

  finish(): NoiseShard {
    return { records: this.records, unread: this.unread, rejected: this.rejected, rows: this.encoder.finish(), sightings: [...this.sightings.values()] };
  }
}

/** the sightings of consecutive parts as one: a sensor keeps what its first row said, and spans them all */
export function mergeSightings(parts: readonly SensorSighting[][]): SensorSighting[] {
  if (parts.length === 1 && parts[0]) return parts[0];
  const merged = new Map<string, SensorSighting>();
  for (const part of parts) {
    for (const s of part) {
      const seen = merged.get(s.sensor_id);
      if (!seen) merged.set(s.sensor_id, { ...s });
      else {
        if (s.first_seen.getTime() < seen.first_seen.getTime()) seen.first_seen = s.first_seen;
        if (s.last_seen.getTime() > seen.last_seen.getTime()) seen.last_seen = s.last_seen;
      }
    }
  }
  return [...merged.values()];
}

function noteSighting(sightings: Map<string, SensorSighting>, o: NoiseObservation, row: NoiseReadingRow, position: { lon: number; lat: number } | null): void {
  const s = sightings.get(o.sensorId);
  if (!s) {
    sightings.set(o.sensorId, {
      sensor_id: o.sensorId,
      name: o.name ?? null,
      lon: position ? position.lon : null,
      lat: position ? position.lat : null,
      commune_insee: row.commune_insee,
      in_metropole: position ? row.commune_insee !== null : null,
      noise_source: o.noiseSource ?? 'unknown',
      sonometer_class: o.sonometerClass ?? null,
      first_seen: row.ts_from,
      last_seen: row.ts_to,
    });
    return;
  }
  // compared as numbers: a Date comparison goes through valueOf() on every call
  if (row.ts_from.getTime() < s.first_seen.getTime()) s.first_seen = row.ts_from;
  if (row.ts_to.getTime() > s.last_seen.getTime()) s.last_seen = row.ts_to;
}
