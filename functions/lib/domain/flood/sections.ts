import { COMMUNES, communeByInsee, communeRings } from '../geo/communes.ts';
import { VIGICRUES_SECTIONS, type VigicruesSection } from './config.ts';

// Which communes of the Métropole each Vigicrues section concerns: the explicit lists of
// config/vigicrues-sections.json, which a test holds to the geometry (the communes whose polygon lies
// within buffer_m of the section's course).

type LonLat = readonly [number, number];

const EARTH_M = 6_371_000;
const RAD = Math.PI / 180;

/** equirectangular metres around latitude 48.85° (the Métropole spans 40 km: error well under 1 %) */
function project([lon, lat]: LonLat): [number, number] {
  return [lon * RAD * EARTH_M * Math.cos(48.85 * RAD), lat * RAD * EARTH_M];
}

function segmentDistance(p: [number, number], a: [number, number], b: [number, number]): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len = dx * dx + dy * dy;
  const t = len ? Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len)) : 0;
  return Math.hypot(a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
}

function segmentsCross(a: [number, number], b: [number, number], c: [number, number], d: [number, number]): boolean {
  const orient = (p: [number, number], q: [number, number], r: [number, number]) => Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  return orient(a, b, c) !== orient(a, b, d) && orient(c, d, a) !== orient(c, d, b);
}

function inside(p: [number, number], rings: readonly (readonly [number, number])[][]): boolean {
  let odd = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i]!;
      const [xj, yj] = ring[j]!;
      if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) odd = !odd;
    }
  }
  return odd;
}

/** shortest distance in metres between a commune's polygon and a polyline (0 when they touch or overlap) */
export function distanceToCommune(code: string, lines: readonly (readonly LonLat[])[]): number {
  const rings = communeRings(code).map((r) => r.map((p) => project(p)));
  if (!rings.length) throw new Error(`no commune ${code} in the Métropole`);
  let best = Infinity;
  for (const line of lines) {
    const pts = line.map(project);
    if (pts.some((p) => inside(p, rings))) return 0;
    for (let j = 0; j + 1 < pts.length; j++) {
      const a = pts[j]!;
      const b = pts[j + 1]!;
      for (const ring of rings) {
        for (let i = 0; i + 1 < ring.length; i++) {
          const c = ring[i]!;
          const d = ring[i + 1]!;
          if (segmentsCross(a, b, c, d)) return 0;
          best = Math.min(best, segmentDistance(c, a, b), segmentDistance(a, c, d), segmentDistance(b, c, d));
        }
      }
    }
  }
  return best;
}

/** the communes of the Métropole whose polygon lies within `bufferM` metres of the course, sorted */
export function communesAlong(lines: readonly (readonly LonLat[])[], bufferM: number): string[] {
  return COMMUNES.map((c) => c.commune_insee)
    .filter((code) => distanceToCommune(code, lines) <= bufferM)
    .sort();
}

export const SECTIONS: readonly VigicruesSection[] = VIGICRUES_SECTIONS.sections;

/** section code → the INSEE codes of the communes it concerns */
export const SECTION_COMMUNES: ReadonlyMap<string, readonly string[]> = new Map(SECTIONS.map((s) => [s.code, s.communes]));

for (const s of SECTIONS) {
  for (const code of s.communes) {
    if (!communeByInsee(code)) throw new Error(`config/vigicrues-sections.json: section ${s.code}: ${code} is not a commune of the Métropole`);
  }
}
