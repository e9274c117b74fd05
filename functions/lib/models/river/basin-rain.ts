import { z } from 'zod';
import stationsJson from '../../../../config/basin-rain-stations.json' with { type: 'json' };

// config/basin-rain-stations.json, validated once: the Météo-France stations whose daily rain (RR of
// weather_daily) the river model takes as the rain over the Seine basin upstream of Paris.

const schema = z.object({
  stations: z
    .array(
      z.object({
        station_id: z.string().regex(/^\d{8}$/, 'an 8-digit Météo-France station number (NUM_POSTE)'),
        label: z.string(),
        departement: z.string().regex(/^\d{2}$/, 'a 2-digit département'),
        basin: z.string(),
        why: z.string().min(10, 'say why the station matters to the flows at Paris'),
        station_verified: z.boolean(),
        ingested_by_poller: z.boolean(),
      }),
    )
    .min(1),
  left_out: z.array(z.object({ label: z.string(), why: z.string() })),
});
export type BasinRainStations = z.infer<typeof schema>;

export function loadBasinRainStations(value: unknown = stationsJson): BasinRainStations {
  const r = schema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`config/basin-rain-stations.json: ${i.path.join('.')}: ${i.message}`);
  }
  for (const s of r.data.stations) {
    if (!s.station_id.startsWith(s.departement)) {
      throw new Error(`config/basin-rain-stations.json: station ${s.station_id} (${s.label}): its number starts with its département, expected ${s.departement}, found ${s.station_id.slice(0, 2)}`);
    }
  }
  return r.data;
}

export const BASIN_RAIN_STATIONS: BasinRainStations = loadBasinRainStations();

/** the basin stations' numbers */
export const BASIN_RAIN_STATION_IDS: readonly string[] = BASIN_RAIN_STATIONS.stations.map((s) => s.station_id);

/** the prefix naming a series column of daily rain (apart from the gauges' columns) */
export const RAIN_PREFIX = 'rain:';

/** a series column holding a basin station's daily rain */
export const rainColumn = (station: string) => `${RAIN_PREFIX}${station}`;

/** the station of a rain column (`rain:<station>` → `<station>`) */
export const stationOfRainColumn = (column: string) => (column.startsWith(RAIN_PREFIX) ? column.slice(RAIN_PREFIX.length) : column);
