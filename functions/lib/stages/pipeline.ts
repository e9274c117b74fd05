import { STAGES, type StageEntry } from './list.ts';
import type { StageContext } from './context.ts';
import { publishCommunes } from './communes.ts';
import { refreshSensors } from './sensors.ts';
import { noiseIndicators } from './noise-indicators.ts';
import { publishSite } from './publish-site.ts';
import { compactDataset } from './compact.ts';
import { pollHubeau } from './poll-hubeau.ts';
import { pollVigicrues } from './poll-vigicrues.ts';
import { pollMeteoFrance } from './poll-meteofrance.ts';
import { floodIndicators } from './flood-indicators.ts';
import { heatIndicators } from './heat-indicators.ts';
import { trainModels } from './train-models.ts';
import { predict } from './predict.ts';
import { SOURCE_URL_ENV, sourceUrl } from './source-endpoints.ts';

// The local runner: walks the stage list in process, the same stages Step Functions runs on AWS.

const IMPLEMENTATIONS: Record<string, (ctx: StageContext) => Promise<unknown>> = {
  communes: publishCommunes,
  sensors: refreshSensors,
  compact: (ctx) => compactDataset(ctx),
  'noise-indicators': (ctx) => noiseIndicators(ctx),
  // the local runner polls only when given a URL (the demo feed polls the fake sources itself)
  'poll-hubeau': async (ctx) => {
    const baseUrl = sourceUrl('hubeau');
    return baseUrl ? pollHubeau(ctx, { baseUrl }) : { skipped: `no Hub’Eau URL (set ${SOURCE_URL_ENV.hubeau} to poll)` };
  },
  'poll-vigicrues': async (ctx) => {
    const baseUrl = sourceUrl('vigicrues');
    return baseUrl ? pollVigicrues(ctx, { baseUrl }) : { skipped: `no Vigicrues URL (set ${SOURCE_URL_ENV.vigicrues} to poll)` };
  },
  'poll-meteofrance': async (ctx) => {
    const baseUrl = sourceUrl('meteofrance');
    return baseUrl ? pollMeteoFrance(ctx, { baseUrl }) : { skipped: `no data.gouv.fr URL for the Météo-France files (set ${SOURCE_URL_ENV.meteofrance} to poll)` };
  },
  'flood-indicators': (ctx) => floodIndicators(ctx),
  'heat-indicators': (ctx) => heatIndicators(ctx),
  'train-models': (ctx) => trainModels(ctx),
  predict: (ctx) => predict(ctx),
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
