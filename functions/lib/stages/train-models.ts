import { NOISE_MODEL, trainNoiseModel, type NoiseTrainingOptions } from '../models/noise/model.ts';
import { NOISE_FEATURES, HORIZON_HOURS } from '../models/noise/features.ts';
import { TooLittleHistory } from '../models/report.ts';
import { tfRuntime } from '../models/runtime.ts';
import type { StageContext } from './context.ts';
import { readNoisePanel, readNoiseSources } from './model-inputs.ts';
import { trainHeat, type HeatTrainOptions } from './train-heat.ts';
import { trainRiver, type RiverTrainOptions } from './train-river.ts';
import { register, type RegisterOptions, type TrainSummary, trainingSummary } from './model-registration.ts';

export type { TrainSummary } from './model-registration.ts';
export { trainHeat } from './train-heat.ts';
export { trainRiver } from './train-river.ts';

// The weekly training stage: each model trains on the lake's data, is scored against its baselines on
// the last days (held out), and is registered with its evaluation; current.json then points at it,
// saying per target whether the predictions publish the model's forecast or the best baseline's.

export const TRAINED_MODELS = ['noise', 'river', 'heat'] as const;
export type TrainedModel = (typeof TRAINED_MODELS)[number];

export interface TrainModelsOptions {
  readonly models?: readonly TrainedModel[];
  readonly noise?: NoiseTrainingOptions & { days?: number };
  readonly river?: RiverTrainOptions;
  readonly heat?: HeatTrainOptions;
  /** keep each evaluation report in the summaries (the CLI and tests read them) */
  readonly withReports?: boolean;
}

export async function trainModels(ctx: StageContext, options: TrainModelsOptions = {}): Promise<TrainSummary[]> {
  const out: TrainSummary[] = [];
  for (const name of options.models ?? TRAINED_MODELS) {
    const started = performance.now();
    let summary: TrainSummary;
    try {
      summary = name === 'noise' ? await trainNoise(ctx, options.noise) : name === 'river' ? await trainRiver(ctx, options.river) : await trainHeat(ctx, options.heat);
    } catch (e) {
      // too little history to score the model against any baseline: this model waits, the others go on
      if (!(e instanceof TooLittleHistory)) throw e;
      summary = skip(ctx, name, e.message, (performance.now() - started) / 1000);
    }
    // the full report is in models/<name>/<version>/metrics.json; the stage result stays small
    const { report: _report, ...small } = summary;
    out.push(options.withReports ? summary : small);
  }
  return out;
}

/** noise model over the last `days` (default 42) of noise_indicators_hourly */
export async function trainNoise(ctx: StageContext, options: NoiseTrainingOptions & RegisterOptions & { days?: number } = {}): Promise<TrainSummary> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const panel = await readNoisePanel(ctx, options.days ?? 42);
  if (!panel) return skip(ctx, NOISE_MODEL, 'noise_indicators_hourly is empty', seconds());
  const rt = await tfRuntime({ logger: ctx.logger });
  const sources = await readNoiseSources(ctx);
  const result = await trainNoiseModel(rt, panel, sources, options);
  if ('skipped' in result) return skip(ctx, NOISE_MODEL, result.skipped, seconds());
  try {
    const summary = await register(ctx, rt, {
      name: NOISE_MODEL,
      model: result.model,
      report: result.report,
      features: NOISE_FEATURES,
      outputs: Array.from({ length: HORIZON_HOURS }, (_, j) => `laeq_anomaly_h${j + 1}`),
      architecture: result.architecture,
      training: trainingSummary(result),
      preprocessing: result.preprocessing,
      data: 'lake',
    }, options);
    ctx.logger.info(
      `train noise: ${result.trainRows} training / ${result.testRows} held-out examples, ${result.fit.seconds.toFixed(1)} s fit; ` +
        `MAE model ${result.report.overall.model.mae} dB vs ${Object.entries(result.report.overall.baselines).map(([b, s]) => `${b} ${s.mae}`).join(', ')}; ` +
        `publishes ${result.report.decisions.map((d) => `${d.target}: ${d.use === 'model' ? 'model' : d.best_baseline}`).join(', ')}`,
      { timings: result.timings },
    );
    return { ...summary, seconds: seconds() };
  } finally {
    result.model.dispose();
  }
}

function skip(ctx: StageContext, model: string, reason: string, seconds: number): TrainSummary {
  ctx.logger.info(`train ${model}: skipped — ${reason}`);
  return { model, skipped: reason, seconds };
}

