import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { COMMUNES } from '../../functions/lib/domain/geo/communes.ts';
import { searchIndex } from '../../functions/lib/publish/search.ts';
import { buildPlaces, PLACES_FILE } from '../../web/places.ts';
import { normalize, search } from '../../web/src/lib/search.ts';

// The search of the site: the postcodes file against the INSEE / La Poste tables it comes from, and
// what a planner types against what opens.

const communes = new Set(COMMUNES.map((c) => c.commune_insee));
const first = (q: string, pages = communes) => search(searchIndex(COMMUNES, pages), q)[0];

describe('the places file', () => {
  it('is what web/places.ts writes from @etalab/decoupage-administratif (rerun it after an update)', async () => {
    const committed = JSON.parse(await readFile(PLACES_FILE, 'utf8')) as unknown;
    expect(committed).toEqual(await buildPlaces());
  });

  it('gives every commune of the Métropole a postcode, and Paris its 20 arrondissements', async () => {
    const places = await buildPlaces();
    expect(Object.keys(places.postcodes).sort()).toEqual([...communes].sort());
    expect(places.arrondissements.map((a) => a.number)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(places.postcodes['93066']).toContain('93200');
  });
});

describe('search()', () => {
  it('reads names without accents, hyphens, apostrophes or « Saint » spelt out', () => {
    expect(normalize('L’Haÿ-les-Roses')).toBe('l hay les roses');
    expect(normalize('St-Maur-des-Fossés')).toBe('saint maur des fosses');
    expect(first('vitry')?.c).toBe('94081');
    expect(first('st maur')?.n).toBe('Saint-Maur-des-Fossés');
    expect(first('hay les roses')?.n).toBe('L’Haÿ-les-Roses'.replace('’', "'"));
    expect(first('MONTREUIL')?.c).toBe('93048');
  });

  it('puts the exact name first: « Saint-Denis » before L’Île-Saint-Denis', () => {
    const found = search(searchIndex(COMMUNES, communes), 'Saint-Denis').map((e) => e.c);
    expect(found[0]).toBe('93066');
    expect(found).toContain('93039');
  });

  it('finds postcodes and INSEE codes', () => {
    expect(first('93200')?.c).toBe('93066');
    expect(first('93066')?.c).toBe('93066');
    // Pierrefitte-sur-Seine is part of Saint-Denis since 2025
    expect(first('93380')?.c).toBe('93066');
    expect(search(searchIndex(COMMUNES, communes), '942').length).toBeGreaterThan(1);
  });

  it('finds Paris’s arrondissements: their page once it exists, Paris’s until then', () => {
    for (const q of ['Paris 11e', '11e arrondissement', '75011', 'paris 11eme', '75111']) {
      expect(first(q)?.c, q).toBe('75056');
      expect(first(q)?.n, q).toBe('Paris 11e arrondissement');
      expect(first(q, new Set([...communes, '75111']))?.c, q).toBe('75111');
    }
    expect(first('Paris 1er')?.n).toBe('Paris 1er arrondissement');
  });

  it('finds nothing for what is not a commune of the Métropole', () => {
    expect(search(searchIndex(COMMUNES, communes), 'Lyon')).toEqual([]);
    expect(search(searchIndex(COMMUNES, communes), '69001')).toEqual([]);
    expect(search(searchIndex(COMMUNES, communes), '  ')).toEqual([]);
  });
});
