import { DuckLake } from '../adapters/duck-lake.ts';
import { Duck } from '../adapters/duckdb.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { SourceUrls, StageContext } from '../stages/context.ts';

// What the entry points (the command line, the Lambda handlers, the local servers, the benchmarks)
// share: a stage context over a store, with a fresh DuckDB engine behind its Lake port.

export interface OpenContextOptions {
  readonly store: ObjectStore;
  readonly logger: Logger;
  readonly now?: () => Date;
  readonly sources?: SourceUrls;
  /** DuckDB threads (default: the cores) */
  readonly threads?: number;
  /** DuckDB's memory cap, e.g. `1.2GB` (default: a share of the Lambda function's memory there) */
  readonly memoryLimit?: string;
  /** a writable folder for scratch and spill files (default: the system's temp folder) */
  readonly scratchDir?: string;
}

export interface OpenContext {
  readonly ctx: StageContext;
  close(): Promise<void>;
}

export async function openContext(options: OpenContextOptions): Promise<OpenContext> {
  const duck = await Duck.open({ threads: options.threads, memoryLimit: options.memoryLimit, scratchDir: options.scratchDir });
  const ctx: StageContext = {
    store: options.store,
    lake: new DuckLake(duck, options.store),
    logger: options.logger,
    now: options.now ?? (() => new Date()),
    ...(options.sources ? { sources: options.sources } : {}),
  };
  return { ctx, close: () => duck.close() };
}

/** runs `work` with a context, closing its engine after */
export async function withOpenContext<T>(options: OpenContextOptions, work: (ctx: StageContext) => Promise<T>): Promise<T> {
  const open = await openContext(options);
  try {
    return await work(open.ctx);
  } finally {
    await open.close();
  }
}
