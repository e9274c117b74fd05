import { weatherDaily } from '../datasets/index.ts';
import { HEAT } from '../domain/heat/thresholds.ts';
import { getWithRetry, type HttpDeps, type RetryPolicy } from '../http/fetch.ts';
import { sqlString } from '../sql/literals.ts';
import type { StageContext } from './context.ts';
import { ingestMeteoFranceForecast } from './ingest-meteofrance-forecast.ts';
import type { IngestSummary } from './ingest-noise.ts';

// The forecast poller (daily, in the evening): for each heat reference station of the Métropole
// (config/heat-thresholds.json), the point forecast at the station's position (its lat/lon as
// weather_daily holds them, one source of truth), stored raw and curated into weather_forecasts. The
// service gives only the current forecast: the record of past forecasts, from which the heat-wave
// forecast learns its errors, is what this poller has kept. A failed station does not stop the others.

export const FORECAST_PATH = '/v2/forecast';
/** the environment variable holding the service's token (the secret observatory/<env>/sources/meteo-france-api-key on AWS, docs/deploy.md) */
export const FORECAST_TOKEN_ENV = 'OBSERVATORY_METEOFRANCE_FORECAST_TOKEN';

export interface PollForecastOptions {
  readonly baseUrl: string;
  readonly token: string;
  /** station → position; default: the reference stations' positions in weather_daily */
  readonly points?: ReadonlyMap<string, { lat: number; lon: number }>;
  readonly retry?: Partial<RetryPolicy>;
  readonly http?: HttpDeps;
  readonly demo?: boolean;
}

export interface PollForecastSummary {
  readonly stations: { station: string; status: 'ok' | 'failed' | 'no-position'; curated: number; quarantined: number; error?: string }[];
  readonly curated: number;
  readonly quarantined: number;
  readonly retries: number;
  readonly failed: number;
}

export function forecastUrl(baseUrl: string, point: { lat: number; lon: number }, token: string): string {
  const u = new URL(baseUrl.replace(/\/+$/, '') + FORECAST_PATH);
  u.searchParams.set('lat', point.lat.toFixed(5));
  u.searchParams.set('lon', point.lon.toFixed(5));
  u.searchParams.set('lang', 'fr');
  u.searchParams.set('token', token);
  return u.toString();
}

/** the reference stations, each once */
export const forecastStations = () => [...new Set(Object.values(HEAT.departements).map((d) => d.reference_station))];

async function positions(ctx: StageContext, stations: readonly string[]): Promise<Map<string, { lat: number; lon: number }>> {
  await ctx.lake.attach([weatherDaily]);
  const r = await ctx.lake.all(
    `SELECT station_id, max_by(lat, day) AS lat, max_by(lon, day) AS lon FROM ${weatherDaily.name}
     WHERE station_id IN (${stations.map(sqlString).join(', ')}) AND lat IS NOT NULL AND lon IS NOT NULL GROUP BY station_id`,
  );
  return new Map(r.rows.map((row) => [String(row['station_id']), { lat: Number(row['lat']), lon: Number(row['lon']) }]));
}

export async function pollMeteoFranceForecast(ctx: StageContext, options: PollForecastOptions): Promise<PollForecastSummary> {
  const stations = forecastStations();
  const points = options.points ?? (await positions(ctx, stations));
  let retries = 0;
  const out: PollForecastSummary['stations'] = [];
  for (const station of stations) {
    const point = points.get(station);
    if (!point) {
      out.push({ station, status: 'no-position', curated: 0, quarantined: 0, error: 'weather_daily has no position for the station (ingest its daily file first)' });
      continue;
    }
    const url = forecastUrl(options.baseUrl, point, options.token);
    // the origin kept with the raw file names the station, never the token
    const origin = `${url.replace(/([?&]token=)[^&]*/, '$1…')}&station=${station}`;
    try {
      const res = await getWithRetry(url, {
        policy: options.retry,
        deps: options.http,
        onRetry: (e) => {
          retries++;
          ctx.logger.warn(`poll-meteofrance-forecast: ${station}: ${e.reason}; attempt ${e.attempt + 1} in ${e.delayMs} ms`);
        },
      });
      const s: IngestSummary = await ingestMeteoFranceForecast(ctx, { bytes: res.body, origin, station, demo: options.demo, contentType: res.headers.get('content-type') ?? undefined });
      out.push({ station, status: s.unreadable ? 'failed' : 'ok', curated: s.curated, quarantined: s.quarantined, ...(s.unreadable ? { error: s.unreadable } : {}) });
    } catch (e) {
      const message = (e as Error).message.replace(options.token, '…');
      ctx.logger.error(`poll-meteofrance-forecast: ${station}: ${message}`);
      out.push({ station, status: 'failed', curated: 0, quarantined: 0, error: message });
    }
  }
  const summary = {
    stations: out,
    curated: out.reduce((t, s) => t + s.curated, 0),
    quarantined: out.reduce((t, s) => t + s.quarantined, 0),
    retries,
    failed: out.filter((s) => s.status !== 'ok').length,
  };
  ctx.logger.info(`poll-meteofrance-forecast: ${out.length} stations, ${summary.curated} forecast days curated, ${summary.quarantined} quarantined${summary.failed ? `, ${summary.failed} failed` : ''}`);
  return summary;
}
