import { sensors } from '../datasets/index.ts';
import { datasetFileKey, STAGING_PREFIX } from '../lake/layout.ts';
import { writeDataset } from '../lake/write.ts';
import { listKeys, type ObjectStore } from '../ports/object-store.ts';
import type { StageContext } from './context.ts';

// The sensors dataset: each ingest stages what it saw of each sensor (one small JSON per raw file,
// named after it, so a replay rewrites the same object); this stage merges every staged sighting.

export interface SensorSighting {
  sensor_id: string;
  name: string | null;
  lon: number | null;
  lat: number | null;
  commune_insee: string | null;
  in_metropole: boolean | null;
  noise_source: string;
  sonometer_class: string | null;
  first_seen: Date;
  last_seen: Date;
}

interface StagedSightings {
  received_at: string;
  raw_sha: string;
  sensors: (Omit<SensorSighting, 'first_seen' | 'last_seen'> & { first_seen: string; last_seen: string })[];
}

const SIGHTINGS_PREFIX = `${STAGING_PREFIX}/sensor-sightings/`;

export async function stageSensorSightings(store: ObjectStore, rawSha: string, receivedAt: Date, sightings: SensorSighting[]): Promise<void> {
  const body: StagedSightings = {
    received_at: receivedAt.toISOString(),
    raw_sha: rawSha,
    sensors: sightings.map((s) => ({ ...s, first_seen: s.first_seen.toISOString(), last_seen: s.last_seen.toISOString() })),
  };
  await store.put(`${SIGHTINGS_PREFIX}${rawSha}.json`, JSON.stringify(body), { contentType: 'application/json' });
}

/** merges all staged sightings: attributes of the latest received file win, first/last seen span all */
export function mergeSightings(parts: readonly StagedSightings[]): SensorSighting[] {
  const ordered = [...parts].sort((a, b) => a.received_at.localeCompare(b.received_at) || a.raw_sha.localeCompare(b.raw_sha));
  const merged = new Map<string, SensorSighting>();
  for (const part of ordered) {
    for (const s of part.sensors) {
      const first = new Date(s.first_seen);
      const last = new Date(s.last_seen);
      const before = merged.get(s.sensor_id);
      merged.set(s.sensor_id, {
        ...s,
        lon: s.lon ?? before?.lon ?? null,
        lat: s.lat ?? before?.lat ?? null,
        commune_insee: s.lon != null ? s.commune_insee : (before?.commune_insee ?? null),
        in_metropole: s.in_metropole ?? before?.in_metropole ?? null,
        name: s.name ?? before?.name ?? null,
        noise_source: s.noise_source !== 'unknown' ? s.noise_source : (before?.noise_source ?? 'unknown'),
        sonometer_class: s.sonometer_class ?? before?.sonometer_class ?? null,
        first_seen: before && before.first_seen < first ? before.first_seen : first,
        last_seen: before && before.last_seen > last ? before.last_seen : last,
      });
    }
  }
  return [...merged.values()].sort((a, b) => a.sensor_id.localeCompare(b.sensor_id));
}

export async function refreshSensors(ctx: StageContext): Promise<{ sensors: number }> {
  const parts: StagedSightings[] = [];
  for (const o of await listKeys(ctx.store, SIGHTINGS_PREFIX)) {
    parts.push(JSON.parse((await ctx.store.get(o.key)).toString('utf8')) as StagedSightings);
  }
  const rows = mergeSightings(parts);
  await writeDataset(ctx, sensors, rows, datasetFileKey(sensors, 'sensors'));
  return { sensors: rows.length };
}
