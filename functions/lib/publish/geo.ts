import { geoArea, geoConicConformal, geoPath, type GeoProjection } from 'd3-geo';
import type { Feature, FeatureCollection, MultiPolygon, Polygon, Position } from 'geojson';

// The map of the communes, drawn once at publish time with d3-geo: a Lambert-93-like conic conformal
// projection fitted to the Métropole, coordinates rounded to 0.1 px and written as relative SVG path
// commands (about 45 KB for the 130 communes). The page shows it without JavaScript.

export const MAP_WIDTH = 600;
const MARGIN = 6;

type CommuneFeature = Feature<Polygon | MultiPolygon, { code_insee: string; nom: string }>;

/**
 * d3-geo takes rings wound clockwise (the inside on the right) and reads any other ring as the rest
 * of the globe; GeoJSON (RFC 7946) winds them the other way and not every source follows either.
 * Exterior rings are made to enclose less than a hemisphere, holes the opposite.
 */
export function rewind<F extends CommuneFeature>(feature: F): F {
  const fix = (rings: Position[][]): Position[][] =>
    rings.map((ring, i) => {
      const area = geoArea({ type: 'Polygon', coordinates: [ring] });
      const isSmall = area < 2 * Math.PI;
      return (i === 0) === isSmall ? ring : [...ring].reverse();
    });
  const g = feature.geometry;
  const geometry = g.type === 'Polygon' ? { ...g, coordinates: fix(g.coordinates) } : { ...g, coordinates: g.coordinates.map(fix) };
  return { ...feature, geometry };
}

export interface CommuneMap {
  readonly width: number;
  readonly height: number;
  /** SVG path data by commune code */
  readonly paths: ReadonlyMap<string, string>;
  /** [x, y] in the map's pixels (0.1 px), or null outside the projection */
  project(lon: number, lat: number): [number, number] | null;
  /** SVG path data of other polygons drawn over the communes (Paris's arrondissements), by code */
  readonly subPaths: ReadonlyMap<string, string>;
  /** each commune's centre (centroid) and the size of its bounding box, in the map's pixels */
  readonly shapes: ReadonlyMap<string, { readonly x: number; readonly y: number; readonly width: number; readonly height: number; readonly area: number }>;
}

export function communeMap(
  collection: FeatureCollection<Polygon | MultiPolygon, { code_insee: string; nom: string }>,
  sub?: FeatureCollection<Polygon | MultiPolygon, { code_insee: string }>,
): CommuneMap {
  const features = collection.features.map(rewind);
  const fc = { type: 'FeatureCollection' as const, features };
  // Lambert-93 parallels and central meridian (RGF93 / Lambert-93, EPSG:2154)
  const projection: GeoProjection = geoConicConformal().parallels([44, 49]).rotate([-3, 0]).fitWidth(MAP_WIDTH - 2 * MARGIN, fc);
  const [[, y0], [, y1]] = geoPath(projection).bounds(fc);
  const height = Math.ceil(y1 - y0) + 2 * MARGIN;
  projection.fitExtent(
    [
      [MARGIN, MARGIN],
      [MAP_WIDTH - MARGIN, height - MARGIN],
    ],
    fc,
  );
  const paths = new Map<string, string>();
  const shapes = new Map<string, { x: number; y: number; width: number; height: number; area: number }>();
  const measure = geoPath(projection);
  for (const f of features) {
    const writer = new RelativePath();
    geoPath(projection, writer)(f);
    paths.set(f.properties.code_insee, writer.toString());
    const [x, y] = measure.centroid(f);
    const [[x0, y0b], [x1, y1b]] = measure.bounds(f);
    shapes.set(f.properties.code_insee, { x, y, width: x1 - x0, height: y1b - y0b, area: measure.area(f) });
  }
  const subPaths = new Map<string, string>();
  for (const f of sub?.features ?? []) {
    const writer = new RelativePath();
    geoPath(projection, writer)(rewind(f as CommuneFeature));
    subPaths.set(f.properties.code_insee, writer.toString());
  }
  return {
    width: MAP_WIDTH,
    height,
    paths,
    subPaths,
    shapes,
    project(lon, lat) {
      const p = projection([lon, lat]);
      return p ? [Math.round(p[0] * 10) / 10, Math.round(p[1] * 10) / 10] : null;
    },
  };
}

/**
 * A d3-geo path context writing compact SVG: absolute moveto, then relative lineto in tenths of a
 * pixel, dropping the segments rounding makes empty. Rounding absolute positions first keeps the
 * border two communes share identical in both paths.
 */
export class RelativePath {
  private parts: string[] = [];
  private x = 0;
  private y = 0;
  private inLine = false;

  moveTo(x: number, y: number): void {
    this.x = Math.round(x * 10);
    this.y = Math.round(y * 10);
    this.parts.push(`M${tenths(this.x)},${tenths(this.y)}`);
    this.inLine = false;
  }

  lineTo(x: number, y: number): void {
    const ix = Math.round(x * 10);
    const iy = Math.round(y * 10);
    const dx = ix - this.x;
    const dy = iy - this.y;
    if (dx === 0 && dy === 0) return;
    const pair = `${tenths(dx)}${dy < 0 ? '' : ','}${tenths(dy)}`;
    this.parts.push(this.inLine ? (dx < 0 ? pair : ` ${pair}`) : `l${pair}`);
    this.inLine = true;
    this.x = ix;
    this.y = iy;
  }

  closePath(): void {
    this.parts.push('z');
    this.inLine = false;
  }

  beginPath(): void {}

  arc(): void {
    throw new Error('RelativePath draws polygons only: draw points as <circle> from project()');
  }

  toString(): string {
    return this.parts.join('');
  }
}

/** an integer count of tenths as the shortest decimal: 12 → 1.2, -4 → -.4, 30 → 3 */
function tenths(v: number): string {
  const sign = v < 0 ? '-' : '';
  const a = Math.abs(v);
  const int = Math.floor(a / 10);
  const frac = a % 10;
  if (frac === 0) return `${sign}${int}`;
  return `${sign}${int === 0 ? '' : int}.${frac}`;
}
