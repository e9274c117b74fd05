import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckLake } from '../../functions/lib/adapters/duck-lake.ts';
import { Duck } from '../../functions/lib/adapters/duckdb.ts';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import { noiseReadings } from '../../functions/lib/datasets/index.ts';
import type { NoiseReadingRow } from '../../functions/lib/datasets/noise.ts';
import { datasetFileKey } from '../../functions/lib/lake/layout.ts';
import { writeDataset } from '../../functions/lib/lake/write.ts';
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

/** what varies between the minute readings of writeNoiseMinutes() */
export type NoiseMinute = Pick<NoiseReadingRow, 'sensor_id' | 'commune_insee' | 'laeq' | 'lamax'>;

/**
 * `count` one-minute noise readings from 2025-06-02 00:00 UTC (reading i at minute i, record i), written
 * as one noise_readings file of that day; `vary(i)` gives the sensor, commune and levels of reading i
 */
export async function writeNoiseMinutes(context: Pick<StageContext, 'lake'>, count: number, vary: (i: number) => NoiseMinute): Promise<void> {
  // arrondissement_insee left out (NULL); dt from the file's partition
  const rows: Omit<NoiseReadingRow, 'arrondissement_insee' | 'dt'>[] = Array.from({ length: count }, (_, i) => ({
    ...vary(i),
    ts_from: new Date(Date.UTC(2025, 5, 2, 0, i)),
    ts_to: new Date(Date.UTC(2025, 5, 2, 0, i + 1)),
    las: null,
    source_kind: 'noise-fiware',
    raw_key: 'raw/x',
    record: i,
    received_at: new Date('2025-06-03T00:00:00Z'),
  }));
  await writeDataset(context, noiseReadings, rows, datasetFileKey(noiseReadings, 'a', '2025-06-02'));
}
