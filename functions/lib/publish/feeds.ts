import type { Alert } from './contract.ts';
import type { Commune } from '../domain/geo/communes.ts';
import { SITE_NAME } from './html.ts';

// A commune's alerts as an Atom 1.0 feed and a JSON Feed 1.1, in French. Ids are the alerts' own
// (stable across runs); links are relative to the feed's folder (the commune's page is ./) unless the
// site's public URL is known.

export const FEED_ENTRIES = 50;
const DEMO_NOTE = 'Données de démonstration : les valeurs sont simulées, ce ne sont pas des mesures.';

const xml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;');

export interface FeedInput {
  readonly commune: Commune;
  readonly alerts: readonly Alert[];
  readonly demo: boolean;
  /** when the feed has no entry: the data's date, so an unchanged lake gives an unchanged feed */
  readonly asOf: string;
  /** the site's public base URL (https://…/), or undefined for relative links */
  readonly siteUrl?: string;
}

function urls(f: FeedInput) {
  const base = f.siteUrl ? `${f.siteUrl.replace(/\/?$/, '/')}commune/${f.commune.commune_insee}/` : '';
  return { page: base || './', atom: `${base}alertes.atom`, json: `${base}alertes.json` };
}

const feedTitle = (c: Commune) => `Alertes — ${c.name} (${c.commune_insee}) — ${SITE_NAME.fr}`;
const entryTitle = (f: FeedInput, a: Alert) => `${f.demo ? '[DÉMO] ' : ''}${a.title.fr}`;

export function atomFeed(f: FeedInput): string {
  const u = urls(f);
  const entries = f.alerts.slice(0, FEED_ENTRIES);
  const updated = entries.reduce((t, a) => (a.updated > t ? a.updated : t), entries.length ? '' : f.asOf);
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">
  <id>urn:observatoire-grand-paris:commune:${xml(f.commune.commune_insee)}:alertes</id>
  <title>${xml(feedTitle(f.commune))}</title>
  <subtitle>${xml(`Franchissements de seuils (bruit nocturne, crues, canicule) à ${f.commune.name}.${f.demo ? ` ${DEMO_NOTE}` : ''}`)}</subtitle>
  <updated>${xml(updated)}</updated>
  <author><name>${xml(SITE_NAME.fr)}</name></author>
  <link rel="self" type="application/atom+xml" href="${xml(u.atom)}"/>
  <link rel="alternate" type="text/html" href="${xml(u.page)}"/>
  <rights>Licence Ouverte / Etalab 2.0</rights>
${entries
  .map(
    (a) => `  <entry>
    <id>${xml(a.id)}</id>
    <title>${xml(entryTitle(f, a))}</title>
    <published>${xml(a.start)}</published>
    <updated>${xml(a.updated)}</updated>
    <link rel="alternate" type="text/html" href="${xml(`${u.page}#alertes`)}"/>
    <category term="${xml(a.kind)}"/>
    <category term="${xml(a.severity)}"/>
    <content type="text">${xml(`${a.content.fr}${f.demo ? ` ${DEMO_NOTE}` : ''}`)}</content>
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
      title: feedTitle(f.commune),
      description: `Franchissements de seuils à ${f.commune.name}.${f.demo ? ` ${DEMO_NOTE}` : ''}`,
      home_page_url: u.page,
      feed_url: u.json,
      language: 'fr',
      authors: [{ name: SITE_NAME.fr }],
      items: f.alerts.slice(0, FEED_ENTRIES).map((a) => ({
        id: a.id,
        url: `${u.page}#alertes`,
        title: entryTitle(f, a),
        content_text: `${a.content.fr}${f.demo ? ` ${DEMO_NOTE}` : ''}`,
        date_published: a.start,
        date_modified: a.updated,
        tags: [a.kind, a.severity],
        _observatoire: { kind: a.kind, severity: a.severity, value: a.value, threshold: a.threshold, unit: a.unit, demo: f.demo },
      })),
    },
    null,
    1,
  );
}
