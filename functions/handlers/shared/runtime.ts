import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import os from 'node:os';
import { withOpenContext } from '../../lib/entry/context.ts';
import { deployedSources } from '../../lib/stages/source-endpoints.ts';
import { FsObjectStore } from '../../lib/adapters/fs-store.ts';
import { createS3Client, S3ObjectStore } from '../../lib/adapters/s3-store.ts';
import { envSchemas, optionalEnv, requiredEnv } from '../../lib/env.ts';
import type { Logger } from '../../lib/ports/logger.ts';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ObjectStore } from '../../lib/ports/object-store.ts';
import type { StageContext } from '../../lib/stages/context.ts';
import { BUCKET_ENV, BUCKET_ROUTES, type BucketRole } from './buckets.ts';
import { once, RoutedObjectStore } from './routed-store.ts';

// What every handler shares: the logger and metrics (Powertools for AWS Lambda), the lake store built
// from the environment (module-level, so a warm container reuses its S3 client), and a fresh DuckDB per
// invocation.

const SERVICE = 'observatory';
const powertoolsLogger = new PowertoolsLogger({ serviceName: SERVICE });

/** the stages' Logger port, written as Powertools' structured JSON lines */
export const logger: Logger = {
  info: (message, fields) => powertoolsLogger.info(message, fields ?? {}),
  warn: (message, fields) => powertoolsLogger.warn(message, fields ?? {}),
  error: (message, fields) => powertoolsLogger.error(message, fields ?? {}),
};

const metrics = once(() => {
  const m = new Metrics({ namespace: optionalEnv('METRICS_NAMESPACE', z.string().min(1), 'Observatory/local'), serviceName: SERVICE });
  // the alarms watch the metrics without dimensions (ReadingsCurated summed over every function)
  m.clearDefaultDimensions();
  return m;
});

const s3Client = once(() => createS3Client({ region: requiredEnv('AWS_REGION') }));

function bucketStore(role: BucketRole): () => ObjectStore {
  return once(() => new S3ObjectStore({ bucket: requiredEnv(BUCKET_ENV[role], envSchemas.bucketName), client: s3Client() }));
}

/**
 * The lake: `LAKE_STORE=file:///abs/path` runs the handler against a folder (tests, local runs);
 * unset (or `s3`), each area goes to its bucket, named by LAKE_BUCKET / RAW_BUCKET / SITE_BUCKET — read
 * when first needed, so a function is given only the buckets it uses.
 */
export const lakeStore = once((): ObjectStore => {
  const location = optionalEnv('LAKE_STORE', envSchemas.lakeStore, 's3');
  if (location !== 's3') return new FsObjectStore(fileURLToPath(location));
  const stores = { lake: bucketStore('lake'), raw: bucketStore('raw'), site: bucketStore('site') };
  return new RoutedObjectStore(
    BUCKET_ROUTES.map((r) => ({ prefix: r.prefix, targetPrefix: r.targetPrefix, store: stores[r.bucket] })),
    stores.lake,
  );
});

const duckMemory = z.string().regex(/^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$/i, { message: 'expected a DuckDB memory size such as 1.5GB' });

/**
 * Runs `work` with a stage context. DuckDB is opened and closed per invocation, not kept warm; its
 * scratch and spill files go to /tmp (Lambda's working directory is read-only).
 */
export async function withStageContext<T>(work: (ctx: StageContext) => Promise<T>, extra: Pick<StageContext, 'deadline' | 'range'> = {}): Promise<T> {
  const memoryLimit = optionalEnv('DUCKDB_MEMORY_LIMIT', duckMemory, '') || undefined;
  return withOpenContext({ store: lakeStore(), logger, memoryLimit, sources: deployedSources(), scratchDir: os.tmpdir() }, (ctx) => work({ ...ctx, ...extra }));
}


/** a value Lambda can serialize: bigints (DuckDB counts) become numbers */
export function jsonSafe<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))) as T;
}

/**
 * Publishes CloudWatch metrics through the embedded metric format (Powertools Metrics): one JSON line on
 * stdout, which Lambda's log agent turns into metrics, no SDK call and no permission needed.
 */
export function emitMetrics(values: Record<string, number>, unit: 'Count' | 'Bytes' | 'Seconds' = 'Count', dimensions: Record<string, string> = {}): void {
  const m = metrics();
  m.addDimensions(dimensions);
  for (const [name, value] of Object.entries(values)) m.addMetric(name, MetricUnit[unit], value);
  m.publishStoredMetrics();
}
