import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PARQUET_OPTIONS } from '../ports/lake.ts';
import { sqlPath } from '../sql/literals.ts';
import type { Column, DatasetDeclaration } from '../datasets/declaration.ts';
import type { StageContext } from '../stages/context.ts';
import type { DownloadFile, DownloadSpec } from './contract.ts';
import { num } from './sql.ts';
import { CONTENT_TYPES, type SiteWriter } from './writer.ts';

// The downloads: each dataset a theme publishes, as CSV and Parquet, whole and one file per commune,
// and for a dataset partitioned by time one file per year (the year of its partitions), so that a new
// hour rewrites only the current year's files and history is never rewritten. DuckDB writes the whole
// files with COPY into its scratch folder and the per-commune Parquet files in one more pass
// (PARTITION_BY); the per-commune CSV files are cut from the whole CSV, written in commune order. A
// demo lake's files carry a `demo` column (and, in Parquet, the key-value metadata demo=true).

export const DOWNLOADS_DIR = 'data/downloads';

/** a whole-Métropole file: `data/downloads/<dataset>.<format>`, or per year `data/downloads/<dataset>/<year>.<format>` */
export const wholePath = (dataset: string, format: string, year: string | null = null) =>
  year === null ? `${DOWNLOADS_DIR}/${dataset}.${format}` : `${DOWNLOADS_DIR}/${dataset}/${year}.${format}`;
export const communePath = (insee: string, dataset: string, format: string, year: string | null = null) =>
  year === null ? `${DOWNLOADS_DIR}/communes/${insee}/${dataset}.${format}` : `${DOWNLOADS_DIR}/communes/${insee}/${dataset}/${year}.${format}`;

/** decimals of the CSV quantities that have a unit (dB(A), °C, m, shares…); the Parquet files keep every digit */
export const CSV_DECIMALS = 3;

/** the year of a partition, whatever the dataset's granularity (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) */
export const yearOfPartition = (dt: string): string => dt.slice(0, 4);

/**
 * CSV columns: timestamps as ISO 8601 UTC text (2025-10-20T06:00:00.000Z), quantities with a unit
 * rounded to CSV_DECIMALS (a computed energy average has 15 meaningless digits), the rest as is.
 */
function csvColumns(d: DatasetDeclaration, only?: readonly string[]): Column[] {
  const unknown = (only ?? []).filter((n) => !d.columns.some((c) => c.name === n));
  if (unknown.length) throw new Error(`downloads: ${d.name} has no column ${unknown.join(', ')}`);
  return d.columns.filter((c) => !only || only.includes(c.name));
}

function csvSelect(columns: readonly Column[], demo: boolean): string {
  return [
    ...columns.map((c) => {
      if (c.type === 'timestamp') return `strftime(${c.name}, '%Y-%m-%dT%H:%M:%S.%gZ') AS ${c.name}`;
      if (c.type === 'double' && c.unit && c.unit !== '°') return `round(${c.name}, ${CSV_DECIMALS}) AS ${c.name}`;
      return c.name;
    }),
    ...(demo ? ['TRUE AS demo'] : []),
  ].join(', ');
}

/** Parquet COPY options: a demo file says so in its key-value metadata too */
const parquetOptions = (demo: boolean) => (demo ? `${PARQUET_OPTIONS}, KV_METADATA {demo: 'true'}` : PARQUET_OPTIONS);
const parquetSelect = (table: string, demo: boolean) => `SELECT *${demo ? ', TRUE AS demo' : ''} FROM ${table}`;

export interface DownloadInputs {
  /** the dataset's partitions (dt values); undefined for a dataset without partitions */
  readonly partitions: (dataset: string) => readonly string[] | undefined;
  /** whether the dataset's files in this year (null: the whole dataset) changed since the previous publish */
  readonly changed: (dataset: string, year: string | null) => boolean;
  /**
   * the partitions of the dataset that changed since the previous publish; undefined when unknown
   * (a full render): then a year's file is written from all its partitions
   */
  readonly changedPartitions: (dataset: string) => ReadonlySet<string> | undefined;
  /** the files the previous publish listed (to keep those of an unchanged year, to update the current one) */
  readonly previous: readonly DownloadFile[];
  /** the bytes of a file the previous publish wrote (a site path) */
  readonly previousBody: (path: string) => Promise<Buffer>;
  readonly demo: boolean;
}

/** one download file set to (re)write: a dataset, whole or for one year of its partitions */
interface Part {
  readonly d: DatasetDeclaration;
  readonly spec: DownloadSpec;
  readonly year: string | null;
  readonly dts?: readonly string[];
}

export async function writeDownloads(
  ctx: StageContext,
  specs: readonly DownloadSpec[],
  datasets: readonly DatasetDeclaration[],
  communeCodes: readonly string[],
  writer: SiteWriter,
  inputs: DownloadInputs,
): Promise<DownloadFile[]> {
  const out: DownloadFile[] = [];
  // one file per commune: DuckDB splits a partition once more than this many files are open at once
  await ctx.lake.run(`SET partitioned_write_max_open_files = ${Math.max(200, communeCodes.length + 10)}`);
  for (const spec of specs) {
    const d = datasets.find((x) => x.name === spec.dataset);
    if (!d) throw new Error(`downloads: dataset ${spec.dataset} is not declared`);
    const dts = inputs.partitions(d.name);
    const parts: Part[] = dts === undefined ? [{ d, spec, year: null }] : [...groupByYear(dts)].map(([year, list]) => ({ d, spec, year, dts: list }));
    for (const part of parts) {
      const kept = keepUnchanged(part, inputs, writer);
      if (kept) out.push(...kept);
      else out.push(...(await writePart(ctx, part, communeCodes, writer, inputs)));
    }
  }
  return out;
}

function groupByYear(dts: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const dt of [...dts].sort()) out.set(yearOfPartition(dt), [...(out.get(yearOfPartition(dt)) ?? []), dt]);
  return out;
}

/** the previous publish's files of an unchanged part, kept as they are; undefined when they must be written */
function keepUnchanged(part: Part, inputs: DownloadInputs, writer: SiteWriter): DownloadFile[] | undefined {
  if (inputs.changed(part.d.name, part.year)) return undefined;
  const files = inputs.previous.filter((f) => f.dataset === part.d.name && (f.year ?? null) === part.year && f.format !== 'geojson');
  if (files.length === 0 || !files.every((f) => writer.published(f.path))) return undefined;
  for (const f of files) writer.keep(f.path);
  return files;
}

/**
 * The rows of a part: a year's file is the previous publish's file with the changed partitions' rows
 * replaced by what they hold now, so that a new hour reads that hour's partition and one file, not the
 * whole year; without a previous file (or on a full render), every partition of the year.
 */
async function loadPart(ctx: StageContext, { d, year, dts }: Part, inputs: DownloadInputs, table: string, order: readonly string[]): Promise<void> {
  const orderBy = order.length ? `ORDER BY ${order.join(', ')}` : '';
  const changed = [...(inputs.changedPartitions(d.name) ?? [])].filter((dt) => year !== null && yearOfPartition(dt) === year);
  const before = inputs.previous.find((f) => f.dataset === d.name && f.commune === null && f.year === year && f.format === 'parquet');
  if (!dts || !inputs.changedPartitions(d.name) || !before) {
    // the year's partitions only: a download never reads the dataset's whole history
    await ctx.lake.attach([d], dts ? { kind: 'partitions', dts } : undefined);
    await ctx.lake.run(`CREATE OR REPLACE TEMP TABLE ${table} AS SELECT * FROM ${d.name} ${orderBy}`);
    return;
  }
  const file = `${ctx.lake.scratch(`previous-${d.name}`)}.parquet`;
  await writeFile(file, await inputs.previousBody(before.path));
  try {
    await ctx.lake.attach([d], { kind: 'partitions', dts: changed.filter((dt) => dts.includes(dt)) });
    const list = changed.map((dt) => `'${dt.replaceAll("'", "''")}'`).join(', ') || "''";
    await ctx.lake.run(
      `CREATE OR REPLACE TEMP TABLE ${table} AS SELECT * FROM (
         SELECT * ${inputs.demo ? 'EXCLUDE (demo)' : ''} FROM read_parquet('${sqlPath(file)}') WHERE CAST(dt AS VARCHAR) NOT IN (${list})
         UNION ALL BY NAME SELECT * FROM ${d.name}) ${orderBy}`,
    );
  } finally {
    await rm(file, { force: true });
  }
}

async function writePart(ctx: StageContext, part: Part, communeCodes: readonly string[], writer: SiteWriter, inputs: DownloadInputs): Promise<DownloadFile[]> {
  const { d, spec, year } = part;
  const demo = inputs.demo;
  const out: DownloadFile[] = [];
  const metropole = new Set(communeCodes);
  const inList = communeCodes.map((c) => `'${c.replaceAll("'", "''")}'`).join(', ');
  const perCommune = spec.perCommune && d.columns.some((c) => c.name === 'commune_insee');
  const columns = csvColumns(d, perCommune && spec.csvColumns && !spec.csvColumns.includes('commune_insee') ? [...spec.csvColumns, 'commune_insee'] : spec.csvColumns);
  // commune order first, so that each commune's rows follow one another in the whole CSV
  const order = [...(perCommune ? ['commune_insee'] : []), ...(d.key ?? [])];
  const scratch = ctx.lake.scratch(`download-${d.name}`);
  // the view is read once (with its de-duplication); the copies read this table
  const table = `download_${d.name}`;
  await loadPart(ctx, part, inputs, table, order);
  try {
    let csv = '';
    for (const format of ['csv', 'parquet'] as const) {
      const file = `${scratch}-whole.${format}`;
      const copied = await ctx.lake.all(
        format === 'csv'
          ? `COPY (SELECT ${csvSelect(columns, demo)} FROM ${table}) TO '${sqlPath(file)}' (FORMAT csv, HEADER true)`
          : `COPY (${parquetSelect(table, demo)}) TO '${sqlPath(file)}' (${parquetOptions(demo)})`,
      );
      const body = await readFile(file);
      if (format === 'csv') csv = body.toString('utf8');
      const p = wholePath(d.name, format, year);
      await writer.put(p, body, CONTENT_TYPES[format]);
      out.push({ dataset: d.name, commune: null, year, format, path: p, bytes: body.byteLength, rows: num(copied.rows[0]?.Count) });
    }
    if (!perCommune) return out;
    for (const [insee, part] of splitCsvByColumn(csv, 'commune_insee')) {
      if (!metropole.has(insee)) continue;
      const p = communePath(insee, d.name, 'csv', year);
      await writer.put(p, part.text, CONTENT_TYPES.csv);
      out.push({ dataset: d.name, commune: insee, year, format: 'csv', path: p, bytes: Buffer.byteLength(part.text), rows: part.rows });
    }
    const dir = `${scratch}-communes`;
    await ctx.lake.run(
      `COPY (${parquetSelect(table, demo)} WHERE commune_insee IN (${inList})) TO '${sqlPath(dir)}' (${parquetOptions(demo)}, PARTITION_BY (commune_insee), WRITE_PARTITION_COLUMNS true)`,
    );
    for (const folder of (await foldersOf(dir)).sort()) {
      const insee = /^commune_insee=(.+)$/.exec(folder)?.[1];
      if (!insee) continue;
      const files = (await readdir(path.join(dir, folder))).filter((f) => f.endsWith('.parquet')).sort();
      if (files.length === 0) continue;
      const body = await oneParquet(ctx, files.map((f) => path.join(dir, folder, f)), demo);
      const p = communePath(insee, d.name, 'parquet', year);
      await writer.put(p, body, CONTENT_TYPES.parquet);
      out.push({ dataset: d.name, commune: insee, year, format: 'parquet', path: p, bytes: body.byteLength, rows: out.find((f) => f.dataset === d.name && f.commune === insee)?.rows ?? null });
    }
    return out;
  } finally {
    await ctx.lake.run(`DROP TABLE IF EXISTS ${table}`);
    await Promise.all(['whole.csv', 'whole.parquet', 'communes'].map((s) => rm(`${scratch}-${s}`, { recursive: true, force: true })));
  }
}

/**
 * Cuts a CSV whose rows are grouped by one column into one CSV per value, each with the header.
 * Quoted fields may hold commas, quotes ("") and line breaks.
 */
export function splitCsvByColumn(csv: string, column: string): Map<string, { text: string; rows: number }> {
  const out = new Map<string, { text: string; rows: number }>();
  const headerEnd = csv.indexOf('\n');
  if (headerEnd < 0) return out;
  const header = csv.slice(0, headerEnd + 1);
  const index = header.trimEnd().split(',').indexOf(column);
  if (index < 0) throw new Error(`downloads: no column ${column} in the CSV header ${JSON.stringify(header.trimEnd())}`);
  let start = headerEnd + 1;
  let groupStart = start;
  let groupValue: string | undefined;
  let groupRows = 0;
  const flush = (end: number) => {
    if (groupValue === undefined) return;
    const prev = out.get(groupValue);
    const body = csv.slice(groupStart, end);
    out.set(groupValue, prev ? { text: prev.text + body, rows: prev.rows + groupRows } : { text: header + body, rows: groupRows });
  };
  while (start < csv.length) {
    // one record: fields up to the first newline outside quotes
    let i = start;
    let field = 0;
    let fieldStart = i;
    let value: string | undefined;
    let quoted = false;
    for (; i < csv.length; i++) {
      const ch = csv[i];
      if (quoted) {
        if (ch === '"') {
          if (csv[i + 1] === '"') i++;
          else quoted = false;
        }
      } else if (ch === '"') quoted = true;
      else if (ch === ',' || ch === '\n') {
        if (field === index) value = unquote(csv.slice(fieldStart, i).replace(/\r$/, ''));
        if (ch === '\n') break;
        field++;
        fieldStart = i + 1;
      }
    }
    if (i >= csv.length && field === index && value === undefined) value = unquote(csv.slice(fieldStart).replace(/\r$/, ''));
    const end = Math.min(i + 1, csv.length);
    if (value !== groupValue) {
      flush(start);
      groupStart = start;
      groupValue = value;
      groupRows = 0;
    }
    groupRows++;
    start = end;
  }
  flush(csv.length);
  out.delete('');
  return out;
}

const unquote = (s: string) => (s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replaceAll('""', '"') : s);

/** the bytes of a partition DuckDB wrote as several files, merged into one */
async function oneParquet(ctx: StageContext, files: readonly string[], demo: boolean): Promise<Buffer> {
  if (files.length === 1) return readFile(files[0]!);
  const merged = `${files[0]}.merged.parquet`;
  await ctx.lake.run(`COPY (SELECT * FROM read_parquet([${files.map((f) => `'${sqlPath(f)}'`).join(', ')}])) TO '${sqlPath(merged)}' (${parquetOptions(demo)})`);
  return readFile(merged);
}

/** the folders DuckDB's PARTITION_BY wrote; none when no row matched (it then creates no folder) */
async function foldersOf(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}
