import type { Commune } from '../domain/geo/communes.ts';
import { normalize, type SearchEntry, type SearchIndex } from '../../../web/src/lib/search.ts';
import places from './places.json' with { type: 'json' };

// The search index the site publishes (data/search.json): each commune with its postcodes, and Paris's
// arrondissements, which open their own page once they have one and Paris's until then. The postcodes
// come from places.json (written by web/places.ts from the INSEE/La Poste tables).

export const SEARCH_INDEX_PATH = 'data/search.json';

const ordinal = (n: number) => (n === 1 ? ['1er', '1re', '1e'] : [`${n}e`, `${n}eme`]);

export function searchIndex(communes: readonly Commune[], pages: ReadonlySet<string>): SearchIndex {
  const entries: SearchEntry[] = communes.map((c) => ({
    c: c.commune_insee,
    n: c.name,
    d: c.departement,
    p: (places.postcodes as Record<string, string[]>)[c.commune_insee] ?? [],
    i: [c.commune_insee],
  }));
  const byCode = new Map(communes.map((c) => [c.commune_insee, c]));
  for (const a of places.arrondissements) {
    const commune = byCode.get(a.commune);
    if (!commune) continue;
    const [short] = ordinal(a.number);
    const keys = ordinal(a.number).flatMap((o) => [`${commune.name} ${o}`, `${o} arrondissement`, `${commune.name} ${o} arrondissement`]);
    const own = pages.has(a.code);
    entries.push({
      c: own ? a.code : a.commune,
      n: `${commune.name} ${short} arrondissement`,
      d: commune.departement,
      p: a.postcodes,
      i: [a.code],
      k: [...new Set([...keys, `${commune.name} ${a.number}`].map(normalize))],
      ...(own ? {} : { of: commune.name }),
    });
  }
  return { entries };
}
