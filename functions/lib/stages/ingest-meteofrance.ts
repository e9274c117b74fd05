import { partitionOf, weatherDaily, type WeatherDailyRow } from '../datasets/index.ts';
import { validateRow } from '../datasets/derive.ts';
import { DOUBTFUL, isGzip, readMeteoFranceDaily, type MeteoFranceLines, type MeteoFranceParse, type WeatherDayRecord } from '../domain/heat/meteofrance.ts';
import { rejection, type RecordRejection } from '../domain/flood/records.ts';
import { UnreadableInputError } from '../domain/noise/observation.ts';
import type { StageContext } from './context.ts';
import { curate, type Candidate, type CurateInput, type CurateResult } from './curate.ts';
import { storeRaw, type IngestSummary } from './ingest-noise.ts';
import { CLIMATE_SOURCE_FORMATS } from './source-kinds.ts';

// Météo-France daily files in (plain or gzip, UTF-8 or Latin-1), weather_daily rows out. Stations
// outside the Métropole's départements and the basin rain stations' (domain/heat/basin-rain-stations.ts)
// are quarantined with the reason, so every line is accounted for. Doubtful values (quality 2) are curated with their quality code and the row's `doubtful` flag.
//
// weather_daily has one partition per day, and a "previous" file spans 75 years: one write of all
// its days would open ~27 000 partitions at once (DuckDB ran out of 18 GiB on 10 stations × 75 years).
// The rows are therefore stored in chunks of at most MAX_DAYS_PER_WRITE days, in day order, each chunk
// a curate() of its own — the same keys (named after the raw file and the day) as one write would
// give. The quarantine (one file per raw file) is written by the last chunk, which also carries every
// record that fails validation. A caller can stop between chunks and resume later from the last day
// stored (the poller does, on a deadline).

/**
 * days per write: a year and a day, so that a "latest" file is two or three writes. A chunk holds whole
 * partitions (a partition's file is named after the raw file: two chunks must not write the same one).
 */
export const MAX_DAYS_PER_WRITE = 366;

export const METEOFRANCE_SOURCE_KIND = 'meteofrance';

export interface MeteoFranceIngestInput {
  readonly bytes: Uint8Array;
  readonly origin: string;
  readonly demo?: boolean;
}

export interface MeteoFranceIngestProgress {
  /** days up to and including this one were stored from these bytes by an earlier, interrupted ingest: skipped */
  readonly after?: string | null;
  /** asked after each chunk but the last: true stops the ingest there (the summary says complete: false) */
  readonly stop?: () => boolean;
  /** called once a chunk is stored, with its last day: where an interrupted ingest of the same bytes resumes */
  readonly stored?: (through: string) => Promise<void> | void;
}

export interface MeteoFranceIngestSummary extends IngestSummary {
  /** every chunk is stored (false: stopped by `progress.stop`; the counts are this call's) */
  readonly complete: boolean;
  /** the last day stored by this call or an earlier one, null when no day was */
  readonly through: string | null;
  /** the writes (chunks of days) this call made */
  readonly writes: number;
  readonly gzip: boolean;
  readonly encoding: MeteoFranceParse['encoding'] | null;
  readonly truncated: boolean;
  readonly stations: number;
  /** curated rows with at least one doubtful value */
  readonly doubtful: number;
}

function candidateOf(d: WeatherDayRecord, raw: { readonly key: string; readonly receivedAt: Date }): Candidate<WeatherDailyRow> {
  return {
    record: d.record,
    recordText: d.recordText,
    row: {
      station_id: d.stationId,
      station_name: d.stationName,
      departement: d.departement,
      lat: d.lat,
      lon: d.lon,
      alti: d.alti,
      day: d.day,
      rr: d.rr,
      q_rr: d.qrr,
      tn: d.tn,
      q_tn: d.qtn,
      tx: d.tx,
      q_tx: d.qtx,
      tm: d.tm,
      q_tm: d.qtm,
      doubtful: [d.qrr, d.qtn, d.qtx, d.qtm].includes(DOUBTFUL),
      raw_key: raw.key,
      record: d.record,
      received_at: raw.receivedAt,
      dt: partitionOf(weatherDaily, d.day),
    },
  };
}

export async function ingestMeteoFrance(ctx: StageContext, input: MeteoFranceIngestInput, progress: MeteoFranceIngestProgress = {}): Promise<MeteoFranceIngestSummary> {
  const gzip = isGzip(input.bytes);
  const raw = await storeMeteoFranceRaw(ctx, input, gzip);
  const read = readFile(input.bytes);
  const lines = datedLines(read.file);
  const tally = new Tally();
  // lines rejected by the parser or by the dataset's checks wait for the last chunk, which writes the quarantine
  const held: HeldBack = { rejected: [], invalid: [] };
  const end: ChunksEnd = { through: progress.after ?? null, complete: false, rejections: [] };
  for (const [i, chunk] of lines.chunks.entries()) {
    const final = i === lines.chunks.length - 1;
    const valid = parseChunk(read.file, lines, chunk, final, raw, held);
    // a chunk stored by an earlier ingest of these bytes is only parsed again, for its rejections
    if (!final && storedBefore(chunk, progress.after)) continue;
    const s = await curate<WeatherDailyRow>(ctx, chunkCuration(input, raw, read, final ? { valid, held } : { valid }));
    tally.add(s);
    if (final) {
      end.complete = true;
      end.rejections = s.rejections;
    }
    const last = chunk.at(-1);
    if (last !== undefined) {
      end.through = isoDay(last);
      await progress.stored?.(end.through);
    }
    if (!final && progress.stop?.()) break;
  }
  if (read.file?.truncated) ctx.logger.warn(`${input.origin}: gzip stream truncated; ${tally.curated} complete lines curated, the cut line quarantined`);
  return summaryOf(input, raw, gzip, read, tally, end);
}

type RawFile = Awaited<ReturnType<typeof storeRaw>>;

/** the bytes as received, in raw/ (gzip kept as it came) */
function storeMeteoFranceRaw(ctx: StageContext, input: MeteoFranceIngestInput, gzip: boolean): Promise<RawFile> {
  const format = CLIMATE_SOURCE_FORMATS.meteofrance;
  return storeRaw(
    ctx.store,
    {
      sourceKind: METEOFRANCE_SOURCE_KIND,
      bytes: input.bytes,
      origin: input.origin,
      contentType: gzip ? 'application/gzip' : format.contentType,
      demo: input.demo,
      extension: gzip ? `${format.extension}.gz` : format.extension,
    },
    ctx.now(),
  );
}

/** the file's lines, or why it could not be read at all */
interface ReadFile {
  readonly file?: MeteoFranceLines;
  readonly unreadable?: { message: string; expected: string; found: string };
}

function readFile(bytes: Uint8Array): ReadFile {
  try {
    return { file: readMeteoFranceDaily(bytes) };
  } catch (e) {
    if (!(e instanceof UnreadableInputError)) throw e;
    return { unreadable: { message: e.message, expected: e.expected, found: e.found } };
  }
}

/** the data lines by their date as written, the dates in chunks (at least one, maybe empty) */
interface DatedLines {
  readonly byDate: ReadonlyMap<string, readonly number[]>;
  /** the lines without a date: parsed (and rejected) with the last chunk */
  readonly undated: readonly number[];
  readonly chunks: readonly (readonly string[])[];
}

function datedLines(file: MeteoFranceLines | undefined): DatedLines {
  const byDate = new Map<string, number[]>();
  const undated: number[] = [];
  for (const i of file?.dataLines ?? []) {
    const date = file?.dateOf(i) ?? '';
    if (!/^\d{8}$/.test(date)) {
      undated.push(i);
      continue;
    }
    let list = byDate.get(date);
    if (!list) byDate.set(date, (list = []));
    list.push(i);
  }
  const chunks = chunksOfWholePartitions([...byDate.keys()].sort());
  if (chunks.length === 0) chunks.push([]);
  return { byDate, undated, chunks };
}

/** what waits for the last chunk, which writes the quarantine: the parser's rejections and the rows failing the dataset's checks */
interface HeldBack {
  readonly rejected: RecordRejection[];
  readonly invalid: Candidate<WeatherDailyRow>[];
}

/** parses a chunk's lines (the last chunk also takes the undated ones): returns the valid candidates, holds back the others */
function parseChunk(file: MeteoFranceLines | undefined, lines: DatedLines, chunk: readonly string[], final: boolean, raw: RawFile, held: HeldBack): Candidate<WeatherDailyRow>[] {
  const indices = [...chunk.flatMap((date) => lines.byDate.get(date) ?? []), ...(final ? lines.undated : [])];
  const parsed = file?.parse(indices) ?? { days: [], rejections: [] };
  held.rejected.push(...parsed.rejections);
  const valid: Candidate<WeatherDailyRow>[] = [];
  for (const d of parsed.days) {
    const c = candidateOf(d, raw);
    if (validateRow(weatherDaily, c.row, { now: raw.receivedAt }).length) held.invalid.push(c);
    else valid.push(c);
  }
  return valid;
}

/** the chunk's days were all stored by an earlier, interrupted ingest of the same bytes */
function storedBefore(chunk: readonly string[], after: string | null | undefined): boolean {
  const last = chunk.at(-1);
  return !!after && last !== undefined && isoDay(last) <= after;
}

/** one chunk's curation; the last one (given what was held back) also writes the quarantine and the file's notes */
function chunkCuration(input: MeteoFranceIngestInput, raw: RawFile, read: ReadFile, chunk: { valid: Candidate<WeatherDailyRow>[]; held?: HeldBack }): CurateInput<WeatherDailyRow> {
  const base = { dataset: weatherDaily, sourceKind: METEOFRANCE_SOURCE_KIND, raw, origin: input.origin };
  const { file } = read;
  const held = chunk.held;
  if (!held) return { ...base, candidates: chunk.valid, rejections: [], unreadable: undefined, fileNotes: [] };
  return {
    ...base,
    candidates: [...chunk.valid, ...held.invalid],
    rejections: [...held.rejected, ...(file?.tailRejection ? [file.tailRejection] : [])],
    unreadable: read.unreadable,
    fileNotes: file?.truncated
      ? [rejection('file', 'file', 'a complete gzip stream', `${input.bytes.length} bytes, cut`, 'gzip stream truncated: the lines before the cut were read', '')]
      : [],
  };
}

/** what this call's writes add up to */
class Tally {
  records = 0;
  curated = 0;
  quarantined = 0;
  duplicatesInFile = 0;
  writes = 0;
  doubtful = 0;
  readonly days = new Set<string>();
  readonly stations = new Set<string>();

  add(s: CurateResult<WeatherDailyRow>): void {
    this.records += s.records;
    this.curated += s.curated;
    this.quarantined += s.quarantined;
    this.duplicatesInFile += s.duplicatesInFile;
    this.writes++;
    for (const day of s.days) this.days.add(day);
    for (const r of s.rows) {
      this.stations.add(r.station_id);
      if (r.doubtful) this.doubtful++;
    }
  }
}

/** where the chunks ended: the last day stored, whether the last chunk was, and its rejections */
interface ChunksEnd {
  through: string | null;
  complete: boolean;
  rejections: IngestSummary['rejections'];
}

function summaryOf(input: MeteoFranceIngestInput, raw: RawFile, gzip: boolean, read: ReadFile, tally: Tally, end: ChunksEnd): MeteoFranceIngestSummary {
  return {
    rawKey: raw.key,
    origin: input.origin,
    newRaw: raw.created,
    receivedAt: raw.receivedAt.toISOString(),
    records: tally.records,
    curated: tally.curated,
    quarantined: tally.quarantined,
    duplicatesInFile: tally.duplicatesInFile,
    writes: tally.writes,
    doubtful: tally.doubtful,
    unreadable: read.unreadable?.message,
    days: [...tally.days].sort(),
    rejections: end.rejections,
    complete: end.complete,
    through: end.through,
    gzip,
    encoding: read.file?.encoding ?? null,
    truncated: read.file?.truncated ?? false,
    stations: tally.stations.size,
  };
}

/** sorted AAAAMMJJ dates in chunks of whole partitions, up to MAX_DAYS_PER_WRITE days each (one partition may exceed it) */
function chunksOfWholePartitions(dates: readonly string[]): string[][] {
  const partitionAt = (k: number) => partitionOf(weatherDaily, isoDay(dates[k] ?? ''));
  const chunks: string[][] = [];
  let chunk: string[] = [];
  let i = 0;
  while (i < dates.length) {
    const partition = partitionAt(i);
    let end = i;
    while (end < dates.length && partitionAt(end) === partition) end++;
    if (chunk.length && chunk.length + (end - i) > MAX_DAYS_PER_WRITE) {
      chunks.push(chunk);
      chunk = [];
    }
    chunk.push(...dates.slice(i, end));
    i = end;
  }
  if (chunk.length) chunks.push(chunk);
  return chunks;
}

/** AAAAMMJJ as YYYY-MM-DD */
function isoDay(date: string): string {
  return `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
}
