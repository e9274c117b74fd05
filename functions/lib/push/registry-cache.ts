import { ObjectNotFoundError, type ObjectStore } from '../ports/object-store.ts';
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
    const get = (key: string) => (key === REGISTRY_KEY ? this.registry(store) : store.get(key));
    return new Proxy(store, {
      get(target, name) {
        if (name === 'get') return get;
        const value: unknown = Reflect.get(target, name, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
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
