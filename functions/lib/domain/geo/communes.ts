import communesGeoJson from '../../../../data/mgp-communes.json' with { type: 'json' };

// The 130 communes of the Métropole du Grand Paris and the commune of a point (point in polygon).

export interface Commune {
  readonly commune_insee: string;
  readonly name: string;
  readonly departement: string;
  readonly ept: string;
  readonly ept_name: string;
  readonly population: number;
}

export type Ring = readonly (readonly [number, number])[];

interface CommuneShape {
  readonly commune: Commune;
  readonly rings: readonly Ring[];
  readonly bbox: readonly [number, number, number, number];
}

interface Feature {
  properties: { code_insee: string; nom: string; departement: string; ept_code: string; ept_nom: string; population_municipale: number };
  geometry: { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };
}

/** a polygon's rings as [lon, lat] pairs, with their bounding box [x0, y0, x1, y1] */
export function shapeOf(polygons: readonly number[][][][]): { rings: readonly Ring[]; bbox: readonly [number, number, number, number] } {
  const rings = polygons.flat().map((r) => r.map(([x, y]) => [x!, y!] as const));
  const xs = rings.flat().map((p) => p[0]);
  const ys = rings.flat().map((p) => p[1]);
  return { rings, bbox: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)] as const };
}

const shapes: readonly CommuneShape[] = (communesGeoJson as unknown as { features: Feature[] }).features.map((f) => {
  const polygons = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
  return {
    ...shapeOf(polygons),
    commune: {
      commune_insee: f.properties.code_insee,
      name: f.properties.nom,
      departement: f.properties.departement,
      ept: f.properties.ept_code,
      ept_name: f.properties.ept_nom,
      population: f.properties.population_municipale,
    },
  };
});

export const COMMUNES: readonly Commune[] = shapes.map((s) => s.commune);

/** the GeoJSON FeatureCollection of the communes, as shipped */
export const COMMUNES_GEOJSON = communesGeoJson;

/** even-odd rule over all rings: holes and multi-part polygons both come out right */
export function inRings(lon: number, lat: number, rings: readonly Ring[]): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i]!;
      const [xj, yj] = ring[j]!;
      if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

const lookupCache = new Map<string, Commune | undefined>();

/** the commune of the Métropole containing the point [lon, lat], or undefined outside it */
export function communeAt(lon: number, lat: number): Commune | undefined {
  const cacheKey = `${lon},${lat}`;
  if (lookupCache.has(cacheKey)) return lookupCache.get(cacheKey);
  let found: Commune | undefined;
  for (const s of shapes) {
    const [x0, y0, x1, y1] = s.bbox;
    if (lon < x0 || lon > x1 || lat < y0 || lat > y1) continue;
    if (inRings(lon, lat, s.rings)) {
      found = s.commune;
      break;
    }
  }
  if (lookupCache.size > 100_000) lookupCache.clear();
  lookupCache.set(cacheKey, found);
  return found;
}

export function communeByInsee(code: string): Commune | undefined {
  return COMMUNES.find((c) => c.commune_insee === code);
}

/** the rings of a commune (for the demo simulator placing sensors inside it) */
export function communeRings(code: string): readonly Ring[] {
  return shapes.find((s) => s.commune.commune_insee === code)?.rings ?? [];
}

export function communeBbox(code: string): readonly [number, number, number, number] | undefined {
  return shapes.find((s) => s.commune.commune_insee === code)?.bbox;
}

export function pointInCommune(lon: number, lat: number, code: string): boolean {
  const s = shapes.find((x) => x.commune.commune_insee === code);
  return s ? inRings(lon, lat, s.rings) : false;
}
