import { sqlString } from '../sql/literals.ts';
import { heatIndicatorsDaily, noiseIndicatorsHourly, riverDaily, riverObservations, sensors, weatherDaily, weatherForecasts } from '../datasets/index.ts';
import { forecastsByIssue, type TemperatureForecasts } from '../models/heat/forecast-driven.ts';
import { plusDays } from '../domain/time/holidays.ts';
import type { DailyTemperatures } from '../models/heat/model.ts';
import type { RegularSeries } from '../models/river/series.ts';
import { rainColumn } from '../models/river/basin-rain.ts';
import { isNoiseSource, type NoiseSource } from '../domain/noise/thresholds.ts';
import { HOUR_MS } from '../models/calendar.ts';
import { noisePanel, type HourlyLevel, type NoisePanel } from '../models/noise/features.ts';
import type { StageContext } from './context.ts';

// What the model stages read from the lake, through DuckDB views over the curated datasets.

/** hours with less coverage than this are treated as missing by the noise model */
export const NOISE_MIN_COVERAGE = 0.5;

/**
 * Hourly levels of the last `days` days of data (counted back from the latest hour in the lake), or
 * undefined when noise_indicators_hourly is empty.
 */
export async function readNoisePanel(ctx: StageContext, days: number): Promise<NoisePanel | undefined> {
  await ctx.lake.attach([noiseIndicatorsHourly]);
  const last = (await ctx.lake.all(`SELECT max(epoch_ms(hour_start)) AS t FROM ${noiseIndicatorsHourly.name}`)).rows[0]?.['t'];
  if (last === null || last === undefined) return undefined;
  const end = Math.floor(Number(last) / HOUR_MS) + 1;
  const start = end - days * 24;
  const result = await ctx.lake.all(
    `SELECT sensor_id, epoch_ms(hour_start) AS t, leq FROM ${noiseIndicatorsHourly.name}
     WHERE leq IS NOT NULL AND coverage >= ${NOISE_MIN_COVERAGE} AND hour_start >= to_timestamp(${(start * HOUR_MS) / 1000})`,
  );
  const rows: HourlyLevel[] = result.rows.map((r) => ({ sensor_id: String(r['sensor_id']), hour: Math.floor(Number(r['t']) / HOUR_MS), leq: Number(r['leq']) }));
  if (!rows.length) return undefined;
  // a loop, not Math.min(...rows): a month of a large network is more arguments than the stack holds
  let first = Infinity;
  for (const r of rows) if (r.hour < first) first = r.hour;
  return noisePanel(rows, { start: Math.max(start, first), end });
}

/** sensor_id → noise source (from the sensors dataset; 'unknown' when absent) */
export async function readNoiseSources(ctx: StageContext): Promise<Map<string, NoiseSource>> {
  await ctx.lake.attach([sensors]);
  const result = await ctx.lake.all(`SELECT sensor_id, max_by(noise_source, last_seen) AS noise_source FROM ${sensors.name} GROUP BY sensor_id`);
  const out = new Map<string, NoiseSource>();
  for (const r of result.rows) {
    const s = String(r['noise_source']);
    out.set(String(r['sensor_id']), isNoiseSource(s) ? s : 'unknown');
  }
  return out;
}

/**
 * Hourly means of one quantity (H stage in m, Q discharge in m³/s) of the given stations over the last
 * `days` days of river_observations, as a regular hourly series (one column per station); undefined
 * when the dataset holds no row for them.
 */
export async function readRiverSeries(ctx: StageContext, stations: readonly string[], quantity: 'H' | 'Q', days: number): Promise<RegularSeries | undefined> {
  await ctx.lake.attach([riverObservations]);
  const list = stations.map(sqlString).join(', ');
  const result = await ctx.lake.all(
    `WITH obs AS (SELECT station_code, ts, value FROM ${riverObservations.name} WHERE quantity = '${quantity}' AND station_code IN (${list})),
          last AS (SELECT max(ts) AS t FROM obs)
     SELECT station_code, epoch_ms(date_trunc('hour', ts)) AS h, avg(value) AS v
     FROM obs, last WHERE ts > last.t - INTERVAL ${Math.max(1, Math.round(days))} DAY
     GROUP BY station_code, h ORDER BY h`,
  );
  if (!result.rows.length) return undefined;
  const hours = result.rows.map((r) => Number(r['h']) / HOUR_MS);
  const start = hours.reduce((a, b) => Math.min(a, b));
  const length = hours.reduce((a, b) => Math.max(a, b)) - start + 1;
  const columns: Record<string, Float64Array> = Object.fromEntries(stations.map((s) => [s, new Float64Array(length).fill(NaN)]));
  for (const r of result.rows) columns[String(r['station_code'])]![Number(r['h']) / HOUR_MS - start] = Number(r['v']);
  return { start: start * HOUR_MS, stepHours: 1, length, columns };
}

/**
 * TN/TX of a station from heat_indicators_daily (doubtful values left out, as the indicators do) on
 * consecutive days, with the IBMn/IBMx thresholds of its rows; undefined when the station has no row.
 */
export async function readStationTemperatures(ctx: StageContext, station: string): Promise<DailyTemperatures | undefined> {
  await ctx.lake.attach([heatIndicatorsDaily]);
  const result = await ctx.lake.all(
    `SELECT strftime(day, '%Y-%m-%d') AS day, CASE WHEN tn_doubtful THEN NULL ELSE tn END AS tn, CASE WHEN tx_doubtful THEN NULL ELSE tx END AS tx,
       ibmn_threshold, ibmx_threshold
     FROM ${heatIndicatorsDaily.name} WHERE station_id = ${sqlString(station)} ORDER BY day`,
  );
  if (!result.rows.length) return undefined;
  const first = String(result.rows[0]!['day']);
  const last = String(result.rows[result.rows.length - 1]!['day']);
  const days: string[] = [];
  for (let d = first; d <= last; d = plusDays(d, 1)) days.push(d);
  const index = new Map(days.map((d, i) => [d, i]));
  const tn = new Float64Array(days.length).fill(NaN);
  const tx = new Float64Array(days.length).fill(NaN);
  let ibmn = NaN;
  let ibmx = NaN;
  for (const r of result.rows) {
    const i = index.get(String(r['day']))!;
    if (r['tn'] !== null) tn[i] = Number(r['tn']);
    if (r['tx'] !== null) tx[i] = Number(r['tx']);
    if (r['ibmn_threshold'] !== null) ibmn = Number(r['ibmn_threshold']);
    if (r['ibmx_threshold'] !== null) ibmx = Number(r['ibmx_threshold']);
  }
  if (!Number.isFinite(ibmn) || !Number.isFinite(ibmx)) return undefined;
  return { days, tn, tx, ibmnThreshold: ibmn, ibmxThreshold: ibmx };
}

/**
 * The TN/TX forecasts of a station by issue day (target_day − lead_days) and lead, the latest issue of
 * each day winning; undefined when weather_forecasts holds none for it.
 */
export async function readStationForecasts(ctx: StageContext, station: string): Promise<{ forecasts: TemperatureForecasts; sources: string[] } | undefined> {
  await ctx.lake.attach([weatherForecasts]);
  const r = await ctx.lake.all(
    `SELECT strftime(target_day - lead_days, '%Y-%m-%d') AS issue_day, lead_days, arg_max(tn, issued_at) AS tn, arg_max(tx, issued_at) AS tx, string_agg(DISTINCT source, ',') AS sources
     FROM ${weatherForecasts.name} WHERE station_id = ${sqlString(station)} GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  if (!r.rows.length) return undefined;
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const sources = [...new Set(r.rows.flatMap((row) => String(row['sources']).split(',')))].sort();
  return { forecasts: forecastsByIssue(r.rows.map((row) => ({ issueDay: String(row['issue_day']), lead: Number(row['lead_days']), tn: num(row['tn']), tx: num(row['tx']) }))), sources };
}

/**
 * Daily mean flows (m³/s) of the given gauges from river_daily, as a regular daily series (one column per
 * gauge: a 10-character code is a station, an 8-character one a site, its stations averaged); undefined
 * when none has a row. Days are UTC midnights, as the model's daily series are.
 */
export async function readRiverDaily(ctx: StageContext, gauges: readonly string[]): Promise<RegularSeries | undefined> {
  await ctx.lake.attach([riverDaily]);
  const stations = gauges.filter((g) => g.length === 10);
  const sites = gauges.filter((g) => g.length === 8);
  const list = (xs: readonly string[]) => (xs.length ? xs.map(sqlString).join(', ') : 'NULL');
  const result = await ctx.lake.all(
    `SELECT CASE WHEN station_code IN (${list(stations)}) THEN station_code ELSE site_code END AS gauge, epoch_ms(day::TIMESTAMP) AS t, avg(value) AS v
     FROM ${riverDaily.name} WHERE station_code IN (${list(stations)}) OR site_code IN (${list(sites)}) GROUP BY 1, 2 ORDER BY 2`,
  );
  if (!result.rows.length) return undefined;
  const DAY = 86_400_000;
  const days = result.rows.map((r) => Number(r['t']) / DAY);
  const start = days.reduce((a, b) => Math.min(a, b));
  const length = days.reduce((a, b) => Math.max(a, b)) - start + 1;
  const columns: Record<string, Float64Array> = Object.fromEntries(gauges.map((g) => [g, new Float64Array(length).fill(NaN)]));
  for (const r of result.rows) columns[String(r['gauge'])]![Number(r['t']) / DAY - start] = Number(r['v']);
  return { start: start * DAY, stepHours: 24, length, columns };
}

/**
 * The series with one column of daily rain (mm, RR) per basin station (`rain:<station>`, see
 * config/basin-rain-stations.json) from weather_daily, on the series' days; doubtful values (quality 2)
 * are left out, as the heat indicators leave out doubtful temperatures. Stations without a row keep an
 * all-NaN column (the caller decides whether to use them).
 */
export async function withBasinRain(ctx: StageContext, series: RegularSeries, stations: readonly string[]): Promise<RegularSeries> {
  if (series.stepHours !== 24) throw new Error(`basin rain is daily: it joins a daily series, not one of ${series.stepHours} h steps`);
  await ctx.lake.attach([weatherDaily]);
  const DAY = 86_400_000;
  const first = new Date(series.start).toISOString().slice(0, 10);
  const last = new Date(series.start + (series.length - 1) * DAY).toISOString().slice(0, 10);
  const list = stations.length ? stations.map(sqlString).join(', ') : 'NULL';
  const result = await ctx.lake.all(
    `SELECT station_id, epoch_ms(day::TIMESTAMP) AS t, rr FROM ${weatherDaily.name}
     WHERE station_id IN (${list}) AND rr IS NOT NULL AND coalesce(q_rr, 1) <> 2 AND day BETWEEN DATE '${first}' AND DATE '${last}'`,
  );
  const columns: Record<string, Float64Array> = { ...series.columns };
  for (const s of stations) columns[rainColumn(s)] = new Float64Array(series.length).fill(NaN);
  for (const r of result.rows) columns[rainColumn(String(r['station_id']))]![(Number(r['t']) - series.start) / DAY] = Number(r['rr']);
  return { ...series, columns };
}
