import { DEMO_CLOCK_DAY } from '../demo/clock.ts';
import { normal, stream } from '../demo/prng.ts';
import { HEAT } from '../domain/heat/thresholds.ts';
import { plusDays } from '../domain/time/holidays.ts';
import { localDayBounds } from '../domain/time/paris.ts';
import { PRIOR_ERROR_SD } from '../models/heat/forecast-driven.ts';
import { DEMO_HEAT, DEMO_STATIONS, demoStationTruth } from './heatwave.ts';

// Weather forecasts for the demo and the tests, derived from the observed series: the forecast of day
// D + lead issued on day D is the day's simulated TN/TX plus a seeded Gaussian error whose standard
// deviation is the documented error size of that lead (PRIOR_ERROR_SD, models/heat/forecast-driven.ts,
// with its sources). So the heat-wave forecast is exercised on forecasts as wrong as real ones are said
// to be, never on the truth. Each is served in the shape of Météo-France's forecast service
// ({position, updated_on, daily_forecast: [{dt, T: {min, max, sea}, …}], forecast, probability_forecast}).

export const FORECAST_LEADS = 3;
/** days of forecast issues in the demo, ending the day before the demo clock */
export const DEMO_FORECAST_ISSUES = 14;
/** forecasts are issued at 18:00 local time, once the day's maximum is known */
const ISSUE_HOUR = 18;

export interface DerivedForecast {
  readonly issueDay: string;
  readonly issuedAt: Date;
  readonly daily: { readonly day: string; readonly lead: number; readonly tn: number; readonly tx: number }[];
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/** forecasts issued on each day of `truth` whose targets (lead 0..3) it holds */
export function deriveForecasts(truth: { days: readonly string[]; tn: ArrayLike<number>; tx: ArrayLike<number> }, options: { seed: number; station: string; from?: string; until?: string }): DerivedForecast[] {
  const out: DerivedForecast[] = [];
  for (let d = 0; d + FORECAST_LEADS < truth.days.length; d++) {
    const issueDay = truth.days[d]!;
    if ((options.from && issueDay < options.from) || (options.until && issueDay > options.until)) continue;
    const random = stream(options.seed, 'forecast', options.station, issueDay);
    const daily: DerivedForecast['daily'] = [];
    for (let lead = 0; lead <= FORECAST_LEADS; lead++) {
      const tn = Number(truth.tn[d + lead]);
      const tx = Number(truth.tx[d + lead]);
      // both draws every time, so a missing value does not shift the other days' errors
      const en = normal(random) * PRIOR_ERROR_SD.tn[lead]!;
      const ex = normal(random) * PRIOR_ERROR_SD.tx[lead]!;
      if (!Number.isFinite(tn) || !Number.isFinite(tx)) continue;
      let ftn = r1(tn + en);
      let ftx = r1(tx + ex);
      if (ftx < ftn) [ftn, ftx] = [ftx, ftn];
      daily.push({ day: truth.days[d + lead]!, lead, tn: ftn, tx: ftx });
    }
    out.push({ issueDay, issuedAt: new Date(localDayBounds(issueDay).start + ISSUE_HOUR * 3_600_000), daily });
  }
  return out;
}

/** a forecast in the service's response shape, for a point */
export function forecastResponse(point: { lat: number; lon: number; name: string; alti?: number }, f: DerivedForecast): object {
  return {
    position: { lat: point.lat, lon: point.lon, alti: point.alti ?? null, name: point.name, country: 'FR - France', dept: null, rain_product_available: 1, timezone: 'Europe/Paris', insee: null, bulletin_cote: 0 },
    updated_on: Math.floor(f.issuedAt.getTime() / 1000),
    daily_forecast: f.daily.map((d) => ({
      dt: Math.floor(localDayBounds(d.day).start / 1000),
      T: { min: d.tn, max: d.tx, sea: null },
      humidity: { min: null, max: null },
      precipitation: { '24h': null },
      uv: null,
      weather12H: null,
      sun: { rise: null, set: null },
    })),
    forecast: [],
    probability_forecast: [],
  };
}

export interface DemoForecastResponse {
  readonly station: string;
  readonly point: { lat: number; lon: number; name: string };
  readonly issueDay: string;
  readonly body: object;
}

/** the demo's forecasts at each reference station: one response per issue day, the last one issued the day before the demo clock */
export function demoForecastResponses(): DemoForecastResponse[] {
  const out: DemoForecastResponse[] = [];
  const references = [...new Set(Object.values(HEAT.departements).map((d) => d.reference_station))];
  for (const id of references) {
    const s = DEMO_STATIONS.find((x) => x.id === id);
    if (!s) continue;
    // the simulated weather runs 3 days past the clock: the last issue's targets
    const truth = demoStationTruth(id, DEMO_HEAT.days + FORECAST_LEADS);
    // two weeks of issues: the later week, the heat wave's, is scored (each file costs `npm start` time)
    for (const f of deriveForecasts(truth, { seed: DEMO_HEAT.seed, station: id, from: plusDays(DEMO_CLOCK_DAY, -DEMO_FORECAST_ISSUES), until: plusDays(DEMO_CLOCK_DAY, -1) })) {
      out.push({ station: id, point: { lat: s.lat, lon: s.lon, name: s.name }, issueDay: f.issueDay, body: forecastResponse({ ...s }, f) });
    }
  }
  return out;
}
