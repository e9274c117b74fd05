import { HYDROMETRY, REFERENCE_FLOODS } from '../domain/flood/index.ts';
import { RIVER_MODEL, trainRiverModel, type RiverOptions, type RiverSetup, type RiverTrainingResult } from '../models/river/model.ts';
import type { EvaluationReport } from '../models/report.ts';
import type { RegularSeries } from '../models/river/series.ts';
import { tfRuntime, type TfRuntime } from '../models/runtime.ts';
import type { StageContext } from './context.ts';
import { DAILY_GAUGES, RIVER_GAUGES } from '../models/river/gauges.ts';
import { readRiverDaily, readRiverSeries, withBasinRain } from './model-inputs.ts';
import { BASIN_RAIN_STATION_IDS, rainColumn, RAIN_PREFIX, stationOfRainColumn } from '../models/river/basin-rain.ts';
import { basinRain } from '../models/river/model.ts';
import { register, type RegisterOptions, type TrainSummary, trainingSummary } from './model-registration.ts';

// Training of the river model on the lake's hourly stages (or discharges) of the configured stations:
// the reference station (Paris-Austerlitz) is the target, the others are its upstream inputs.

export interface RiverTrainOptions extends RiverOptions, RegisterOptions {
  readonly target?: string;
  readonly upstream?: readonly string[];
  /** H (stage, default) or Q (discharge) */
  readonly quantity?: 'H' | 'Q';
  /** days held out at the end for the evaluation (default 6: the origins of the last 3 days and 3 more to reach their targets) */
  readonly testDays?: number;
  /** history read from the lake (default 400 days) */
  readonly days?: number;
  /** the level whose exceedance is forecast; default for the stage at the reference station: the lowest verified reference flood */
  readonly threshold?: number;
  /** false: never train on river_daily (default: on it when the target has ≥ RIVER_DAILY_MIN_DAYS daily means) */
  readonly daily?: boolean;
}

/** daily means of the target needed to train on river_daily rather than on the real-time observations */
export const RIVER_DAILY_MIN_DAYS = 730;

/** the river setup for the lake: target, upstream stations, transform, flood threshold */
export function riverSetup(options: RiverTrainOptions = {}): RiverSetup {
  const quantity = options.quantity ?? 'H';
  const target = options.target ?? REFERENCE_FLOODS.station;
  const upstream = options.upstream ?? HYDROMETRY.stations.map((s) => s.code_station).filter((s) => s !== target);
  const verified = REFERENCE_FLOODS.peaks.filter((p) => p.verified).map((p) => p.stage_m);
  const defaultThreshold = quantity === 'H' && target === REFERENCE_FLOODS.station && verified.length ? Math.min(...verified) : undefined;
  const threshold = options.threshold ?? defaultThreshold;
  return {
    target,
    upstream,
    transform: quantity === 'Q' ? 'log' : 'identity',
    variable: quantity === 'Q' ? 'flow' : 'level',
    unit: quantity === 'Q' ? 'm³/s' : 'm',
    threshold,
    thresholdSource:
      options.threshold !== undefined ? 'configured' : threshold !== undefined ? 'lowest verified reference flood at the station (config/flood-reference-peaks.json)' : undefined,
  };
}

export async function trainRiver(ctx: StageContext, options: RiverTrainOptions = {}): Promise<TrainSummary> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  if (options.daily !== false) {
    // decades of daily means from Hub'Eau's elaborated series, with the upstream gauges: the long record wins
    const daily = await readRiverDaily(ctx, DAILY_GAUGES);
    const target = RIVER_GAUGES.target.code_entite;
    const known = daily ? daily.columns[target]!.filter(Number.isFinite).length : 0;
    if (daily && known >= RIVER_DAILY_MIN_DAYS) return trainRiverOnDaily(ctx, await withBasinRain(ctx, daily, BASIN_RAIN_STATION_IDS), options, started);
    if (daily) ctx.logger.info(`train river: river_daily has ${known} daily means of ${target} (< ${RIVER_DAILY_MIN_DAYS}): training on river_observations`);
  }
  const setup = riverSetup(options);
  const series = await readRiverSeries(ctx, [setup.target, ...setup.upstream], options.quantity ?? 'H', options.days ?? 400);
  const skip = (reason: string): TrainSummary => {
    ctx.logger.info(`train river: skipped — ${reason}`);
    return { model: RIVER_MODEL, skipped: reason, seconds: seconds() };
  };
  if (!series) return skip(`river_observations has no ${options.quantity ?? 'H'} observation of ${setup.target} or its upstream stations`);
  // upstream stations without data are left out rather than blocking the model
  const upstream = setup.upstream.filter((u) => series.columns[u]!.some(Number.isFinite));
  const testDays = options.testDays ?? 6;
  const trainUntil = series.start + series.length * 3_600_000 - testDays * 86_400_000;
  const rt = await tfRuntime({ logger: ctx.logger });
  const result = await trainRiverModel(rt, series, { ...setup, upstream }, { trainUntil }, options);
  if ('skipped' in result) return skip(`${result.skipped} (${series.length} hours of data)`);
  try {
    const summary = await registerRiver(ctx, rt, result, { name: RIVER_MODEL, outputPrefix: `${setup.variable}_`, data: 'lake' }, options);
    ctx.logger.info(
      `train river: ${setup.target} from ${upstream.join(', ') || 'its own history'}, ${result.trainRows} training / ${result.testRows} held-out origins; ` +
        result.report.horizons.map((h) => `+${h.horizon_hours}h MAE ${h.model['mae']} vs ${Object.entries(h.baselines).map(([b, v]) => `${b} ${v['mae']}`).join(', ')}`).join('; ') +
        `; publishes ${result.report.use === 'model' ? 'the model' : result.report.best_baseline}`,
    );
    return { ...summary, origins: result.origins, seconds: seconds() };
  } finally {
    result.model.dispose();
  }
}

export interface SeriesEvaluationOptions extends RiverOptions, RegisterOptions {
  /** a name for the series (its file name) */
  readonly name: string;
  readonly series: RegularSeries;
  readonly target: string;
  /** default: every other column; columns named rain:<station> are basin rain (mm a day), the others upstream flows */
  readonly upstream?: readonly string[];
  /** first held-out day, YYYY-MM-DD */
  readonly trainUntil: string;
  readonly threshold?: number;
  /** default: log when every value of the target is positive, else identity */
  readonly transform?: 'log' | 'identity';
  /** the series' unit, free text (default: none given) */
  readonly unit?: string;
}

export const RIVER_SERIES_MODEL = 'river-series';

/**
 * Backtest on an external daily series: train until `trainUntil`, score the rest against persistence.
 * The version is kept in models/river-series/<version>/ with its metrics (current.json untouched: its
 * stations are not the lake's), and its rows go to model_evaluations with data = series:<name>.
 */
export async function evaluateRiverSeries(ctx: StageContext, o: SeriesEvaluationOptions): Promise<TrainSummary & { report: EvaluationReport; origins: { used: number; dropped: number } }> {
  const started = performance.now();
  const column = o.series.columns[o.target];
  if (!column) throw new Error(`${o.name}: no column "${o.target}"; columns: ${Object.keys(o.series.columns).join(', ')}`);
  const named = o.upstream ?? Object.keys(o.series.columns).filter((c) => c !== o.target);
  for (const u of named) if (!o.series.columns[u]) throw new Error(`${o.name}: no upstream column "${u}"`);
  // a column named rain:<station> is a basin station's daily rain (mm), the others upstream flows
  const upstream = named.filter((c) => !c.startsWith(RAIN_PREFIX));
  const rain = named.filter((c) => c.startsWith(RAIN_PREFIX));
  const split = Date.parse(`${o.trainUntil}T00:00:00Z`);
  const end = o.series.start + o.series.length * 86_400_000;
  if (!(split > o.series.start && split < end)) {
    throw new Error(`--train-until ${o.trainUntil} is outside the series (${new Date(o.series.start).toISOString().slice(0, 10)} … ${new Date(end - 86_400_000).toISOString().slice(0, 10)})`);
  }
  const transform = o.transform ?? (Array.from(column).every((v) => !Number.isFinite(v) || v > 0) ? 'log' : 'identity');
  const rt = await tfRuntime({ logger: ctx.logger });
  const result = await trainRiverModel(
    rt,
    o.series,
    { target: o.target, upstream, rain, transform, variable: o.target, unit: o.unit ?? '', threshold: o.threshold, thresholdSource: o.threshold === undefined ? undefined : '--threshold' },
    { trainUntil: split },
    o,
  );
  if ('skipped' in result) throw new Error(`${o.name}: ${result.skipped}`);
  try {
    const summary = await registerRiver(ctx, rt, result, { name: RIVER_SERIES_MODEL, outputPrefix: '', data: `series:${o.name}` }, { ...o, keepCurrent: true });
    ctx.logger.info(
      `evaluate river on ${o.name}: ${o.target} from ${upstream.join(', ') || 'its own history'}${rain.length ? ` and the basin rain of ${rain.join(', ')}` : ''}; ${result.trainRows} training / ${result.testRows} held-out days; fit ${result.fit.seconds.toFixed(1)} s (best epoch ${result.fit.bestEpoch}/${result.fit.epochs}) on ${rt.description}`,
    );
    return { ...summary, report: summary.report!, origins: result.origins, seconds: (performance.now() - started) / 1000 };
  } finally {
    result.model.dispose();
  }
}

/** the river model on river_daily: discharge at the target (log), the upstream gauges with data, the last year held out */
async function trainRiverOnDaily(ctx: StageContext, series: RegularSeries, options: RiverTrainOptions, started: number): Promise<TrainSummary> {
  const seconds = () => (performance.now() - started) / 1000;
  const target = RIVER_GAUGES.target.code_entite;
  const upstream = DAILY_GAUGES.filter((g) => g !== target && series.columns[g]!.some(Number.isFinite));
  const rain = basinRainInputs(ctx, series);
  const setup: RiverSetup = { target, upstream, rain, transform: 'log', variable: 'flow', unit: 'm³/s' };
  const testDays = options.testDays ?? 365;
  const trainUntil = series.start + (series.length - testDays) * 86_400_000;
  const rt = await tfRuntime({ logger: ctx.logger });
  const result = await trainRiverModel(rt, series, setup, { trainUntil }, options);
  if ('skipped' in result) {
    ctx.logger.info(`train river: skipped — ${result.skipped} (river_daily, ${series.length} days)`);
    return { model: RIVER_MODEL, skipped: `${result.skipped} (river_daily, ${series.length} days)`, seconds: seconds() };
  }
  try {
    const summary = await registerRiver(ctx, rt, result, { name: RIVER_MODEL, outputPrefix: 'flow_', data: 'lake:river_daily' }, options);
    ctx.logger.info(
      `train river: daily means of ${target} from ${upstream.join(', ') || 'its own history'}${rain.length ? ` and the basin rain of ${rain.map(stationOfRainColumn).join(', ')}` : ''} (river_daily), ${result.trainRows} training / ${result.testRows} held-out days; ` +
        result.report.horizons.map((h) => `+${h.horizon_hours / 24} d MAE ${h.model['mae']} vs ${Object.entries(h.baselines).map(([b, v]) => `${b} ${v['mae']}`).join(', ')}`).join('; '),
    );
    return { ...summary, origins: result.origins, seconds: seconds() };
  } finally {
    result.model.dispose();
  }
}

/** registers a trained river network (lake hourly, lake daily or an external series) under `name` */
function registerRiver(
  ctx: StageContext,
  rt: TfRuntime,
  result: RiverTrainingResult,
  as: { readonly name: string; /** before `change_<h>h` in the output names */ readonly outputPrefix: string; readonly data: string },
  options: RegisterOptions,
): ReturnType<typeof register> {
  return register(
    ctx,
    rt,
    {
      name: as.name,
      model: result.model,
      report: result.report,
      features: result.features,
      outputs: result.preprocessing.setup.horizonsHours.map((h) => `${as.outputPrefix}change_${h}h`),
      architecture: result.architecture,
      training: trainingSummary(result),
      preprocessing: result.preprocessing,
      data: as.data,
    },
    options,
  );
}

/**
 * The rain columns of the basin stations with data, when their mean is known on at least
 * RIVER_DAILY_MIN_DAYS days of the series (an origin needs the day before's rain: a short rain record
 * would drop most of the flow record's origins); otherwise none, said in the log.
 */
function basinRainInputs(ctx: StageContext, series: RegularSeries): string[] {
  const columns = BASIN_RAIN_STATION_IDS.map(rainColumn).filter((c) => series.columns[c]?.some(Number.isFinite));
  if (!columns.length) {
    ctx.logger.info(`train river: no basin rain in weather_daily for ${BASIN_RAIN_STATION_IDS.join(', ')} (config/basin-rain-stations.json): flows only`);
    return [];
  }
  const known = basinRain(series, columns).filter(Number.isFinite).length;
  if (known < RIVER_DAILY_MIN_DAYS) {
    ctx.logger.info(`train river: basin rain known on ${known} days of river_daily (< ${RIVER_DAILY_MIN_DAYS}): flows only`);
    return [];
  }
  return columns;
}
