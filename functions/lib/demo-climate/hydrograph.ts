import { HYDROMETRY, type Quantity } from '../domain/flood/config.ts';
import { localDayBounds } from '../domain/time/paris.ts';
import { DEMO_CLOCK_DAY } from '../demo/clock.ts';
import { stream } from '../demo/prng.ts';

// A simulated late-spring flood of the Seine and the Marne, in the exact shape of Hub'Eau observations_tr
// rows (H in mm, Q in l/s): a wave cresting at about 5.95 m at Paris-Austerlitz in early June (June 2016
// crested at 6.10 m), the Marne a day and a half earlier, Alfortville a few hours before Austerlitz; the
// series run until the demo clock (demo/clock.ts), the river back near its base. Demo data, not measurements.

const FLOOD_START = '2026-05-22';
export const DEMO_FLOOD = {
  seed: 2018,
  start: FLOOD_START,
  /** up to the demo clock */
  days: Math.round((Date.parse(`${DEMO_CLOCK_DAY}T00:00:00Z`) - Date.parse(`${FLOOD_START}T00:00:00Z`)) / 86_400_000),
  peak: '2026-06-04T02:00:00Z',
  hStepMinutes: 15,
  qStepMinutes: 60,
} as const;

interface StationModel {
  readonly station: string;
  readonly site: string;
  readonly lon: number;
  readonly lat: number;
  /** m */
  readonly base: number;
  readonly crest: number;
  /** hours relative to the Austerlitz crest */
  readonly lagHours: number;
  /** Q (m³/s) from H (m): a·(H + h0)^b */
  readonly rating: readonly [number, number, number];
}

// coordinates approximate (demo); ratings fitted to plausible discharges, not the gauges' real curves
const MODELS: readonly StationModel[] = [
  { station: 'F700000103', site: 'F7000001', lon: 2.3655, lat: 48.8446, base: 1.9, crest: 5.95, lagHours: 0, rating: [150, 0.5, 1.3] },
  { station: 'F490000104', site: 'F4900001', lon: 2.4185, lat: 48.8035, base: 1.6, crest: 4.85, lagHours: -6, rating: [110, 0.5, 1.3] },
  { station: 'F664000404', site: 'F6640004', lon: 2.4655, lat: 48.7915, base: 1.2, crest: 3.9, lagHours: -30, rating: [45, 0.3, 1.5] },
  { station: 'F664000104', site: 'F6640001', lon: 2.5705, lat: 48.8585, base: 1.1, crest: 3.6, lagHours: -36, rating: [42, 0.3, 1.5] },
];

const RISE_DAYS = 4.5;
const FALL_DAYS = 7;

/** stage in m at instant `ms` of a station */
export function demoStage(model: StationModel, ms: number): number {
  const crestAt = Date.parse(DEMO_FLOOD.peak) + model.lagHours * 3_600_000;
  const days = (ms - crestAt) / 86_400_000;
  const sigma = days < 0 ? RISE_DAYS : FALL_DAYS;
  return model.base + (model.crest - model.base) * Math.exp(-((days / sigma) ** 2) * 2);
}

export function demoDischarge(model: StationModel, stageM: number): number {
  const [a, h0, b] = model.rating;
  return a * Math.max(0, stageM + h0) ** b;
}

export const DEMO_STATION_MODELS = MODELS;

export interface HubeauRow {
  readonly code_site: string;
  readonly code_station: string | null;
  readonly grandeur_hydro: Quantity;
  readonly date_debut_serie: string;
  readonly date_fin_serie: string;
  readonly code_systeme_alti_serie: number;
  readonly date_obs: string;
  readonly resultat_obs: number;
  readonly code_methode_obs: number;
  readonly libelle_methode_obs: string;
  readonly code_qualification_obs: number;
  readonly libelle_qualification_obs: string;
  readonly longitude: number;
  readonly latitude: number;
  readonly code_statut: number;
  readonly libelle_statut: string;
  readonly code_continuite: number;
  readonly libelle_continuite: string;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** every row the fake Hub'Eau serves for the demo flood, in time order per series */
export function demoHydrometry(options: { start?: string; days?: number } = {}): HubeauRow[] {
  const start = localDayBounds(options.start ?? DEMO_FLOOD.start).start;
  const end = start + (options.days ?? DEMO_FLOOD.days) * 86_400_000;
  const validatedBefore = end - 7 * 86_400_000;
  const rows: HubeauRow[] = [];
  for (const m of MODELS) {
    const noise = stream(DEMO_FLOOD.seed, 'hubeau', m.station);
    const series = (quantity: Quantity, stepMinutes: number, stationCode: string | null) => {
      for (let t = start; t < end; t += stepMinutes * 60_000) {
        const h = demoStage(m, t) + (noise() - 0.5) * 0.006;
        const raw = quantity === 'H' ? Math.round(h * 1000) : Math.round(demoDischarge(m, h) * 10) * 100;
        const old = t < validatedBefore;
        rows.push({
          code_site: m.site,
          code_station: stationCode,
          grandeur_hydro: quantity,
          date_debut_serie: iso(start),
          date_fin_serie: iso(end - stepMinutes * 60_000),
          code_systeme_alti_serie: 31,
          date_obs: iso(t),
          resultat_obs: raw,
          code_methode_obs: old ? 10 : 0,
          libelle_methode_obs: old ? 'Expertisée' : 'Mesurée',
          code_qualification_obs: old ? 20 : 16,
          libelle_qualification_obs: old ? 'Bonne' : 'Non qualifiée',
          longitude: m.lon,
          latitude: m.lat,
          code_statut: old ? 12 : 4,
          libelle_statut: old ? 'Pré-validée' : 'Donnée brute',
          code_continuite: 0,
          libelle_continuite: 'Continue',
        });
      }
    };
    series('H', DEMO_FLOOD.hStepMinutes, m.station);
    series('Q', DEMO_FLOOD.qStepMinutes, m.station);
    // Austerlitz is polled by site: Hub'Eau also returns the site-level discharge (code_station null)
    if (m.station === 'F700000103') series('Q', DEMO_FLOOD.qStepMinutes, null);
  }
  return rows;
}

/** the referential entries of the configured stations, in Hub'Eau's referentiel/stations shape */
export function demoStationsReferential(): Record<string, unknown>[] {
  return MODELS.map((m) => {
    const conf = HYDROMETRY.stations.find((s) => s.code_station === m.station)!;
    return {
      code_site: m.site,
      libelle_site: conf.label,
      code_station: m.station,
      libelle_station: conf.label,
      type_station: 'STD',
      longitude_station: m.lon,
      latitude_station: m.lat,
      influence_locale_station: 0,
      commentaire_station: 'DEMO DATA — simulated by the grand-paris-observatory demo, not the Hub’Eau referential',
      altitude_ref_alti_station: null,
      code_commune_station: conf.commune_insee,
      libelle_commune: null,
      code_departement: conf.commune_insee.slice(0, 2),
      libelle_cours_eau: conf.river === 'Seine' ? 'La Seine' : 'La Marne',
      date_maj_station: '2026-01-01T00:00:00Z',
      en_service: true,
    };
  });
}
