import { SITE_PREFIX } from '../lake/layout.ts';
import { listAll, type Body, type ObjectStore } from '../ports/object-store.ts';

// Writes the site through the object store (a folder here, the site bucket on AWS), a few objects at
// a time, and remembers what it wrote so that what the previous run left and this one did not write
// can be removed afterwards.

export const CONTENT_TYPES = {
  html: 'text/html; charset=utf-8',
  json: 'application/json',
  atom: 'application/atom+xml; charset=utf-8',
  feed: 'application/feed+json',
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
  geojson: 'application/geo+json',
} as const;

export class SiteWriter {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  /** site path → bytes */
  readonly written = new Map<string, number>();

  constructor(
    private readonly store: ObjectStore,
    private readonly concurrency = 16,
  ) {}

  /** queues a write; resolves once it is queued (awaiting gives back-pressure) */
  async put(path: string, body: Body, contentType: string): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.written.has(path)) throw new Error(`site: ${path} is written twice in one run`);
    const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    this.written.set(path, bytes);
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    const p: Promise<void> = this.store
      .put(`${SITE_PREFIX}/${path}`, body, { contentType })
      .then(
        () => undefined,
        (e: unknown) => {
          this.failure ??= new Error(`site: writing ${SITE_PREFIX}/${path} to ${this.store.url} failed: ${(e as Error).message}`);
        },
      )
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  async flush(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  /** deletes what is under site/ and was not written by this run, except what `keep` keeps; returns the count */
  async removeStale(keep: (path: string) => boolean): Promise<number> {
    await this.flush();
    const stale: string[] = [];
    for await (const o of listAll(this.store, `${SITE_PREFIX}/`)) {
      const path = o.key.slice(SITE_PREFIX.length + 1);
      if (!this.written.has(path) && !keep(path)) stale.push(o.key);
    }
    for (let i = 0; i < stale.length; i += this.concurrency) {
      await Promise.all(stale.slice(i, i + this.concurrency).map((k) => this.store.delete(k)));
    }
    return stale.length;
  }

  get bytes(): number {
    let t = 0;
    for (const b of this.written.values()) t += b;
    return t;
  }
}
