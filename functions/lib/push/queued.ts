import { createHash } from 'node:crypto';
import { concatEncoded } from '../datasets/encoded-rows.ts';
import { noiseReadings } from '../datasets/index.ts';
import { writeDataset } from '../lake/write.ts';
import { datasetFileKey } from '../lake/layout.ts';
import { PUSHED_RAW_PREFIX } from './constants.ts';
import { RegistryCache } from './registry-cache.ts';
import type { PushIngest } from './service.ts';
import type { StageContext } from '../stages/context.ts';
import { encodedColumns, partitionsOf, storeCurated, summaryOf } from '../stages/curate.ts';
import {
  curatedBatchOf,
  isNoiseSourceKind,
  mergeSightings,
  QUEUED_CURATION,
  readNoise,
  readStored,
  type IngestInput,
  type IngestSummary,
  type StoredRaw,
  withRegistry,
} from '../stages/ingest-noise.ts';
import { loadRegistry } from '../stages/sensor-registry.ts';
import { stageSensorSightings, type SensorSighting } from '../stages/sensors.ts';

// The push API on AWS answers from the raw file alone, and the curation follows in batches.
// A push is one sensor's quarter hour: curating it at once cost four S3 PUTs per request (the raw
// file, a Parquet file of a few rows, a change record, the sensor's sighting) — 5.8 M PUTs a month
// for 500 sensors, two thirds of the deployment's bill. So on AWS a push:
//   1. stores the raw bytes (content-addressed, first receipt wins: the one write before answering,
//      so an accepted push is durable), marked `curation: queued` in the object's metadata;
//   2. reads them against their receipt exactly as the ingest does, and answers what the ingest will
//      store (accepted, rejected, why): the same body as the local server's immediate ingest;
// and the raw file's creation event (S3 → EventBridge → SQS) reaches ingestQueuedPushes a batch of
// pushes at a time, which reads each raw file again against its receipt and writes the batch's rows
// as one file per partition, one change record, one sightings file, and per push its quarantine file
// (only when it has rejections). A replay (the same bytes) creates no object, so no event: its first
// receipt's curation stands. A batch that fails is delivered again by SQS (then its DLQ); running one
// again rewrites the same keys, and rows that end up in two batches' files are the same rows, which
// the dataset's key de-duplicates (views, compaction).

/** accepts a push: raw file stored and marked queued, the answer computed, nothing curated yet */
export async function acceptPush(ctx: StageContext, input: IngestInput, registry?: RegistryCache): Promise<IngestSummary> {
  const read = await readNoise(ctx, input, { queued: true, registry: registry && (() => registry.registry(ctx.store)) });
  const { sightings: _sightings, ...batch } = curatedBatchOf(read);
  return summaryOf(batch);
}

/**
 * acceptPush as a warm function runs it, push after push: the sensor registry read at most once per
 * `registry`'s TTL (registry-cache.ts), not once per push
 */
export function acceptPushes(registry: RegistryCache = new RegistryCache()): PushIngest {
  return (ctx, input) => acceptPush(ctx, input, registry);
}

/** what ingestQueuedPushes did */
export interface QueuedPushesSummary {
  /** raw files curated here (marked queued) */
  readonly pushes: number;
  /** raw files left alone: not marked queued (the file ingest curated them) or gone */
  readonly skipped: number;
  readonly curated: number;
  readonly quarantined: number;
  readonly days: string[];
}

/** curates the raw files of a batch of accepted pushes (keys from their creation events) */
export async function ingestQueuedPushes(ctx: StageContext, keys: readonly string[]): Promise<QueuedPushesSummary> {
  const registry = await loadRegistry(ctx.store);
  const batches: (ReturnType<typeof curatedBatchOf> & { raw: StoredRaw })[] = [];
  let skipped = 0;
  for (const key of [...new Set(keys)].sort()) {
    const input = await queuedInput(ctx, key);
    if (!input) {
      skipped++;
      continue;
    }
    // read as the push was read: with the registry's integration intervals and placement
    const { parsing, placement } = await withRegistry(ctx, input.input, () => Promise.resolve(registry));
    const shards = await readStored(ctx.noiseShards, { parsing, text: input.text, raw: input.raw, placement });
    batches.push({ ...curatedBatchOf({ input: input.input, raw: input.raw, shards }), raw: input.raw });
  }
  if (!batches.length) return { pushes: 0, skipped, curated: 0, quarantined: 0, days: [] };
  // named after the raw files it holds: the same batch delivered again writes the same keys
  const name = `pushes-${createHash('sha256').update(batches.map((b) => b.raw.key).join('\n')).digest('hex').slice(0, 32)}`;
  const rows = concatEncoded(encodedColumns(noiseReadings), batches.map((b) => b.rows));
  const days = partitionsOf(noiseReadings, rows);
  if (days.length > 1) await ctx.lake.writeRowsByPartition(noiseReadings, rows, (dt) => datasetFileKey(noiseReadings, name, dt));
  else if (days.length === 1) await writeDataset(ctx, noiseReadings, rows, datasetFileKey(noiseReadings, name, days[0]));
  // after the data: a reader of the change log that sees the record finds the files
  await ctx.lake.recordChange(noiseReadings, days, name.slice(0, 32));
  // per push, its rejections under its own raw file's name (as the immediate ingest: a quarantine
  // replay finds them there); a push without any writes nothing here
  for (const b of batches) {
    if (b.rejections.length || b.unreadable) await storeCurated(ctx, { ...b, rows: concatEncoded(encodedColumns(noiseReadings), []) });
  }
  const sightings = latestFirst(batches);
  if (sightings.length) await stageSensorSightings(ctx.store, name, latestReceipt(batches), sightings);
  return {
    pushes: batches.length,
    skipped,
    curated: rows.count,
    quarantined: batches.reduce((n, b) => n + b.rejections.length, 0),
    days: [...days].sort(),
  };
}

/** the raw file's bytes and what its metadata says to read them with; undefined when it is not a queued push */
async function queuedInput(ctx: StageContext, key: string): Promise<{ input: IngestInput; raw: StoredRaw; text: string } | undefined> {
  const kind = key.split('/')[1] ?? '';
  if (!key.startsWith(PUSHED_RAW_PREFIX) || !isNoiseSourceKind(kind)) throw new Error(`queued push ${key}: expected a key under ${PUSHED_RAW_PREFIX}, found another`);
  // one GET: its answer carries the metadata (a HEAD first would double the requests of every push)
  const stored = await ctx.store.getWithInfo(key);
  const metadata = stored?.info.metadata ?? {};
  if (!stored || metadata[QUEUED_CURATION.name] !== QUEUED_CURATION.value) return undefined;
  const { bytes, info } = stored;
  const receivedAt = metadata['received-at'];
  if (!receivedAt) throw new Error(`queued push ${key}: its metadata has no received-at (found ${Object.keys(metadata).join(', ') || 'none'}); it was not stored by acceptPush`);
  // the parse options the push was read with (its network's), as storeRaw keeps them
  const options: object | undefined = metadata['parse-options'] ? (JSON.parse(metadata['parse-options']) as object) : undefined;
  const input: IngestInput = {
    sourceKind: kind,
    bytes,
    origin: decodeURIComponent(metadata.origin ?? key),
    ...(info.contentType ? { contentType: info.contentType } : {}),
    ...(options ? (kind === 'noise-fiware' ? { fiware: options } : { csv: options }) : {}),
  };
  const raw: StoredRaw = { key, receivedAt: new Date(receivedAt), created: true, metadata };
  return { input, raw, text: bytes.toString('utf8') };
}

/** the sightings of the batch's pushes as one: a sensor keeps what its latest received push said */
function latestFirst(batches: readonly { raw: StoredRaw; sightings: SensorSighting[] }[]): SensorSighting[] {
  const ordered = [...batches].sort((a, b) => b.raw.receivedAt.getTime() - a.raw.receivedAt.getTime() || (a.raw.key < b.raw.key ? -1 : 1));
  return mergeSightings(ordered.map((b) => b.sightings));
}

function latestReceipt(batches: readonly { raw: StoredRaw }[]): Date {
  return new Date(Math.max(...batches.map((b) => b.raw.receivedAt.getTime())));
}

