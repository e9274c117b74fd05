import { dataset } from '../datasets/index.ts';
import { isCalendarDate } from '../domain/time/calendar.ts';
import type { DayRange, StageContext } from './context.ts';
import { runStage, type StageReport } from './pipeline.ts';
import { STAGES, type StageDefinition, type StageLimits } from './registry.ts';

// Backfills: recompute the stages derived from the readings over a range of Paris days. The registry's
// `ranged` stages (noise-indicators) run once per chunk of days, told the chunk through the context's
// `range`; the stages that read what they write run once afterwards. The chunks are planned here, once,
// for the command line (`observatory run --from --to`, chunks in turn) and for AWS (the stage Lambda
// answers a `plan` request, and the backfill state machine maps the chunks over Lambda invocations).

/** a request the plan refuses: the message names the option and what would work */
export class BackfillRequestError extends Error {}

export interface BackfillChunk extends DayRange {
  /** bytes of the ranged stages' inputs (the readings' Parquet files) in these days */
  readonly bytes: number;
}

export interface BackfillPlan extends DayRange {
  /** the stages run per chunk, in the registry's order */
  readonly ranged: readonly string[];
  /** the stages run once after every chunk: those reading what the ranged ones write, transitively */
  readonly consumers: readonly string[];
  /** the chunk byte budget (see chunkBudgetBytes) */
  readonly budgetBytes: number;
  /**
   * the chunks by year: chunks of different years may run at once (each writes only its days' files
   * and its year's yearly rows), chunks of one year run in turn (the yearly rows are rebuilt from the
   * stored hourly rows of the year's other days, which a concurrent chunk would be rewriting)
   */
  readonly years: readonly { readonly year: number; readonly chunks: readonly BackfillChunk[] }[];
}

/** more chunks than this: split the range (the state machine's timeout is sized for it) */
export const MAX_BACKFILL_CHUNKS = 120;
/**
 * zstd Parquet readings grow about 8× as DuckDB columns; the SQL holds the readings, their hourly sums
 * and the per-day quantile lists at once: a chunk's files get 1/16 of the function's memory
 */
const MEMORY_PER_PARQUET_BYTE = 16;
/** a chunk's files, read at a slow 2 MB/s (S3 per-request latency included), take half its timeout at most */
const SLOWEST_READ_BYTES_PER_S = 2_000_000;

/** the most input bytes one chunk may hold to stay within a Lambda's memory, /tmp and time limits */
export function chunkBudgetBytes(limits: StageLimits): number {
  const mib = 1024 * 1024;
  return Math.floor(Math.min((limits.memoryMb * mib) / MEMORY_PER_PARQUET_BYTE, (limits.ephemeralStorageMb * mib) / 2, (limits.timeoutS / 2) * SLOWEST_READ_BYTES_PER_S));
}

/** the range of `--from`/`--to` (both required, calendar dates, from ≤ to) */
export function checkRange(from: string | undefined, to: string | undefined): DayRange {
  if (from === undefined || to === undefined) throw new BackfillRequestError('a backfill needs both --from and --to (inclusive Europe/Paris dates, YYYY-MM-DD)');
  for (const [option, value] of [['--from', from], ['--to', to]] as const) {
    if (!isCalendarDate(value)) throw new BackfillRequestError(`${option}: "${value}" is not a calendar date YYYY-MM-DD`);
  }
  if (from > to) throw new BackfillRequestError(`--from ${from} is after --to ${to}`);
  return { from, to };
}

/** every day of the range, in order */
export function daysOf(range: DayRange): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${range.from}T00:00:00Z`); t <= Date.parse(`${range.to}T00:00:00Z`); t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/**
 * Consecutive days packed into chunks of at most `budget` bytes, never across a month's end (a month
 * is the largest chunk). A single day above the budget cannot be split: it is refused, naming it.
 */
export function chunkDays(days: readonly { day: string; bytes: number }[], budget: number): BackfillChunk[] {
  const chunks: BackfillChunk[] = [];
  let current: { from: string; to: string; bytes: number } | undefined;
  for (const { day, bytes } of days) {
    if (bytes > budget) {
      throw new BackfillRequestError(
        `${day} holds ${bytes} bytes of readings, more than one invocation's budget of ${budget} bytes: compact that day (observatory run --schedule hourly) or raise the stage's memoryMb in functions/lib/stages/registry.ts`,
      );
    }
    if (current && current.from.slice(0, 7) === day.slice(0, 7) && current.bytes + bytes <= budget) {
      current.to = day;
      current.bytes += bytes;
    } else {
      if (current) chunks.push(current);
      current = { from: day, to: day, bytes };
    }
  }
  if (current) chunks.push(current);
  return chunks;
}

/** the ranged stages, and the stages reading what they write (transitively), in the registry's order */
export function backfillStages(stages: readonly StageDefinition[] = STAGES): { ranged: StageDefinition[]; consumers: StageDefinition[] } {
  const ranged = stages.filter((s) => s.ranged);
  const written = new Set(ranged.flatMap((s) => s.outputs));
  const consumers: StageDefinition[] = [];
  for (const s of stages) {
    if (s.ranged || !s.inputs.some((i) => written.has(i.dataset))) continue;
    consumers.push(s);
    for (const o of s.outputs) written.add(o);
  }
  return { ranged, consumers };
}

/** sizes the range's days from the lake (one listing of the ranged stages' changed inputs) and chunks them */
export async function planBackfill(ctx: StageContext, range: DayRange, stages: readonly StageDefinition[] = STAGES): Promise<BackfillPlan> {
  const { ranged, consumers } = backfillStages(stages);
  if (ranged.length === 0) throw new BackfillRequestError('no stage of the registry recomputes a range of days (none is marked ranged)');
  const bytesOf = new Map<string, number>();
  const inputs = [...new Set(ranged.flatMap((s) => s.inputs.filter((i) => i.window === 'changed').map((i) => i.dataset)))];
  for (const name of inputs) {
    for (const p of await ctx.lake.partitions(dataset(name), { kind: 'dates', from: range.from, to: range.to })) {
      // a coarser partition (a month, a year) is counted whole in each of its days: never under-sized
      for (const day of daysOf(range).filter((d) => d.startsWith(p.dt))) bytesOf.set(day, (bytesOf.get(day) ?? 0) + p.bytes);
    }
  }
  const budgetBytes = Math.min(...ranged.map((s) => chunkBudgetBytes(s.limits)));
  const chunks = chunkDays(
    daysOf(range).map((day) => ({ day, bytes: bytesOf.get(day) ?? 0 })),
    budgetBytes,
  );
  if (chunks.length > MAX_BACKFILL_CHUNKS) {
    throw new BackfillRequestError(`${range.from} → ${range.to} makes ${chunks.length} chunks, more than ${MAX_BACKFILL_CHUNKS}: split the range into several backfills`);
  }
  const years = [...new Set(chunks.map((c) => Number(c.from.slice(0, 4))))].map((year) => ({ year, chunks: chunks.filter((c) => Number(c.from.slice(0, 4)) === year) }));
  return { ...range, ranged: ranged.map((s) => s.name), consumers: consumers.map((s) => s.name), budgetBytes, years };
}

export interface BackfillReport extends StageReport {
  /** the chunk a ranged stage recomputed; absent for the consumers */
  readonly range?: DayRange;
}

/** the plan's chunks in turn (each ranged stage told its chunk), then the consumers once */
export async function runBackfill(ctx: StageContext, range: DayRange, stages: readonly StageDefinition[] = STAGES): Promise<{ plan: BackfillPlan; reports: BackfillReport[] }> {
  const plan = await planBackfill(ctx, range, stages);
  const named = (name: string) => stages.find((s) => s.name === name)!;
  const reports: BackfillReport[] = [];
  for (const { chunks } of plan.years) {
    for (const chunk of chunks) {
      const chunkRange = { from: chunk.from, to: chunk.to };
      for (const name of plan.ranged) reports.push({ ...(await runStage({ ...ctx, range: chunkRange }, named(name))), range: chunkRange });
    }
  }
  for (const name of plan.consumers) reports.push(await runStage(ctx, named(name)));
  return { plan, reports };
}
