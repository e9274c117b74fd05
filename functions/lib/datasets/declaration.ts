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

/** the TypeScript value of each column type, as the stages hand rows to the lake (dates as `YYYY-MM-DD`) */
interface ColumnValues {
  string: string;
  double: number;
  integer: number;
  bigint: bigint;
  boolean: boolean;
  timestamp: Date;
  date: string;
}

/**
 * the value of one declared column, `| null` when nullable. A closed list of `values` stays a `string`:
 * the rows typed here are the candidates a stage hands to curation, which checks the list (and quarantines
 * a value outside it, naming the field).
 */
type CellOf<C extends Column> = ColumnValues[C['type']] | (C['nullable'] extends true ? null : never);

/**
 * the row of a list of declared columns: a column's type is written once, in the declaration, and the
 * row interfaces the stages build are inferred from it
 */
export type RowOfColumns<Cs extends readonly Column[]> = { -readonly [C in Cs[number] as C['name']]: CellOf<C> };

/** the row of a dataset declaration (its stored and partition columns; derived columns aside) */
export type RowOf<D extends { readonly columns: readonly Column[] }> = RowOfColumns<D['columns']>;

/** a dataset's columns, declared apart when its record checks need the row type they define */
export function declareColumns<const Cs extends readonly Column[]>(columns: Cs): Cs {
  return columns;
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
  readonly derived?: {
    readonly columns: readonly Column[];
    /** the view over the stored `rows`; `reference`: a relation of stored facts the derived columns use for what `rows` does not hold */
    readonly view: (rows: string, reference?: string) => string;
  };
  /**
   * how much time one partition (`dt=` value) holds, sized to the dataset's volume: readings by day
   * (`YYYY-MM-DD`), small daily series by month (`YYYY-MM`) or year (`YYYY`). Default: day.
   */
  readonly granularity?: Granularity;
  /**
   * the column whose Europe/Paris date places a record in its partition (a DATE, or a TIMESTAMP read in
   * Europe/Paris): filters by day use it; partitioned datasets whose dt is not a day must declare it
   */
  readonly dayColumn?: string;
}

export type Granularity = 'day' | 'month' | 'year';

/** the length of a dt value by granularity: `YYYY-MM-DD`, `YYYY-MM`, `YYYY` */
const DT_LENGTH: Record<Granularity, number> = { day: 10, month: 7, year: 4 };
const DT_FORMAT: Record<Granularity, string> = { day: '%Y-%m-%d', month: '%Y-%m', year: '%Y' };
const DT_PATTERN: Record<Granularity, RegExp> = { day: /^\d{4}-\d{2}-\d{2}$/, month: /^\d{4}-\d{2}$/, year: /^\d{4}$/ };

export function granularityOf(d: DatasetDeclaration): Granularity {
  return d.granularity ?? 'day';
}

/** the partition (dt value) holding a Paris day `YYYY-MM-DD` */
export function partitionOf(d: DatasetDeclaration, day: string): string {
  return day.slice(0, DT_LENGTH[granularityOf(d)]);
}

/** the SQL of the partition (dt value) of a DATE expression */
export function partitionSql(d: DatasetDeclaration, dateExpr: string): string {
  return `strftime(CAST(${dateExpr} AS DATE), '${DT_FORMAT[granularityOf(d)]}')`;
}

/** whether a string is a dt value of this dataset's granularity */
export function isPartitionValue(d: DatasetDeclaration, dt: string): boolean {
  return DT_PATTERN[granularityOf(d)].test(dt);
}

/** the first and last Paris day a partition holds */
export function daysOfPartition(d: DatasetDeclaration, dt: string): { from: string; to: string } {
  const g = granularityOf(d);
  if (g === 'day') return { from: dt, to: dt };
  if (g === 'year') return { from: `${dt}-01-01`, to: `${dt}-12-31` };
  const [y, m] = dt.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${dt}-01`, to: `${dt}-${String(last).padStart(2, '0')}` };
}

/** the SQL of a record's Europe/Paris day (a DATE), for filters by day on any partitioned dataset */
export function daySql(d: DatasetDeclaration): string {
  if (!isPartitioned(d)) throw new Error(`dataset ${d.name} is not partitioned: it has no day to filter on`);
  const name = d.dayColumn;
  if (!name) {
    if (granularityOf(d) !== 'day') throw new Error(`dataset ${d.name} is partitioned by ${granularityOf(d)}: it must declare its dayColumn`);
    return 'CAST(dt AS DATE)';
  }
  const column = d.columns.find((c) => c.name === name)!;
  return column.type === 'date' ? name : `CAST(timezone('Europe/Paris', ${name}) AS DATE)`;
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
  const day = declaration.dayColumn && declaration.columns.find((c) => c.name === declaration.dayColumn);
  if (declaration.dayColumn && (!day || (day.type !== 'date' && day.type !== 'timestamp'))) {
    throw new Error(`dataset ${declaration.name}: dayColumn ${declaration.dayColumn} must be a declared date or timestamp column`);
  }
  if ((declaration.granularity ?? 'day') !== 'day' && !declaration.dayColumn) {
    throw new Error(`dataset ${declaration.name}: partitioned by ${declaration.granularity}, it must declare the dayColumn that places a record`);
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
