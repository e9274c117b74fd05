import type { RegisteredSensor } from '../domain/noise/registry.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { loadRegistry } from '../stages/sensor-registry.ts';

// The sensor registry as a warm push function holds it. Every push is read against the registry (the
// integration intervals, the positions of positionless readings): one GET per push, 1.44 M a month for
// 500 sensors every 15 minutes, a third of the deployment's S3 requests. A warm function keeps the
// registry it read (empty when none is stored) for REGISTRY_TTL_MS, so a registry change reaches the
// pushes' answers within that time (docs/deploy.md). The queued curation, which writes what is stored,
// reads the registry afresh once per batch.

/** how long a warm push function reuses the registry it read: a registry change is seen within this */
export const REGISTRY_TTL_MS = 5 * 60_000;

interface Held {
  readonly url: string;
  readonly at: number;
  readonly sensors: readonly RegisteredSensor[];
}

/** the registry of one store, read at most once per `ttlMs` (by `clock`, milliseconds) */
export class RegistryCache {
  private held: Held | undefined;

  constructor(
    readonly ttlMs: number = REGISTRY_TTL_MS,
    private readonly clock: () => number = Date.now,
  ) {}

  /** the registered sensors of `store` (loadRegistry), from memory while fresh */
  async registry(store: ObjectStore): Promise<readonly RegisteredSensor[]> {
    const now = this.clock();
    const held = this.held;
    if (held && held.url === store.url && now - held.at < this.ttlMs) return held.sensors;
    const sensors = await loadRegistry(store);
    this.held = { url: store.url, at: now, sensors };
    return sensors;
  }
}
