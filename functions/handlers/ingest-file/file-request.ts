import { z } from 'zod';
import { isNoiseSourceKind, type IngestInput, type NoiseCsvOptions } from '../../lib/stages/ingest-noise.ts';
import { CLIMATE_SOURCE_FORMATS, isClimateSourceKind, NOISE_SOURCE_FORMATS, type ClimateSourceKind } from '../../lib/stages/source-kinds.ts';
import { INCOMING_PREFIX } from '../shared/buckets.ts';

// Files dropped under incoming/<source kind>/… : which keys an event names, and how a key (and the
// object's metadata) becomes an ingest input. Pure: no I/O, no environment.
//
// incoming/noise-fiware/<any name>.json
// incoming/noise-csv/<sensor id>/<any name>.csv   metadata (x-amz-meta-…): lon, lat, tz, interval-seconds
// incoming/meteofrance/<any name>                 a Météo-France daily file (Q_<dep>_…_RR-T-Vent.csv or .csv.gz)
// incoming/hubeau/<any name>.json                 a saved Hub'Eau hydrométrie response (observations_tr or referential)
// incoming/vigicrues/<any name>.json              a saved Vigicrues InfoVigiCru document
// The noise kinds go to ingestNoise, the climate kinds (flood and heat sources) to ingestClimateFile.

/** a climate file's ingest input, without its bytes */
export interface ClimateFileInput {
  readonly sourceKind: ClimateSourceKind;
  readonly origin: string;
}

export type IncomingFileInput = Omit<IngestInput, 'bytes'> | ClimateFileInput;

export function isClimateFileInput(input: IncomingFileInput): input is ClimateFileInput {
  return isClimateSourceKind(input.sourceKind);
}

const SOURCE_KINDS = [...Object.keys(NOISE_SOURCE_FORMATS), ...Object.keys(CLIMATE_SOURCE_FORMATS)];

/** the events the function accepts: SQS messages carrying EventBridge S3 events, the events themselves, S3 notifications, or {keys} */
export interface SqsBatch {
  readonly Records: readonly { readonly messageId: string; readonly body: string; readonly eventSource?: string }[];
}

export class IncomingFileError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`${key}: ${message}`);
    this.name = 'IncomingFileError';
  }
}

export function isSqsBatch(event: unknown): event is SqsBatch {
  const records = (event as { Records?: unknown } | null)?.Records;
  return Array.isArray(records) && records.length > 0 && records.every((r) => (r as { eventSource?: string }).eventSource === 'aws:sqs');
}

/**
 * The object keys an event names, each as candidates: S3 notifications URL-encode keys ("a b" → "a+b"),
 * so an encoded-looking key is tried as is, then decoded.
 */
export function incomingKeysFromEvent(event: unknown): string[][] {
  const e = event as Record<string, unknown> | null;
  if (!e || typeof e !== 'object') throw new Error('ingest-file: expected an event object');
  if (Array.isArray(e.keys)) return e.keys.map((k) => [String(k)]);
  if (e.source === 'aws.s3' && e['detail-type'] === 'Object Created') {
    const key = (e.detail as { object?: { key?: unknown } } | undefined)?.object?.key;
    if (typeof key !== 'string') throw new Error('ingest-file: an Object Created event without detail.object.key');
    return [candidates(key)];
  }
  if (Array.isArray(e.Records)) {
    return e.Records.flatMap((r: { eventSource?: string; s3?: { object?: { key?: string } } }) =>
      r.eventSource === 'aws:s3' && typeof r.s3?.object?.key === 'string' ? [candidates(r.s3.object.key)] : [],
    );
  }
  throw new Error(`ingest-file: unrecognised event (keys: ${Object.keys(e).join(', ')}); expected an S3 Object Created event, an S3 notification or {"keys": [...]}`);
}

function candidates(key: string): string[] {
  let decoded = key;
  try {
    decoded = decodeURIComponent(key.replaceAll('+', ' '));
  } catch {
    // not URL-encoded after all
  }
  return decoded === key ? [key] : [key, decoded];
}

const coordinate = (min: number, max: number) => z.coerce.number().min(min).max(max);
const csvMetadata = z.object({
  lon: coordinate(-180, 180).optional(),
  lat: coordinate(-90, 90).optional(),
  tz: z.string().min(1).optional(),
  'interval-seconds': z.coerce.number().int().positive().optional(),
});

/** the ingest input of an incoming object, without its bytes */
export function incomingFileInput(key: string, metadata: Readonly<Record<string, string>> = {}): IncomingFileInput {
  const parts = key.split('/');
  if (parts[0] !== INCOMING_PREFIX || parts.length < 3) {
    throw new IncomingFileError(key, `expected ${INCOMING_PREFIX}/<source kind>/<file>`);
  }
  const kind = parts[1]!;
  if (isClimateSourceKind(kind)) return { sourceKind: kind, origin: key };
  if (!isNoiseSourceKind(kind)) throw new IncomingFileError(key, `unknown source kind "${kind}": expected one of ${SOURCE_KINDS.join(', ')}`);
  if (kind === 'noise-fiware') return { sourceKind: kind, origin: key };

  if (parts.length < 4) throw new IncomingFileError(key, `a noise CSV series goes under ${INCOMING_PREFIX}/noise-csv/<sensor id>/<file>.csv`);
  const parsed = csvMetadata.safeParse(metadata);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new IncomingFileError(key, `metadata ${String(issue.path[0])}: ${issue.message} (found ${JSON.stringify(metadata[String(issue.path[0])])})`);
  }
  const m = parsed.data;
  const csv: NoiseCsvOptions = {
    sensorId: decodeURIComponent(parts[2]!),
    ...(m.lon !== undefined && m.lat !== undefined ? { lon: m.lon, lat: m.lat } : {}),
    ...(m.tz ? { tz: m.tz } : {}),
    ...(m['interval-seconds'] ? { intervalSeconds: m['interval-seconds'] } : {}),
  };
  return { sourceKind: kind, origin: key, csv };
}
