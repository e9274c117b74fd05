import type { Duck } from '../adapters/duckdb.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { NoiseShardReaders } from './ingest-noise.ts';

/** what every stage gets: it reads and writes only through these */
export interface StageContext {
  readonly store: ObjectStore;
  /** a DuckDB engine for Parquet reading/writing and SQL (views are attached by the stage that needs them) */
  readonly duck: Duck;
  readonly logger: Logger;
  /** the clock: tests pass a fixed date */
  readonly now: () => Date;
  /** threads that read parts of large FIWARE arrays (where available: the local command line) */
  readonly noiseShards?: NoiseShardReaders;
}
