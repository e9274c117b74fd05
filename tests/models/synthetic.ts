import { hourCalendar, HOUR_MS } from '../../functions/lib/models/calendar.ts';
import type { HourlyLevel } from '../../functions/lib/models/noise/features.ts';
import { mulberry32 } from '../../functions/lib/domain/random.ts';
import type { DailyTemperatures } from '../../functions/lib/models/heat/model.ts';
import type { RegularSeries } from '../../functions/lib/models/river/series.ts';
import { plusDays } from '../../functions/lib/domain/time/holidays.ts';

// Synthetic series for the model tests: small, seeded, with known structure.

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** road-like hourly levels: a diurnal profile, quieter weekends, a level per sensor, AR(1) drift and noise; `noise: 0` repeats every week exactly */
export function syntheticHourly(o: { sensors: number; days: number; start?: string; seed?: number; noise?: number }): HourlyLevel[] {
  const start = Date.parse(`${o.start ?? '2025-10-06'}T00:00:00Z`) / HOUR_MS - 2; // local midnight (UTC+2)
  const hours = o.days * 24;
  const cal = hourCalendar(start, hours);
  const random = mulberry32(o.seed ?? 7);
  const noise = o.noise ?? 1;
  const rows: HourlyLevel[] = [];
  for (let s = 0; s < o.sensors; s++) {
    const base = 52 + 3 * (s % 5);
    let drift = 0;
    for (let i = 0; i < hours; i++) {
      const h = cal.localHour[i]!;
      const night = h < 6 || h >= 22;
      const diurnal = night ? -9 + (h >= 22 ? -(h - 22) : -Math.max(0, 3 - h)) : 2 * Math.sin((Math.PI * (h - 6)) / 16);
      const weekend = cal.dayType[i] === 2 ? -3 : cal.dayType[i] === 1 ? -1.5 : 0;
      drift = 0.8 * drift + noise * 0.8 * gaussian(random);
      const leq = base + diurnal + weekend + drift + noise * 0.5 * gaussian(random);
      rows.push({ sensor_id: `s${String(s).padStart(2, '0')}`, hour: start + i, leq });
    }
  }
  return rows;
}

/**
 * A daily flow at a downstream station and an upstream station that leads it by `lagDays`: the
 * downstream flow is a smoothed, delayed copy of the upstream one plus a slow local inflow, so that
 * knowing the upstream flow today tells the downstream flow in `lagDays` days.
 */
export function syntheticRiver(o: { days: number; lagDays?: number; seed?: number; start?: string }): RegularSeries {
  const lag = o.lagDays ?? 2;
  const random = mulberry32(o.seed ?? 11);
  const up = new Float64Array(o.days);
  const down = new Float64Array(o.days);
  let storm = 0;
  for (let d = 0; d < o.days; d++) {
    const season = 1 + 0.6 * Math.cos((2 * Math.PI * d) / 365.25);
    storm = 0.8 * storm + (random() < 0.06 ? 2 + 6 * random() : 0);
    up[d] = 40 * season * (1 + storm) * (1 + 0.03 * gaussian(random));
  }
  for (let d = 0; d < o.days; d++) {
    const a = up[Math.max(0, d - lag)]!;
    const b = up[Math.max(0, d - lag - 1)]!;
    down[d] = 1.8 * (0.7 * a + 0.3 * b) + 30 * (1 + 0.6 * Math.cos((2 * Math.PI * d) / 365.25)) * (1 + 0.02 * gaussian(random));
  }
  return { start: Date.parse(`${o.start ?? '1990-01-01'}T00:00:00Z`), stepHours: 24, length: o.days, columns: { UP: up, DOWN: down } };
}

/**
 * A river driven by basin rain: daily rain (mm, RR of the day: 06 UTC to 06 UTC the next day) with wet
 * spells, and the flow at the target (RAIN_FLOW) a seasonal base flow plus the rain of 2 to 4 days
 * before, routed through a slow store: a flood rises days after the rain that makes it, so the rain
 * known at an origin says where the flow goes while the flow alone does not yet.
 */
export function syntheticRainRiver(o: { days: number; seed?: number; start?: string }): RegularSeries {
  const random = mulberry32(o.seed ?? 23);
  const rain = new Float64Array(o.days);
  const flow = new Float64Array(o.days);
  let wet = 0;
  let store = 0;
  for (let d = 0; d < o.days; d++) {
    wet = random() < (wet > 0 ? 0.6 : 0.2) ? 1 : 0;
    rain[d] = wet ? 4 * -Math.log(1 - random()) * (1 + 0.5 * Math.cos((2 * Math.PI * d) / 365.25)) : 0;
  }
  for (let d = 0; d < o.days; d++) {
    const routed = (k: number) => (d - k >= 0 ? rain[d - k]! : 0);
    store = 0.92 * store + 0.08 * routed(3);
    const base = 60 * (1 + 0.5 * Math.cos((2 * Math.PI * d) / 365.25));
    flow[d] = (base + 9 * (0.5 * routed(2) + 0.3 * routed(3) + 0.2 * routed(4)) + 40 * store) * (1 + 0.01 * gaussian(random));
  }
  return { start: Date.parse(`${o.start ?? '1990-01-01'}T00:00:00Z`), stepHours: 24, length: o.days, columns: { RAIN: rain, RAIN_FLOW: flow } };
}

/** the series as a TSV file: date, then one column per station */
export function seriesTsv(s: RegularSeries): string {
  const names = Object.keys(s.columns);
  const lines = [['date', ...names].join('\t')];
  for (let i = 0; i < s.length; i++) {
    const date = new Date(s.start + i * 86_400_000).toISOString().slice(0, 10);
    lines.push([date, ...names.map((n) => s.columns[n]![i]!.toFixed(2))].join('\t'));
  }
  return lines.join('\n') + '\n';
}

/** daily TN/TX with a seasonal cycle and persistent (AR(1)) anomalies: summers have heat-wave spells */
export function syntheticTemperatures(o: { years: number; seed?: number; start?: string }): DailyTemperatures {
  const random = mulberry32(o.seed ?? 3);
  const start = o.start ?? '2010-01-01';
  const days: string[] = [];
  const n = Math.round(o.years * 365.25);
  const tn = new Float64Array(n);
  const tx = new Float64Array(n);
  let anomaly = 0;
  for (let d = 0; d < n; d++) {
    const day = plusDays(start, d);
    days.push(day);
    const doy = (Date.parse(`${day}T00:00:00Z`) - Date.UTC(Number(day.slice(0, 4)), 0, 1)) / 86_400_000;
    const season = -Math.cos((2 * Math.PI * (doy - 15)) / 365.25);
    anomaly = 0.85 * anomaly + 1.6 * gaussian(random);
    tn[d] = 11 + 7.5 * season + anomaly + 0.8 * gaussian(random);
    tx[d] = 17 + 9.5 * season + 1.3 * anomaly + 1.2 * gaussian(random);
  }
  return { days, tn, tx, ibmnThreshold: 19, ibmxThreshold: 28 };
}
