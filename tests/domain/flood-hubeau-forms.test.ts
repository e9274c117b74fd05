import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseHubeau, type HubeauPayload } from '../../functions/lib/domain/flood/index.ts';

// The Hub'Eau API's other forms: `format=geojson` (a FeatureCollection with the envelope beside
// `features`) and the v1 observations_tr of older archives. The GeoJSON page is the recorded v2
// referential page of tests/fixtures/flood (MartinPecheur), put in the GeoJSON shape the API gives
// with format=geojson; the v1 page is generated with the v1 field set (api_version 1.0.1).
const fixture = async (name: string) => JSON.parse(await readFile(new URL(`../fixtures/flood/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

const asGeoJson = ({ data, ...envelope }: Record<string, unknown>, withoutPosition: boolean) => ({
  type: 'FeatureCollection',
  ...envelope,
  features: (data as Record<string, unknown>[]).map((row) => {
    const { longitude_station: lon, latitude_station: lat, ...rest } = row;
    return { type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties: withoutPosition ? rest : row };
  }),
});

describe('Hub’Eau GeoJSON and v1 forms', () => {
  it('reads a referentiel/stations page in format=geojson as its JSON form, the position from the geometry when the properties lack it', async () => {
    const json = await fixture('referentiel_stations_K447001001.json');
    const fromJson = parseHubeau(JSON.stringify(json));
    for (const withoutPosition of [false, true]) {
      const fromGeoJson = parseHubeau(JSON.stringify(asGeoJson(json, withoutPosition)));
      expect(fromGeoJson.kind).toBe('stations');
      expect(fromGeoJson.envelope).toEqual(fromJson.envelope);
      const [a, b] = [fromGeoJson, fromJson].map((p) => (p.kind === 'stations' ? p.stations.map(({ recordText: _r, ...s }) => s) : []));
      expect(a).toEqual(b);
      expect(a![0]).toMatchObject({ stationCode: 'K447001001', lon: 1.335147948, lat: 47.584957074 });
    }
  });

  it('reads observations_tr in format=geojson', async () => {
    const json = await fixture('observations_tr_K447001001_H.json');
    const { data, ...envelope } = json;
    const geo = { type: 'FeatureCollection', ...envelope, features: (data as Record<string, unknown>[]).map((p) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [p.longitude, p.latitude] }, properties: p })) };
    const a = parseHubeau(JSON.stringify(geo)) as Extract<HubeauPayload, { kind: 'observations' }>;
    const b = parseHubeau(JSON.stringify(json)) as Extract<HubeauPayload, { kind: 'observations' }>;
    expect(a.kind).toBe('observations');
    expect(a.observations.map((o) => [o.stationCode, o.ts.toISOString(), o.resultatObs])).toEqual(b.observations.map((o) => [o.stationCode, o.ts.toISOString(), o.resultatObs]));
    expect(a.observations.length).toBeGreaterThan(0);
  });

  it('reads a v1 observations_tr page: statut_serie as the status, continuite_obs_hydro left aside', () => {
    const v1 = {
      count: 2,
      first: 'https://hubeau.eaufrance.fr/api/v1/hydrometrie/observations_tr?code_entite=F700000103&grandeur_hydro=H&page=1&size=2',
      prev: null,
      next: null,
      api_version: '1.0.1',
      data: [
        { code_site: 'F7000001', code_station: 'F700000103', grandeur_hydro: 'H', date_debut_serie: '2018-01-29T00:00:00Z', date_fin_serie: '2018-01-29T01:00:00Z', statut_serie: 4, code_systeme_alti_serie: 31, date_obs: '2018-01-29T01:00:00Z', resultat_obs: 5840.0, code_methode_obs: 0, libelle_methode_obs: 'Mesure', code_qualification_obs: 16, libelle_qualification_obs: 'Non qualifiée', continuite_obs_hydro: true, longitude: 2.365, latitude: 48.844 },
        { code_site: 'F7000001', code_station: 'F700000103', grandeur_hydro: 'H', date_debut_serie: '2018-01-29T00:00:00Z', date_fin_serie: '2018-01-29T01:00:00Z', statut_serie: 'brute', code_systeme_alti_serie: 31, date_obs: '2018-01-29T00:00:00Z', resultat_obs: 5830.0, code_methode_obs: 0, code_qualification_obs: 16, continuite_obs_hydro: true, longitude: 2.365, latitude: 48.844 },
      ],
    };
    const p = parseHubeau(JSON.stringify(v1)) as Extract<HubeauPayload, { kind: 'observations' }>;
    expect(p.envelope.apiVersion).toBe('1.0.1');
    expect(p.observations.map((o) => [o.stationCode, o.ts.toISOString(), o.resultatObs, o.statusCode, o.qualificationCode, o.continuityCode])).toEqual([['F700000103', '2018-01-29T01:00:00.000Z', 5840, 4, 16, null]]);
    expect(p.rejections.map((r) => [r.record, r.field, r.found])).toEqual([['1', 'statut_serie', '"brute"']]);
  });
});
