import type { Alert } from './contract.ts';
import type { Commune } from '../domain/geo/communes.ts';
import { atomFeed, feedPaths, jsonFeed } from './feeds.ts';
import { FAVICON, pagePath } from './html.ts';
import { LANGS } from './i18n.ts';
import type { SiteModel } from './model.ts';
import { renderCommunes } from './pages/communes.ts';
import { NOT_FOUND_PATHS, renderNotFound } from './pages/not-found.ts';
import { SEARCH_INDEX_PATH, searchIndex } from './search.ts';
import { searchIndex as searchIndexSchema } from './site-data.ts';
import { CONTENT_TYPES, type SiteWriter } from './writer.ts';

// What the site has besides its map, commune, data and methodology pages: the list of communes and
// the search index, the 404 pages, the favicon, and the alert feeds (per commune and for the whole
// Métropole, in French and in English).

/** the observatory's mark: a map pin over a sound wave, in the header's colour */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b3a5c"/><path d="M16 5a8 8 0 0 0-8 8c0 6 8 14 8 14s8-8 8-14a8 8 0 0 0-8-8z" fill="#ffbf47"/><circle cx="16" cy="13" r="3" fill="#0b3a5c"/></svg>\n`;

export async function writeSiteFiles(writer: SiteWriter, m: SiteModel, feedsAsOf: string): Promise<void> {
  await writer.put(FAVICON, FAVICON_SVG, 'image/svg+xml');
  // every page of the site: the communes' and Paris's arrondissements'
  await writer.putData(SEARCH_INDEX_PATH, searchIndexSchema, searchIndex(m.communes, new Set(m.communeJson.keys())));
  for (const lang of LANGS) {
    await writer.put(`${pagePath(lang, { kind: 'communes' })}index.html`, renderCommunes(lang, m), CONTENT_TYPES.html);
    await writer.put(NOT_FOUND_PATHS[lang], renderNotFound(lang, m), CONTENT_TYPES.html);
  }
  await writeFeeds(writer, m, feedsAsOf);
}

async function writeFeeds(writer: SiteWriter, m: SiteModel, asOf: string): Promise<void> {
  const { demo, siteUrl } = m.frame;
  const all: Alert[] = [];
  const communeOf = new Map<string, Commune>();
  for (const c of m.communes) {
    const alerts = m.communeJson.get(c.commune_insee)?.alerts ?? [];
    for (const a of alerts) {
      all.push(a);
      communeOf.set(a.id, c);
    }
    for (const lang of LANGS) {
      const paths = feedPaths(lang, c.commune_insee);
      const feed = { lang, commune: c, alerts, demo, asOf, siteUrl };
      await writer.put(paths.atom, atomFeed(feed), CONTENT_TYPES.atom);
      await writer.put(paths.json, jsonFeed(feed), CONTENT_TYPES.feed);
    }
  }
  all.sort((a, b) => (a.start < b.start ? 1 : a.start > b.start ? -1 : a.id < b.id ? -1 : 1));
  for (const lang of LANGS) {
    const paths = feedPaths(lang);
    const feed = { lang, alerts: all, demo, asOf, siteUrl, communeOf };
    await writer.put(paths.atom, atomFeed(feed), CONTENT_TYPES.atom);
    await writer.put(paths.json, jsonFeed(feed), CONTENT_TYPES.feed);
  }
}
