import { heatIndicatorsDaily, noiseIndicatorsHourly, riverObservations, sensors } from '../../functions/lib/datasets/index.ts';
import { localHour, parisDate } from '../../functions/lib/domain/time/paris.ts';
import { datasetFileKey } from '../../functions/lib/lake/layout.ts';
import { writeDataset } from '../../functions/lib/lake/write.ts';
import { HOUR_MS } from '../../functions/lib/models/calendar.ts';
import type { HourlyLevel } from '../../functions/lib/models/noise/features.ts';
import type { StageContext } from '../../functions/lib/stages/context.ts';

// Writes synthetic curated rows into a test lake, as the indicator stages would have.

export async function writeHourlyNoise(ctx: StageContext, levels: readonly HourlyLevel[]): Promise<void> {
  const byDt = new Map<string, Record<string, unknown>[]>();
  for (const l of levels) {
    const t = l.hour * HOUR_MS;
    const dt = parisDate(t);
    let rows = byDt.get(dt);
    if (!rows) byDt.set(dt, (rows = []));
    rows.push({ sensor_id: l.sensor_id, commune_insee: '75056', hour_start: new Date(t), local_hour: localHour(t).hour, leq: l.leq, samples: 4, coverage: 1 });
  }
  for (const [dt, rows] of byDt) await writeDataset(ctx, noiseIndicatorsHourly, rows, datasetFileKey(noiseIndicatorsHourly, 'part-0', dt));
  const ids = [...new Set(levels.map((l) => l.sensor_id))];
  const first = new Date(Math.min(...levels.map((l) => l.hour)) * HOUR_MS);
  const last = new Date((Math.max(...levels.map((l) => l.hour)) + 1) * HOUR_MS);
  await writeDataset(
    ctx,
    sensors,
    ids.map((sensor_id) => ({ sensor_id, name: null, lon: 2.35, lat: 48.85, commune_insee: '75056', in_metropole: true, noise_source: 'road', sonometer_class: null, first_seen: first, last_seen: last })),
    datasetFileKey(sensors, 'sensors'),
  );
}

/** hourly stages (m) of the four configured stations: a flood wave at Austerlitz preceded by its upstream stations */
export async function writeRiverStages(ctx: StageContext, o: { start: string; days: number; crest: string; crestM: number }): Promise<void> {
  const stations = [
    { station: 'F700000103', site: 'F7000001', lag: 0, base: 1.9, crest: o.crestM },
    { station: 'F490000104', site: 'F4900001', lag: -6, base: 1.6, crest: o.crestM - 1 },
    { station: 'F664000404', site: 'F6640004', lag: -30, base: 1.2, crest: o.crestM - 2 },
    { station: 'F664000104', site: 'F6640001', lag: -36, base: 1.1, crest: o.crestM - 2.3 },
  ];
  const start = Date.parse(`${o.start}T00:00:00Z`);
  const crest = Date.parse(o.crest);
  const byDt = new Map<string, Record<string, unknown>[]>();
  for (const s of stations) {
    for (let h = 0; h < o.days * 24; h++) {
      const t = start + h * HOUR_MS;
      const days = (t - crest - s.lag * HOUR_MS) / 86_400_000;
      const sigma = days < 0 ? 4.5 : 7;
      const value = s.base + (s.crest - s.base) * Math.exp(-((days / sigma) ** 2) * 2) + 0.02 * Math.sin(h / 5);
      const dt = parisDate(t);
      let rows = byDt.get(dt);
      if (!rows) byDt.set(dt, (rows = []));
      rows.push({
        site_code: s.site,
        station_code: s.station,
        quantity: 'H',
        ts: new Date(t),
        value,
        status_code: 4,
        status_label: null,
        qualification_code: null,
        qualification_label: null,
        method_code: null,
        continuity_code: 0,
        raw_key: 'raw/test',
        record: h,
        received_at: new Date(start),
      });
    }
  }
  for (const [dt, rows] of byDt) await writeDataset(ctx, riverObservations, rows, datasetFileKey(riverObservations, 'part-0', dt));
}

/** TN/TX rows of heat_indicators_daily for one station (thresholds of Paris) */
export async function writeHeatDays(ctx: StageContext, station: string, days: readonly { day: string; tn: number; tx: number }[]): Promise<void> {
  const rows = days.map((d) => ({
    station_id: station,
    departement: station.slice(0, 2),
    day: d.day,
    tn: d.tn,
    tx: d.tx,
    tn_doubtful: false,
    tx_doubtful: false,
    ibmn: null,
    ibmx: null,
    ibmn_threshold: 21,
    ibmx_threshold: 31,
    thresholds_verified: true,
    heatwave: null,
    heatwave_episode: null,
    heatwave_day: null,
    heatwave_days: null,
    tropical_night: null,
    hot_day: null,
    very_hot_day: null,
    dt: d.day,
  }));
  for (const r of rows) await writeDataset(ctx, heatIndicatorsDaily, [r], datasetFileKey(heatIndicatorsDaily, 'part-0', r.dt));
}
