import type { Lake } from '../ports/lake.ts';
import type { Logger } from '../ports/logger.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { NoiseShardReaders } from './ingest-noise.ts';

/** what every stage gets: ports only — it reads and writes through these */
export interface StageContext {
  readonly store: ObjectStore;
  /** the lake's datasets, read for a window of partitions, with SQL over what was attached */
  readonly lake: Lake;
  readonly logger: Logger;
  /** the clock: tests pass a fixed date */
  readonly now: () => Date;
  /** threads that read parts of large FIWARE arrays (where available: the local command line) */
  readonly noiseShards?: NoiseShardReaders;
  /**
   * the source endpoints the pollers call (Hub’Eau, Vigicrues, data.gouv.fr): on AWS the real ones
   * unless configured otherwise; on one machine only those configured (a poller without one skips)
   */
  readonly sources?: SourceUrls;
  /** epoch ms when the invocation is stopped (a Lambda's timeout); long stages stop starting work before it */
  readonly deadline?: number;
  /**
   * a backfill: recompute these Paris days (inclusive `YYYY-MM-DD`) rather than what changed; only the
   * stages the registry marks `ranged` honour it (see stages/backfill.ts)
   */
  readonly range?: DayRange;
}

export interface DayRange {
  readonly from: string;
  readonly to: string;
}

export type SourceUrls = Partial<Record<'hubeau' | 'vigicrues' | 'meteofrance' | 'meteofrance-forecast', string>>;
