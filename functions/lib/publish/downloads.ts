import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { PARQUET_OPTIONS, sqlPath } from '../adapters/duckdb.ts';
import type { DatasetDeclaration } from '../datasets/declaration.ts';
import type { StageContext } from '../stages/context.ts';
import type { DownloadFile, DownloadSpec } from './contract.ts';
import { addDays, num, rows } from './sql.ts';
import { CONTENT_TYPES, type SiteWriter } from './writer.ts';

// The downloads: each dataset a theme publishes, as CSV and Parquet, whole and one file per commune.
// DuckDB writes them with COPY into its scratch folder (one pass per format: PARTITION_BY splits by
// commune), then they go to the site through the object store.

export const DOWNLOADS_DIR = 'data/downloads';

export const wholePath = (dataset: string, format: string) => `${DOWNLOADS_DIR}/${dataset}.${format}`;
export const communePath = (insee: string, dataset: string, format: string) => `${DOWNLOADS_DIR}/communes/${insee}/${dataset}.${format}`;

/** CSV: timestamps as ISO 8601 UTC text (2025-10-20T06:00:00.000Z), the rest as DuckDB writes it */
function csvColumns(d: DatasetDeclaration, only?: readonly string[]): string {
  const unknown = (only ?? []).filter((n) => !d.columns.some((c) => c.name === n));
  if (unknown.length) throw new Error(`downloads: ${d.name} has no column ${unknown.join(', ')}`);
  return d.columns
    .filter((c) => !only || only.includes(c.name))
    .map((c) => (c.type === 'timestamp' ? `strftime(${c.name}, '%Y-%m-%dT%H:%M:%S.%gZ') AS ${c.name}` : c.name))
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
  // one file per commune: DuckDB splits a partition once more than this many files are open at once
  await ctx.duck.run(`SET partitioned_write_max_open_files = ${Math.max(200, communeCodes.length + 10)}`);
  const inList = communeCodes.map((c) => `'${c.replaceAll("'", "''")}'`).join(', ');
  for (const spec of specs) {
    const d = datasets.find((x) => x.name === spec.dataset);
    if (!d) throw new Error(`downloads: dataset ${spec.dataset} is not declared`);
    const hasCommune = d.columns.some((c) => c.name === 'commune_insee');
    const filters: string[] = [];
    if (spec.recentDays) {
      const column = spec.dayColumn ?? 'day';
      const [last] = await rows(ctx.duck, `SELECT CAST(max(${column}) AS VARCHAR) AS last FROM ${d.name}`);
      if (last?.last) filters.push(`CAST(${column} AS VARCHAR) >= '${addDays(String(last.last).slice(0, 10), 1 - spec.recentDays)}'`);
    }
    const where = filters.length ? `WHERE ${filters.join(' AND ')}` : '';
    const order = d.key?.length ? `ORDER BY ${d.key.join(', ')}` : '';
    const scratch = ctx.duck.scratch(`download-${d.name}`);
    // the view is read once (with its de-duplication); the copies read this table
    const table = `download_${d.name}`;
    await ctx.duck.run(`CREATE OR REPLACE TEMP TABLE ${table} AS SELECT * FROM ${d.name} ${where} ${order}`);
    try {
      for (const format of ['csv', 'parquet'] as const) {
        const select = format === 'csv' ? csvColumns(d, spec.csvColumns) : '*';
        const options = format === 'csv' ? 'FORMAT csv, HEADER true' : PARQUET_OPTIONS;
        const file = `${scratch}-whole.${format}`;
        const copied = await ctx.duck.all(`COPY (SELECT ${select} FROM ${table}) TO '${sqlPath(file)}' (${options})`);
        const body = await readFile(file);
        const p = wholePath(d.name, format);
        await writer.put(p, body, CONTENT_TYPES[format]);
        out.push({ dataset: d.name, commune: null, format, path: p, bytes: body.byteLength, rows: num(copied.rows[0]?.Count) });
      }
      if (!(spec.perCommune && hasCommune)) continue;
      const inMetropole = `WHERE commune_insee IN (${inList})`;
      const counts = new Map(
        (await rows(ctx.duck, `SELECT commune_insee, count(*) AS n FROM ${table} ${inMetropole} GROUP BY 1`)).map((r) => [String(r.commune_insee), num(r.n)]),
      );
      for (const format of ['csv', 'parquet'] as const) {
        const select = format === 'csv' ? csvColumns(d, spec.csvColumns) : '*';
        const options = format === 'csv' ? 'FORMAT csv, HEADER true' : PARQUET_OPTIONS;
        const dir = `${scratch}-communes-${format}`;
        await ctx.duck.run(
          `COPY (SELECT ${select} FROM ${table} ${inMetropole}) TO '${sqlPath(dir)}' (${options}, PARTITION_BY (commune_insee), WRITE_PARTITION_COLUMNS true)`,
        );
        for (const part of await readdir(dir).catch(() => [] as string[])) {
          const insee = /^commune_insee=(.+)$/.exec(part)?.[1];
          if (!insee) continue;
          const files = (await readdir(path.join(dir, part))).filter((f) => f.endsWith(`.${format}`)).sort();
          if (files.length === 0) continue;
          const body = await oneFile(ctx, format, files.map((f) => path.join(dir, part, f)));
          const p = communePath(insee, d.name, format);
          await writer.put(p, body, CONTENT_TYPES[format]);
          out.push({ dataset: d.name, commune: insee, format, path: p, bytes: body.byteLength, rows: counts.get(insee) ?? null });
        }
      }
    } finally {
      await ctx.duck.run(`DROP TABLE IF EXISTS ${table}`);
      await Promise.all(
        ['whole.csv', 'whole.parquet', 'communes-csv', 'communes-parquet'].map((s) => rm(`${scratch}-${s}`, { recursive: true, force: true })),
      );
    }
  }
  return out;
}

/** the bytes of a partition written as several files, merged into one */
async function oneFile(ctx: StageContext, format: 'csv' | 'parquet', files: readonly string[]): Promise<Buffer> {
  if (files.length === 1) return readFile(files[0]!);
  if (format === 'csv') {
    const parts = await Promise.all(files.map((f) => readFile(f, 'utf8')));
    return Buffer.from(parts.map((p, i) => (i === 0 ? p : p.slice(p.indexOf('\n') + 1))).join(''));
  }
  const merged = `${files[0]}.merged.parquet`;
  await ctx.duck.run(`COPY (SELECT * FROM read_parquet([${files.map((f) => `'${sqlPath(f)}'`).join(', ')}])) TO '${sqlPath(merged)}' (${PARQUET_OPTIONS})`);
  return readFile(merged);
}
