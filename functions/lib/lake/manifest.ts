import { LAKE_MANIFEST_KEY } from './layout.ts';
import type { ObjectStore } from '../ports/object-store.ts';

// Lake-level metadata: above all, whether the lake holds simulated demo data. Every place that shows
// data (site banner, dataset metadata, CLI summaries) reads it from here.

export interface LakeManifest {
  readonly demo: boolean;
  readonly demo_notice?: string;
  readonly demo_details?: unknown;
  /** the end of the simulated window (ISO 8601): "now" for the freshness of a demo lake's forecasts */
  readonly demo_clock?: string;
  readonly updated_at: string;
}

export async function readManifest(store: ObjectStore): Promise<LakeManifest | undefined> {
  if (!(await store.head(LAKE_MANIFEST_KEY))) return undefined;
  return JSON.parse((await store.get(LAKE_MANIFEST_KEY)).toString('utf8')) as LakeManifest;
}

export async function markDemo(store: ObjectStore, notice: string, details: unknown, now: Date, demoClock?: Date): Promise<void> {
  const manifest: LakeManifest = { demo: true, demo_notice: notice, demo_details: details, ...(demoClock ? { demo_clock: demoClock.toISOString() } : {}), updated_at: now.toISOString() };
  await store.put(LAKE_MANIFEST_KEY, JSON.stringify(manifest, null, 2), { contentType: 'application/json' });
}
