// Finding a commune: the index the site publishes (data/search.json) and the matching, shared by the
// search field's script and the tests. Names match with or without accents, hyphens, apostrophes or
// « St » for « Saint »; numbers match postcodes and INSEE codes; Paris's arrondissements by « Paris 11e »,
// « 11e arrondissement » or their postcode.

import type { searchEntry, searchIndex, Shape } from '../../../functions/lib/publish/site-data.ts';

/** an entry of data/search.json (its shape: functions/lib/publish/site-data.ts) */
export type SearchEntry = Shape<typeof searchEntry>;
export type SearchIndex = Shape<typeof searchIndex>;

const ABBREVIATIONS: Readonly<Record<string, string>> = { st: 'saint', ste: 'sainte', arr: 'arrondissement', arrt: 'arrondissement' };

/** lower case, no accents, hyphens and apostrophes as spaces, « st » as « saint » */
export function normalize(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .map((w) => ABBREVIATIONS[w] ?? w)
    .join(' ');
}

/** 0 for an exact match, higher for looser ones, undefined for none */
function nameScore(key: string, q: string): number | undefined {
  if (key === q) return 0;
  // whole words first: « st maur » is Saint-Maur-des-Fossés before Saint-Maurice
  if (key.startsWith(q)) return key[q.length] === ' ' ? 0.8 : 1;
  const words = key.split(' ');
  const parts = q.split(' ');
  // every word typed starts a word of the name, in order: « vitry seine », « denis »
  let from = 0;
  let ordered = true;
  for (const p of parts) {
    const at = words.findIndex((w, i) => i >= from && w.startsWith(p));
    if (at < 0) {
      ordered = false;
      break;
    }
    from = at + 1;
  }
  if (ordered) return 2;
  if (key.includes(q)) return 3;
  return undefined;
}

function codeScore(e: SearchEntry, q: string): number | undefined {
  // a postcode shared by several communes ranks them after the one it belongs to alone
  if (e.p.includes(q)) return e.p.length > 1 ? 0.5 : 0;
  if (e.i.includes(q)) return 0;
  if (e.p.some((p) => p.startsWith(q)) || e.i.some((i) => i.startsWith(q))) return 1;
  return undefined;
}

/** the entries matching a query, best first */
export function search(index: SearchIndex, query: string, limit = 8): SearchEntry[] {
  const q = normalize(query);
  if (!q) return [];
  const digits = /^\d+$/.test(q.replace(/ /g, ''));
  const scored: { e: SearchEntry; s: number }[] = [];
  for (const e of index.entries) {
    let s: number | undefined;
    if (digits && q.replace(/ /g, '').length >= 2) s = codeScore(e, q.replace(/ /g, ''));
    for (const key of [normalize(e.n), ...(e.k ?? [])]) {
      const k = nameScore(key, q);
      if (k !== undefined && (s === undefined || k < s)) s = k;
    }
    if (s !== undefined) scored.push({ e, s });
  }
  scored.sort((a, b) => a.s - b.s || a.e.n.length - b.e.n.length || a.e.n.localeCompare(b.e.n, 'fr'));
  return scored.slice(0, limit).map((x) => x.e);
}
