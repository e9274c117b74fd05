import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckLake } from '../../functions/lib/adapters/duck-lake.ts';
import { Duck } from '../../functions/lib/adapters/duckdb.ts';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import { memoryLogger } from '../../functions/lib/ports/logger.ts';
import type { ObjectStore } from '../../functions/lib/ports/object-store.ts';
import type { StageContext } from '../../functions/lib/stages/context.ts';

/** a lake in a fresh temporary folder, with a DuckDB engine and a fixed clock */
export async function tempLake(options: { now?: Date; store?: ObjectStore } = {}): Promise<StageContext & { dir: string; logs: string[]; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'observatory-test-'));
  const duck = await Duck.open({ threads: 2 });
  const logger = memoryLogger();
  const now = options.now ?? new Date('2026-01-15T12:00:00Z');
  const store = options.store ?? new FsObjectStore(dir);
  return {
    dir,
    store,
    lake: new DuckLake(duck, store),
    logger,
    logs: logger.lines,
    now: () => now,
    async cleanup() {
      await duck.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
