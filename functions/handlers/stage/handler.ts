import { z } from 'zod';
import { requiredEnv } from '../../lib/env.ts';
import { planBackfill } from '../../lib/stages/backfill.ts';
import { runStage } from '../../lib/stages/pipeline.ts';
import { stageNamed } from '../../lib/stages/registry.ts';
import { emitMetrics, jsonSafe, logger, withStageContext } from '../shared/runtime.ts';
import { STAGE_ENV } from './handler-env.ts';

// Every stage's Lambda: the stage named by OBSERVATORY_STAGE, from the registry. The state machine
// invokes it with its execution input and keeps what it returns under results.<stage>; what the run
// cost (requests and bytes at the object store) is returned and published as metrics.
// The backfill state machine sends `{ plan: {from, to} }` to a ranged stage's function (the chunks,
// planned by the same code as `observatory run --from --to`), then `{ range: {from, to} }` per chunk.


const stage = stageNamed(requiredEnv(STAGE_ENV, z.string().min(1)));

/** the part of Lambda's context object the handler reads */
interface LambdaContext {
  getRemainingTimeInMillis?: () => number;
}

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const dayRange = z.object({ from: day, to: day }).strict();
const stageEvent = z.object({ plan: dayRange.optional(), range: dayRange.optional() }).passthrough();

export async function handler(event?: unknown, context?: LambdaContext) {
  const { plan, range } = stageEvent.parse(event ?? {});
  if (plan) return jsonSafe(await withStageContext((ctx) => planBackfill(ctx, plan)));
  if (range && !stage.ranged) throw new Error(`stage ${stage.name} does not recompute a range of days (only the registry's ranged stages do)`);
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
  const extra = { ...(remaining === undefined ? {} : { deadline: Date.now() + remaining }), ...(range ? { range } : {}) };
  const report = await withStageContext((ctx) => runStage(ctx, stage), extra);
  const { stage: name, seconds, result, ...counters } = report;
  emitMetrics({ ...counters }, 'Count', { Stage: name });
  logger.info(`stage ${name} done in ${seconds.toFixed(2)} s`, { stage: name, ...counters });
  return jsonSafe({ stage: name, seconds: Math.round(seconds * 1000) / 1000, result, ...counters });
}
