import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EARLIEST_OBSERVATION_DATE, OBSERVATION_FUTURE_TOLERANCE_DAYS } from '../functions/lib/datasets/common.ts';
import { granularityOf, isPartitioned, partitionOf, type DatasetDeclaration, type Granularity } from '../functions/lib/datasets/declaration.ts';
import { glueColumns } from '../functions/lib/datasets/derive.ts';

// What the Glue catalog and Athena get, derived from the dataset declarations and the project's SQL
// files: pure functions, so the tests check them without a synth.

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SQL_DIR = path.join(REPO_ROOT, 'notebooks', 'sql');

const PARQUET = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
} as const;

/** Glue limits a column comment to 255 characters and a table description to 2048 */
const MAX_COMMENT = 255;
const MAX_DESCRIPTION = 2048;

/**
 * The first dt a dataset can hold: its history when it has one (weather since 1950), else the first
 * day an observation is accepted. Athena returns no row, silently, from a partition outside the range.
 */
export function projectionStart(d: DatasetDeclaration): string {
  return partitionOf(d, d.historySince ?? EARLIEST_OBSERVATION_DATE);
}

/** Athena's date projection of a dt holding a day, a month or a year (Java DateTimeFormatter patterns) */
const PROJECTION: Record<Granularity, { format: string; unit: string }> = {
  day: { format: 'yyyy-MM-dd', unit: 'DAYS' },
  month: { format: 'yyyy-MM', unit: 'MONTHS' },
  year: { format: 'yyyy', unit: 'YEARS' },
};

/**
 * The last dt, relative to Athena's NOW (UTC): dt is a Paris date, up to a day ahead of UTC's, of
 * observations accepted up to OBSERVATION_FUTURE_TOLERANCE_DAYS after their receipt.
 */
export const PROJECTION_END = `NOW+${1 + OBSERVATION_FUTURE_TOLERANCE_DAYS}DAYS`;

/** the TableInput of a dataset's Glue table; `bucket` is the lake bucket name (a token at synth) */
export function glueTableInput(d: DatasetDeclaration, bucket: string) {
  const { columns, partitionKeys } = glueColumns(d);
  for (const c of [...columns, ...partitionKeys]) {
    if (c.comment.length > MAX_COMMENT) {
      throw new Error(`dataset ${d.name}, column ${c.name}: its Glue comment ("[unit] description") is ${c.comment.length} characters, Glue allows ${MAX_COMMENT}; shorten the description in the declaration`);
    }
  }
  const location = `s3://${bucket}/${d.prefix}/`;
  const projection: Record<string, string> = isPartitioned(d)
    ? Object.fromEntries(
        partitionKeys.flatMap((k): [string, string][] => {
          if (k.name !== 'dt') throw new Error(`dataset ${d.name}: partition projection is set up for dt only, found partition ${k.name}`);
          return [
            ['projection.dt.type', 'date'],
            ['projection.dt.format', PROJECTION[granularityOf(d)].format],
            ['projection.dt.range', `${projectionStart(d)},${PROJECTION_END}`],
            ['projection.dt.interval', '1'],
            ['projection.dt.interval.unit', PROJECTION[granularityOf(d)].unit],
          ];
        }).concat([
          ['projection.enabled', 'true'],
          ['storage.location.template', `${location}dt=\${dt}/`],
        ]),
      )
    : {};
  return {
    name: d.name,
    description: `${d.title}. ${d.description}`.slice(0, MAX_DESCRIPTION),
    tableType: 'EXTERNAL_TABLE',
    parameters: {
      classification: 'parquet',
      EXTERNAL: 'TRUE',
      'parquet.compression': 'ZSTD',
      ...projection,
    },
    partitionKeys: partitionKeys.map((c) => ({ ...c })),
    storageDescriptor: {
      columns: columns.map((c) => ({ ...c })),
      location,
      inputFormat: PARQUET.inputFormat,
      outputFormat: PARQUET.outputFormat,
      serdeInfo: { serializationLibrary: PARQUET.serializationLibrary, parameters: { 'serialization.format': '1' } },
      compressed: true,
      storedAsSubDirectories: false,
    },
  };
}

export interface NamedQuerySpec {
  readonly name: string;
  readonly description: string;
  readonly sql: string;
  /** where it comes from: a file under notebooks/sql, or a dataset's duplicate rule */
  readonly source: string;
}

/** every notebooks/sql/*.sql file (the folder may be missing): name = file name, description = its first comment line */
export function sqlFileQueries(dir = SQL_DIR): NamedQuerySpec[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => {
      const sql = readFileSync(path.join(dir, f), 'utf8').trim();
      if (!sql) throw new Error(`notebooks/sql/${f} is empty`);
      const comment = /^--\s*(.+)$/m.exec(sql)?.[1]?.trim();
      return { name: f.replace(/\.sql$/, ''), description: (comment ?? `notebooks/sql/${f}`).slice(0, 1024), sql, source: `notebooks/sql/${f}` };
    });
}

/**
 * For datasets with a duplicate rule: the rows that win, as the DuckDB views show them. Athena reads
 * every file, so a researcher wanting the deduplicated rows runs this query.
 */
export function dedupQueries(datasets: readonly DatasetDeclaration[]): NamedQuerySpec[] {
  return datasets
    .filter((d) => d.key?.length && d.dedupOrder?.length)
    .map((d) => ({
      name: `${d.name}_deduplicated`,
      description: `${d.title}, one row per ${d.key!.join(', ')}: ${d.duplicateRule ?? ''}`.slice(0, 1024),
      sql: [
        `-- ${d.title}, deduplicated: ${d.duplicateRule ?? ''}`,
        `SELECT ${d.columns.map((c) => c.name).join(', ')}`,
        `FROM (`,
        `  SELECT *, row_number() OVER (PARTITION BY ${d.key!.join(', ')} ORDER BY ${d.dedupOrder!.join(', ')}) AS rank_in_key`,
        `  FROM ${d.name}`,
        `) WHERE rank_in_key = 1`,
      ].join('\n'),
      source: `declaration of ${d.name}`,
    }));
}
