import { z } from 'zod';
import stationsJson from '../../../../config/basin-rain-stations.json' with { type: 'json' };
import { METROPOLE_DEPARTEMENTS } from './thresholds.ts';

// config/basin-rain-stations.json, validated once: the Météo-France stations whose daily rain (RR of
// weather_daily) the river model takes as the rain over the Seine basin upstream of Paris. Their
// départements are, with the Métropole's, the ones weather_daily holds: the one declaration the
// poller, the parser and the dataset read.

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
      }),
    )
    .min(1),
  left_out: z.array(z.object({ label: z.string(), why: z.string() })),
});
export type BasinRainStations = z.infer<typeof schema>;

export function loadBasinRainStations(value: unknown = stationsJson): BasinRainStations {
  const r = schema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`config/basin-rain-stations.json: ${i?.path.join('.') ?? ''}: ${i?.message ?? r.error.message}`);
  }
  for (const s of r.data.stations) {
    if (!s.station_id.startsWith(s.departement)) {
      throw new Error(`config/basin-rain-stations.json: station ${s.station_id} (${s.label}): its number starts with its département, expected ${s.departement}, found ${s.station_id.slice(0, 2)}`);
    }
  }
  return r.data;
}

export const BASIN_RAIN_STATIONS: BasinRainStations = loadBasinRainStations();

export const isMetropoleDepartement = (departement: string): boolean => (METROPOLE_DEPARTEMENTS as readonly string[]).includes(departement);

/** the départements of the basin rain stations outside the Métropole's, in the file's order */
export const BASIN_RAIN_DEPARTEMENTS: readonly string[] = [...new Set(BASIN_RAIN_STATIONS.stations.map((s) => s.departement))].filter(
  (d) => !isMetropoleDepartement(d),
);

/** the départements whose stations weather_daily holds: the Métropole's (heat), then the basin rain stations' (river) */
export const WEATHER_DEPARTEMENTS: readonly string[] = [...METROPOLE_DEPARTEMENTS, ...BASIN_RAIN_DEPARTEMENTS];

