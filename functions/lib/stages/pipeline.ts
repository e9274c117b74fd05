import { STAGES, type StageEntry } from './list.ts';
import type { StageContext } from './context.ts';
import { publishCommunes } from './communes.ts';
import { refreshSensors } from './sensors.ts';
import { noiseIndicators } from './noise-indicators.ts';
import { publishSite } from './publish-site.ts';
import { compactDataset } from './compact.ts';

// The local runner: walks the stage list in process, the same stages Step Functions runs on AWS.

const IMPLEMENTATIONS: Record<string, (ctx: StageContext) => Promise<unknown>> = {
  communes: publishCommunes,
  sensors: refreshSensors,
  compact: (ctx) => compactDataset(ctx),
  'noise-indicators': (ctx) => noiseIndicators(ctx),
  'publish-site': publishSite,
};

export function stageImplementation(name: string): (ctx: StageContext) => Promise<unknown> {
  const run = IMPLEMENTATIONS[name];
  if (!run) throw new Error(`stage "${name}" has no implementation; known: ${Object.keys(IMPLEMENTATIONS).join(', ')}`);
  return run;
}

export interface StageReport {
  stage: string;
  seconds: number;
  result: unknown;
}

export async function runPipeline(ctx: StageContext, stages: readonly StageEntry[] = STAGES): Promise<StageReport[]> {
  const reports: StageReport[] = [];
  for (const stage of stages) {
    const started = performance.now();
    const result = await stageImplementation(stage.name)(ctx);
    const seconds = (performance.now() - started) / 1000;
    ctx.logger.info(`stage ${stage.name} done in ${seconds.toFixed(2)} s`, { result });
    reports.push({ stage: stage.name, seconds, result });
  }
  return reports;
}
