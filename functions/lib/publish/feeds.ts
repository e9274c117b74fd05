import type { Alert } from './contract.ts';
import type { Commune } from '../domain/geo/communes.ts';
import { pagePath, SITE_NAME } from './html.ts';
import type { Lang } from './i18n.ts';

// Alerts as Atom 1.0 feeds and JSON Feeds 1.1, in French and in English: one pair per commune and one
// for the whole Métropole. Ids are the alerts' own (stable across runs). Links are absolute when the
// site's public URL is known (OBSERVATORY_SITE_URL; feed readers resolve nothing), otherwise relative
// to the feed's folder.

export const FEED_ENTRIES = 50;

const DEMO_NOTE: Readonly<Record<Lang, string>> = {
  fr: 'Données de démonstration : les valeurs sont simulées, ce ne sont pas des mesures.',
  en: 'Demo data: the values are simulated, they are not measurements.',
};
const DEMO_TAG: Readonly<Record<Lang, string>> = { fr: '[DÉMO] ', en: '[DEMO] ' };
const FEED_NAME: Readonly<Record<Lang, string>> = { fr: 'alertes', en: 'alerts' };
const ANCHOR = 'alertes';

const xml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;');

/** the feeds' paths from the site root: commune/93066/alertes.atom, en/commune/93066/alerts.json, alertes.atom */
export function feedPaths(lang: Lang, insee?: string): { atom: string; json: string } {
  const folder = insee ? pagePath(lang, { kind: 'commune', insee }) : pagePath(lang, { kind: 'home' });
  return { atom: `${folder}${FEED_NAME[lang]}.atom`, json: `${folder}${FEED_NAME[lang]}.json` };
}

export interface FeedInput {
  readonly lang: Lang;
  /** the commune, or undefined for the Métropole-wide feed */
  readonly commune?: Commune;
  /** most recent first */
  readonly alerts: readonly Alert[];
  readonly demo: boolean;
  /** when the feed has no entry: the data's date, so an unchanged lake gives an unchanged feed */
  readonly asOf: string;
  /** the site's public base URL (https://…/), or undefined for relative links */
  readonly siteUrl?: string;
  /** Métropole-wide feed: each alert's commune (alert id → commune), to say and link where it is */
  readonly communeOf?: ReadonlyMap<string, Commune>;
}

function urls(f: FeedInput) {
  const folder = f.commune ? pagePath(f.lang, { kind: 'commune', insee: f.commune.commune_insee }) : pagePath(f.lang, { kind: 'home' });
  const base = f.siteUrl ? `${f.siteUrl.replace(/\/?$/, '/')}${folder}` : '';
  const name = FEED_NAME[f.lang];
  return { page: base || './', atom: `${base}${name}.atom`, json: `${base}${name}.json`, root: f.siteUrl ? f.siteUrl.replace(/\/?$/, '/') : undefined };
}

function feedTitle(f: FeedInput): string {
  const what = f.lang === 'fr' ? 'Alertes' : 'Alerts';
  const where = f.commune ? `${f.commune.name} (${f.commune.commune_insee})` : f.lang === 'fr' ? 'Métropole du Grand Paris' : 'Métropole du Grand Paris';
  return `${what} — ${where} — ${SITE_NAME[f.lang]}`;
}

function feedDescription(f: FeedInput): string {
  const where = f.commune ? f.commune.name : f.lang === 'fr' ? 'les 130 communes de la Métropole du Grand Paris' : 'the 130 communes of the Métropole du Grand Paris';
  const s = f.lang === 'fr' ? `Franchissements de seuils (bruit nocturne, crues, canicule) dans ${f.commune ? `la commune de ${where}` : where}.` : `Threshold crossings (night noise, floods, heat waves) in ${where}.`;
  return `${s}${f.demo ? ` ${DEMO_NOTE[f.lang]}` : ''}`;
}

function entryTitle(f: FeedInput, a: Alert): string {
  const where = f.commune ? undefined : f.communeOf?.get(a.id)?.name;
  return `${f.demo ? DEMO_TAG[f.lang] : ''}${where ? `${where} — ` : ''}${a.title[f.lang]}`;
}

function entryLink(f: FeedInput, a: Alert): string {
  const u = urls(f);
  if (f.commune) return `${u.page}#${ANCHOR}`;
  const insee = f.communeOf?.get(a.id)?.commune_insee;
  if (!insee) return u.page;
  const commune = pagePath(f.lang, { kind: 'commune', insee });
  // relative to the Métropole feed's folder (the language's root)
  const rel = commune.slice(pagePath(f.lang, { kind: 'home' }).length);
  return `${u.root ? `${u.root}${commune}` : rel}#${ANCHOR}`;
}

const content = (f: FeedInput, a: Alert) => `${a.content[f.lang]}${f.demo ? ` ${DEMO_NOTE[f.lang]}` : ''}`;
const feedId = (f: FeedInput) =>
  `urn:observatoire-grand-paris:${f.commune ? `commune:${f.commune.commune_insee}` : 'metropole'}:alertes${f.lang === 'fr' ? '' : `:${f.lang}`}`;

export function atomFeed(f: FeedInput): string {
  const u = urls(f);
  const entries = f.alerts.slice(0, FEED_ENTRIES);
  const updated = entries.reduce((t, a) => (a.updated > t ? a.updated : t), entries.length ? '' : f.asOf);
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${f.lang}">
  <id>${xml(feedId(f))}</id>
  <title>${xml(feedTitle(f))}</title>
  <subtitle>${xml(feedDescription(f))}</subtitle>
  <updated>${xml(updated)}</updated>
  <author><name>${xml(SITE_NAME[f.lang])}</name></author>
  <link rel="self" type="application/atom+xml" href="${xml(u.atom)}"/>
  <link rel="alternate" type="text/html" href="${xml(u.page)}"/>
  <rights>Licence Ouverte / Etalab 2.0</rights>
${entries
  .map(
    (a) => `  <entry>
    <id>${xml(f.lang === 'fr' ? a.id : `${a.id}:${f.lang}`)}</id>
    <title>${xml(entryTitle(f, a))}</title>
    <published>${xml(a.start)}</published>
    <updated>${xml(a.updated)}</updated>
    <link rel="alternate" type="text/html" href="${xml(entryLink(f, a))}"/>
    <category term="${xml(a.kind)}"/>
    <category term="${xml(a.severity)}"/>
    <content type="text">${xml(content(f, a))}</content>
  </entry>
`,
  )
  .join('')}</feed>
`;
}

export function jsonFeed(f: FeedInput): string {
  const u = urls(f);
  return JSON.stringify(
    {
      version: 'https://jsonfeed.org/version/1.1',
      title: feedTitle(f),
      description: feedDescription(f),
      home_page_url: u.page,
      feed_url: u.json,
      language: f.lang,
      authors: [{ name: SITE_NAME[f.lang] }],
      items: f.alerts.slice(0, FEED_ENTRIES).map((a) => ({
        id: f.lang === 'fr' ? a.id : `${a.id}:${f.lang}`,
        url: entryLink(f, a),
        title: entryTitle(f, a),
        content_text: content(f, a),
        date_published: a.start,
        date_modified: a.updated,
        tags: [a.kind, a.severity],
        _observatoire: { kind: a.kind, severity: a.severity, value: a.value, threshold: a.threshold, unit: a.unit, demo: f.demo, commune_insee: f.commune?.commune_insee ?? f.communeOf?.get(a.id)?.commune_insee ?? null },
      })),
    },
    null,
    1,
  );
}
