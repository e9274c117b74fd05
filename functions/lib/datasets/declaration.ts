// The shape of a dataset declaration: the one place a dataset's columns, types, units, bounds and
// partitioning are written. Everything else (zod, Parquet/DuckDB types, views, Glue columns, the data
// dictionary) is derived from it in derive.ts.

export type ColumnType = 'string' | 'double' | 'integer' | 'bigint' | 'boolean' | 'timestamp' | 'date';

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly description: string;
  /** physical unit, e.g. 'dB(A)', 'm', 'm³/s', '°C'; omitted for identifiers and flags */
  readonly unit?: string;
  /** false for required columns; NULL allowed otherwise */
  readonly nullable?: boolean;
  /** inclusive numeric bounds, checked on ingestion */
  readonly min?: number;
  readonly max?: number;
  /** closed list of allowed values for a string column */
  readonly values?: readonly string[];
  /** a Hive partition column: in the object key (`dt=…/`), not inside the Parquet file */
  readonly partition?: boolean;
}

/** a rule over several fields of one record; returns the failing field and why, or undefined */
export interface RecordCheck<Row> {
  readonly name: string;
  readonly check: (row: Row, ctx: CheckContext) => CheckFailure | undefined;
}

export interface CheckContext {
  /** ingestion time, used by rules like "not more than a day in the future" */
  readonly now: Date;
}

export interface CheckFailure {
  readonly field: string;
  readonly expected: string;
  readonly found: string;
  readonly reason: string;
}

export interface DatasetDeclaration {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** the object-key prefix under the lake root, e.g. `curated/noise_readings` */
  readonly prefix: string;
  readonly columns: readonly Column[];
  /** columns that identify one record; duplicates on these resolve by `duplicateRule` */
  readonly key?: readonly string[];
  readonly duplicateRule?: string;
  /** ORDER BY of the winner among duplicates (first row wins), implementing duplicateRule */
  readonly dedupOrder?: readonly string[];
  /** dataset-level checks beyond single-column bounds */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly checks?: readonly RecordCheck<any>[];
  readonly licence: string;
  readonly provenance: string;
  /**
   * the first day (YYYY-MM-DD) a partitioned dataset holds history from, when it goes back before the
   * deployment's dataStartDate (weather since 1950): Athena's dt projection starts at the earlier of the two
   */
  readonly historySince?: string;
  /**
   * columns the view computes from the stored ones (e.g. noise_readings' qc), not in the files; `view`
   * gives the view's SELECT over a relation of the deduplicated rows
   */
  readonly derived?: { readonly columns: readonly Column[]; readonly view: (rows: string) => string };
}

export function declareDataset<const D extends DatasetDeclaration>(declaration: D): D {
  const names = new Set<string>();
  for (const column of declaration.columns) {
    if (names.has(column.name)) throw new Error(`dataset ${declaration.name}: column ${column.name} is declared twice`);
    names.add(column.name);
  }
  for (const k of declaration.key ?? []) {
    if (!names.has(k)) throw new Error(`dataset ${declaration.name}: key column ${k} is not declared`);
  }
  return declaration;
}

export function partitionColumns(d: DatasetDeclaration): readonly Column[] {
  return d.columns.filter((c) => c.partition);
}

export function fileColumns(d: DatasetDeclaration): readonly Column[] {
  return d.columns.filter((c) => !c.partition);
}

export function isPartitioned(d: DatasetDeclaration): boolean {
  return d.columns.some((c) => c.partition);
}
