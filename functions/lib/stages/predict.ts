import { predictions } from '../datasets/models.ts';
import { HEAT } from '../domain/heat/thresholds.ts';
import { localDayBounds, parisDate } from '../domain/time/paris.ts';
import { datasetFileKey } from '../lake/layout.ts';
import { writeDataset } from '../lake/write.ts';
import { isFresh, lakeClock, staleReason } from '../models/freshness.ts';
import { forecastDrivenHeat, HEAT_FORECAST_VERSION } from '../models/heat/forecast-driven.ts';
import { forecastHeat, HEAT_MODEL, type HeatPreprocessing } from '../models/heat/model.ts';
import { forecastNoise, NOISE_MODEL, type NoisePreprocessing } from '../models/noise/model.ts';
import { predictionRow, type PredictionRow } from '../models/prediction-row.ts';
import { loadCurrent, type LoadedModel } from '../models/registry.ts';
import { climateRisk, communeExposures } from '../models/risk/index.ts';
import { forecastRiver, RIVER_MODEL, type RiverPreprocessing } from '../models/river/model.ts';
import { tfRuntime, type TfRuntime } from '../models/runtime.ts';
import type { StageContext } from './context.ts';
import { readNoisePanel, readNoiseSources, readRiverDaily, readRiverSeries, readStationForecasts, readStationTemperatures, withBasinRain } from './model-inputs.ts';
import { stationOfRainColumn } from '../models/river/basin-rain.ts';

// The inference stage (hourly on AWS): each model's current version forecasts from the latest data,
// publishing for every target the model's forecast or, when the evaluation said so, its best
// baseline's; then the climate-risk index combines this run's river and heat forecasts with exposure.
// A forecast whose origin is older than its model's freshness limit (models/freshness.ts) is not
// written: "now" is the wall clock, or the demo clock of a demo lake.
// Predictions are written per model and forecast origin, so a rerun on the same data replaces its file.

export const PREDICTED_MODELS = ['noise', 'river', 'heat', 'climate-risk'] as const;
export type PredictedModel = (typeof PREDICTED_MODELS)[number];
export const RISK_MODEL = 'climate-risk';
/** version of the climate-risk formula (models/risk/index.ts) */
export const RISK_VERSION = 'index-1';

export interface PredictSummary {
  readonly model: string;
  readonly skipped?: string;
  readonly version?: string;
  readonly rows?: number;
  readonly origin?: string;
  readonly seconds: number;
}

export async function predict(ctx: StageContext, options: { models?: readonly PredictedModel[] } = {}): Promise<PredictSummary[]> {
  const wanted = new Set(options.models ?? PREDICTED_MODELS);
  const out: PredictSummary[] = [];
  const forRisk: PredictionRow[] = [];
  const clock = await lakeClock(ctx.store, ctx.now());
  if (clock.demo) ctx.logger.info(`predict: demo lake, forecasts issued at the demo clock ${clock.now.toISOString()}`);
  const at: StageContext = { ...ctx, now: () => clock.now };
  if (wanted.has('noise')) out.push(await predictNoise(at));
  if (wanted.has('river') || wanted.has('climate-risk')) out.push(await predictRiver(at, forRisk, wanted.has('river')));
  if (wanted.has('heat') || wanted.has('climate-risk')) out.push(await predictHeat(at, forRisk, wanted.has('heat')));
  if (wanted.has('climate-risk')) out.push(await predictClimateRisk(at, forRisk));
  return out.filter((s) => wanted.has(s.model as PredictedModel));
}

function timer() {
  const started = performance.now();
  return () => (performance.now() - started) / 1000;
}

function skipped(ctx: StageContext, model: string, reason: string, seconds: number): PredictSummary {
  ctx.logger.info(`predict ${model}: skipped — ${reason}`);
  return { model, skipped: reason, seconds };
}

/** writes rows as one file per dt, named after the model and the latest forecast origin */
export async function writePredictions(ctx: StageContext, model: string, rows: readonly PredictionRow[]): Promise<string[]> {
  const byDt = new Map<string, PredictionRow[]>();
  for (const r of rows) {
    let list = byDt.get(r.dt);
    if (!list) byDt.set(r.dt, (list = []));
    list.push(r);
  }
  const keys: string[] = [];
  for (const [dt, list] of byDt) {
    const origin = new Date(list.reduce((m, r) => Math.max(m, r.origin_time.getTime()), -Infinity));
    const key = datasetFileKey(predictions, `${model}-${origin.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`, dt);
    await writeDataset(ctx, predictions, list, key);
    keys.push(key);
  }
  return keys;
}

export async function predictNoise(ctx: StageContext): Promise<PredictSummary> {
  const elapsed = timer();
  const rt = await tfRuntime({ logger: ctx.logger });
  const loaded = await loadCurrent(ctx.store, NOISE_MODEL);
  if (!loaded) return skipped(ctx, NOISE_MODEL, 'no trained noise model in models/noise/ (run the train-models stage)', elapsed());
  try {
    const pre = loaded.metadata.preprocessing as unknown as NoisePreprocessing;
    const panel = await readNoisePanel(ctx, pre.profile_window_days + 1);
    if (!panel) return skipped(ctx, NOISE_MODEL, 'noise_indicators_hourly is empty', elapsed());
    const sources = await readNoiseSources(ctx);
    const f = await forecastNoise(rt, { model: loaded.model, version: loaded.pointer.version, preprocessing: pre, publish: loaded.pointer.publish }, panel, sources, ctx.now());
    if (!isFresh(NOISE_MODEL, f.origin, ctx.now())) return skipped(ctx, NOISE_MODEL, staleReason(NOISE_MODEL, f.origin, ctx.now()), elapsed());
    await writePredictions(ctx, NOISE_MODEL, f.rows);
    ctx.logger.info(
      `predict noise: ${f.rows.length} rows for ${f.sensors} sensor(s) from ${f.origin.toISOString()}` +
        (f.stale ? ` (${f.stale} sensor(s) without a level in the last 24 h left out)` : '') +
        `; publishing ${Object.entries(loaded.pointer.publish).map(([t, p]) => `${t}: ${p}`).join(', ')}`,
    );
    return { model: NOISE_MODEL, version: loaded.pointer.version, rows: f.rows.length, origin: f.origin.toISOString(), seconds: elapsed() };
  } finally {
    loaded.model.dispose();
  }
}

export async function predictRiver(ctx: StageContext, collect: PredictionRow[], write = true): Promise<PredictSummary> {
  const elapsed = timer();
  const rt = await tfRuntime({ logger: ctx.logger });
  const loaded = await loadCurrent(ctx.store, RIVER_MODEL);
  if (!loaded) return skipped(ctx, RIVER_MODEL, 'no trained river model in models/river/ (no river data, or too little to train)', elapsed());
  try {
    const pre = loaded.metadata.preprocessing as unknown as RiverPreprocessing;
    const quantity = pre.setup.transform === 'log' ? 'Q' : 'H';
    // a model trained on daily means forecasts from river_daily, one trained on the real-time series from river_observations
    const daily = pre.step_hours >= 24;
    const series = daily ? await readRiverDaily(ctx, [pre.setup.target, ...pre.setup.upstream]) : await readRiverSeries(ctx, [pre.setup.target, ...pre.setup.upstream], quantity, 10);
    if (!series) return skipped(ctx, RIVER_MODEL, `${daily ? 'river_daily' : 'river_observations'} has no recent ${quantity} observation of ${pre.setup.target}`, elapsed());
    const rain = pre.setup.rain ?? [];
    const inputs = rain.length ? await withBasinRain(ctx, series, rain.map(stationOfRainColumn)) : series;
    const f = await forecastRiver(rt, { model: loaded.model, version: loaded.pointer.version, preprocessing: pre, publish: loaded.pointer.publish }, inputs, ctx.now(), pre.setup.target);
    if ('skipped' in f) return skipped(ctx, RIVER_MODEL, f.skipped, elapsed());
    if (!isFresh(RIVER_MODEL, f.origin, ctx.now())) return skipped(ctx, RIVER_MODEL, staleReason(RIVER_MODEL, f.origin, ctx.now()), elapsed());
    if (write) await writePredictions(ctx, RIVER_MODEL, f.rows);
    collect.push(...f.rows);
    ctx.logger.info(`predict river: ${pre.setup.target} from ${f.origin.toISOString()}: ${f.rows.map((r) => `+${r.horizon_hours}h ${r.value} ${r.unit} (${r.method}, P≥${r.threshold} ${r.probability})`).join('; ')}`);
    return { model: RIVER_MODEL, version: loaded.pointer.version, rows: f.rows.length, origin: f.origin.toISOString(), seconds: elapsed() };
  } finally {
    loaded.model.dispose();
  }
}

/** every département's reference station, each once */
function referenceStations(): string[] {
  return [...new Set(Object.values(HEAT.departements).map((d) => d.reference_station))];
}

/**
 * one reference station's heat-wave rows: from weather forecasts where they are issued and fresh, else from
 * the trained model (or the persistence baseline); none when stale or without data, the reason in `notes`
 */
async function stationHeat(ctx: StageContext, rt: TfRuntime, loaded: LoadedModel | undefined, station: string, notes: string[]): Promise<PredictionRow[]> {
  const temperatures = await readStationTemperatures(ctx, station);
  if (!temperatures) {
    notes.push(`${station}: no data`);
    return [];
  }
  // with weather forecasts, the forecast-driven probability (or its best baseline, as its evaluation says)
  const fc = await readStationForecasts(ctx, station);
  const driven = fc ? forecastDrivenHeat(temperatures, fc.forecasts, ctx.now(), station) : undefined;
  if (fc && driven && !('skipped' in driven) && isFresh(HEAT_MODEL, driven.rows[0]!.origin_time, ctx.now())) {
    notes.push(
      `${station}: forecasts (${fc.sources.join(', ')}) issued ${driven.origin}; ` +
        driven.evaluation.leads.map((l) => `D+${l.lead_days} ${l.publish} (Brier ${Object.entries(l.brier).map(([m, b]) => `${m} ${b}`).join(', ')}; ${l.events} heat-wave days in ${l.n})`).join('; '),
    );
    return driven.rows;
  }
  if (driven && 'skipped' in driven) notes.push(driven.skipped);
  const f = await forecastHeat(
    rt,
    loaded
      ? { model: loaded.model, version: loaded.pointer.version, preprocessing: loaded.metadata.preprocessing as unknown as HeatPreprocessing, publish: loaded.pointer.publish }
      : { version: 'baseline', publish: {} },
    temperatures,
    ctx.now(),
    station,
  );
  if ('skipped' in f) notes.push(f.skipped);
  else if (!isFresh(HEAT_MODEL, f.rows[0]!.origin_time, ctx.now())) notes.push(`${station}: ${staleReason(HEAT_MODEL, f.rows[0]!.origin_time, ctx.now())}`);
  else return f.rows;
  return [];
}

export async function predictHeat(ctx: StageContext, collect: PredictionRow[], write = true): Promise<PredictSummary> {
  const elapsed = timer();
  const rt = await tfRuntime({ logger: ctx.logger });
  let loaded: LoadedModel | undefined;
  try {
    loaded = await loadCurrent(ctx.store, HEAT_MODEL);
    const rows: PredictionRow[] = [];
    const notes: string[] = [];
    for (const station of referenceStations()) rows.push(...(await stationHeat(ctx, rt, loaded, station, notes)));
    if (!rows.length) return skipped(ctx, HEAT_MODEL, `no reference station has fresh IBMn/IBMx (${notes.join('; ') || 'heat_indicators_daily is empty'})`, elapsed());
    if (write) await writePredictions(ctx, HEAT_MODEL, rows);
    collect.push(...rows);
    ctx.logger.info(
      `predict heat: ${rows.length} rows (${rows.some((r) => r.version === HEAT_FORECAST_VERSION) ? 'from weather forecasts where issued, ' : ''}${loaded ? `model ${loaded.pointer.version}` : 'no trained model: persistence baseline'} elsewhere)` + (notes.length ? `; ${notes.join('; ')}` : ''),
    );
    return { model: HEAT_MODEL, version: loaded?.pointer.version ?? 'baseline', rows: rows.length, seconds: elapsed() };
  } finally {
    loaded?.model.dispose();
  }
}

/** a commune-day's three rows: the index, the exposed population, and the proximity it used (to recompute it from the dataset) */
function communeDayRisk(e: ReturnType<typeof communeExposures>[number], day: string, h: PredictionRow | undefined, f: PredictionRow | undefined, runTime: Date): PredictionRow[] {
  const risk = climateRisk(h?.probability ?? 0, f?.probability ?? 0, e.proximity);
  const parts = [h ? `heat=${h.method}` : 'heat=none', f ? `flood=${f.method}` : 'flood=none'];
  const components = [h, f].filter((x): x is PredictionRow => x !== undefined);
  const common = {
    model: RISK_MODEL,
    version: RISK_VERSION,
    run_time: runTime,
    origin_time: new Date(Math.max(...components.map((c) => c.origin_time.getTime()))),
    target_time: new Date(localDayBounds(day).start),
    target_end: new Date(localDayBounds(day).end),
    entity_kind: 'commune' as const,
    entity: e.commune.commune_insee,
    source: components.every((c) => c.source === 'model') ? ('model' as const) : ('baseline' as const),
    method: `index(${parts.join(',')})`,
  };
  return [
    predictionRow({ ...common, variable: 'climate_risk_index', unit: 'index 0-100', value: risk }),
    predictionRow({ ...common, variable: 'exposed_population', unit: 'inhabitants', value: (e.commune.population * risk) / 100 }),
    predictionRow({ ...common, variable: 'river_proximity', unit: '1', value: e.proximity }),
  ];
}

/**
 * The climate-risk index per commune and forecast day, from this run's river and heat forecasts only
 * (each already checked for freshness): a component missing from this run counts as "none" and the
 * method says so, e.g. index(heat=persistence,flood=none).
 */
export async function predictClimateRisk(ctx: StageContext, hazards: readonly PredictionRow[]): Promise<PredictSummary> {
  const elapsed = timer();
  const heat = hazards.filter((r) => r.model === HEAT_MODEL && r.probability !== null);
  const flood = hazards.filter((r) => r.model === RIVER_MODEL && r.probability !== null);
  if (!heat.length && !flood.length) return skipped(ctx, RISK_MODEL, 'no heat or flood forecast in this run', elapsed());
  const days = [...new Set([...heat, ...flood].map((r) => parisDate(r.target_time)))].sort();
  const floodByDay = new Map<string, PredictionRow>();
  for (const r of flood) {
    const d = parisDate(r.target_time);
    const prev = floodByDay.get(d);
    if (!prev || r.probability! > prev.probability!) floodByDay.set(d, r);
  }
  const heatByDay = new Map(heat.map((r) => [`${r.entity}|${parisDate(r.target_time)}`, r]));
  const rows: PredictionRow[] = [];
  const runTime = ctx.now();
  for (const e of communeExposures()) {
    const station = HEAT.departements[e.commune.departement]?.reference_station;
    for (const day of days) {
      const h = station ? heatByDay.get(`${station}|${day}`) : undefined;
      const f = floodByDay.get(day);
      // no hazard forecast covers this commune on this day: no index rather than a false zero
      if (!h && !f) continue;
      rows.push(...communeDayRisk(e, day, h, f, runTime));
    }
  }
  await writePredictions(ctx, RISK_MODEL, rows);
  ctx.logger.info(`predict climate-risk: ${rows.length / 3} commune-days over ${days.join(', ')} (heat: ${heat.length ? 'yes' : 'none'}, flood: ${flood.length ? 'yes' : 'none'})`);
  return { model: RISK_MODEL, version: RISK_VERSION, rows: rows.length, seconds: elapsed() };
}
