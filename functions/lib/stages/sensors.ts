import { sensorRegistry, sensors } from '../datasets/index.ts';
import { arrondissementOf } from '../domain/geo/arrondissements.ts';
import { communeAt } from '../domain/geo/communes.ts';
import { currentRegistrations, type RegisteredSensor } from '../domain/noise/registry.ts';
import { datasetFileKey, STAGING_PREFIX } from '../lake/layout.ts';
import { writeDataset } from '../lake/write.ts';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { listKeys, type ObjectStore } from '../ports/object-store.ts';
import { readSaved } from '../saved-json.ts';
import type { StageContext } from './context.ts';

// The sensors dataset, the merged table: every registered sensor and every sensor seen in the readings,
// the registry's facts (name, network, interval, current position) winning for a registered one. Its
// cost is flat with history: it reads the registry and the staged sightings, never the readings.
// Each ingest stages what it saw of each sensor (one small JSON per raw file,
// named after it, so a replay rewrites the same object); this stage merges the staged sightings into
// the dataset, and into one staged file that replaces exactly the files it merged — so each run reads
// the previous merge and what was staged since, not every file ever staged.
// Safe alongside ingests: the merge is written before its inputs are deleted (a crash in between leaves
// sightings in two files, and merging them again gives the same result: first/last seen span all,
// attributes of the latest received win); a file staged after the listing is not deleted. A sighting
// staged late with a receive time older than the merge's is ordered before the whole merge.

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

const stagedSightingsSchema = z.object({
  received_at: z.string(),
  raw_sha: z.string(),
  sensors: z.array(
    z.object({
      sensor_id: z.string(),
      name: z.string().nullable(),
      lon: z.number().nullable(),
      lat: z.number().nullable(),
      commune_insee: z.string().nullable(),
      in_metropole: z.boolean().nullable(),
      noise_source: z.string(),
      sonometer_class: z.string().nullable(),
      first_seen: z.string(),
      last_seen: z.string(),
    }) satisfies z.ZodType<Omit<SensorSighting, 'first_seen' | 'last_seen'> & { first_seen: string; last_seen: string }>,
  ),
});
type StagedSightings = z.infer<typeof stagedSightingsSchema>;

export const SIGHTINGS_PREFIX = `${STAGING_PREFIX}/sensor-sightings/`;
/** a staged file that is the merge of others (raw files are named after their sha256, in hex) */
const MERGED_PREFIX = 'merged-';
/** staged files fetched at once */
const FETCH_CONCURRENCY = 16;

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
    for (const s of part.sensors) merged.set(s.sensor_id, laterSighting(s, merged.get(s.sensor_id)));
  }
  return [...merged.values()].sort((a, b) => a.sensor_id.localeCompare(b.sensor_id));
}

/** a sensor's sighting received after `before`: its attributes where it gives them, else the earlier ones; the span of both */
function laterSighting(s: StagedSightings['sensors'][number], before: SensorSighting | undefined): SensorSighting {
  const first = new Date(s.first_seen);
  const last = new Date(s.last_seen);
  if (!before) return { ...s, first_seen: first, last_seen: last };
  return {
    ...s,
    lon: s.lon ?? before.lon,
    lat: s.lat ?? before.lat,
    commune_insee: s.lon != null ? s.commune_insee : before.commune_insee,
    in_metropole: s.in_metropole ?? before.in_metropole,
    name: s.name ?? before.name,
    noise_source: s.noise_source !== 'unknown' ? s.noise_source : before.noise_source,
    sonometer_class: s.sonometer_class ?? before.sonometer_class,
    first_seen: before.first_seen < first ? before.first_seen : first,
    last_seen: before.last_seen > last ? before.last_seen : last,
  };
}

export async function refreshSensors(ctx: StageContext): Promise<{ sensors: number; staged: number; merged: number }> {
  for (let attempt = 1; ; attempt++) {
    const keys = (await listKeys(ctx.store, SIGHTINGS_PREFIX)).map((o) => o.key).sort();
    const parts = await mapLimited(keys, FETCH_CONCURRENCY, (key) => readStaged(ctx.store, key));
    if (parts.some((p) => !p)) {
      // another run merged (and deleted) some of them: its merge is there now, so list again
      if (attempt < 3) continue;
      throw new Error(`sensors: staged sightings under ${SIGHTINGS_PREFIX} kept vanishing while being read (${attempt} listings); is another sensors run merging them?`);
    }
    return mergeStaged(ctx, keys, parts as StagedSightings[]);
  }
}

/** one row of the sensors dataset */
export interface SensorRow extends Omit<SensorSighting, 'first_seen' | 'last_seen'> {
  registered: boolean;
  network: string | null;
  interval_s: number | null;
  interval_anchor: 'end' | 'start' | null;
  position_source: 'registry' | 'readings' | null;
  arrondissement_insee: string | null;
  first_seen: Date | null;
  last_seen: Date | null;
}

/** registered sensors ∪ sensors seen in readings: a registered sensor stands at its current registered position */
export function mergedSensors(sightings: readonly SensorSighting[], registry: readonly RegisteredSensor[], now: Date): SensorRow[] {
  const seen = new Map(sightings.map((s) => [s.sensor_id, s]));
  const current = currentRegistrations(registry, now);
  const rows = [
    ...[...current.values()].map((r) => registeredRow(r, seen.get(r.sensor_id))),
    ...sightings.filter((s) => !current.has(s.sensor_id)).map(seenRow),
  ];
  return rows.sort((a, b) => a.sensor_id.localeCompare(b.sensor_id));
}

function registeredRow(r: RegisteredSensor, seen: SensorSighting | undefined): SensorRow {
  const commune = communeAt(r.lon, r.lat)?.commune_insee ?? null;
  return {
    sensor_id: r.sensor_id,
    registered: true,
    name: r.name ?? seen?.name ?? null,
    network: r.network,
    interval_s: r.interval_s,
    interval_anchor: r.interval_anchor,
    position_source: 'registry',
    lon: r.lon,
    lat: r.lat,
    commune_insee: commune,
    arrondissement_insee: arrondissementOf(commune, r.lon, r.lat),
    in_metropole: commune !== null,
    noise_source: seen?.noise_source ?? 'unknown',
    sonometer_class: seen?.sonometer_class ?? null,
    first_seen: seen?.first_seen ?? null,
    last_seen: seen?.last_seen ?? null,
  };
}

/** a sensor known from its readings only: the commune comes with each sighting (the ingest places it) */
function seenRow(s: SensorSighting): SensorRow {
  return {
    ...s,
    registered: false,
    network: null,
    interval_s: null,
    interval_anchor: null,
    position_source: s.lon !== null && s.lat !== null ? 'readings' : null,
    arrondissement_insee: arrondissementOf(s.commune_insee, s.lon, s.lat),
  };
}

/** the registry's rows, from its dataset (none when no registry was ingested) */
async function registeredSensors(ctx: StageContext): Promise<RegisteredSensor[]> {
  await ctx.lake.attach([sensorRegistry]);
  const { rows } = await ctx.lake.all(
    `SELECT sensor_id, name, network, interval_s, interval_anchor, lon, lat, valid_from, valid_to FROM ${sensorRegistry.name}`,
  );
  return rows as unknown as RegisteredSensor[];
}

async function mergeStaged(ctx: StageContext, keys: readonly string[], parts: readonly StagedSightings[]): Promise<{ sensors: number; staged: number; merged: number }> {
  const sightings = mergeSightings(parts);
  const rows = mergedSensors(sightings, await registeredSensors(ctx), ctx.now());
  await writeDataset(ctx, sensors, rows, datasetFileKey(sensors, 'sensors'));
  const alreadyMerged = keys.length === 1 && keys[0]?.slice(SIGHTINGS_PREFIX.length).startsWith(MERGED_PREFIX) === true;
  if (!keys.length || alreadyMerged) return { sensors: rows.length, staged: keys.length, merged: 0 };
  const merged: StagedSightings = {
    received_at: parts.map((p) => p.received_at).reduce((a, b) => (a > b ? a : b), ''),
    raw_sha: MERGED_PREFIX + createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 32),
    sensors: sightings.map((s) => ({ ...s, first_seen: s.first_seen.toISOString(), last_seen: s.last_seen.toISOString() })),
  };
  await ctx.store.put(`${SIGHTINGS_PREFIX}${merged.raw_sha}.json`, JSON.stringify(merged), { contentType: 'application/json' });
  // exactly the files merged, once their merge is stored
  await ctx.store.deleteMany(keys);
  return { sensors: rows.length, staged: keys.length, merged: keys.length };
}

/** a staged file, or undefined when another merge deleted it meanwhile (its sightings are in that merge) */
async function readStaged(store: ObjectStore, key: string): Promise<StagedSightings | undefined> {
  return readSaved(store, key, stagedSightingsSchema, 'delete it (its sightings come back with the next payloads of those sensors)');
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
