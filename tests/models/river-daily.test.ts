import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plusDays } from '../../functions/lib/domain/time/holidays.ts';
import { RIVER_GAUGES } from '../../functions/lib/models/river/gauges.ts';
import { ingestHubeauDaily } from '../../functions/lib/stages/ingest-hubeau-daily.ts';
import { readRiverDaily } from '../../functions/lib/stages/model-inputs.ts';
import { trainRiver } from '../../functions/lib/stages/train-river.ts';
import { tempLake } from '../support/lake.ts';
import { syntheticRainRiver, syntheticRiver } from './synthetic.ts';
import { ingestMeteoFrance } from '../../functions/lib/stages/ingest-meteofrance.ts';
import { predictRiver } from '../../functions/lib/stages/predict.ts';
import { withBasinRain } from '../../functions/lib/stages/model-inputs.ts';
import { BASIN_RAIN_STATIONS, rainColumn } from '../../functions/lib/models/river/basin-rain.ts';
import { forecastRiver, type RiverPreprocessing } from '../../functions/lib/models/river/model.ts';
import { loadCurrent } from '../../functions/lib/models/registry.ts';
import { tfRuntime } from '../../functions/lib/models/runtime.ts';
import type { PredictionRow } from '../../functions/lib/models/prediction-row.ts';
import { isMetropoleDepartement } from '../../functions/lib/domain/heat/basin-rain-stations.ts';
import { defined } from '../support/defined.ts';

// The river model on river_daily: obs_elab pages (the real response shape) of Paris-Austerlitz and of an
// upstream gauge whose flow reaches it two days later go through the ingest; train-river then learns from
// the daily means with the upstream gauge as an input.

const START = '2021-01-01';
const DAYS = 800;
const TARGET = RIVER_GAUGES.target.code_entite;
const UPSTREAM = defined(RIVER_GAUGES.upstream.find((g) => g.label === 'Pont-sur-Seine'), 'the Pont-sur-Seine gauge').code_entite;
/** a column of the synthetic series */
const col = (series: { columns: Record<string, Float64Array> }, name: string) => defined(series.columns[name], `a column ${name}`);

/** a metric's MAE (NaN when absent: every comparison with it fails) */
const mae = (m: Readonly<Record<string, number | null>> | undefined) => m?.['mae'] ?? NaN;

function page(station: string, site: string, values: Float64Array): Uint8Array {
  const data = Array.from(values, (v, i) => ({
    code_site: site,
    code_station: station,
    date_obs_elab: plusDays(START, i),
    resultat_obs_elab: Math.round(v * 1000),
    code_statut: 16,
    libelle_statut: 'Donnée validée',
    code_methode: 12,
    libelle_methode: 'Interpolée',
    code_qualification: 20,
    libelle_qualification: 'Bonne',
    grandeur_hydro_elab: 'QmnJ',
  }));
  return Buffer.from(JSON.stringify({ count: data.length, first: null, prev: null, next: null, api_version: '2.0.1', data }));
}

describe('train-river on river_daily', () => {
  let lake: Awaited<ReturnType<typeof tempLake>>;
  const s = syntheticRiver({ days: DAYS, lagDays: 2, seed: 4, start: START });
  beforeAll(async () => {
    lake = await tempLake({ now: new Date('2023-06-01T12:00:00Z') });
    await ingestHubeauDaily(lake, { bytes: page(TARGET, TARGET.slice(0, 8), col(s, 'DOWN')), origin: 'austerlitz.json' });
    await ingestHubeauDaily(lake, { bytes: page(`${UPSTREAM}01`, UPSTREAM, col(s, 'UP')), origin: 'pont-sur-seine.json' });
  }, 120_000);
  afterAll(async () => lake?.cleanup());

  it('reads the gauges back as a daily series, a site code standing for its station', async () => {
    const series = defined(await readRiverDaily(lake, [TARGET, UPSTREAM]), 'the daily series');
    expect(series).toMatchObject({ stepHours: 24, length: DAYS, start: Date.parse(`${START}T00:00:00Z`) });
    expect(col(series, UPSTREAM)[10]).toBeCloseTo(col(s, 'UP')[10] ?? NaN, 2);
    expect(col(series, TARGET)[DAYS - 1]).toBeCloseTo(col(s, 'DOWN')[DAYS - 1] ?? NaN, 2);
  });

  it('trains on the daily means with the upstream gauge as an input, and beats persistence at 2–3 days', async () => {
    const r = await trainRiver(lake, { testDays: 120, steps: 600 });
    expect(r.skipped).toBeUndefined();
    const report = defined(r.report, 'the training report');
    expect(report.horizons.map((h) => h.horizon_hours)).toEqual([24, 48, 72]);
    for (const h of report.horizons.slice(1)) expect(h.model['mae']).toBeLessThan(mae(h.baselines['persistence']) * 0.8);
    expect(lake.logs.join('\n')).toContain(`from ${UPSTREAM} (river_daily)`);
  }, 120_000);
});

// Basin rain: a river whose floods follow the rain of 2-4 days before. Austerlitz's daily means go through
// the Hub'Eau ingest and the rain of a declared basin station outside the Métropole
// (config/basin-rain-stations.json) through the Météo-France daily-file ingest, RR column; train-river takes
// the rain as an input, predict reads it back, and the forecast moves with the last known day's rain.
describe('basin rain reaches the river model', () => {
  const RAIN_START = '2021-01-01';
  const RAIN_DAYS = 800;
  const station = defined(BASIN_RAIN_STATIONS.stations.find((x) => !isMetropoleDepartement(x.departement)), 'a basin station outside the Métropole').station_id;
  const s = syntheticRainRiver({ days: RAIN_DAYS, seed: 5, start: RAIN_START });
  const lastDay = plusDays(RAIN_START, RAIN_DAYS - 1);
  let lake: Awaited<ReturnType<typeof tempLake>>;
  beforeAll(async () => {
    lake = await tempLake({ now: new Date(`${plusDays(lastDay, 1)}T09:00:00Z`) });
    await ingestHubeauDaily(lake, { bytes: page(TARGET, TARGET.slice(0, 8), col(s, 'RAIN_FLOW')), origin: 'austerlitz.json' });
    // RR of the last day is measured until 06 UTC the next morning: the file has it, the model must not use it at the origin
    const lines = Array.from(col(s, 'RAIN'), (rr, i) => [station, 'BASIN', '48.7', '2.4', '89', plusDays(RAIN_START, i).replaceAll('-', ''), rr.toFixed(1), i === 100 ? 2 : 1, '', '', '', '', '', ''].join(';'));
    const summary = await ingestMeteoFrance(lake, { bytes: Buffer.from(['NUM_POSTE;NOM_USUEL;LAT;LON;ALTI;AAAAMMJJ;RR;QRR;TN;QTN;TX;QTX;TM;QTM', ...lines].join('\n')), origin: `Q_${station.slice(0, 2)}_rain.csv` });
    expect(summary.curated).toBe(RAIN_DAYS);
  }, 120_000);
  afterAll(async () => lake?.cleanup());

  it('reads the station’s RR from weather_daily on the series’ days, a doubtful value left out', async () => {
    const series = await withBasinRain(lake, defined(await readRiverDaily(lake, [TARGET]), 'the daily series'), [station]);
    const rain = col(series, rainColumn(station));
    expect(rain[10]).toBeCloseTo(col(s, 'RAIN')[10] ?? NaN, 1);
    expect(rain[100]).toBeNaN();
    expect(rain.filter(Number.isFinite).length).toBe(RAIN_DAYS - 1);
  });

  it('trains with the basin rain as an input, and the forecast moves with the rain known at its origin', async () => {
    const r = await trainRiver(lake, { testDays: 120, steps: 600 });
    expect(r.skipped).toBeUndefined();
    expect(lake.logs.join('\n')).toContain(`and the basin rain of ${station} (river_daily)`);
    const loaded = defined(await loadCurrent(lake.store, 'river'), 'the current river model');
    const pre = loaded.metadata.preprocessing as unknown as RiverPreprocessing;
    expect(pre.setup.rain).toEqual([rainColumn(station)]);
    expect(loaded.metadata.features).toEqual(expect.arrayContaining(['basin_rain_1d', 'basin_rain_3d', 'basin_rain_7d', 'basin_rain_30d']));
    // rain drives the floods here, 2-4 days after it falls: at 1 and 2 days the rain already known says where
    // the flow goes (at 3 days it mostly depends on rain still to come)
    const [d1, d2] = defined(r.report, 'the training report').horizons;
    expect(d1?.model['mae']).toBeLessThan(mae(d1?.baselines['persistence']) * 0.5);
    expect(d2?.model['mae']).toBeLessThan(mae(d2?.baselines['persistence']) * 0.8);

    const rows: PredictionRow[] = [];
    const predicted = await predictRiver(lake, rows, false);
    expect(predicted.origin).toBe(new Date(Date.parse(`${lastDay}T00:00:00Z`) + 86_400_000).toISOString());
    expect(rows.map((x) => x.horizon_hours)).toEqual([24, 48, 72]);

    // the same origin with a dry or a very wet day before it: the network's 1- to 3-day forecasts follow the rain
    const series = await withBasinRain(lake, defined(await readRiverDaily(lake, [TARGET]), 'the daily series'), [station]);
    const withRain = (mm: number) => {
      const rain = col(series, rainColumn(station)).slice();
      rain[RAIN_DAYS - 2] = mm;
      return { ...series, columns: { ...series.columns, [rainColumn(station)]: rain } };
    };
    const rt = await tfRuntime({ logger: lake.logger });
    const at = async (mm: number) => {
      const f = await forecastRiver(rt, { model: loaded.model, version: loaded.pointer.version, preprocessing: pre, publish: { flow: 'model' } }, withRain(mm), lake.now(), TARGET);
      if ('skipped' in f) throw new Error(f.skipped);
      return f.rows.map((x) => x.value ?? NaN);
    };
    const [dry, wet] = [await at(0), await at(60)];
    for (const h of [0, 1, 2]) expect(wet[h]).toBeGreaterThan((dry[h] ?? NaN) * 1.1);
    // the last day's own rain (not known at the origin) changes nothing
    const late = { ...series, columns: { ...series.columns, [rainColumn(station)]: col(series, rainColumn(station)).map((v, i) => (i === RAIN_DAYS - 1 ? 200 : v)) } };
    const f = await forecastRiver(rt, { model: loaded.model, version: loaded.pointer.version, preprocessing: pre, publish: { flow: 'model' } }, late, lake.now(), TARGET);
    expect('rows' in f && f.rows.map((x) => x.value)).toEqual((await at(col(series, rainColumn(station))[RAIN_DAYS - 2] ?? NaN)));
    loaded.model.dispose();
  }, 180_000);
});
