import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Writes functions/lib/publish/places.json, what the site's search knows besides the communes' names:
// each commune's postcodes and Paris's arrondissements (code, number, postcodes), from the INSEE/DGCL
// tables of @etalab/decoupage-administratif (Licence Ouverte), for the 130 communes of the Métropole.
// tests/web/search.test.ts checks the file against the package, so an update of either is noticed.
//
//   npx tsx web/places.ts

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PLACES_FILE = path.join(ROOT, 'functions/lib/publish/places.json');

interface CogCommune {
  code: string;
  nom: string;
  type: string;
  commune?: string;
  codesPostaux?: string[];
}

export interface PlacesFile {
  readonly source: string;
  /** commune INSEE code → postcodes */
  readonly postcodes: Record<string, string[]>;
  readonly arrondissements: { code: string; number: number; commune: string; postcodes: string[] }[];
}

export async function buildPlaces(): Promise<PlacesFile> {
  const pkgDir = path.join(ROOT, 'node_modules/@etalab/decoupage-administratif');
  const version = (JSON.parse(await readFile(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  const cog = JSON.parse(await readFile(path.join(pkgDir, 'data/communes.json'), 'utf8')) as CogCommune[];
  const mgp = JSON.parse(await readFile(path.join(ROOT, 'data/mgp-communes.json'), 'utf8')) as { features: { properties: { code_insee: string } }[] };
  const codes = new Set(mgp.features.map((f) => f.properties.code_insee));
  const postcodes: Record<string, string[]> = {};
  for (const c of cog) if (c.type === 'commune-actuelle' && codes.has(c.code)) postcodes[c.code] = [...(c.codesPostaux ?? [])].sort();
  const missing = [...codes].filter((c) => !postcodes[c]);
  if (missing.length) throw new Error(`places: no postcode in @etalab/decoupage-administratif ${version} for ${missing.join(', ')}`);
  const arrondissements = cog
    .filter((c) => c.type === 'arrondissement-municipal' && c.commune && codes.has(c.commune))
    .map((c) => ({ code: c.code, number: Number(/^\D*(\d+)/.exec(c.nom)?.[1] ?? NaN), commune: c.commune!, postcodes: [...(c.codesPostaux ?? [])].sort() }))
    .sort((a, b) => a.code.localeCompare(b.code));
  return { source: `@etalab/decoupage-administratif ${version} (INSEE COG, La Poste postcodes), Licence Ouverte / Etalab 2.0`, postcodes: Object.fromEntries(Object.entries(postcodes).sort()), arrondissements };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const places = await buildPlaces();
  await writeFile(PLACES_FILE, `${JSON.stringify(places)}\n`);
  console.error(`places: ${Object.keys(places.postcodes).length} communes, ${places.arrondissements.length} arrondissements → ${PLACES_FILE}`);
}
