import { COUNTER_NAMES, CountingObjectStore, type StoreCounters } from '../ports/counting-store.ts';
import type { StageContext } from './context.ts';
import { STAGES, stagesOf, type Cadence, type StageDefinition } from './registry.ts';

// The local runner: the registry's stages in its order, in process — all of them, or those AWS runs
// on one cadence. Each stage gets a store that counts the requests it makes, so every run says what
// it cost.

export interface StageReport extends StoreCounters {
  stage: string;
  seconds: number;
  result: unknown;
}

export interface RunOptions {
  /** only the stages of this cadence (as AWS runs them); all stages when absent */
  readonly cadence?: Cadence;
  /** the stage list (tests pass a variant) */
  readonly stages?: readonly StageDefinition[];
}

export async function runStage(ctx: StageContext, stage: StageDefinition): Promise<StageReport> {
  const store = new CountingObjectStore(ctx.store);
  const counted: StageContext = { ...ctx, store, lake: ctx.lake.withStore(store) };
  const started = performance.now();
  const result = await stage.run(counted);
  const seconds = (performance.now() - started) / 1000;
  const counters = Object.fromEntries(COUNTER_NAMES.map((n) => [n, store.counters[n]])) as unknown as StoreCounters;
  ctx.logger.info(`stage ${stage.name} done in ${seconds.toFixed(2)} s`, { result, ...counters });
  return { stage: stage.name, seconds, result, ...counters };
}

export async function runPipeline(ctx: StageContext, options: RunOptions = {}): Promise<StageReport[]> {
  const all = options.stages ?? STAGES;
  const stages = options.cadence ? stagesOf(options.cadence, all) : all;
  const reports: StageReport[] = [];
  for (const stage of stages) reports.push(await runStage(ctx, stage));
  return reports;
}
