import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Writes data/paris-arrondissements.json, the 20 arrondissements of Paris (INSEE 75101–75120), from
// the City of Paris open data « Arrondissements » (ODbL 1.0, « Ville de Paris – opendata.paris.fr »):
// the polygons with coordinates rounded to 5 decimals (about a metre; repeated points dropped), the
// INSEE code, the number and the official name; the populations (INSEE populations légales) from
// @etalab/decoupage-administratif, as for the communes. The derived layer is under the ODbL too (data/SOURCES.md).
//
//   npx tsx web/arrondissements.ts ../shared/data/paris-arrondissements.geojson

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ARRONDISSEMENTS_FILE = path.join(ROOT, 'data/paris-arrondissements.json');

interface SourceFeature {
  properties: { c_arinsee: number; c_ar: number; l_aroff: string };
  geometry: { type: 'Polygon'; coordinates: number[][][] };
}

const round5 = (v: number) => Math.round(v * 1e5) / 1e5;

function ring(points: number[][]): number[][] {
  const out: number[][] = [];
  for (const [x, y] of points) {
    const p = [round5(x!), round5(y!)];
    const prev = out[out.length - 1];
    if (!prev || prev[0] !== p[0] || prev[1] !== p[1]) out.push(p);
  }
  return out;
}

export function deriveArrondissements(source: { features: SourceFeature[] }, populations: Readonly<Record<string, number>>) {
  const population = (code: string) => {
    const n = populations[code];
    if (n === undefined) throw new Error(`arrondissements: no population for ${code} in @etalab/decoupage-administratif`);
    return n;
  };
  const features = source.features
    .map((f) => {
      const code = String(f.properties.c_arinsee);
      if (!/^751(0[1-9]|1\d|20)$/.test(code)) throw new Error(`arrondissements: feature c_arinsee ${code}: expected an INSEE code 75101–75120`);
      if (f.geometry.type !== 'Polygon') throw new Error(`arrondissements: ${code}: expected a Polygon, found ${JSON.stringify((f.geometry as { type: unknown }).type)}`);
      return {
        type: 'Feature' as const,
        properties: { code_insee: code, numero: f.properties.c_ar, nom_officiel: f.properties.l_aroff, population_municipale: population(code) },
        geometry: { type: 'Polygon' as const, coordinates: f.geometry.coordinates.map(ring) },
      };
    })
    .sort((a, b) => a.properties.code_insee.localeCompare(b.properties.code_insee));
  if (features.length !== 20) throw new Error(`arrondissements: expected the 20 arrondissements of Paris, found ${features.length}`);
  return {
    type: 'FeatureCollection' as const,
    name: 'paris-arrondissements',
    metadata: {
      source: 'Ville de Paris – opendata.paris.fr, dataset « Arrondissements » (copy: github.com/mastersigat/data, arrondissements.geojson, commit a95da3e)',
      attributes_source: 'populations: npm @etalab/decoupage-administratif (INSEE populations légales), Licence Ouverte',
      licence: 'Open Database License (ODbL) 1.0; this derived layer (coordinates rounded to 5 decimals) is under the ODbL too',
    },
    features,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const input = process.argv[2];
  if (!input) throw new Error('usage: npx tsx web/arrondissements.ts <paris-arrondissements.geojson>');
  const cog = JSON.parse(await readFile(path.join(ROOT, 'node_modules/@etalab/decoupage-administratif/data/communes.json'), 'utf8')) as { code: string; type: string; population?: number }[];
  const populations = Object.fromEntries(cog.filter((c) => c.type === 'arrondissement-municipal' && c.population !== undefined).map((c) => [c.code, c.population!]));
  const derived = deriveArrondissements(JSON.parse(await readFile(input, 'utf8')) as { features: SourceFeature[] }, populations);
  await writeFile(ARRONDISSEMENTS_FILE, `${JSON.stringify(derived)}\n`);
  console.error(`arrondissements: ${derived.features.length} → ${ARRONDISSEMENTS_FILE}`);
}
