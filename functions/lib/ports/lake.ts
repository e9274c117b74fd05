import type { DatasetDeclaration } from '../datasets/declaration.ts';
import type { EncodedRows } from '../datasets/encoded-rows.ts';
import type { ObjectStore } from './object-store.ts';

// The lake as the stages see it: datasets read for a window of partitions, SQL over what was
// attached, partitions written and replaced. DuckDB is the engine behind it (adapters/duck-lake.ts);
// the stages never see the engine, the files or the store's layout.

/** how every Parquet file of the lake is written (DuckDB COPY options) */
export const PARQUET_OPTIONS = 'FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880';

export interface QueryResult {
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
}

/**
 * Which partitions of a dataset to read (`dt` values: Paris dates for day-partitioned datasets).
 * - `all`: every partition (cost grows with history: for ad-hoc queries, exports, full recomputes);
 * - `dates`: the partitions from `from` to `to` (inclusive, `YYYY-MM-DD`);
 * - `partitions`: exactly these dt values;
 * - `latest`: the `days` days ending at the latest partition (found by listing from `near`, a date
 *   close to the end, and from the start only when nothing lies after `near`).
 */
export type PartitionWindow =
  | { readonly kind: 'all' }
  | { readonly kind: 'dates'; readonly from: string; readonly to: string }
  | { readonly kind: 'partitions'; readonly dts: readonly string[] }
  | { readonly kind: 'latest'; readonly days: number; readonly near: string };

export const ALL_PARTITIONS: PartitionWindow = { kind: 'all' };

export interface AttachSummary {
  /** objects the views read */
  readonly files: number;
  /** distinct partitions among them */
  readonly partitions: number;
}

export interface AttachOptions {
  /**
   * a relation of stored facts that the derived columns of the datasets read for what lies outside the
   * window (noise_readings: the night floors of earlier days, for the drift check); without it they
   * are computed from the attached rows alone
   */
  readonly reference?: string;
}

export interface PartitionInfo {
  readonly dt: string;
  readonly files: number;
  readonly bytes: number;
  /** the latest change time of its files */
  readonly lastModified: Date;
  /** its files' keys */
  readonly keys: readonly string[];
}

/** a batch of changes recorded by the writers of a dataset (see `Lake.changesSince`) */
export interface ChangeSet {
  /** partitions written since the watermark */
  readonly dts: readonly string[];
  /** pass back next time to get only what changed after this call */
  readonly watermark: ChangeWatermark;
  /** change records read */
  readonly records: number;
}

/** where a reader of the change log stopped: the time it listed up to and the records seen near it */
export interface ChangeWatermark {
  readonly at: string;
  readonly seen: readonly string[];
}

/** how rows are spread over partition objects by `writePartitions` */
export interface PartitionSpec {
  /** a table or view (of this engine) with the dataset's file columns */
  readonly table: string;
  /** the SQL expression of a row's partition, e.g. `dt` */
  readonly partitionExpr: string;
  /** every partition to write: one without rows has its object deleted */
  readonly partitions: readonly string[];
  /** the object key of a partition's single file */
  readonly keyOf: (partition: string) => string;
  /** row order inside a file (default: the dataset's key) */
  readonly orderBy?: readonly string[];
  /**
   * the Paris days (`YYYY-MM-DD`) the table holds, when the dataset's partitions are coarser than a day:
   * each written partition keeps its stored rows of its other days and takes the table's rows for these
   */
  readonly days?: readonly string[];
}

export interface PartitionWriteSummary {
  readonly rows: number;
  readonly written: number;
  readonly deleted: number;
}

export interface Lake {
  /** one view per dataset, named after it, over the window's partitions only (an empty view when none) */
  attach(datasets: readonly DatasetDeclaration[], window?: PartitionWindow, options?: AttachOptions): Promise<AttachSummary>;
  /** a view over exactly these objects of a dataset (e.g. the files a compaction merges), without de-duplication */
  attachObjects(view: string, d: DatasetDeclaration, keys: readonly string[]): Promise<void>;
  /** the dataset's partitions in the window, with their files' count, size and latest change */
  partitions(d: DatasetDeclaration, window?: PartitionWindow): Promise<PartitionInfo[]>;
  /** a watermark at this instant: `changesSince` it returns what is recorded from now on */
  currentWatermark(d: DatasetDeclaration): Promise<ChangeWatermark>;
  /** the partitions the dataset's writers recorded as changed after `since` (undefined: from the start) */
  changesSince(d: DatasetDeclaration, since: ChangeWatermark | undefined): Promise<ChangeSet>;
  /** records that these partitions of the dataset changed (writers call it after the data is stored) */
  recordChange(d: DatasetDeclaration, dts: readonly string[], id: string): Promise<void>;

  run(sql: string): Promise<void>;
  all(sql: string): Promise<QueryResult>;
  /** rejects anything but a read (SELECT, WITH … SELECT, EXPLAIN, DESCRIBE, SHOW, SUMMARIZE) */
  readOnly(sql: string): Promise<QueryResult>;

  /** writes rows of a dataset (as objects, or encoded) as one object, replacing any object at `key` */
  writeRows(d: DatasetDeclaration, rows: readonly object[] | EncodedRows, key: string): Promise<void>;
  /** writes rows spanning several dt partitions: one object per dt, at `keyOf(dt)`; returns the dts */
  writeRowsByPartition(d: DatasetDeclaration, rows: EncodedRows, keyOf: (dt: string) => string): Promise<string[]>;
  /** writes a query's result as one object (replacing any object at `key`); returns its row count */
  writeQuery(d: DatasetDeclaration, sql: string, key: string): Promise<number>;
  /** writes a table as one object per partition (each replaced in one put), deleting emptied ones */
  writePartitions(d: DatasetDeclaration, spec: PartitionSpec): Promise<PartitionWriteSummary>;
  /** writes a query's result to a file on this machine (exports), as Parquet or CSV; returns its row count */
  exportToFile(sql: string, file: string, format: 'parquet' | 'csv'): Promise<number>;
  /** a fresh file path in the engine's scratch folder */
  scratch(name: string): string;
  /** the same engine over another store (the runner gives each stage one that counts its requests) */
  withStore(store: ObjectStore): Lake;
}
