import { z } from 'zod';
import type { DatasetDeclaration } from '../datasets/declaration.ts';
import { LAKE_MANIFEST_KEY, stateKey } from '../lake/layout.ts';
import { listAll, ObjectNotFoundError, type ObjectStore } from '../ports/object-store.ts';
import type { DownloadFile } from './contract.ts';
import type { SiteObjects } from './writer.ts';

// What makes publishing incremental: the site manifest (state/publish-site.json) says what the site
// holds (path → sha256, size), which input objects it was built from (their etags), which download
// files it lists, and with which code. A run that finds the same code and the same inputs stops after
// reading it; otherwise the inputs that changed say which download years to rewrite, and the writer
// puts only the objects whose bytes changed.

// the stage's own state key: the one its IAM grant covers (infra/lake-access.ts)
export const SITE_MANIFEST_KEY = stateKey('publish-site');

/**
 * Bumped when what the publisher writes changes without its browser code changing (page layout,
 * file formats): the next run renders everything and rewrites the download files of every year.
 */
export const SITE_FORMAT = 5;

/** the lake's manifest (demo flag and notice) is an input too */
export const LAKE_INPUT = LAKE_MANIFEST_KEY;

const downloadFileSchema = z.object({
  dataset: z.string(),
  commune: z.string().nullable(),
  year: z.string().nullable(),
  format: z.enum(['csv', 'parquet', 'geojson']),
  path: z.string(),
  bytes: z.number(),
  rows: z.number().nullable(),
});

const manifestSchema = z.object({
  version: z.string(),
  objects: z.record(z.string(), z.object({ sha256: z.string(), size: z.number() })),
  /** the hashed browser code of the run: kept one more run, for pages cached a few minutes */
  assets: z.array(z.string()),
  /** input (dataset name, or the lake manifest) → object key → etag */
  inputs: z.record(z.string(), z.record(z.string(), z.string())),
  downloads: z.array(downloadFileSchema),
  /** when a forecast shown turns stale: from then on the site is rendered even with no new input */
  fresh_until: z.string().nullable().optional(),
  /** whether the downloads were written as a demo lake's (a demo column, demo=true metadata) */
  demo: z.boolean().optional(),
});

export interface SiteManifest {
  readonly version: string;
  readonly objects: SiteObjects;
  readonly assets: readonly string[];
  readonly inputs: Inputs;
  readonly downloads: readonly DownloadFile[];
  readonly fresh_until?: string | null;
  readonly demo?: boolean;
}

/** input → object key → etag */
export type Inputs = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** the previous run's manifest; undefined when there is none or it cannot be read (then the site is rendered whole) */
export async function readSiteManifest(store: ObjectStore, warn: (m: string) => void): Promise<SiteManifest | undefined> {
  let body: Buffer;
  try {
    body = await store.get(SITE_MANIFEST_KEY);
  } catch (e) {
    if (e instanceof ObjectNotFoundError) return undefined;
    throw e;
  }
  const parsed = manifestSchema.safeParse(JSON.parse(body.toString('utf8')));
  if (!parsed.success) warn(`publish-site: ${SITE_MANIFEST_KEY} in ${store.url} does not read as a site manifest (${parsed.error.issues[0]?.message}): the site is rendered whole`);
  return parsed.success ? parsed.data : undefined;
}

export async function writeSiteManifest(store: ObjectStore, m: SiteManifest): Promise<void> {
  await store.put(SITE_MANIFEST_KEY, JSON.stringify(m), { contentType: 'application/json' });
}

/** the etag of every object of the datasets the site reads, and of the lake's manifest: one listing each */
export async function listInputs(store: ObjectStore, datasets: readonly DatasetDeclaration[]): Promise<Inputs> {
  const out: Record<string, Record<string, string>> = {};
  for (const d of datasets) {
    const objects: Record<string, string> = {};
    for await (const o of listAll(store, `${d.prefix}/`)) if (o.key.endsWith('.parquet')) objects[o.key] = o.etag;
    out[d.name] = objects;
  }
  const lake: Record<string, string> = {};
  for await (const o of listAll(store, LAKE_INPUT)) if (o.key === LAKE_INPUT) lake[o.key] = o.etag;
  out[LAKE_INPUT] = lake;
  return out;
}

/** the partition (`dt` value) of an object key, '' for a dataset without partitions */
export const partitionOfKey = (key: string): string => /(?:^|\/)dt=([^/]+)\//.exec(key)?.[1] ?? '';

/** per input, the partitions whose objects were added, changed or removed ('' for an unpartitioned dataset) */
export function changedPartitions(before: Inputs, after: Inputs): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[name] ?? {};
    const b = after[name] ?? {};
    const dts = new Set<string>();
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) if (a[key] !== b[key]) dts.add(partitionOfKey(key));
    if (dts.size) out.set(name, dts);
  }
  return out;
}

/** the partitions of each dataset, from the listing */
export function partitionsOf(inputs: Inputs, name: string): string[] {
  return [...new Set(Object.keys(inputs[name] ?? {}).map(partitionOfKey))].filter(Boolean).sort();
}
