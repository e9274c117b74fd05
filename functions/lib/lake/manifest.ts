import { LAKE_MANIFEST_KEY } from './layout.ts';
import { z } from 'zod';
import type { ObjectStore } from '../ports/object-store.ts';
import { readSaved } from '../saved-json.ts';

// Lake-level metadata: above all, whether the lake holds simulated demo data. Every place that shows
// data (site banner, dataset metadata, CLI summaries) reads it from here.

const lakeManifestSchema = z.object({
  demo: z.boolean(),
  demo_notice: z.string().optional(),
  demo_details: z.unknown(),
  /** the end of the simulated window (ISO 8601): "now" for the freshness of a demo lake's forecasts */
  demo_clock: z.string().optional(),
  updated_at: z.string(),
});
export type LakeManifest = z.infer<typeof lakeManifestSchema>;

export async function readManifest(store: ObjectStore): Promise<LakeManifest | undefined> {
  // what every page says about demo data rests on this file: unreadable is an error, never "not a demo"
  return readSaved(store, LAKE_MANIFEST_KEY, lakeManifestSchema, 'restore it, or write it again (observatory demo marks a demo lake)');
}

export async function markDemo(store: ObjectStore, notice: string, details: unknown, now: Date, demoClock?: Date): Promise<void> {
  const manifest: LakeManifest = { demo: true, demo_notice: notice, demo_details: details, ...(demoClock ? { demo_clock: demoClock.toISOString() } : {}), updated_at: now.toISOString() };
  await store.put(LAKE_MANIFEST_KEY, JSON.stringify(manifest, null, 2), { contentType: 'application/json' });
}
