import { DATASETS, granularityOf, isPartitionValue, partitionOf, type DatasetDeclaration } from '../datasets/index.ts';
import { datasetFileKey, dtOfKey } from '../lake/layout.ts';
import { listAll, type ObjectInfo } from '../ports/object-store.ts';
import type { StageContext } from './context.ts';

// `observatory migrate`: moves a lake written with daily partitions everywhere to each dataset's
// declared partitioning (issue 14: readings by day, small daily series by month or year).
//
// A file `dt=<day>/<name>.parquet` of a dataset now partitioned by month or year joins the file of the
// same name in the partition holding that day: every writer names its file after what it stores (the
// raw file's sha, `part-0` for the indicators), so the merged file is the one that writer would have
// written. Crash-safe and idempotent: a target is written from all of its source files before any of
// them is deleted, and a target that exists already is taken as complete (it was written from all of
// them, or by a writer of the new layout from the same input); running it again finishes the deletes.

export interface MigrationSummary {
  readonly datasets: readonly { readonly dataset: string; readonly granularity: string; readonly filesMoved: number; readonly partitionsWritten: number; readonly targetsKept: number }[];
  readonly filesMoved: number;
}

/** a target file and the old-layout files it is made of */
interface Move {
  readonly target: string;
  readonly partition: string;
  readonly sources: string[];
}

export async function migrateLake(ctx: StageContext, datasets: readonly DatasetDeclaration[] = DATASETS): Promise<MigrationSummary> {
  const out: MigrationSummary['datasets'][number][] = [];
  for (const d of datasets.filter((x) => granularityOf(x) !== 'day' && x.columns.some((c) => c.partition))) {
    const moves = await plannedMoves(ctx, d);
    let written = 0;
    let kept = 0;
    for (const move of moves) {
      if (await ctx.store.head(move.target)) kept++;
      else {
        await ctx.lake.attachObjects('migrate_sources', d, move.sources);
        await ctx.lake.writeQuery(d, 'SELECT * FROM migrate_sources', move.target);
        written++;
      }
      for (const key of move.sources) await ctx.store.delete(key);
    }
    // readers that follow the change log (compaction, the site) see the partitions as changed
    if (moves.length) await ctx.lake.recordChange(d, [...new Set(moves.map((m) => m.partition))], 'migrate');
    const filesMoved = moves.reduce((n, m) => n + m.sources.length, 0);
    ctx.logger.info(`migrate: ${d.name}: ${filesMoved} file(s) into ${moves.length} ${granularityOf(d)} file(s) (${written} written, ${kept} already there)`);
    out.push({ dataset: d.name, granularity: granularityOf(d), filesMoved, partitionsWritten: written, targetsKept: kept });
  }
  return { datasets: out, filesMoved: out.reduce((n, x) => n + x.filesMoved, 0) };
}

/** the dataset's files in a partition of another shape, grouped by the file they move into */
async function plannedMoves(ctx: StageContext, d: DatasetDeclaration): Promise<Move[]> {
  const moves = new Map<string, Move>();
  for await (const o of listAll(ctx.store, `${d.prefix}/`)) {
    const dt = dtOfKey(o.key);
    if (!dt || !o.key.endsWith('.parquet') || isPartitionValue(d, dt)) continue;
    const move = moveOf(d, o, dt);
    const m = moves.get(move.target) ?? { ...move, sources: [] };
    m.sources.push(o.key);
    moves.set(move.target, m);
  }
  return [...moves.values()];
}

function moveOf(d: DatasetDeclaration, o: ObjectInfo, dt: string): Omit<Move, 'sources'> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(dt)) {
    throw new Error(
      `migrate: ${o.key}: dt ${dt} is neither a day nor a ${granularityOf(d)} of ${d.name}; only daily partitions move into coarser ones. Move the file by hand or re-ingest its raw file`,
    );
  }
  const partition = partitionOf(d, dt);
  const name = o.key.slice(o.key.lastIndexOf('/') + 1).replace(/\.parquet$/, '');
  return { partition, target: datasetFileKey(d, name, partition) };
}
