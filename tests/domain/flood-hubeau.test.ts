import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { curatedValue, HUBEAU_UNITS, parseHubeau, type HubeauPayload } from '../../functions/lib/domain/flood/index.ts';
import { floodRank, STAGE_1910_M } from '../../functions/lib/domain/flood/reference-floods.ts';
import { HYDROMETRY, parseStationsConfig } from '../../functions/lib/domain/flood/config.ts';
import { UnreadableInputError } from '../../functions/lib/domain/noise/observation.ts';

const fixture = (name: string) => readFile(new URL(`../fixtures/flood/${name}`, import.meta.url), 'utf8');
const observations = (p: HubeauPayload) => {
  if (p.kind !== 'observations') throw new Error(`expected observations, got ${p.kind}`);
  return p;
};

const row = (over: Record<string, unknown> = {}) => ({
  code_site: 'F7000001',
  code_station: 'F700000103',
  grandeur_hydro: 'H',
  date_obs: '2026-01-29T02:00:00Z',
  resultat_obs: 5950,
  code_statut: 4,
  libelle_statut: 'Donnée brute',
  code_qualification_obs: 16,
  code_methode_obs: 0,
  code_continuite: 0,
  ...over,
});
const page = (rows: unknown[]) => JSON.stringify({ count: rows.length, first: 'x', prev: null, next: null, api_version: '2.0.1', data: rows });

describe('parseHubeau() on real Hub’Eau v2 responses (Loire at Blois)', () => {
  it('reads the observations_tr envelope: count, the next cursor URL, the API version', async () => {
    const p = observations(parseHubeau(await fixture('observations_tr_K447001001_H.json')));
    expect(p.envelope).toMatchObject({ count: 206, prev: null, apiVersion: '2.0.1' });
    expect(p.envelope.next).toMatch(/^https:\/\/hubeau\.eaufrance\.fr\/api\/v2\/hydrometrie\/observations_tr\?.*cursor=AoJw/);
    expect(p.rejections).toEqual([]);
  });

  it('keeps the height as received (mm, negative below the gauge zero) with its status and qualification', async () => {
    const [o] = observations(parseHubeau(await fixture('observations_tr_K447001001_H.json'))).observations;
    expect(o).toMatchObject({
      siteCode: 'K4470010',
      stationCode: 'K447001001',
      quantity: 'H',
      resultatObs: -1232,
      statusCode: 12,
      statusLabel: 'Pré-validée',
      qualificationCode: 20,
      qualificationLabel: 'Bonne',
      methodCode: 10,
      continuityCode: 0,
    });
    expect(o!.ts.toISOString()).toBe('2026-08-27T08:00:00.000Z');
  });

  it('reads the site-level row (code_station null) of a query by site as a series of its own, not a rejection', async () => {
    const p = observations(parseHubeau(await fixture('observations_tr_site_K4470010_Q.json')));
    expect(p.rejections).toEqual([]);
    expect(p.observations.map((o) => [o.siteCode, o.stationCode, o.quantity, o.resultatObs])).toEqual([
      ['K4470010', 'K447001001', 'Q', 47800],
      ['K4470010', null, 'Q', 47800],
    ]);
  });

  it('tells a referentiel/stations page from an observations page', async () => {
    const p = parseHubeau(await fixture('referentiel_stations_K447001001.json'));
    if (p.kind !== 'stations') throw new Error(p.kind);
    expect(p.stations).toEqual([
      expect.objectContaining({ stationCode: 'K447001001', siteCode: 'K4470010', label: 'La Loire à Blois', communeInsee: '41018', departement: '41', altitudeRefM: 65.973, inService: true }),
    ]);
  });
});

describe('parseHubeau() rejections name the Hub’Eau field', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['an unknown quantity', { grandeur_hydro: 'X' }, 'grandeur_hydro'],
    ['an impossible date', { date_obs: '2026-02-30T00:00:00Z' }, 'date_obs'],
    ['a time without offset', { date_obs: '2026-01-29T02:00:00' }, 'date_obs'],
    ['a value that is not a number', { resultat_obs: '5950' }, 'resultat_obs'],
    ['no value', { resultat_obs: null }, 'resultat_obs'],
    ['a station of another site', { code_station: 'F490000104' }, 'code_station'],
    ['no site', { code_site: undefined }, 'code_site'],
    ['a fractional status code', { code_statut: 1.5 }, 'code_statut'],
  ];
  for (const [what, over, field] of cases) {
    it(`${what} → ${field}`, () => {
      const p = observations(parseHubeau(page([row(), row(over)])));
      expect(p.observations).toHaveLength(1);
      expect(p.rejections).toHaveLength(1);
      expect(p.rejections[0]).toMatchObject({ record: '1', field });
      expect(p.rejections[0]!.recordText).toContain('F7000001');
    });
  }

  it('a body that is not JSON, or an error envelope, is unreadable with the reason', () => {
    expect(() => parseHubeau('{"count": 3, "data": [')).toThrow(UnreadableInputError);
    expect(() => parseHubeau(JSON.stringify({ code: 400, message: 'code_entite invalide' }))).toThrow(/code_entite invalide/);
  });
});

describe('units: converted once, in one declared place', () => {
  it('H mm → m and Q l/s → m³/s', () => {
    expect(HUBEAU_UNITS).toEqual({
      H: { received: 'mm', curated: 'm', factor: 0.001 },
      Q: { received: 'l/s', curated: 'm³/s', factor: 0.001 },
    });
    expect(curatedValue('H', 10_000)).toBe(10);
    expect(curatedValue('H', -1232)).toBe(-1.232);
    expect(curatedValue('H', 5841)).toBe(5.841);
    expect(curatedValue('Q', 47_800)).toBe(47.8);
    expect(curatedValue('Q', 2_400_000)).toBe(2400);
  });
});

describe('reference floods at Paris-Austerlitz', () => {
  it('the 1910 stage is 8.62 m', () => expect(STAGE_1910_M).toBe(8.62));

  it('floodRank() is 1 + the number of listed floods with a strictly higher peak', () => {
    // peaks (m): 1658 8.96, 1910 8.62, 1924 7.32, 1955 7.12, 1982 6.15, 2016 6.10, 2018 5.84
    expect(floodRank(9.1)).toBe(1);
    expect(floodRank(8.62)).toBe(2);
    expect(floodRank(6.12)).toBe(6);
    expect(floodRank(5.95)).toBe(7);
    expect(floodRank(5.84)).toBe(7);
    expect(floodRank(3)).toBe(8);
  });
});

describe('the stations configuration', () => {
  it('polls the Seine at Austerlitz and Alfortville and the Marne at Créteil and Gournay, H and Q', () => {
    const codes = HYDROMETRY.stations.map((s) => s.code_station);
    expect(codes).toEqual(expect.arrayContaining(['F700000103', 'F490000104', 'F664000404', 'F664000104']));
    expect(HYDROMETRY.stations.find((s) => s.code_station === 'F700000103')).toMatchObject({ code_verified: true, reference_floods: true });
    expect(HYDROMETRY.stations.filter((s) => s.code_station !== 'F700000103').every((s) => !s.code_verified && !s.reference_floods)).toBe(true);
    for (const station of codes) {
      const polled = HYDROMETRY.poll.find((p) => station.startsWith(p.code_entite));
      expect(polled?.quantities, station).toEqual(['H', 'Q']);
    }
  });

  it('a malformed configuration fails with the file and the path', () => {
    const bad = { ...HYDROMETRY, stations: [{ ...HYDROMETRY.stations[0], code_station: 'F7' }] };
    expect(() => parseStationsConfig(bad)).toThrow(/config\/hydrometry-stations\.json: stations\.0\.code_station/);
  });
});
