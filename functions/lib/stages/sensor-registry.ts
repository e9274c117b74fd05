import { sensorRegistry } from '../datasets/sensor-registry.ts';
import { parseSensorRegistry, type RegisteredSensor } from '../domain/noise/registry.ts';
import { UnreadableInputError } from '../domain/noise/observation.ts';
import { datasetFileKey, stateKey } from '../lake/layout.ts';
import { writeDataset } from '../lake/write.ts';
import { z } from 'zod';
import type { ObjectStore } from '../ports/object-store.ts';
import { readSaved } from '../saved-json.ts';
import type { StageContext } from './context.ts';
import { storeRaw } from './ingest-noise.ts';

// The sensor registry stage: a registry file in, the sensor_registry dataset out. A file replaces the
// rows of the sensors it lists and leaves the others. It is applied whole or not at all: a registry row
// that cannot be read refuses the file (reference data half applied would misplace readings). The
// rows are also kept as JSON, read by every noise ingest (and its worker threads) without a query engine.

export const SENSOR_REGISTRY_SOURCE_KIND = 'sensors';
/** the registry's rows as JSON: read by every noise ingest (infra/ grants it to the ingest functions) */
export const REGISTRY_KEY = stateKey('sensor-registry');

interface StoredRow extends Omit<RegisteredSensor, 'valid_from' | 'valid_to'> {
  readonly valid_from: string | null;
  readonly valid_to: string | null;
  readonly source: string;
}

export class RegistryFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryFileError';
  }
}

export async function ingestSensorRegistry(ctx: StageContext, input: { bytes: Uint8Array; origin: string }): Promise<{ sensors: number; registered: number; rawKey: string }> {
  const parsed = parseSensorRegistry(Buffer.from(input.bytes).toString('utf8'));
  if (parsed.rejections.length) {
    const first = parsed.rejections.slice(0, 5).map((r) => `record ${r.record}: ${r.reason} (${r.field}: expected ${r.expected}, found ${r.found})`);
    throw new RegistryFileError(`${input.origin}: ${parsed.rejections.length} registry row(s) cannot be read, nothing registered — ${first.join('; ')}`);
  }
  const raw = await storeRaw(ctx.store, { sourceKind: SENSOR_REGISTRY_SOURCE_KIND, bytes: input.bytes, origin: input.origin, extension: '.txt' }, ctx.now());
  const listed = new Set(parsed.sensors.map((s) => s.sensor_id));
  const kept = (await storedRows(ctx.store)).filter((r) => !listed.has(r.sensor_id));
  const added: StoredRow[] = parsed.sensors.map((s) => ({ ...s, valid_from: s.valid_from?.toISOString() ?? null, valid_to: s.valid_to?.toISOString() ?? null, source: raw.key }));
  const rows = [...kept, ...added].sort((a, b) => a.sensor_id.localeCompare(b.sensor_id) || (a.valid_from ?? '').localeCompare(b.valid_from ?? ''));
  await ctx.store.put(REGISTRY_KEY, JSON.stringify(rows), { contentType: 'application/json' });
  await writeDataset(ctx, sensorRegistry, rows.map(asRow), datasetFileKey(sensorRegistry, 'sensor_registry'));
  return { sensors: parsed.sensors.length, registered: rows.length, rawKey: raw.key };
}

/** the registered sensors (empty when no registry was ingested) */
export async function loadRegistry(store: ObjectStore): Promise<RegisteredSensor[]> {
  return (await storedRows(store)).map((r) => ({ ...r, valid_from: r.valid_from ? new Date(r.valid_from) : null, valid_to: r.valid_to ? new Date(r.valid_to) : null }));
}

const storedRowsSchema = z.array(
  z.object({
    sensor_id: z.string(),
    name: z.string().nullable(),
    network: z.string().nullable(),
    interval_s: z.number().nullable(),
    interval_anchor: z.enum(['end', 'start']).nullable(),
    lon: z.number(),
    lat: z.number(),
    valid_from: z.string().nullable(),
    valid_to: z.string().nullable(),
    source: z.string(),
  }) satisfies z.ZodType<StoredRow>,
);

async function storedRows(store: ObjectStore): Promise<StoredRow[]> {
  return (await readSaved(store, REGISTRY_KEY, storedRowsSchema, 'ingest the sensor registry again (observatory ingest sensors FILE)')) ?? [];
}

function asRow(r: StoredRow): Record<string, unknown> {
  return { ...r, valid_from: r.valid_from ? new Date(r.valid_from) : null, valid_to: r.valid_to ? new Date(r.valid_to) : null };
}

export { UnreadableInputError };
