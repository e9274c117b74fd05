import { noiseIndicatorsHourly, sensors } from '../datasets/index.ts';
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
  await ctx.duck.attachLake(ctx.store, [noiseIndicatorsHourly]);
  const last = (await ctx.duck.all(`SELECT max(epoch_ms(hour_start)) AS t FROM ${noiseIndicatorsHourly.name}`)).rows[0]?.['t'];
  if (last === null || last === undefined) return undefined;
  const end = Math.floor(Number(last) / HOUR_MS) + 1;
  const start = end - days * 24;
  const result = await ctx.duck.all(
    `SELECT sensor_id, epoch_ms(hour_start) AS t, leq FROM ${noiseIndicatorsHourly.name}
     WHERE leq IS NOT NULL AND coverage >= ${NOISE_MIN_COVERAGE} AND hour_start >= to_timestamp(${(start * HOUR_MS) / 1000})`,
  );
  const rows: HourlyLevel[] = result.rows.map((r) => ({ sensor_id: String(r['sensor_id']), hour: Math.floor(Number(r['t']) / HOUR_MS), leq: Number(r['leq']) }));
  if (!rows.length) return undefined;
  const first = Math.min(...rows.map((r) => r.hour));
  return noisePanel(rows, { start: Math.max(start, first), end });
}

/** sensor_id → noise source (from the sensors dataset; 'unknown' when absent) */
export async function readNoiseSources(ctx: StageContext): Promise<Map<string, NoiseSource>> {
  await ctx.duck.attachLake(ctx.store, [sensors]);
  const result = await ctx.duck.all(`SELECT sensor_id, max_by(noise_source, last_seen) AS noise_source FROM ${sensors.name} GROUP BY sensor_id`);
  const out = new Map<string, NoiseSource>();
  for (const r of result.rows) {
    const s = String(r['noise_source']);
    out.set(String(r['sensor_id']), isNoiseSource(s) ? s : 'unknown');
  }
  return out;
}
