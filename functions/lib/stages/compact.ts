import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileColumns, type DatasetDeclaration } from '../datasets/declaration.ts';
import { noiseReadings } from '../datasets/index.ts';
import { PARQUET_OPTIONS, sqlPath } from '../adapters/duckdb.ts';
import { dtOfKey } from '../lake/layout.ts';
import { PARQUET_CONTENT_TYPE } from '../lake/write.ts';
import { listKeys, ObjectNotFoundError } from '../ports/object-store.ts';
import type { StageContext } from './context.ts';

// Compaction of the small files frequent ingests leave in a partition.
// Safe alongside ingests and other compactions, by construction:
// - a compacted file is written under a name derived from the exact set of files it merges, and the
//   merged files are deleted only after it is stored — so a reading is always in at least one file;
// - files written meanwhile (a new ingest, a replay) are not in the set and are left alone;
// - rows present in two files at once (between the write and the deletes, or after a replay) are the
//   same reading: the dataset's view keeps one by the duplicate rule, and the compaction applies the
//   same rule, so nothing is ever counted twice.

export const COMPACTED_PREFIX = 'compact-';

export interface CompactionSummary {
  partitions: number;
  filesMerged: number;
  filesWritten: number;
  rowsIn: number;
  rowsOut: number;
}

export async function compactDataset(
  ctx: StageContext,
  d: DatasetDeclaration = noiseReadings,
  options: { minFiles?: number; dts?: readonly string[] } = {},
): Promise<CompactionSummary> {
  const minFiles = options.minFiles ?? 2;
  const objects = (await listKeys(ctx.store, `${d.prefix}/`)).filter((o) => o.key.endsWith('.parquet'));
  const byDt = new Map<string, typeof objects>();
  for (const o of objects) {
    const dt = dtOfKey(o.key);
    if (!dt || (options.dts && !options.dts.includes(dt))) continue;
    byDt.set(dt, [...(byDt.get(dt) ?? []), o]);
  }
  const summary: CompactionSummary = { partitions: 0, filesMerged: 0, filesWritten: 0, rowsIn: 0, rowsOut: 0 };
  const columns = fileColumns(d).map((c) => c.name).join(', ');
  const dedup = d.key && d.dedupOrder ? `QUALIFY row_number() OVER (PARTITION BY ${d.key.join(', ')} ORDER BY ${d.dedupOrder.join(', ')}) = 1` : '';
  for (const [dt, files] of [...byDt].sort()) {
    if (files.length < minFiles) continue;
    const keys = files.map((o) => o.key).sort();
    const name = COMPACTED_PREFIX + createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 32);
    const out = ctx.duck.scratch(`${name}.parquet`);
    let local: string[];
    let rowsIn: number;
    try {
      local = await localCopies(ctx, keys);
      const list = `[${local.map((p) => `'${sqlPath(p)}'`).join(', ')}]`;
      rowsIn = Number((await ctx.duck.all(`SELECT count(*) AS n FROM read_parquet(${list}, hive_partitioning = false, union_by_name = true)`)).rows[0]!.n);
      await ctx.duck.run(
        `COPY (SELECT ${columns} FROM read_parquet(${list}, hive_partitioning = false, union_by_name = true) ${dedup} ORDER BY ${d.key ? d.key.join(', ') : columns}) TO '${sqlPath(out)}' (${PARQUET_OPTIONS})`,
      );
    } catch (e) {
      // another compaction merged (and deleted) some of these files first: its output holds their rows
      if (e instanceof ObjectNotFoundError || /no such file|not exist|No files found/i.test((e as Error).message)) {
        ctx.logger.warn(`compaction of ${d.name} dt=${dt} skipped: its files changed meanwhile`);
        continue;
      }
      throw e;
    }
    const rowsOut = Number((await ctx.duck.all(`SELECT count(*) AS n FROM read_parquet('${sqlPath(out)}')`)).rows[0]!.n);
    await ctx.store.put(`${d.prefix}/dt=${dt}/${name}.parquet`, await readFile(out), { contentType: PARQUET_CONTENT_TYPE });
    for (const k of keys) await ctx.store.delete(k);
    await rm(out, { force: true });
    if (!ctx.store.localPath) for (const p of local) await rm(p, { force: true });
    summary.partitions++;
    summary.filesMerged += keys.length;
    summary.filesWritten++;
    summary.rowsIn += rowsIn;
    summary.rowsOut += rowsOut;
  }
  return summary;
}

/** local paths of objects: in place on a folder store, downloaded to scratch otherwise */
async function localCopies(ctx: StageContext, keys: readonly string[]): Promise<string[]> {
  if (ctx.store.localPath) return keys.map((k) => ctx.store.localPath!(k));
  const out: string[] = [];
  for (const k of keys) {
    const p = ctx.duck.scratch(path.basename(k));
    await mkdir(path.dirname(p), { recursive: true });
    await writeFile(p, await ctx.store.get(k));
    out.push(p);
  }
  return out;
}
