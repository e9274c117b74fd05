import { HEAT } from '../domain/heat/thresholds.ts';
import { plusDays } from '../domain/time/holidays.ts';
import { HEAT_FEATURES, HEAT_HORIZON_DAYS, HEAT_MIN_TRAIN_DAYS, HEAT_MODEL, trainHeatModel } from '../models/heat/model.ts';
import { tfRuntime } from '../models/runtime.ts';
import type { StageContext } from './context.ts';
import { readStationTemperatures } from './model-inputs.ts';
import { register, type RegisterOptions, type TrainSummary, trainingSummary } from './model-registration.ts';

// Training of the heat model at Paris-Montsouris (the confirmed reference station of the Paris
// thresholds), on heat_indicators_daily: the last year is held out.

export interface HeatTrainOptions extends RegisterOptions {
  /** default: the reference station of département 75 */
  readonly station?: string;
  /** first held-out day YYYY-MM-DD (default: 365 days before the last day) */
  readonly trainUntil?: string;
  readonly seed?: number;
  readonly epochs?: number;
}

export function heatReferenceStation(): string {
  return HEAT.departements['75']!.reference_station;
}

export async function trainHeat(ctx: StageContext, options: HeatTrainOptions = {}): Promise<TrainSummary> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const station = options.station ?? heatReferenceStation();
  const skip = (reason: string): TrainSummary => {
    ctx.logger.info(`train heat: skipped — ${reason}`);
    return { model: HEAT_MODEL, skipped: reason, seconds: seconds() };
  };
  const temperatures = await readStationTemperatures(ctx, station);
  if (!temperatures) return skip(`heat_indicators_daily has no row for station ${station}; the predictions publish no heat forecast`);
  const needed = HEAT_MIN_TRAIN_DAYS + 30;
  if (!options.trainUntil && temperatures.days.length < needed) {
    return skip(
      `${temperatures.days.length} days of TN/TX at station ${station} (${temperatures.days[0]} … ${temperatures.days.at(-1)}); the heat model needs ≥ ${needed} (two summers to learn, a month to check); the predictions publish the persistence baseline`,
    );
  }
  // the last year is held out when there is enough history, else what is left after two years
  const heldOut = Math.max(30, Math.min(365, temperatures.days.length - HEAT_MIN_TRAIN_DAYS));
  const trainUntil = options.trainUntil ?? plusDays(temperatures.days[temperatures.days.length - 1]!, 1 - heldOut);
  const rt = await tfRuntime({ logger: ctx.logger });
  const result = await trainHeatModel(rt, temperatures, { trainUntil }, options);
  if ('skipped' in result) return skip(`${result.skipped} at station ${station}; the predictions publish the persistence baseline`);
  try {
    const summary = await register(ctx, rt, {
      name: HEAT_MODEL,
      model: result.model,
      report: result.report,
      features: HEAT_FEATURES,
      outputs: Array.from({ length: HEAT_HORIZON_DAYS }, (_, k) => `heatwave_logit_d${k + 1}`),
      architecture: result.architecture,
      training: trainingSummary(result),
      preprocessing: { ...result.preprocessing, station },
      data: 'lake',
    }, options);
    ctx.logger.info(`train heat: ${station}, Brier model ${result.report.overall.model['brier']} vs ${Object.entries(result.report.overall.baselines).map(([b, s]) => `${b} ${s['brier']}`).join(', ')}`);
    return { ...summary, origins: result.origins, seconds: seconds() };
  } finally {
    result.model.dispose();
  }
}
