import { createHash } from 'node:crypto';
import { SITE_PREFIX } from '../lake/layout.ts';
import { listAll, type Body, type ObjectStore } from '../ports/object-store.ts';
import type * as z from 'zod/mini';
import { checkSiteData, type Shape } from './site-data.ts';

// Writes the site through the object store (a folder here, the site bucket on AWS), a few objects at
// a time, and only the objects whose bytes changed: the previous run's manifest (path → sha256, size)
// says what the site holds, so an unchanged page is neither read nor written. What the previous run
// published and this one did not is deleted afterwards, from the manifest too (no listing).

export const CONTENT_TYPES = {
  html: 'text/html; charset=utf-8',
  json: 'application/json',
  atom: 'application/atom+xml; charset=utf-8',
  feed: 'application/feed+json',
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
  geojson: 'application/geo+json',
} as const;

export interface SiteObject {
  readonly sha256: string;
  readonly size: number;
}

/** site path → what was published there */
export type SiteObjects = Readonly<Record<string, SiteObject>>;

export const sha256 = (body: Body): string => createHash('sha256').update(body).digest('hex');

export class SiteWriter {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: Error | undefined;
  /** what the site holds after this run (the manifest's objects), so far */
  private readonly current = new Map<string, SiteObject>();
  /** paths put this run (their bytes changed or they are new) */
  readonly changed = new Set<string>();

  /**
   * @param previous the objects the previous run published; undefined (no manifest): everything is
   *   written, and `removeStale` lists the site once to find what older runs left
   */
  constructor(
    private readonly store: ObjectStore,
    private readonly previous: SiteObjects | undefined,
    private readonly concurrency = 16,
  ) {}

  /** queues a write unless the same bytes are published there already; resolves once queued (back-pressure) */
  async put(path: string, body: Body, contentType: string): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.current.has(path)) throw new Error(`site: ${path} is written twice in one run`);
    const entry = { sha256: sha256(body), size: typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength };
    this.current.set(path, entry);
    const before = this.previous?.[path];
    if (before && before.sha256 === entry.sha256 && before.size === entry.size) return;
    this.changed.add(path);
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    const p: Promise<void> = this.store
      .put(`${SITE_PREFIX}/${path}`, body, { contentType, sha256: entry.sha256 })
      .then(
        () => undefined,
        (e: unknown) => {
          this.failure ??= new Error(`site: writing ${SITE_PREFIX}/${path} to ${this.store.url} failed: ${(e as Error).message}`);
        },
      )
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** a JSON file the site's scripts read, checked against its schema (publish/site-data.ts) first: a misfit is an error naming the file and the field */
  async putData<S extends z.ZodMiniType>(path: string, schema: S, value: Shape<S>): Promise<void> {
    checkSiteData(path, schema, value);
    await this.put(path, JSON.stringify(value), CONTENT_TYPES.json);
  }

  /** keeps an object the previous run published, unread and unwritten (e.g. a download of a year that did not change) */
  keep(path: string): SiteObject {
    const before = this.previous?.[path];
    if (!before) throw new Error(`site: ${path} cannot be kept, the previous run did not publish it`);
    if (this.current.has(path)) throw new Error(`site: ${path} is written twice in one run`);
    this.current.set(path, before);
    return before;
  }

  /** whether the previous run published this path */
  published(path: string): boolean {
    return Boolean(this.previous?.[path]);
  }

  async flush(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  /**
   * deletes what the previous run published and this one did not, except what `keep` keeps (which
   * stays in the manifest, so that a later run deletes it); returns the count
   */
  async removeStale(keep: (path: string) => boolean): Promise<number> {
    await this.flush();
    const before: string[] = [];
    if (this.previous) before.push(...Object.keys(this.previous));
    else for await (const o of listAll(this.store, `${SITE_PREFIX}/`)) before.push(o.key.slice(SITE_PREFIX.length + 1));
    const stale: string[] = [];
    for (const path of before) {
      if (this.current.has(path)) continue;
      const kept = this.previous?.[path];
      if (keep(path) && kept) this.current.set(path, kept);
      else if (!keep(path)) stale.push(path);
    }
    for (let i = 0; i < stale.length; i += this.concurrency) {
      await Promise.all(stale.slice(i, i + this.concurrency).map((p) => this.store.delete(`${SITE_PREFIX}/${p}`)));
    }
    return stale.length;
  }

  /** the site's objects after this run, by path (sorted, for a stable manifest) */
  objects(): SiteObjects {
    return Object.fromEntries([...this.current].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** bytes of what this run put */
  get bytesWritten(): number {
    let t = 0;
    for (const p of this.changed) t += this.current.get(p)!.size;
    return t;
  }

  /** objects the site holds after this run */
  get size(): number {
    return this.current.size;
  }
}
