import { noiseReadings, type NoiseReadingRow } from '../datasets/index.ts';
import { communeAt } from '../domain/geo/communes.ts';
import { parseNoiseCsv, type NoiseCsvOptions } from '../domain/noise/csv.ts';
import { parseFiware } from '../domain/noise/fiware.ts';
import {
  UnreadableInputError,
  type NoiseObservation,
  type ParseResult,
  type RecordRejection,
} from '../domain/noise/observation.ts';
import { parisDate } from '../domain/time/paris.ts';
import { sha256Hex } from '../hash.ts';
import { rawKey, rawSha } from '../lake/layout.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { StageContext } from './context.ts';
import { curate } from './curate.ts';
import { NOISE_SOURCE_FORMATS, type NoiseSourceKind } from './source-kinds.ts';
import { stageSensorSightings, type SensorSighting } from './sensors.ts';

// The noise ingest stage: raw bytes in, curated readings and quarantined records out.
// 1. the exact bytes go to raw/ under their sha256 (a replay lands on the same key, first receipt kept);
// 2. the parser turns them into observations or record rejections;
// 3. each observation gets its commune and is validated against the noise_readings declaration;
// 4. valid rows are written per local day to curated/noise_readings/dt=…/<sha>.parquet, rejected ones
//    to quarantine/dt=…/<kind>-<sha>.parquet — both named after the raw file, so re-ingesting rewrites
//    the same files with the same rows and changes nothing.

export { isNoiseSourceKind, NOISE_SOURCE_FORMATS, type NoiseSourceKind } from './source-kinds.ts';

export type { NoiseCsvOptions } from '../domain/noise/csv.ts';

export interface IngestInput {
  readonly sourceKind: NoiseSourceKind;
  readonly bytes: Uint8Array;
  /** the file name or request id the bytes came with (kept in the raw object's metadata) */
  readonly origin: string;
  readonly contentType?: string;
  readonly csv?: NoiseCsvOptions;
  /** demo data: recorded in the raw metadata */
  readonly demo?: boolean;
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
}

function parse(input: IngestInput): ParseResult {
  const text = Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength).toString('utf8');
  switch (input.sourceKind) {
    case 'noise-fiware':
      return parseFiware(text);
    case 'noise-csv':
      if (!input.csv?.sensorId) {
        throw new UnreadableInputError('a noise CSV series needs the sensor it comes from', '--sensor ID', 'none');
      }
      return parseNoiseCsv(text, input.csv);
  }
}

/** stores the raw bytes (first receipt wins) and returns the key and the first receive time */
export async function storeRaw(
  store: ObjectStore,
  input: { sourceKind: string; bytes: Uint8Array; origin: string; contentType?: string; demo?: boolean; extension: string; options?: object },
  now: Date,
): Promise<{ key: string; receivedAt: Date; created: boolean }> {
  const sha256 = await sha256Hex(input.bytes);
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
    },
  });
  const recorded = info.metadata?.['received-at'];
  return { key, receivedAt: recorded ? new Date(recorded) : info.lastModified, created };
}

export async function ingestNoise(ctx: StageContext, input: IngestInput): Promise<IngestSummary> {
  const format = NOISE_SOURCE_FORMATS[input.sourceKind];
  // the raw write runs while the bytes are parsed (it needs nothing from the parse, and the parse nothing from it)
  const storing = storeRaw(
    ctx.store,
    { ...input, contentType: input.contentType ?? format.contentType, extension: format.extension, options: input.csv },
    ctx.now(),
  );
  storing.catch(() => {}); // awaited below; this only keeps a failed write from being reported as unhandled meanwhile

  const T=(globalThis as any).__T ??= {}; let t0=performance.now(); const lap=(k:string)=>{const t=performance.now(); T[k]=(T[k]??0)+t-t0; t0=t;};
  let parsed: ParseResult = { observations: [], rejections: [] };
  let unreadable: UnreadableInputError | undefined;
  try {
    parsed = parse(input);
  } catch (e) {
    if (!(e instanceof UnreadableInputError)) throw e;
    unreadable = e;
  }
  lap('parse');
  const raw = await storing;
  lap('rawwait');

  const candidates = parsed.observations.map((o) => {
    const located = o.lon != null && o.lat != null && Number.isFinite(o.lon) && Number.isFinite(o.lat);
    const row: NoiseReadingRow = {
      sensor_id: o.sensorId,
      commune_insee: located ? (communeAt(o.lon!, o.lat!)?.commune_insee ?? null) : null,
      ts_from: o.tsFrom,
      ts_to: o.tsTo,
      laeq: o.laeq,
      lamax: o.lamax,
      las: o.las,
      source_kind: input.sourceKind,
      raw_key: raw.key,
      record: o.record,
      received_at: raw.receivedAt,
      dt: Number.isFinite(o.tsFrom.getTime()) ? parisDate(o.tsFrom) : '',
    };
    return { record: o.record, recordText: o.recordText, row };
  });

  lap('rows');
  const result = await curate(ctx, {
    dataset: noiseReadings,
    sourceKind: input.sourceKind,
    raw,
    origin: input.origin,
    candidates,
    rejections: parsed.rejections,
    unreadable: unreadable && { message: unreadable.message, expected: unreadable.expected, found: unreadable.found },
  });

  lap('curate');
  // the curated rows are the candidates that passed, in order: walk both to find each row's observation
  const sightings = new Map<string, SensorSighting>();
  for (let i = 0, j = 0; i < candidates.length && j < result.rows.length; i++) {
    if (candidates[i]!.row === result.rows[j]) noteSighting(sightings, parsed.observations[i]!, result.rows[j++]!);
  }
  if (sightings.size) await stageSensorSightings(ctx.store, rawSha(raw.key), raw.receivedAt, [...sightings.values()]);
  lap('sightings');
  const { rows: _rows, ...summary } = result;
  return summary;
}

function noteSighting(sightings: Map<string, SensorSighting>, o: NoiseObservation, row: NoiseReadingRow): void {
  const located = o.lon != null && o.lat != null && Number.isFinite(o.lon) && Number.isFinite(o.lat);
  const s = sightings.get(o.sensorId);
  if (!s) {
    sightings.set(o.sensorId, {
      sensor_id: o.sensorId,
      name: o.name ?? null,
      lon: located ? o.lon! : null,
      lat: located ? o.lat! : null,
      commune_insee: row.commune_insee,
      in_metropole: located ? row.commune_insee !== null : null,
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
