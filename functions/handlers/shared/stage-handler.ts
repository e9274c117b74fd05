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

export function stageHandler(name: string, run: (ctx: StageContext) => Promise<unknown>): (event?: unknown) => Promise<StageResult> {
  if (!STAGES.some((s) => s.name === name)) {
    throw new Error(`stage "${name}" is not in STAGES (functions/lib/stages/list.ts): ${STAGES.map((s) => s.name).join(', ')}`);
  }
  return async () => {
    const started = performance.now();
    const result = await withStageContext(run);
    const seconds = Math.round(performance.now() - started) / 1000;
    logger.info(`stage ${name} done in ${seconds} s`, { stage: name, result: jsonSafe(result) });
    return jsonSafe({ stage: name, seconds, result });
  };
}
