import arrondissementsGeoJson from '../../../../data/paris-arrondissements.json' with { type: 'json' };
import { inRings, shapeOf } from './communes.ts';

// The 20 arrondissements of Paris (INSEE 75101–75120, City of Paris open data, ODbL: data/SOURCES.md)
// and the arrondissement of a point. They are parts of the commune of Paris (75056), never communes:
// they are not ranked among the 130 communes of the Métropole.

export const PARIS_INSEE = '75056';

export interface Arrondissement {
  /** INSEE code, 75101–75120 */
  readonly arrondissement_insee: string;
  readonly number: number;
  /** « Paris 11e arrondissement » */
  readonly name: string;
  /** the official name, e.g. « Popincourt » */
  readonly officialName: string;
  readonly population: number;
}

interface Feature {
  properties: { code_insee: string; numero: number; nom_officiel: string; population_municipale: number };
  geometry: { type: 'Polygon'; coordinates: number[][][] };
}

const features = (arrondissementsGeoJson as unknown as { features: Feature[] }).features;

/** « 1er », « 11e » (French); « 1st », « 11th » (English) */
export function ordinal(lang: 'fr' | 'en', n: number): string {
  if (lang === 'fr') return n === 1 ? '1er' : `${n}e`;
  const teen = n % 100 >= 11 && n % 100 <= 13;
  return `${n}${teen ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th')}`;
}

/** « Paris 11e arrondissement », « Paris 11th arrondissement » */
export const arrondissementName = (lang: 'fr' | 'en', n: number): string => `Paris ${ordinal(lang, n)} arrondissement`;

const shapes = features.map((f) => {
  const { rings, bbox } = shapeOf([f.geometry.coordinates]);
  const n = f.properties.numero;
  return {
    arrondissement: { arrondissement_insee: f.properties.code_insee, number: n, name: arrondissementName('fr', n), officialName: f.properties.nom_officiel, population: f.properties.population_municipale },
    rings,
    bbox,
    centre: [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2] as const,
  };
});

export const ARRONDISSEMENTS: readonly Arrondissement[] = shapes.map((s) => s.arrondissement);

/** the GeoJSON FeatureCollection of the arrondissements, as shipped */
export const ARRONDISSEMENTS_GEOJSON = arrondissementsGeoJson;

export const arrondissementByInsee = (code: string): Arrondissement | undefined => ARRONDISSEMENTS.find((a) => a.arrondissement_insee === code);

export const isArrondissement = (code: string): boolean => arrondissementByInsee(code) !== undefined;

/**
 * the arrondissement of a point of Paris: the one whose polygon holds it, else (a point on the edge
 * of the commune's polygon, which comes from another source) the one whose centre is nearest
 */
export function arrondissementAt(lon: number, lat: number): Arrondissement {
  const inside = shapes.find((s) => lon >= s.bbox[0] && lon <= s.bbox[2] && lat >= s.bbox[1] && lat <= s.bbox[3] && inRings(lon, lat, s.rings));
  if (inside) return inside.arrondissement;
  const d2 = (s: (typeof shapes)[number]) => (s.centre[0] - lon) ** 2 + (s.centre[1] - lat) ** 2;
  return shapes.reduce((a, b) => (d2(b) < d2(a) ? b : a)).arrondissement;
}

/** the arrondissement of a sensor: NULL outside Paris or when its location is unknown */
export function arrondissementOf(communeInsee: string | null, lon: number | null, lat: number | null): string | null {
  if (communeInsee !== PARIS_INSEE || lon === null || lat === null) return null;
  return arrondissementAt(lon, lat).arrondissement_insee;
}

export const arrondissementBbox = (code: string): readonly [number, number, number, number] | undefined =>
  shapes.find((s) => s.arrondissement.arrondissement_insee === code)?.bbox;
