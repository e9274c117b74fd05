import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { PARQUET_OPTIONS } from '../ports/lake.ts';
import { sqlPath } from '../sql/literals.ts';
import { daySql, type Column, type DatasetDeclaration } from '../datasets/declaration.ts';
import type { StageContext } from '../stages/context.ts';
import type { DownloadFile, DownloadSpec } from './contract.ts';
import { addDays, num, rows } from './sql.ts';
import { CONTENT_TYPES, type SiteWriter } from './writer.ts';

// The downloads: each dataset a theme publishes, as CSV and Parquet, whole and one file per commune.
// DuckDB writes the whole files with COPY into its scratch folder and the per-commune Parquet files in
// one more pass (PARTITION_BY); the per-commune CSV files are cut from the whole CSV, written in
// commune order. Everything reaches the site through the object store.

export const DOWNLOADS_DIR = 'data/downloads';

export const wholePath = (dataset: string, format: string) => `${DOWNLOADS_DIR}/${dataset}.${format}`;
export const communePath = (insee: string, dataset: string, format: string) => `${DOWNLOADS_DIR}/communes/${insee}/${dataset}.${format}`;

/** decimals of the CSV quantities that have a unit (dB(A), °C, m, shares…); the Parquet files keep every digit */
export const CSV_DECIMALS = 3;

/**
 * CSV columns: timestamps as ISO 8601 UTC text (2025-10-20T06:00:00.000Z), quantities with a unit
 * rounded to CSV_DECIMALS (a computed energy average has 15 meaningless digits), the rest as is.
 */
function csvColumns(d: DatasetDeclaration, only?: readonly string[]): Column[] {
  const unknown = (only ?? []).filter((n) => !d.columns.some((c) => c.name === n));
  if (unknown.length) throw new Error(`downloads: ${d.name} has no column ${unknown.join(', ')}`);
  return d.columns.filter((c) => !only || only.includes(c.name));
}

function csvSelect(columns: readonly Column[]): string {
  return columns
    .map((c) => {
      if (c.type === 'timestamp') return `strftime(${c.name}, '%Y-%m-%dT%H:%M:%S.%gZ') AS ${c.name}`;
      if (c.type === 'double' && c.unit && c.unit !== '°') return `round(${c.name}, ${CSV_DECIMALS}) AS ${c.name}`;
      return c.name;
    })
    .join(', ');
}

export async function writeDownloads(
  ctx: StageContext,
  specs: readonly DownloadSpec[],
  datasets: readonly DatasetDeclaration[],
  communeCodes: readonly string[],
  writer: SiteWriter,
): Promise<DownloadFile[]> {
  const out: DownloadFile[] = [];
  const metropole = new Set(communeCodes);
  // one file per commune: DuckDB splits a partition once more than this many files are open at once
  await ctx.lake.run(`SET partitioned_write_max_open_files = ${Math.max(200, communeCodes.length + 10)}`);
  const inList = communeCodes.map((c) => `'${c.replaceAll("'", "''")}'`).join(', ');
  for (const spec of specs) {
    const d = datasets.find((x) => x.name === spec.dataset);
    if (!d) throw new Error(`downloads: dataset ${spec.dataset} is not declared`);
    const perCommune = spec.perCommune && d.columns.some((c) => c.name === 'commune_insee');
    const columns = csvColumns(d, perCommune && spec.csvColumns && !spec.csvColumns.includes('commune_insee') ? [...spec.csvColumns, 'commune_insee'] : spec.csvColumns);
    const filters: string[] = [];
    if (spec.recentDays) {
      // the record's Paris day: dt holds a month or a year for the coarser datasets
      const column = spec.dayColumn === 'dt' ? daySql(d) : (spec.dayColumn ?? 'day');
      const [last] = await rows(ctx.lake, `SELECT CAST(max(${column}) AS VARCHAR) AS last FROM ${d.name}`);
      if (last?.last) filters.push(`CAST(${column} AS VARCHAR) >= '${addDays(String(last.last).slice(0, 10), 1 - spec.recentDays)}'`);
    }
    const where = filters.length ? `WHERE ${filters.join(' AND ')}` : '';
    // commune order first, so that each commune's rows follow one another in the whole CSV
    const order = [...(perCommune ? ['commune_insee'] : []), ...(d.key ?? [])];
    const scratch = ctx.lake.scratch(`download-${d.name}`);
    // the view is read once (with its de-duplication); the copies read this table
    const table = `download_${d.name}`;
    await ctx.lake.run(`CREATE OR REPLACE TEMP TABLE ${table} AS SELECT * FROM ${d.name} ${where} ${order.length ? `ORDER BY ${order.join(', ')}` : ''}`);
    try {
      let csv = '';
      for (const format of ['csv', 'parquet'] as const) {
        const file = `${scratch}-whole.${format}`;
        const copied = await ctx.lake.all(
          format === 'csv'
            ? `COPY (SELECT ${csvSelect(columns)} FROM ${table}) TO '${sqlPath(file)}' (FORMAT csv, HEADER true)`
            : `COPY (SELECT * FROM ${table}) TO '${sqlPath(file)}' (${PARQUET_OPTIONS})`,
        );
        const body = await readFile(file);
        if (format === 'csv') csv = body.toString('utf8');
        const p = wholePath(d.name, format);
        await writer.put(p, body, CONTENT_TYPES[format]);
        out.push({ dataset: d.name, commune: null, format, path: p, bytes: body.byteLength, rows: num(copied.rows[0]?.Count) });
      }
      if (!perCommune) continue;
      for (const [insee, part] of splitCsvByColumn(csv, 'commune_insee')) {
        if (!metropole.has(insee)) continue;
        const p = communePath(insee, d.name, 'csv');
        await writer.put(p, part.text, CONTENT_TYPES.csv);
        out.push({ dataset: d.name, commune: insee, format: 'csv', path: p, bytes: Buffer.byteLength(part.text), rows: part.rows });
      }
      const dir = `${scratch}-communes`;
      await ctx.lake.run(
        `COPY (SELECT * FROM ${table} WHERE commune_insee IN (${inList})) TO '${sqlPath(dir)}' (${PARQUET_OPTIONS}, PARTITION_BY (commune_insee), WRITE_PARTITION_COLUMNS true)`,
      );
      for (const folder of await readdir(dir).catch(() => [] as string[])) {
        const insee = /^commune_insee=(.+)$/.exec(folder)?.[1];
        if (!insee) continue;
        const files = (await readdir(path.join(dir, folder))).filter((f) => f.endsWith('.parquet')).sort();
        if (files.length === 0) continue;
        const body = await oneParquet(ctx, files.map((f) => path.join(dir, folder, f)));
        const p = communePath(insee, d.name, 'parquet');
        await writer.put(p, body, CONTENT_TYPES.parquet);
        out.push({ dataset: d.name, commune: insee, format: 'parquet', path: p, bytes: body.byteLength, rows: out.find((f) => f.dataset === d.name && f.commune === insee)?.rows ?? null });
      }
    } finally {
      await ctx.lake.run(`DROP TABLE IF EXISTS ${table}`);
      await Promise.all(['whole.csv', 'whole.parquet', 'communes'].map((s) => rm(`${scratch}-${s}`, { recursive: true, force: true })));
    }
  }
  return out;
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
async function oneParquet(ctx: StageContext, files: readonly string[]): Promise<Buffer> {
  if (files.length === 1) return readFile(files[0]!);
  const merged = `${files[0]}.merged.parquet`;
  await ctx.lake.run(`COPY (SELECT * FROM read_parquet([${files.map((f) => `'${sqlPath(f)}'`).join(', ')}])) TO '${sqlPath(merged)}' (${PARQUET_OPTIONS})`);
  return readFile(merged);
}
