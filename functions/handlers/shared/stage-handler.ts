import { STAGES } from '../../lib/stages/list.ts';
import type { StageContext } from '../../lib/stages/context.ts';
import { jsonSafe, logger, withStageContext } from './runtime.ts';

// One Lambda per entry of STAGES, each a one-line handler.ts: the state machine invokes it with its
// execution input and keeps what it returns under results.<stage>.

export interface StageResult {
  readonly stage: string;
  readonly seconds: number;
  readonly result: unknown;
}

/** what a stage may know of its invocation */
export interface Invocation {
  /** epoch ms when Lambda stops the invocation (its timeout), undefined outside Lambda */
  readonly deadline?: number;
}

/** the part of Lambda's context object the handlers read */
interface LambdaContext {
  getRemainingTimeInMillis?: () => number;
}

export function stageHandler(name: string, run: (ctx: StageContext, invocation: Invocation) => Promise<unknown>): (event?: unknown, context?: LambdaContext) => Promise<StageResult> {
  if (!STAGES.some((s) => s.name === name)) {
    throw new Error(`stage "${name}" is not in STAGES (functions/lib/stages/list.ts): ${STAGES.map((s) => s.name).join(', ')}`);
  }
  return async (_event, context) => {
    const started = performance.now();
    const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
    const invocation: Invocation = remaining === undefined ? {} : { deadline: Date.now() + remaining };
    const result = await withStageContext((ctx) => run(ctx, invocation));
    const seconds = Math.round(performance.now() - started) / 1000;
    logger.info(`stage ${name} done in ${seconds} s`, { stage: name, result: jsonSafe(result) });
    return jsonSafe({ stage: name, seconds, result });
  };
}
