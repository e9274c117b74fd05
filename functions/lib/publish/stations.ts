import { z } from 'zod';
import stationsJson from '../../../config/reference-stations.json' with { type: 'json' };
import { COMMUNES } from '../domain/geo/communes.ts';
import { parseConfigFile } from '../domain/flood/config.ts';
import { HEAT } from '../domain/heat/thresholds.ts';

// The reference weather station of each commune (config/reference-stations.json): the station its heat
// indicators and its heat-wave forecasts come from, named on its page. The heat indicators take the
// département's heat-wave reference station (config/heat-thresholds.json): the file must say the same
// for every commune, and a load that finds otherwise fails, naming the commune.

const schema = z.object({
  description: z.string(),
  communes: z.record(
    z.string().regex(/^\d[\dAB]\d{3}$/, { message: 'an INSEE commune code' }),
    z.object({ station_id: z.string().regex(/^\d{8}$/, { message: 'an 8-digit Météo-France station number' }), name: z.string().min(1), basis: z.enum(['departement-reference']) }),
  ),
});

export type ReferenceStation = z.infer<typeof schema>['communes'][string];

export function parseReferenceStations(v: unknown): ReadonlyMap<string, ReferenceStation> {
  const config = parseConfigFile('config/reference-stations.json', schema, v);
  const problems: string[] = [];
  for (const c of COMMUNES) {
    const s = config.communes[c.commune_insee];
    const expected = HEAT.departements[c.departement]?.reference_station;
    if (!s) problems.push(`commune ${c.commune_insee} (${c.name}) has no station: add one`);
    else if (s.station_id !== expected) problems.push(`commune ${c.commune_insee} (${c.name}): station ${s.station_id}, but its heat indicators use ${expected}, the reference station of département ${c.departement} in config/heat-thresholds.json`);
  }
  if (problems.length) throw new Error(`config/reference-stations.json: ${problems.join('; ')}`);
  return new Map(Object.entries(config.communes));
}

const STATIONS = parseReferenceStations(stationsJson);

export function referenceStation(insee: string): ReferenceStation {
  const s = STATIONS.get(insee);
  if (!s) throw new Error(`commune ${insee} has no reference station in config/reference-stations.json`);
  return s;
}
