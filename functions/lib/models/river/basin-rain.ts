import { BASIN_RAIN_STATIONS } from '../../domain/heat/basin-rain-stations.ts';

// The river model's basin rain inputs: the daily rain (RR of weather_daily) of the stations of
// config/basin-rain-stations.json (loaded and validated in domain/heat/basin-rain-stations.ts), one
// series column per station.

export { BASIN_RAIN_STATIONS, loadBasinRainStations, type BasinRainStations } from '../../domain/heat/basin-rain-stations.ts';

/** the basin stations' numbers */
export const BASIN_RAIN_STATION_IDS: readonly string[] = BASIN_RAIN_STATIONS.stations.map((s) => s.station_id);

/** the prefix naming a series column of daily rain (apart from the gauges' columns) */
export const RAIN_PREFIX = 'rain:';

/** a series column holding a basin station's daily rain */
export const rainColumn = (station: string) => `${RAIN_PREFIX}${station}`;

/** the station of a rain column (`rain:<station>` → `<station>`) */
export const stationOfRainColumn = (column: string) => (column.startsWith(RAIN_PREFIX) ? column.slice(RAIN_PREFIX.length) : column);
