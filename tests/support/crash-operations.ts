import type { Readable } from 'node:stream';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import type { Body, ListOptions, ListPage, ObjectInfo, ObjectStore, PutOptions, StoredObject } from '../../functions/lib/ports/object-store.ts';
import type { StageContext } from '../../functions/lib/stages/context.ts';

// What the crash test (tests/crash/) runs, shared by the test and the child process it kills
// (crash-child.ts): the operations, the data they ingest, and a store that kills its own process.
// The stages and the S3 client are imported when used: a child loads only its operation's modules,
// and the AWS SDK only for a lake on the S3 server (each child pays its imports; there are dozens).

/** the operations a crash is injected into, in the order an hourly run does them */
export const OPERATIONS = ['ingest', 'compact', 'indicators'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** every run uses this clock: a run again after a crash receives the same file at the same time */
export const NOW = new Date('2025-06-06T12:00:00Z');
const T0 = Date.UTC(2025, 5, 2, 20); // 22:00 in Paris: readings spread over the evenings of several days

/** a FIWARE batch: 3 sensors, readings every 30 min over 3 days from batch·4 h on (so a day gets a file from each batch); some re-sent from the previous batch */
export function noiseBatch(batch: number): Buffer {
  const entities: object[] = [];
  for (let i = 0; i < 144; i++) {
    const minute = batch * 240 + i * 30 - 60; // the first two overlap the previous batch
    for (const [s, lon] of [2.3522, 2.4417, 2.2945].entries()) {
      entities.push({
        type: 'NoiseLevelObserved',
        refDevice: `crash-${s}`,
        location: { type: 'Point', coordinates: [lon, 48.8566] },
        dateObservedFrom: new Date(T0 + minute * 60_000).toISOString(),
        dateObservedTo: new Date(T0 + (minute + 30) * 60_000).toISOString(),
        LAeq: 45 + ((batch * 13 + i * 7 + s * 5) % 31) / 2,
      });
    }
  }
  // rejected: a level above the declared bound, so the ingest writes to the quarantine too
  entities.push({ type: 'NoiseLevelObserved', refDevice: 'crash-0', dateObservedFrom: new Date(T0).toISOString(), dateObservedTo: new Date(T0 + 60_000).toISOString(), LAeq: 400 });
  return Buffer.from(JSON.stringify(entities));
}

/** the batches in the lake before the operations; the ingest under test ingests the next one */
export const HISTORY_BATCHES = 4;

/** runs one operation: the ingest of the next batch (and the sensors merge after it), a compaction, the noise indicators */
export async function runOperation(ctx: StageContext, op: Operation): Promise<void> {
  if (op === 'ingest') {
    const [{ ingestNoise }, { refreshSensors }] = await Promise.all([import('../../functions/lib/stages/ingest-noise.ts'), import('../../functions/lib/stages/sensors.ts')]);
    await ingestNoise(ctx, { sourceKind: 'noise-fiware', bytes: noiseBatch(HISTORY_BATCHES), origin: `batch-${HISTORY_BATCHES}.json` });
    await refreshSensors(ctx);
  } else if (op === 'compact') {
    const [{ compactLake }, { COMPACTION_LIMITS }] = await Promise.all([import('../../functions/lib/stages/compact.ts'), import('../../functions/lib/stages/registry.ts')]);
    await compactLake(ctx, COMPACTION_LIMITS);
  } else {
    const { noiseIndicators } = await import('../../functions/lib/stages/noise-indicators.ts');
    await noiseIndicators(ctx);
  }
}

/** where a child's lake is: a folder, or a prefix of a bucket on the S3 test server */
export type StoreLocation = { readonly kind: 'fs'; readonly dir: string } | { readonly kind: 's3'; readonly endpoint: string; readonly bucket: string; readonly prefix: string };

export async function openStore(at: StoreLocation): Promise<ObjectStore> {
  if (at.kind === 'fs') return new FsObjectStore(at.dir);
  const [{ S3ObjectStore }, { swiftClient }] = await Promise.all([import('../../functions/lib/adapters/s3-store.ts'), import('./swift.ts')]);
  // a killed child must not wait on retries: the parent checks what was stored
  return new S3ObjectStore({ client: swiftClient(at.endpoint, { maxAttempts: 2, retryBaseDelayMs: 20 }), bucket: at.bucket, prefix: at.prefix });
}

/**
 * A store that counts completed writes (PUT, DELETE, a DeleteObjects batch) and, once the k-th has
 * completed, SIGKILLs its own process: nothing after it runs, no finally, no flush.
 */
export class KillAfterWrites implements ObjectStore {
  writes = 0;
  readonly localPath?: (key: string) => string;

  constructor(
    private readonly inner: ObjectStore,
    private readonly killAfter: number,
  ) {
    const localPath = inner.localPath?.bind(inner);
    if (localPath) this.localPath = (key) => localPath(key);
  }

  get url(): string {
    return this.inner.url;
  }

  private async write<T>(done: Promise<T>): Promise<T> {
    const out = await done;
    if (++this.writes === this.killAfter) process.kill(process.pid, 'SIGKILL');
    return out;
  }

  put(key: string, body: Body, options?: PutOptions): Promise<ObjectInfo> {
    return this.write(this.inner.put(key, body, options));
  }
  putStream(key: string, body: Readable, options?: PutOptions): Promise<ObjectInfo> {
    return this.write(this.inner.putStream(key, body, options));
  }
  putIfAbsent(key: string, body: Body, options?: PutOptions): Promise<{ created: boolean; info: ObjectInfo }> {
    return this.write(this.inner.putIfAbsent(key, body, options));
  }
  delete(key: string): Promise<void> {
    return this.write(this.inner.delete(key));
  }
  deleteMany(keys: readonly string[]): Promise<void> {
    return this.write(this.inner.deleteMany(keys));
  }
  get(key: string): Promise<Buffer> {
    return this.inner.get(key);
  }
  getStream(key: string): Promise<Readable> {
    return this.inner.getStream(key);
  }
  getWithInfo(key: string): Promise<StoredObject | undefined> {
    return this.inner.getWithInfo(key);
  }
  head(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.head(key);
  }
  list(prefix: string, options?: ListOptions): Promise<ListPage> {
    return this.inner.list(prefix, options);
  }
}
