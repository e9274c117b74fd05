import { createHash } from 'node:crypto';
import { fileColumns, type DatasetDeclaration } from '../datasets/declaration.ts';
import { noiseReadings } from '../datasets/index.ts';
import { stateKey } from '../lake/layout.ts';
import type { ChangeWatermark } from '../ports/lake.ts';
import { ObjectNotFoundError } from '../ports/object-store.ts';
import type { StageContext } from './context.ts';

// Compaction of the small files frequent ingests leave in a partition.
// Safe alongside ingests and other compactions, by construction:
// - a compacted file is written under a name derived from the exact set of files it merges, and the
//   merged files are deleted only after it is stored — so a reading is always in at least one file;
// - files written meanwhile (a new ingest, a replay) are not in the set and are left alone;
// - rows present in two files at once (between the write and the deletes, or after a replay) are the
//   same reading: the dataset's view keeps one by the duplicate rule, and the compaction applies the
//   same rule, so nothing is ever counted twice.
// Incremental: the partitions looked at are those the ingests recorded as changed since the last run
// (the change log); the first run looks at every partition.

export const COMPACTED_PREFIX = 'compact-';

export interface CompactionSummary {
  partitions: number;
  filesMerged: number;
  filesWritten: number;
  rowsIn: number;
  rowsOut: number;
  /** partitions looked at: the changed ones, or all of them on a first run */
  partitionsChecked: number;
}

interface CompactionState {
  readonly version: 1;
  readonly watermark: ChangeWatermark;
}

export async function compactDataset(
  ctx: StageContext,
  d: DatasetDeclaration = noiseReadings,
  options: { minFiles?: number; dts?: readonly string[] } = {},
): Promise<CompactionSummary> {
  const minFiles = options.minFiles ?? 2;
  const state = options.dts ? undefined : await readState(ctx, d);
  const watermark = state || options.dts ? undefined : await ctx.lake.currentWatermark(d);
  const changes = options.dts || !state ? undefined : await ctx.lake.changesSince(d, state.watermark);
  const window = options.dts ? { kind: 'partitions' as const, dts: options.dts } : changes ? { kind: 'partitions' as const, dts: changes.dts } : undefined;
  const partitions = window && !window.dts.length ? [] : await ctx.lake.partitions(d, window);
  const summary: CompactionSummary = { partitions: 0, filesMerged: 0, filesWritten: 0, rowsIn: 0, rowsOut: 0, partitionsChecked: partitions.length };
  const byDt = new Map<string, string[]>();
  for (const p of partitions) {
    if (p.files < minFiles) continue;
    byDt.set(p.dt, [...p.keys]);
  }
  const columns = fileColumns(d).map((c) => c.name).join(', ');
  const view = `compact_${d.name}`;
  const dedup = d.key && d.dedupOrder ? `QUALIFY row_number() OVER (PARTITION BY ${d.key.join(', ')} ORDER BY ${d.dedupOrder.join(', ')}) = 1` : '';
  for (const [dt, files] of [...byDt].sort()) {
    if (files.length < minFiles) continue;
    const keys = [...files].sort();
    const name = COMPACTED_PREFIX + createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 32);
    let rowsIn: number;
    let rowsOut: number;
    try {
      await ctx.lake.attachObjects(view, d, keys);
      rowsIn = Number((await ctx.lake.all(`SELECT count(*) AS n FROM ${view}`)).rows[0]!.n);
      rowsOut = await ctx.lake.writeQuery(d, `SELECT ${columns} FROM ${view} ${dedup} ORDER BY ${d.key ? d.key.join(', ') : columns}`, `${d.prefix}/dt=${dt}/${name}.parquet`);
    } catch (e) {
      // another compaction merged (and deleted) some of these files first: its output holds their rows
      if (e instanceof ObjectNotFoundError || /no such file|not exist|No files found/i.test((e as Error).message)) {
        ctx.logger.warn(`compaction of ${d.name} dt=${dt} skipped: its files changed meanwhile`);
        continue;
      }
      throw e;
    }
    for (const k of keys) await ctx.store.delete(k);
    summary.partitions++;
    summary.filesMerged += keys.length;
    summary.filesWritten++;
    summary.rowsIn += rowsIn;
    summary.rowsOut += rowsOut;
  }
  if (!options.dts) {
    const next: CompactionState = { version: 1, watermark: (changes?.watermark ?? watermark)! };
    await ctx.store.put(compactionStateKey(d), JSON.stringify(next), { contentType: 'application/json' });
  }
  return summary;
}

async function readState(ctx: StageContext, d: DatasetDeclaration): Promise<CompactionState | undefined> {
  try {
    const s = JSON.parse((await ctx.store.get(compactionStateKey(d))).toString('utf8')) as Partial<CompactionState>;
    if (s.version !== 1 || typeof s.watermark?.at !== 'string') throw new Error(`${compactionStateKey(d)}: not a version 1 compaction state; delete it to look at every partition again`);
    return s as CompactionState;
  } catch (e) {
    if (e instanceof ObjectNotFoundError) return undefined;
    throw e;
  }
}

function compactionStateKey(d: DatasetDeclaration): string {
  return stateKey(d === noiseReadings ? 'compact' : `compact-${d.name}`);
}
