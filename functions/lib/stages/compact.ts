import { createHash } from 'node:crypto';
import { fileColumns, type DatasetDeclaration } from '../datasets/declaration.ts';
import { dataset, noiseReadings } from '../datasets/index.ts';
import { datasetFileKey, stateKey } from '../lake/layout.ts';
import { changeLogCovers, type ChangeWatermark, type PartitionInfo } from '../ports/lake.ts';
import { z } from 'zod';
import { ObjectNotFoundError } from '../ports/object-store.ts';
import { readSaved } from '../saved-json.ts';
import type { StageContext } from './context.ts';

// Compaction of the small files frequent ingests leave in a partition.
// Safe alongside ingests and other compactions, by construction:
// - a compacted file is written under a name derived from the exact set of files it merges, and the
//   merged files are deleted only after it is stored — so a reading is always in at least one file;
// - the files deleted are exactly those merged: a file written meanwhile (a new ingest) is not in the
//   set and is left alone;
// - rows present in two files at once (between the write and the deletes, after a crash between them,
//   or after a replay) are the same reading: the dataset's view keeps one by the duplicate rule, and the
//   compaction applies the same rule, so nothing is ever counted twice.
// Only datasets with a key and a duplicate rule are compacted: without them, a crash between the write
// and the deletes would show the same rows twice.
// Incremental: the partitions looked at are those the writers recorded as changed since the last run
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
  /** DeleteObjects requests (up to 1000 keys each) */
  deleteRequests?: number;
}

/** how many files a partition of a dataset may hold once the compact stage has run */
export interface CompactionLimit {
  readonly dataset: string;
  readonly maxFilesPerPartition: number;
}

interface CompactionState {
  readonly version: 1;
  readonly watermark: ChangeWatermark;
}

/** the compact stage's state (state/compact.json, its stage's name): one change-log watermark per dataset */
interface LakeCompactionState {
  readonly version: 2;
  readonly watermarks: Readonly<Record<string, ChangeWatermark>>;
}

const LAKE_STATE_KEY = stateKey('compact');

/**
 * The compact stage: brings each changed partition of each dataset to at most its declared number of
 * files. Runs before the stages that read those partitions (see the registry's order).
 */
export async function compactLake(ctx: StageContext, limits: readonly CompactionLimit[]): Promise<Record<string, CompactionSummary>> {
  const state = await readLakeState(ctx);
  const watermarks: Record<string, ChangeWatermark> = { ...state?.watermarks };
  const out: Record<string, CompactionSummary> = {};
  for (const limit of limits) {
    const d = dataset(limit.dataset);
    if (!(limit.maxFilesPerPartition >= 1)) throw new RangeError(`compaction of ${d.name}: maxFilesPerPartition must be at least 1, found ${limit.maxFilesPerPartition}`);
    const since = watermarks[d.name];
    // the watermark is taken before listing: what is written meanwhile is seen next time
    // a watermark older than the change log's retention: records may have expired, so every partition
    const changes = since && changeLogCovers(since) ? await ctx.lake.changesSince(d, since) : { dts: undefined, watermark: await ctx.lake.currentWatermark(d) };
    out[d.name] = await compactPartitions(ctx, d, changes.dts, limit.maxFilesPerPartition);
    watermarks[d.name] = changes.watermark;
  }
  // written last: a run stopped before this looks at the same partitions again, which is harmless
  const next: LakeCompactionState = { version: 2, watermarks };
  await ctx.store.put(LAKE_STATE_KEY, JSON.stringify(next), { contentType: 'application/json' });
  return out;
}

/**
 * Compacts one dataset, with its own change-log state (callers outside the compact stage, e.g. the flood
 * indicators before they read), or exactly the partitions `dts`. A partition is compacted when it has
 * at least `minFiles` files (default 2), i.e. more than `maxFiles` (default 1).
 */
export async function compactDataset(
  ctx: StageContext,
  d: DatasetDeclaration = noiseReadings,
  options: { minFiles?: number; maxFiles?: number; dts?: readonly string[] } = {},
): Promise<CompactionSummary> {
  const maxFiles = options.maxFiles ?? (options.minFiles ?? 2) - 1;
  if (options.dts) return compactPartitions(ctx, d, options.dts, maxFiles);
  const state = await readState(ctx, d);
  const changes = state && changeLogCovers(state.watermark) ? await ctx.lake.changesSince(d, state.watermark) : { dts: undefined, watermark: await ctx.lake.currentWatermark(d) };
  const summary = await compactPartitions(ctx, d, changes.dts, maxFiles);
  const next: CompactionState = { version: 1, watermark: changes.watermark };
  await ctx.store.put(compactionStateKey(d), JSON.stringify(next), { contentType: 'application/json' });
  return summary;
}

/** the partitions `dts` (all of them when undefined) brought to at most `maxFiles` files each */
async function compactPartitions(ctx: StageContext, d: DatasetDeclaration, dts: readonly string[] | undefined, maxFiles: number): Promise<CompactionSummary> {
  if (!d.key?.length || !d.dedupOrder?.length) {
    throw new Error(`compaction of ${d.name}: the dataset declares no key and duplicate rule (key, dedupOrder), so rows merged twice could not be told apart`);
  }
  const partitions = dts && !dts.length ? [] : await ctx.lake.partitions(d, dts ? { kind: 'partitions', dts } : undefined);
  const summary: CompactionSummary = { partitions: 0, filesMerged: 0, filesWritten: 0, rowsIn: 0, rowsOut: 0, partitionsChecked: partitions.length, deleteRequests: 0 };
  const merged: string[] = [];
  for (const p of partitions) {
    const inputs = filesToMerge(p, maxFiles);
    if (!inputs) continue;
    const written = await mergeFiles(ctx, d, p.dt, inputs);
    if (!written) continue;
    merged.push(...inputs);
    summary.partitions++;
    summary.filesMerged += inputs.length;
    summary.filesWritten++;
    summary.rowsIn += written.rowsIn;
    summary.rowsOut += written.rowsOut;
  }
  // after every merged file is stored: exactly the files merged, in batches of up to 1000 keys
  if (merged.length) {
    await ctx.store.deleteMany(merged);
    summary.deleteRequests = Math.ceil(new Set(merged).size / 1000);
  }
  return summary;
}

/**
 * Which files of a partition to merge, when it holds more than `maxFiles`: the small files only, into
 * one more compacted file, while that keeps the partition within the limit (so a day's readings are
 * not rewritten every hour); every file otherwise.
 */
export function filesToMerge(p: Pick<PartitionInfo, 'keys'>, maxFiles: number): string[] | undefined {
  const keys = [...p.keys].sort();
  if (keys.length <= maxFiles) return undefined;
  const isCompacted = (k: string) => k.slice(k.lastIndexOf('/') + 1).startsWith(COMPACTED_PREFIX);
  const small = keys.filter((k) => !isCompacted(k));
  const compacted = keys.length - small.length;
  return small.length >= 2 && compacted + 1 <= maxFiles ? small : keys;
}

/** writes the winners of `keys` by the duplicate rule as one file; undefined when the files changed meanwhile */
async function mergeFiles(ctx: StageContext, d: DatasetDeclaration, dt: string, keys: readonly string[]): Promise<{ rowsIn: number; rowsOut: number } | undefined> {
  const columns = fileColumns(d).map((c) => c.name).join(', ');
  const view = `compact_${d.name}`;
  const dedup = `QUALIFY row_number() OVER (PARTITION BY ${d.key!.join(', ')} ORDER BY ${d.dedupOrder!.join(', ')}) = 1`;
  const name = COMPACTED_PREFIX + createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 32);
  try {
    await ctx.lake.attachObjects(view, d, keys);
    const rowsIn = Number((await ctx.lake.all(`SELECT count(*) AS n FROM ${view}`)).rows[0]!.n);
    const rowsOut = await ctx.lake.writeQuery(d, `SELECT ${columns} FROM ${view} ${dedup} ORDER BY ${d.key!.join(', ')}`, datasetFileKey(d, name, dt));
    return { rowsIn, rowsOut };
  } catch (e) {
    // another compaction merged (and deleted) some of these files first: its output holds their rows
    if (e instanceof ObjectNotFoundError || /no such file|not exist|No files found/i.test((e as Error).message)) {
      ctx.logger.warn(`compaction of ${d.name} dt=${dt} skipped: its files changed meanwhile`);
      return undefined;
    }
    throw e;
  }
}

const watermarkSchema = z.object({ at: z.string(), seen: z.array(z.string()) }) satisfies z.ZodType<ChangeWatermark>;
const compactionStateSchema = z.object({ version: z.literal(1), watermark: watermarkSchema });
const lakeCompactionStateSchema = z
  .discriminatedUnion('version', [z.object({ version: z.literal(2), watermarks: z.record(z.string(), watermarkSchema) }), compactionStateSchema])
  // version 1 compacted the readings only
  .transform((s): LakeCompactionState => (s.version === 2 ? s : { version: 2, watermarks: { [noiseReadings.name]: s.watermark } }));
const RESET_ADVICE = 'delete it to look at every partition again';

async function readLakeState(ctx: StageContext): Promise<LakeCompactionState | undefined> {
  return readSaved(ctx.store, LAKE_STATE_KEY, lakeCompactionStateSchema, RESET_ADVICE);
}

async function readState(ctx: StageContext, d: DatasetDeclaration): Promise<CompactionState | undefined> {
  return readSaved(ctx.store, compactionStateKey(d), compactionStateSchema, RESET_ADVICE);
}

/** a caller's own compaction state for a dataset (not the compact stage's) */
function compactionStateKey(d: DatasetDeclaration): string {
  return stateKey(`compact-${d.name}`);
}
