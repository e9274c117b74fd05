import { partitionOf, weatherDaily, type WeatherDailyRow } from '../datasets/index.ts';
import { validateRow } from '../datasets/derive.ts';
import { DOUBTFUL, isGzip, readMeteoFranceDaily, type MeteoFranceLines, type MeteoFranceParse, type WeatherDayRecord } from '../domain/heat/meteofrance.ts';
import { rejection, type RecordRejection } from '../domain/flood/records.ts';
import { UnreadableInputError } from '../domain/noise/observation.ts';
import type { StageContext } from './context.ts';
import { curate, type Candidate } from './curate.ts';
import { storeRaw, type IngestSummary } from './ingest-noise.ts';
import { CLIMATE_SOURCE_FORMATS } from './source-kinds.ts';

// Météo-France daily files in (plain or gzip, UTF-8 or Latin-1), weather_daily rows out. Stations
// outside the Métropole's départements are quarantined with the reason, so every line is accounted
// for. Doubtful values (quality 2) are curated with their quality code and the row's `doubtful` flag.
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
  const format = CLIMATE_SOURCE_FORMATS.meteofrance;
  const raw = await storeRaw(
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
  let file: MeteoFranceLines | undefined;
  let unreadable: { message: string; expected: string; found: string } | undefined;
  try {
    file = readMeteoFranceDaily(input.bytes);
  } catch (e) {
    if (!(e instanceof UnreadableInputError)) throw e;
    unreadable = { message: e.message, expected: e.expected, found: e.found };
  }
  // the data lines by their date as written; the lines without one are parsed (and rejected) with the last chunk
  const byDate = new Map<string, number[]>();
  const undated: number[] = [];
  for (const i of file?.dataLines ?? []) {
    const date = file!.dateOf(i);
    if (!/^\d{8}$/.test(date)) {
      undated.push(i);
      continue;
    }
    let list = byDate.get(date);
    if (!list) byDate.set(date, (list = []));
    list.push(i);
  }
  const dates = [...byDate.keys()].sort();
  const chunks = chunksOfWholePartitions(dates);
  if (chunks.length === 0) chunks.push([]);

  const totals = { records: 0, curated: 0, quarantined: 0, duplicatesInFile: 0, writes: 0, doubtful: 0 };
  const written = new Set<string>();
  const stations = new Set<string>();
  let through = progress.after ?? null;
  let complete = false;
  let rejections: IngestSummary['rejections'] = [];
  // lines rejected by the parser or by the dataset's checks wait for the last chunk, which writes the quarantine
  const rejected: RecordRejection[] = [];
  const invalid: Candidate<WeatherDailyRow>[] = [];
  for (const [i, chunk] of chunks.entries()) {
    const final = i === chunks.length - 1;
    // a chunk stored by an earlier ingest of these bytes is only parsed again, for its rejections
    const done = !final && !!progress.after && isoDay(chunk.at(-1)!) <= progress.after;
    const parsed = file?.parse([...chunk.flatMap((date) => byDate.get(date)!), ...(final ? undated : [])]) ?? { days: [], rejections: [] };
    rejected.push(...parsed.rejections);
    const valid: Candidate<WeatherDailyRow>[] = [];
    for (const d of parsed.days) {
      const c = candidateOf(d, raw);
      if (validateRow(weatherDaily, c.row, { now: raw.receivedAt }).length) invalid.push(c);
      else if (!done) valid.push(c);
    }
    if (done) continue;
    const s = await curate<WeatherDailyRow>(ctx, {
      dataset: weatherDaily,
      sourceKind: METEOFRANCE_SOURCE_KIND,
      raw,
      origin: input.origin,
      candidates: final ? [...valid, ...invalid] : valid,
      rejections: final ? [...rejected, ...(file?.tailRejection ? [file.tailRejection] : [])] : [],
      unreadable: final ? unreadable : undefined,
      fileNotes:
        final && file?.truncated
          ? [rejection('file', 'file', 'a complete gzip stream', `${input.bytes.length} bytes, cut`, 'gzip stream truncated: the lines before the cut were read', '')]
          : [],
    });
    totals.records += s.records;
    totals.curated += s.curated;
    totals.quarantined += s.quarantined;
    totals.duplicatesInFile += s.duplicatesInFile;
    totals.writes++;
    for (const day of s.days) written.add(day);
    for (const r of s.rows) {
      stations.add(r.station_id);
      if (r.doubtful) totals.doubtful++;
    }
    if (final) {
      complete = true;
      rejections = s.rejections;
    }
    if (chunk.length) {
      through = isoDay(chunk.at(-1)!);
      await progress.stored?.(through);
    }
    if (!final && progress.stop?.()) break;
  }
  if (file?.truncated) ctx.logger.warn(`${input.origin}: gzip stream truncated; ${totals.curated} complete lines curated, the cut line quarantined`);
  return {
    rawKey: raw.key,
    origin: input.origin,
    newRaw: raw.created,
    receivedAt: raw.receivedAt.toISOString(),
    ...totals,
    unreadable: unreadable?.message,
    days: [...written].sort(),
    rejections,
    complete,
    through,
    gzip,
    encoding: file?.encoding ?? null,
    truncated: file?.truncated ?? false,
    stations: stations.size,
  };
}

/** sorted AAAAMMJJ dates in chunks of whole partitions, up to MAX_DAYS_PER_WRITE days each (one partition may exceed it) */
function chunksOfWholePartitions(dates: readonly string[]): string[][] {
  const chunks: string[][] = [];
  let chunk: string[] = [];
  let i = 0;
  while (i < dates.length) {
    const partition = partitionOf(weatherDaily, isoDay(dates[i]!));
    let end = i;
    while (end < dates.length && partitionOf(weatherDaily, isoDay(dates[end]!)) === partition) end++;
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
