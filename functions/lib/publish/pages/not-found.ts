import type { Lang } from '../i18n.ts';
import { html, page, pagePath, SITE_NAME } from '../html.ts';
import type { SiteModel } from '../model.ts';

// The page served for a path the site does not have (CloudFront's error response; the local server
// likewise): 404.html at the root in French, en/404.html in English. It is served at any path, so its
// links start from the site's root (the public URL's path, or /).

export const NOT_FOUND_PATHS: Readonly<Record<Lang, string>> = { fr: '404.html', en: 'en/404.html' };

export function siteRootPath(siteUrl: string | undefined): string {
  if (!siteUrl) return '/';
  const p = new URL(siteUrl).pathname;
  return p.endsWith('/') ? p : `${p}/`;
}

export function renderNotFound(lang: Lang, m: SiteModel): string {
  const fr = lang === 'fr';
  const root = siteRootPath(m.frame.siteUrl);
  const other: Lang = fr ? 'en' : 'fr';
  const main = html`<h1>${fr ? 'Page introuvable' : 'Page not found'}</h1>
<p class="lead">${fr ? 'Cette adresse ne correspond à aucune page de l’observatoire : elle a peut-être été mal recopiée, ou la page a changé de place.' : 'This address matches no page of the observatory: it may have been mistyped, or the page has moved.'}</p>
<ul>
<li>${fr ? 'Cherchez une commune avec le champ ci-dessus, ou ouvrez la ' : 'Search for a commune with the field above, or open the '}<a href="${root}${pagePath(lang, { kind: 'communes' })}">${fr ? 'liste des communes' : 'list of the communes'}</a>.</li>
<li><a href="${root}${pagePath(lang, { kind: 'home' })}">${fr ? 'Carte des communes' : 'Map of the communes'}</a> · <a href="${root}${pagePath(lang, { kind: 'data' })}">${fr ? 'Données' : 'Data'}</a> · <a href="${root}${pagePath(lang, { kind: 'methodology' })}">${fr ? 'Méthodologie' : 'Methodology'}</a></li>
</ul>
<p lang="${other}">${fr ? html`<a href="${root}${pagePath(other, { kind: 'home' })}" hreflang="en">Page not found — go to the English site</a>` : html`<a href="${root}${pagePath(other, { kind: 'home' })}" hreflang="fr">Page introuvable — aller au site en français</a>`}</p>`;
  return page({
    lang,
    page: { kind: 'notFound' },
    title: `${fr ? 'Page introuvable' : 'Page not found'} — ${SITE_NAME[lang]}`,
    description: fr ? 'Cette page n’existe pas sur l’observatoire.' : 'This page does not exist on the observatory.',
    frame: m.frame,
    main,
    root,
  });
}
