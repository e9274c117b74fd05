import { z } from 'zod';
import {
  fileColumns,
  granularityOf,
  isPartitioned,
  type CheckContext,
  type CheckFailure,
  type Column,
  type ColumnType,
  type DatasetDeclaration,
  type Granularity,
} from './declaration.ts';
import { isCalendarDate } from '../domain/time/calendar.ts';

// Everything derived from a declaration: keep the mappings here, one table per target.

export const DUCKDB_TYPE: Record<ColumnType, string> = {
  string: 'VARCHAR',
  double: 'DOUBLE',
  integer: 'INTEGER',
  bigint: 'BIGINT',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP WITH TIME ZONE',
  date: 'DATE',
};

export const GLUE_TYPE: Record<ColumnType, string> = {
  string: 'string',
  double: 'double',
  integer: 'int',
  bigint: 'bigint',
  boolean: 'boolean',
  timestamp: 'timestamp',
  date: 'date',
};

/** Parquet physical/logical type as DuckDB writes it for each column type */
export const PARQUET_TYPE: Record<ColumnType, string> = {
  string: 'BYTE_ARRAY (STRING)',
  double: 'DOUBLE',
  integer: 'INT32',
  bigint: 'INT64',
  boolean: 'BOOLEAN',
  timestamp: 'INT64 (TIMESTAMP(MICROS,true))',
  date: 'INT32 (DATE)',
};

function columnSchema(c: Column): z.ZodType {
  let s: z.ZodType;
  switch (c.type) {
    case 'string':
      s = c.values ? z.enum(c.values as [string, ...string[]]) : z.string().min(1);
      break;
    case 'double':
    case 'integer':
    case 'bigint': {
      let n = c.type === 'double' ? z.number() : z.number().int();
      if (c.min !== undefined) n = n.min(c.min);
      if (c.max !== undefined) n = n.max(c.max);
      s = n;
      break;
    }
    case 'boolean':
      s = z.boolean();
      break;
    case 'timestamp':
      s = z.date();
      break;
    case 'date':
      s = z.string().refine(isCalendarDate, { message: 'a real calendar date YYYY-MM-DD' });
      break;
  }
  return c.nullable ? s.nullable() : s;
}

const schemaCache = new WeakMap<DatasetDeclaration, z.ZodObject>();

/** the zod validator of one row (partition columns included) */
export function rowSchema(d: DatasetDeclaration): z.ZodObject {
  let s = schemaCache.get(d);
  if (!s) {
    s = z.object(Object.fromEntries(d.columns.map((c) => [c.name, columnSchema(c)])));
    schemaCache.set(d, s);
  }
  return s;
}

function expectedOf(c: Column): string {
  const parts: string[] = [];
  if (c.values) parts.push(`one of ${c.values.join('|')}`);
  else parts.push(c.type === 'double' ? 'a finite number' : c.type === 'integer' ? 'an integer' : `a ${c.type}`);
  if (c.min !== undefined && c.max !== undefined) parts.push(`in [${c.min}, ${c.max}]${c.unit ? ' ' + c.unit : ''}`);
  else if (c.min !== undefined) parts.push(`>= ${c.min}`);
  else if (c.max !== undefined) parts.push(`<= ${c.max}`);
  if (c.nullable) parts.push('or null');
  return parts.join(' ');
}

export function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'an invalid date' : v.toISOString();
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 200 ? v.slice(0, 200) + '…' : v);
  const text = JSON.stringify(v) ?? `a ${typeof v}`;
  return text.length > 200 ? text.slice(0, 200) + '…' : text;
}

type ColumnCheck = (v: unknown) => string | undefined;

function columnCheck(c: Column): ColumnCheck {
  const base = ((): ColumnCheck => {
    switch (c.type) {
      case 'string': {
        if (c.values) {
          const allowed = new Set(c.values);
          const list = c.values.join('|');
          return (v) => (typeof v === 'string' && allowed.has(v) ? undefined : `not one of ${list}`);
        }
        return (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'not a non-empty string');
      }
      case 'double':
      case 'integer':
      case 'bigint':
        return (v) => {
          if (typeof v !== 'number' || !Number.isFinite(v)) return 'not a finite number';
          if (c.type !== 'double' && !Number.isInteger(v)) return 'not an integer';
          if (c.min !== undefined && v < c.min) return `below ${c.min}`;
          if (c.max !== undefined && v > c.max) return `above ${c.max}`;
          return undefined;
        };
      case 'boolean':
        return (v) => (typeof v === 'boolean' ? undefined : 'not a boolean');
      case 'timestamp':
        return (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? undefined : 'not a valid instant');
      case 'date':
        return (v) => (typeof v === 'string' && isCalendarDate(v) ? undefined : 'not a real calendar date');
    }
  })();
  return c.nullable ? (v) => (v === null ? undefined : base(v)) : base;
}

const compiledCache = new WeakMap<DatasetDeclaration, { column: Column; check: ColumnCheck }[]>();

function compiled(d: DatasetDeclaration) {
  let c = compiledCache.get(d);
  if (!c) {
    c = d.columns.map((column) => ({ column, check: columnCheck(column) }));
    compiledCache.set(d, c);
  }
  return c;
}

/**
 * Validates one row against its declaration: column types and bounds, then the dataset's record
 * checks. Returns every failure, each naming the field, what was expected and what was found.
 * The column checks are compiled from the declaration for the ingest hot path; they accept and reject
 * exactly what `rowSchema(d)` (zod) does — a test holds them to it.
 */
export function validateRow(d: DatasetDeclaration, row: Record<string, unknown>, ctx: CheckContext): CheckFailure[] {
  const failures = columnFailures(d, row);
  if (failures.length) return failures;
  const out: CheckFailure[] = [];
  for (const rule of d.checks ?? []) {
    const failure = rule.check(row, ctx);
    if (failure) out.push(failure);
  }
  return out;
}

/** the failures of the single-column checks (types, bounds, allowed values) */
export function columnFailures(d: DatasetDeclaration, row: Record<string, unknown>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  for (const { column, check } of compiled(d)) {
    const problem = check(row[column.name]);
    if (problem) {
      failures.push({ field: column.name, expected: expectedOf(column), found: describeValue(row[column.name]), reason: `${column.name} ${problem}` });
    }
  }
  return failures;
}

/** the same verdict through zod: the reference the compiled checks are tested against */
export function validateRowWithZod(d: DatasetDeclaration, row: Record<string, unknown>): string[] {
  const r = rowSchema(d).safeParse(row);
  return r.success ? [] : [...new Set(r.error.issues.map((i) => String(i.path[0] ?? '')))];
}

export function duckdbColumns(d: DatasetDeclaration): string {
  return d.columns.map((c) => `${c.name} ${DUCKDB_TYPE[c.type]}`).join(', ');
}

/** a `SELECT … WHERE false` with the declared types, for a dataset that has no file yet */
export function emptySelect(d: DatasetDeclaration): string {
  return `SELECT ${d.columns.map((c) => `CAST(NULL AS ${DUCKDB_TYPE[c.type]}) AS ${c.name}`).join(', ')} WHERE false`;
}

export interface ViewOptions {
  /** the relation of stored facts a derived view reads for what the files do not hold (see `derived`) */
  readonly reference?: string;
  /** declared columns that no file holds (files written before the column existed): NULL in the view */
  readonly absent?: ReadonlySet<string>;
}

/**
 * DuckDB view over a dataset's Parquet files. `glob` is the files' location (a local path glob, or a
 * list of files); `undefined` when the dataset holds no file yet: the view is then empty, not an error.
 */
export function duckdbViewSql(d: DatasetDeclaration, glob: string | readonly string[] | undefined, options: ViewOptions = {}): string {
  if (d.derived) {
    const rows = `(${duckdbViewSql({ ...d, derived: undefined }, glob, { absent: options.absent }).replace(/^CREATE OR REPLACE VIEW \S+ AS /, '')})`;
    return `CREATE OR REPLACE VIEW ${d.name} AS ${d.derived.view(rows, options.reference)}`;
  }
  if (!glob || glob.length === 0) return `CREATE OR REPLACE VIEW ${d.name} AS ${emptySelect(d)}`;
  const readOptions = isPartitioned(d)
    ? `hive_partitioning = true, hive_types = {${d.columns
        .filter((c) => c.partition)
        .map((c) => `'${c.name}': ${DUCKDB_TYPE[c.type]}`)
        .join(', ')}}, union_by_name = true`
    : 'hive_partitioning = false, union_by_name = true';
  const select = d.columns.map((c) => `CAST(${options.absent?.has(c.name) ? 'NULL' : c.name} AS ${DUCKDB_TYPE[c.type]}) AS ${c.name}`).join(', ');
  const quote = (f: string) => `'${f.replaceAll("'", "''")}'`;
  const files = typeof glob === 'string' ? quote(glob) : `[${glob.map(quote).join(', ')}]`;
  const base = `SELECT ${select} FROM read_parquet(${files}, ${readOptions})`;
  if (d.key && d.dedupOrder) return `CREATE OR REPLACE VIEW ${d.name} AS ${deduplicatedSql(d, d.key, d.dedupOrder, base)}`;
  return `CREATE OR REPLACE VIEW ${d.name} AS ${base}`;
}

/**
 * SQL: `base` with one row per key, the first by `order` (the duplicate rule). Only the rows whose key
 * is seen more than once go through the window: DuckDB pays a window partition per key, and a key is
 * rarely repeated. A GROUP BY over a hash of the key finds them (one number per row, not the key's
 * strings); keys that merely share a hash go through the window too, which sorts them out by the key
 * itself, so a collision costs a little time, never a row. About a third of the window's cost over
 * every reading (issue 14's backfill). The rows are read once per branch, not materialised, so a
 * filter on a partition column still reaches the files below.
 */
function deduplicatedSql(d: DatasetDeclaration, key: readonly string[], order: readonly string[], base: string): string {
  // partition columns join the key: they derive from it (dt from ts_from), so the verdict is the same,
  // and a filter on dt can then reach the files below the GROUP BY and the window (partition pruning)
  const columns = [...key, ...d.columns.filter((c) => c.partition && !key.includes(c.name)).map((c) => c.name)].join(', ');
  return `WITH dedup_rows AS NOT MATERIALIZED (SELECT *, hash(${columns}) AS dedup_hash FROM (${base})),
    dedup_repeated AS (SELECT dedup_hash FROM dedup_rows GROUP BY dedup_hash HAVING count(*) > 1)
  SELECT * EXCLUDE (dedup_hash) FROM dedup_rows ANTI JOIN dedup_repeated USING (dedup_hash)
  UNION ALL
  SELECT * EXCLUDE (dedup_hash) FROM (SELECT * FROM dedup_rows SEMI JOIN dedup_repeated USING (dedup_hash))
  QUALIFY row_number() OVER (PARTITION BY ${columns} ORDER BY ${order.join(', ')}) = 1`;
}

export interface GlueColumn {
  readonly name: string;
  readonly type: string;
  readonly comment: string;
}

/** Glue table columns and partition keys, as infra/ creates them */
export function glueColumns(d: DatasetDeclaration): { columns: GlueColumn[]; partitionKeys: GlueColumn[] } {
  const toGlue = (c: Column): GlueColumn => ({
    name: c.name,
    type: GLUE_TYPE[c.type],
    comment: (c.unit ? `[${c.unit}] ` : '') + c.description,
  });
  return {
    columns: fileColumns(d).map(toGlue),
    partitionKeys: d.columns.filter((c) => c.partition).map(toGlue),
  };
}

const DT_SHAPE: Record<Granularity, string> = { day: 'YYYY-MM-DD', month: 'YYYY-MM', year: 'YYYY' };

export interface DictionaryEntry {
  name: string;
  title: string;
  description: string;
  location: string;
  partitioned_by: string[];
  /** how much time one partition holds: day, month or year (null: not partitioned) */
  partition_granularity: Granularity | null;
  key: string[];
  duplicate_rule: string | null;
  licence: string;
  provenance: string;
  columns: {
    name: string;
    type: string;
    sql_type: string;
    unit: string | null;
    nullable: boolean;
    bounds: string | null;
    values: string[] | null;
    description: string;
  }[];
}

export function dictionary(datasets: readonly DatasetDeclaration[]): DictionaryEntry[] {
  return datasets.map((d) => ({
    name: d.name,
    title: d.title,
    description: d.description,
    location: `${d.prefix}/${isPartitioned(d) ? `dt=${DT_SHAPE[granularityOf(d)]}/` : ''}*.parquet`,
    partitioned_by: d.columns.filter((c) => c.partition).map((c) => c.name),
    partition_granularity: isPartitioned(d) ? granularityOf(d) : null,
    key: [...(d.key ?? [])],
    duplicate_rule: d.duplicateRule ?? null,
    licence: d.licence,
    provenance: d.provenance,
    columns: [...d.columns, ...(d.derived?.columns ?? [])].map((c) => ({
      name: c.name,
      type: c.type,
      sql_type: DUCKDB_TYPE[c.type],
      unit: c.unit ?? null,
      nullable: Boolean(c.nullable),
      bounds:
        c.min !== undefined || c.max !== undefined ? `[${c.min ?? '-∞'}, ${c.max ?? '+∞'}]` : null,
      values: c.values ? [...c.values] : null,
      description: c.description,
    })),
  }));
}

export function dictionaryMarkdown(datasets: readonly DatasetDeclaration[]): string {
  const out: string[] = [
    '# Data dictionary',
    '',
    'Generated from the dataset declarations in `functions/lib/datasets/` by `observatory dictionary`. Do not edit by hand.',
    '',
  ];
  for (const e of dictionary(datasets)) {
    out.push(`## ${e.name} — ${e.title}`, '', e.description, '');
    out.push(`- Location: \`${e.location}\``);
    if (e.partitioned_by.length) out.push(`- Partitioned by: ${e.partitioned_by.join(', ')} (one partition per ${e.partition_granularity})`);
    if (e.key.length) out.push(`- Key: ${e.key.join(', ')}`);
    if (e.duplicate_rule) out.push(`- Duplicates: ${e.duplicate_rule}`);
    out.push(`- Licence: ${e.licence}`, `- Provenance: ${e.provenance}`, '');
    out.push('| column | type | unit | nullable | bounds / values | description |', '|---|---|---|---|---|---|');
    for (const c of e.columns) {
      const bounds = c.values ? c.values.join(' \\| ') : (c.bounds ?? '');
      out.push(`| ${c.name} | ${c.sql_type} | ${c.unit ?? ''} | ${c.nullable ? 'yes' : 'no'} | ${bounds} | ${c.description.replaceAll('|', '\\|')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
