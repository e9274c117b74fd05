import { z } from 'zod';
import { requiredEnv } from '../../lib/env.ts';
import { runStage } from '../../lib/stages/pipeline.ts';
import { stageNamed } from '../../lib/stages/registry.ts';
import { emitMetrics, jsonSafe, logger, withStageContext } from '../shared/runtime.ts';
import { STAGE_ENV } from './handler-env.ts';

// Every stage's Lambda: the stage named by OBSERVATORY_STAGE, from the registry. The state machine
// invokes it with its execution input and keeps what it returns under results.<stage>; what the run
// cost (requests and bytes at the object store) is returned and published as metrics.


const stage = stageNamed(requiredEnv(STAGE_ENV, z.string().min(1)));

/** the part of Lambda's context object the handler reads */
interface LambdaContext {
  getRemainingTimeInMillis?: () => number;
}

export async function handler(_event?: unknown, context?: LambdaContext) {
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
  const report = await withStageContext((ctx) => runStage(ctx, stage), remaining === undefined ? {} : { deadline: Date.now() + remaining });
  const { stage: name, seconds, result, ...counters } = report;
  emitMetrics({ ...counters }, 'Count', { Stage: name });
  logger.info(`stage ${name} done in ${seconds.toFixed(2)} s`, { stage: name, ...counters });
  return jsonSafe({ stage: name, seconds: Math.round(seconds * 1000) / 1000, result, ...counters });
}
