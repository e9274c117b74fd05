import type { Readable } from 'node:stream';
import type { Body, ListOptions, ListPage, ObjectInfo, ObjectStore, PutOptions, StoredObject } from '../../lib/ports/object-store.ts';

// On AWS the lake is several buckets (raw bytes, the curated lake, the public site) while the stages
// see one key space (raw/…, curated/…, site/…): this store sends each key to the bucket of its area.
// A route's store is built on first use, so a function only needs the buckets it touches.

export interface Route {
  /** keys starting with this go to `store()`, e.g. `site/` */
  readonly prefix: string;
  /** what replaces `prefix` in the target store: `site/index.html` → `index.html` with '' */
  readonly targetPrefix: string;
  readonly store: () => ObjectStore;
}

export class RoutedObjectStore implements ObjectStore {
  private readonly routes: readonly Route[];

  constructor(
    routes: readonly Route[],
    private readonly fallback: () => ObjectStore,
  ) {
    // the longest prefix wins
    this.routes = [...routes].sort((a, b) => b.prefix.length - a.prefix.length);
  }

  get url(): string {
    return `routed(${this.routes.map((r) => r.prefix).join(', ')}, else lake)`;
  }

  private resolve(key: string): { store: ObjectStore; target: string; back: (k: string) => string } {
    for (const r of this.routes) {
      if (key.startsWith(r.prefix)) {
        return { store: r.store(), target: r.targetPrefix + key.slice(r.prefix.length), back: (k) => r.prefix + k.slice(r.targetPrefix.length) };
      }
    }
    return { store: this.fallback(), target: key, back: (k) => k };
  }

  private resolvePrefix(prefix: string): ReturnType<RoutedObjectStore['resolve']> {
    const spanned = this.routes.filter((r) => r.prefix.startsWith(prefix) && r.prefix !== prefix && !prefix.startsWith(r.prefix));
    if (spanned.length) {
      throw new Error(`listing "${prefix}" would span several buckets (${spanned.map((r) => r.prefix).join(', ')} and the lake): list each area's prefix`);
    }
    return this.resolve(prefix);
  }

  async put(key: string, body: Body, options?: PutOptions): Promise<ObjectInfo> {
    const r = this.resolve(key);
    return { ...(await r.store.put(r.target, body, options)), key };
  }

  async putStream(key: string, body: Readable, options?: PutOptions): Promise<ObjectInfo> {
    const r = this.resolve(key);
    return { ...(await r.store.putStream(r.target, body, options)), key };
  }

  async putIfAbsent(key: string, body: Body, options?: PutOptions): Promise<{ created: boolean; info: ObjectInfo }> {
    const r = this.resolve(key);
    const out = await r.store.putIfAbsent(r.target, body, options);
    return { created: out.created, info: { ...out.info, key } };
  }

  get(key: string): Promise<Buffer> {
    const r = this.resolve(key);
    return r.store.get(r.target);
  }

  getStream(key: string): Promise<Readable> {
    const r = this.resolve(key);
    return r.store.getStream(r.target);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const r = this.resolve(key);
    const info = await r.store.head(r.target);
    return info && { ...info, key };
  }

  async getWithInfo(key: string): Promise<StoredObject | undefined> {
    const r = this.resolve(key);
    const out = await r.store.getWithInfo(r.target);
    return out && { bytes: out.bytes, info: { ...out.info, key } };
  }

  async list(prefix: string, options?: ListOptions): Promise<ListPage> {
    const r = this.resolvePrefix(prefix);
    const startAfter = options?.startAfter?.startsWith(prefix) ? r.target + options.startAfter.slice(prefix.length) : options?.startAfter;
    const page = await r.store.list(r.target, options && { ...options, startAfter });
    return { ...page, items: page.items.map((o) => ({ ...o, key: r.back(o.key) })) };
  }

  delete(key: string): Promise<void> {
    const r = this.resolve(key);
    return r.store.delete(r.target);
  }

  /** one batch per bucket the keys route to */
  async deleteMany(keys: readonly string[]): Promise<void> {
    const byStore = new Map<ObjectStore, string[]>();
    for (const key of keys) {
      const r = this.resolve(key);
      const targets = byStore.get(r.store) ?? [];
      targets.push(r.target);
      byStore.set(r.store, targets);
    }
    for (const [store, targets] of byStore) await store.deleteMany(targets);
  }
}

/** memoizes a factory: the store (and its client) is built once per container */
export function once<T>(make: () => T): () => T {
  let value: T | undefined;
  let made = false;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
}
