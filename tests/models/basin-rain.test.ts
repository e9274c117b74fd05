import { describe, expect, it } from 'vitest';
import stationsJson from '../../config/basin-rain-stations.json' with { type: 'json' };
import { weatherDaily } from '../../functions/lib/datasets/index.ts';
import { BASIN_RAIN_DEPARTEMENTS, WEATHER_DEPARTEMENTS } from '../../functions/lib/domain/heat/basin-rain-stations.ts';
import { BASIN_RAIN_STATIONS, loadBasinRainStations, rainColumn, stationOfRainColumn } from '../../functions/lib/models/river/basin-rain.ts';
import { basinRain, riverFeatureNames, riverFeatureRow } from '../../functions/lib/models/river/model.ts';
import type { RegularSeries } from '../../functions/lib/models/river/series.ts';
import { evaluateRiverSeries } from '../../functions/lib/stages/train-river.ts';
import { defined } from '../support/defined.ts';
import { tempLake } from '../support/lake.ts';
import { syntheticRainRiver } from './synthetic.ts';

// config/basin-rain-stations.json and the basin-rain inputs of the river model.

describe('config/basin-rain-stations.json', () => {
  it('loads, each station with why it matters; its départements outside the Métropole are the ones weather_daily adds to the Métropole’s', () => {
    expect(BASIN_RAIN_STATIONS.stations.length).toBeGreaterThanOrEqual(5);
    expect(BASIN_RAIN_DEPARTEMENTS).toEqual(['58', '89', '10', '52', '77']);
    expect(WEATHER_DEPARTEMENTS).toEqual(['75', '91', '92', '93', '94', '95', '58', '89', '10', '52', '77']);
    expect(weatherDaily.columns.find((c) => c.name === 'departement')?.values).toEqual(WEATHER_DEPARTEMENTS);
    expect(stationOfRainColumn(rainColumn('89024001'))).toBe('89024001');
  });

  it('refuses a malformed station number or one outside its département, naming the file, the station and what was expected', () => {
    const withAuxerre = (station_id: string) => ({ ...stationsJson, stations: stationsJson.stations.map((s, i) => (i === 1 ? { ...s, station_id } : s)) });
    expect(() => loadBasinRainStations(withAuxerre('8902400'))).toThrow('config/basin-rain-stations.json: stations.1.station_id: an 8-digit Météo-France station number (NUM_POSTE)');
    const bad = withAuxerre('77024001');
    expect(() => loadBasinRainStations(bad)).toThrow('config/basin-rain-stations.json: station 77024001 (Auxerre): its number starts with its département, expected 89, found 77');
  });
});

describe('basin rain features', () => {
  // a daily series: flows at the target, rain at two stations (one missing on day 30)
  const days = 60;
  const flow = Float64Array.from({ length: days }, (_, i) => 100 + i);
  const a = Float64Array.from({ length: days }, (_, i) => (i % 5 === 0 ? 10 : 0));
  const b = Float64Array.from({ length: days }, (_, i) => (i === 30 ? NaN : 2));
  const series: RegularSeries = { start: Date.UTC(2024, 0, 1), stepHours: 24, length: days, columns: { Q: flow, 'rain:A': a, 'rain:B': b } };
  const setup = { target: 'Q', upstream: [], rain: ['rain:A', 'rain:B'], transform: 'log' as const };

  it('averages the stations reporting each day', () => {
    const r = basinRain(series, setup.rain);
    expect(r[0]).toBe(6);
    expect(r[1]).toBe(1);
    expect(r[30]).toBe(10);
  });

  it('sums the days before the origin’s: the origin day’s rain (measured until 06 UTC the next morning) is never an input', () => {
    const names = riverFeatureNames(setup, 24);
    const row = defined(riverFeatureRow(series, setup, { Q: 1 }, 40), 'a feature row at day 40');
    const at = (n: string) => row[names.indexOf(n)];
    // day 39: (0 + 2) / 2; days 37-39: 1 + 1 + 1; days 33-39: 6 + 6 × 1 (day 35 has 10 at A)
    expect(at('basin_rain_1d')).toBe(1);
    expect(at('basin_rain_3d')).toBe(3);
    expect(at('basin_rain_7d')).toBe(12);
    const wetOrigin = { ...series, columns: { ...series.columns, 'rain:A': a.map((v, i) => (i === 40 ? 500 : v)) } };
    expect(riverFeatureRow(wetOrigin, setup, { Q: 1 }, 40)).toEqual(row);
  });

  it('drops an origin whose day before has no rain at any station, and refuses an hourly series', () => {
    const dry = { ...series, columns: { ...series.columns, 'rain:A': a.map((v, i) => (i === 39 ? NaN : v)), 'rain:B': b.map((v, i) => (i === 39 ? NaN : v)) } };
    expect(riverFeatureRow(dry, setup, { Q: 1 }, 40)).toBeUndefined();
    // a 3-day window may miss none of its days (less than a fifth), a 7-day one one day
    expect(riverFeatureRow(dry, setup, { Q: 1 }, 41)).toBeUndefined();
    expect(riverFeatureRow(dry, setup, { Q: 1 }, 43)).toBeDefined();
    expect(() => basinRain({ ...series, stepHours: 1 }, setup.rain)).toThrow('basin rain is daily: it needs a daily series, not one of 1 h steps');
  });
});

describe('evaluateRiverSeries() with a rain column', () => {
  it('takes a column named rain:<station> as basin rain, not as an upstream flow', async () => {
    const lake = await tempLake();
    try {
      const s = syntheticRainRiver({ days: 900, seed: 9 });
      const series = { ...s, columns: { Q: defined(s.columns['RAIN_FLOW'], 'the flow column'), 'rain:X': defined(s.columns['RAIN'], 'the rain column') } };
      const r = await evaluateRiverSeries(lake, { name: 'rain.tsv', series, target: 'Q', trainUntil: '1992-01-01', steps: 200, dryRun: true });
      expect(r.report.notes[0]).toContain('basin rain (mean of rain:X)');
      expect(r.report.notes[0]).not.toContain('upstream');
      expect(lake.logs.join('\n')).toContain('Q from its own history and the basin rain of rain:X');
    } finally {
      await lake.cleanup();
    }
  }, 60_000);
});
