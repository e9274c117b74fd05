import { COMMUNES, communeRings, pointInCommune, type Commune } from '../../domain/geo/communes.ts';
import { RIVERS } from './rivers.ts';

// The per-commune climate-risk index: hazard forecasts combined with exposure, by a formula simple
// enough to be checked by hand (docs/models.md):
//
//   proximity_c = exp(−d_c / 1 km)       d_c: distance from commune c to the Seine or the Marne (0 when a river crosses it)
//   risk_c(D)   = 100 × [1 − (1 − P_heat(D)) × (1 − proximity_c × P_flood(D))]
//   exposed_c(D) = population_c × risk_c(D) / 100
//
// P_heat(D): forecast probability that the heat-wave criteria are met on day D at the reference station
// of c's département; P_flood(D): forecast probability that the Seine at Paris-Austerlitz reaches the
// flood threshold on D (the highest over D's forecast hours). risk is the probability that a resident
// is exposed to at least one hazard, treating them as independent, in percent: 0 when neither is
// forecast, 100 when one is certain (for flood, only where the river is). exposed_c turns it into
// people, so that a large commune at moderate risk ranks above a small one.

export const PROXIMITY_SCALE_KM = 1;
const KM_PER_DEG_LAT = 110.57;
const KM_PER_DEG_LON = 111.32 * Math.cos((48.85 * Math.PI) / 180);

type Point = readonly [number, number];

function toKm([lon, lat]: Point): [number, number] {
  return [lon * KM_PER_DEG_LON, lat * KM_PER_DEG_LAT];
}

function segmentDistance(p: Point, a: Point, b: Point): number {
  const [px, py] = toKm(p);
  const [ax, ay] = toKm(a);
  const [bx, by] = toKm(b);
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2)) : 0;
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function segmentsCross(a: Point, b: Point, c: Point, d: Point): boolean {
  const orient = (p: Point, q: Point, r: Point) => Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  return orient(a, b, c) !== orient(a, b, d) && orient(c, d, a) !== orient(c, d, b);
}

/** km from a commune's territory to the nearest river line; 0 when a river enters it */
export function riverDistanceKm(code: string): number {
  const rings = communeRings(code);
  if (!rings.length) return NaN;
  let best = Infinity;
  for (const river of RIVERS) {
    for (const v of river.line) if (pointInCommune(v[0], v[1], code)) return 0;
    for (let i = 1; i < river.line.length; i++) {
      const a = river.line[i - 1]!;
      const b = river.line[i]!;
      for (const ring of rings) {
        for (let j = 1; j < ring.length; j++) {
          if (segmentsCross(a, b, ring[j - 1]!, ring[j]!)) return 0;
          best = Math.min(best, segmentDistance(ring[j]!, a, b));
        }
      }
    }
  }
  return best;
}

export function riverProximity(distanceKm: number): number {
  return Number.isFinite(distanceKm) ? Math.exp(-distanceKm / PROXIMITY_SCALE_KM) : 0;
}

/** the combined index, 0–100 */
export function climateRisk(pHeat: number, pFlood: number, proximity: number): number {
  const h = clamp01(pHeat);
  const f = clamp01(pFlood) * clamp01(proximity);
  return 100 * (1 - (1 - h) * (1 - f));
}

const clamp01 = (v: number) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);

export interface CommuneExposure {
  readonly commune: Commune;
  readonly riverDistanceKm: number;
  readonly proximity: number;
}

let exposures: CommuneExposure[] | undefined;

/** river distance and proximity of every commune (computed once) */
export function communeExposures(): readonly CommuneExposure[] {
  exposures ??= COMMUNES.map((commune) => {
    const d = riverDistanceKm(commune.commune_insee);
    return { commune, riverDistanceKm: d, proximity: riverProximity(d) };
  });
  return exposures;
}
