import { COMMUNES } from '../../functions/lib/domain/geo/communes.ts';

// What a reader of the public site must not meet: internal identifiers (model versions, snake_case
// method keys, config paths, `>`-joined keys, key=value method strings), notes to ourselves (« à
// vérifier »), and sentences in the other language. `publicWordProblems()` reads a page's text as a
// reader meets it — text nodes and the attributes read aloud or shown (aria-label, title, alt,
// placeholder, the meta description) — leaving out code (<code>, <pre>: dataset and column names
// on the data page are meant to be copied) and the language switch.

export const FORBIDDEN: readonly { readonly name: string; readonly re: RegExp }[] = [
  { name: 'model version string', re: /\d{8}T\d{6}Z-[0-9a-f]{8}/ },
  { name: 'snake_case key', re: /\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/ },
  { name: 'config path', re: /\bconfig\// },
  { name: 'note to check', re: /à vérifier|\(to verify\)|\(to be checked\)/i },
  { name: '>-joined keys', re: /\b\w+>\w+/ },
  { name: 'key=value method string', re: /\b[a-z]+=[a-z]+/ },
];

// words that only the other language uses, as whole words in running text
const TELL_TALE: Readonly<Record<'fr' | 'en', ReadonlySet<string>>> = {
  // English words on a French page
  fr: new Set(['the', 'and', 'of', 'with', 'from', 'is', 'are', 'this', 'that', 'which', 'street', 'road', 'downstream', 'upstream', 'river', 'hour', 'week', 'mean', 'same', 'last', 'baseline', 'sensor', 'residential', 'traffic', 'park', 'school', 'near', 'between', 'for', 'per', 'when', 'not', 'yes', 'daily', 'hourly', 'level', 'levels', 'noise', 'heat', 'flood', 'model', 'forecast', 'where', 'each', 'day', 'days', 'value', 'values', 'rows']),
  // French words on an English page
  en: new Set(['le', 'la', 'les', 'des', 'du', 'et', 'est', 'avec', 'pour', 'dans', 'une', 'aux', 'pas', 'jour', 'jours', 'données', 'mesures', 'capteur', 'capteurs', 'aval', 'amont', 'rue', 'heure', 'semaine', 'moyenne', 'référence', 'prévision', 'crue', 'crues', 'bruit', 'chaleur', 'seuil', 'niveau']),
};

// proper names that carry the other language's words (« Paris Est Marne et Bois », « Métropole du
// Grand Paris »): taken out before the words are counted
const PROPER_NAMES = [
  ...COMMUNES.flatMap((c) => [c.name, c.ept_name]),
  'Métropole du Grand Paris',
  'Licence Ouverte',
  'Val-de-Marne',
  'Seine-Saint-Denis',
  'Hauts-de-Seine',
  'Val-d’Oise',
  'Val-d\'Oise',
  'Météo-France',
  'Seine-et-Marne',
  'Pont d’Austerlitz',
  'Paris-Austerlitz',
  'Hub’Eau',
  'Hub\'Eau',
  'Code de l’environnement',
  'Journal officiel',
  'données climatologiques de base',
  'arrêté du 4 avril 2006',
].sort((a, b) => b.length - a.length);

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: '\u00a0', apos: "'" };
const decode = (s: string) => s.replace(/&(#?\w+);/g, (m, e: string) => ENTITIES[e] ?? (e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : m));

/** the text a reader meets on the page (our own generated HTML: no nesting of the skipped elements) */
export function readerText(html: string): string {
  const body = html
    .replace(/<script\b[\s\S]*?<\/script>/gi, ' ')
    .replace(/<style\b[\s\S]*?<\/style>/gi, ' ')
    .replace(/<(code|pre)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<link\b[^>]*>/gi, ' ')
    // the link to the other language's page names that language in it
    .replace(/<a\b[^>]*\bhreflang="[^"]*"[^>]*>[\s\S]*?<\/a>/gi, ' ');
  const attributes: string[] = [];
  for (const m of body.matchAll(/\s(?:aria-label|title|alt|placeholder)="([^"]*)"/g)) attributes.push(m[1]!);
  for (const m of body.matchAll(/<meta name="description" content="([^"]*)"/g)) attributes.push(m[1]!);
  const text = body.replace(/<title>([\s\S]*?)<\/title>/, ' $1 ').replace(/<[^>]+>/g, ' ');
  return decode([text, ...attributes].join(' \n ')).replace(/[ \t\u00a0]+/g, ' ');
}

export interface WordProblem {
  readonly what: string;
  readonly found: string;
  readonly context: string;
}

/** `names`: proper names of the data (stations' official names…) that carry the other language's words */
export function publicWordProblems(html: string, lang: 'fr' | 'en', names: readonly string[] = []): WordProblem[] {
  const text = readerText(html);
  const out: WordProblem[] = [];
  const around = (i: number, len: number) => text.slice(Math.max(0, i - 50), i + len + 50).replace(/\s+/g, ' ').trim();
  for (const f of FORBIDDEN) {
    const re = new RegExp(f.re.source, `${f.re.flags.replace('g', '')}g`);
    for (const m of text.matchAll(re)) out.push({ what: f.name, found: m[0], context: around(m.index, m[0].length) });
  }
  let words = text;
  for (const name of [...names].sort((a, b) => b.length - a.length).concat(PROPER_NAMES)) words = words.split(name).join(' ');
  // web addresses and file names are not words of either language
  words = words.replace(/\S+\.(?:fr|org|com|json|atom|csv|parquet|geojson|html)\S*/g, ' ');
  const other = TELL_TALE[lang];
  for (const m of words.matchAll(/\p{L}+(?:['’-]\p{L}+)*/gu)) {
    const w = m[0];
    // French words on English pages only in lower case: « Le » is also the evening level, « La Seine » a name
    if (lang === 'fr' ? other.has(w.toLowerCase()) && w !== w.toUpperCase() : other.has(w)) {
      out.push({ what: `${lang === 'fr' ? 'English' : 'French'} word on a ${lang === 'fr' ? 'French' : 'English'} page`, found: w, context: words.slice(Math.max(0, m.index - 50), m.index + w.length + 50).replace(/\s+/g, ' ').trim() });
    }
  }
  return out;
}
