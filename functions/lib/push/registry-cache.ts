import type { Readable } from 'node:stream';
import { ObjectNotFoundError, type Body, type ListOptions, type ListPage, type ObjectInfo, type ObjectStore, type PutOptions, type StoredObject } from '../ports/object-store.ts';
import { REGISTRY_KEY } from '../stages/sensor-registry.ts';

// The sensor registry as a warm push function holds it. Every push is read against the registry (the
// integration intervals, the positions of positionless readings): one GET per push, 1.44 M a month for
// 500 sensors every 15 minutes, a third of the deployment's S3 requests. A warm function keeps the
// registry's bytes (or its absence) for REGISTRY_TTL_MS and serves them from memory meanwhile, so a
// registry change reaches the pushes' answers within that time (docs/deploy.md). The queued curation,
// which writes what is stored, reads the registry afresh once per batch.

/** how long a warm push function reuses the registry it read: a registry change is seen within this */
export const REGISTRY_TTL_MS = 5 * 60_000;

interface Held {
  readonly url: string;
  readonly at: number;
  /** the registry's bytes; undefined when the store holds none */
  readonly bytes: Buffer | undefined;
}

/** the registry of one store, read at most once per `ttlMs` (by `clock`, milliseconds) */
export class RegistryCache {
  private held: Held | undefined;

  constructor(
    readonly ttlMs: number = REGISTRY_TTL_MS,
    private readonly clock: () => number = Date.now,
  ) {}

  /** `store`, its registry served from this cache while fresh; every other request goes through */
  over(store: ObjectStore): ObjectStore {
    return new RegistryCachingStore(store, (inner) => this.registry(inner));
  }

  private async registry(store: ObjectStore): Promise<Buffer> {
    const now = this.clock();
    const held = this.held;
    const fresh = held && held.url === store.url && now - held.at < this.ttlMs ? held : undefined;
    const bytes = fresh ? fresh.bytes : await readOrAbsent(store);
    if (!fresh) this.held = { url: store.url, at: now, bytes };
    if (!bytes) throw new ObjectNotFoundError(REGISTRY_KEY, store.url);
    return bytes;
  }
}

async function readOrAbsent(store: ObjectStore): Promise<Buffer | undefined> {
  try {
    return await store.get(REGISTRY_KEY);
  } catch (e) {
    if (e instanceof ObjectNotFoundError) return undefined;
    throw e;
  }
}

class RegistryCachingStore implements ObjectStore {
  readonly localPath?: (key: string) => string;

  constructor(
    private readonly inner: ObjectStore,
    private readonly registry: (inner: ObjectStore) => Promise<Buffer>,
  ) {
    if (inner.localPath) this.localPath = inner.localPath.bind(inner);
  }

  get url(): string {
    return this.inner.url;
  }

  get(key: string): Promise<Buffer> {
    return key === REGISTRY_KEY ? this.registry(this.inner) : this.inner.get(key);
  }

  put(key: string, body: Body, options?: PutOptions): Promise<ObjectInfo> {
    return this.inner.put(key, body, options);
  }

  putStream(key: string, body: Readable, options?: PutOptions): Promise<ObjectInfo> {
    return this.inner.putStream(key, body, options);
  }

  putIfAbsent(key: string, body: Body, options?: PutOptions): Promise<{ created: boolean; info: ObjectInfo }> {
    return this.inner.putIfAbsent(key, body, options);
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

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  deleteMany(keys: readonly string[]): Promise<void> {
    return this.inner.deleteMany(keys);
  }
}
