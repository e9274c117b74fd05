import { formatDay, formatInstant, formatNumber, type Lang, MISSING, PARIS_TIME, text, type Text, unitIn } from './i18n.ts';

// The frame every page shares: language, skip link, demo banner, navigation, « data as of » stamp,
// footer. Pages are static HTML with relative links, so the site works from any folder or domain.

export const escapeHtml = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');

/** a tagged template whose ${} values are escaped unless wrapped in raw() */
export class Raw {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}
export const raw = (html: string): Raw => new Raw(html);

type Part = string | number | Raw | null | undefined | false | readonly Part[];

function render(p: Part): string {
  if (p === null || p === undefined || p === false) return '';
  if (p instanceof Raw) return p.html;
  if (Array.isArray(p)) return p.map(render).join('');
  return escapeHtml(String(p));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Raw {
  let out = strings[0] ?? '';
  values.forEach((v, i) => (out += render(v) + (strings[i + 1] ?? '')));
  return new Raw(out);
}

/** the site's pages, and the path of each in each language (relative to the site root, '' = home) */
export type PageRef =
  | { kind: 'home' }
  | { kind: 'data' }
  | { kind: 'methodology' }
  | { kind: 'communes' }
  | { kind: 'notFound' }
  | { kind: 'commune'; insee: string };

export function pagePath(lang: Lang, page: PageRef): string {
  const root = lang === 'fr' ? '' : `${lang}/`;
  switch (page.kind) {
    case 'home':
      return root;
    case 'data':
      return `${root}${lang === 'fr' ? 'donnees' : 'data'}/`;
    case 'methodology':
      return `${root}${lang === 'fr' ? 'methodologie' : 'methodology'}/`;
    case 'communes':
      return `${root}communes/`;
    case 'notFound':
      return root;
    case 'commune':
      return `${root}commune/${page.insee}/`;
  }
}

/** the relative prefix from a page to the site root: '' for the home page, '../../' for commune/75056/ */
export function rootPrefix(path: string): string {
  return '../'.repeat(path.split('/').filter(Boolean).length);
}

export interface SiteFrame {
  /**
   * the Paris day of the latest measured data (forecasts aside): the pages say only the day, which
   * changes with their content; the script puts the hour from the small JSON files (see asOfText)
   */
  readonly dataDay: string | null;
  readonly demo: boolean;
  readonly demoNotice: string | null;
  /** asset paths relative to the site root */
  readonly css: string;
  readonly scripts: Readonly<Record<string, string>>;
  /** the site's public URL (https://…/), when known: absolute links for hreflang, canonical and feeds */
  readonly siteUrl?: string;
}

export interface PageOptions {
  readonly lang: Lang;
  readonly page: PageRef;
  readonly title: string;
  readonly description: string;
  readonly frame: SiteFrame;
  /** entry name in frame.scripts, e.g. 'map' */
  readonly script?: string;
  /** <link rel="alternate"> feeds, relative to the site root */
  readonly feeds?: readonly { readonly href: string; readonly type: string; readonly title: string }[];
  readonly main: Raw;
  /**
   * the page's main places the « data as of » line itself (the home page: after its lead paragraph, so that
   * the line growing when the script puts each theme's hour in it moves nothing on a phone's first screen)
   */
  readonly asOfInMain?: boolean;
  /**
   * the prefix to the site root; by default relative to the page's path. The 404 page is served at any
   * path, so its links start from the site's own root ('/', or the public URL's path).
   */
  readonly root?: string;
}

const NAV: readonly { page: PageRef; label: Text }[] = [
  { page: { kind: 'home' }, label: text('Carte', 'Map') },
  { page: { kind: 'communes' }, label: text('Communes', 'Communes') },
  { page: { kind: 'data' }, label: text('Données', 'Data') },
  { page: { kind: 'methodology' }, label: text('Méthodologie', 'Methodology') },
];

export const SITE_NAME = text('Observatoire bruit et climat du Grand Paris', 'Grand Paris noise and climate observatory');

export function demoBanner(lang: Lang, frame: SiteFrame): Raw {
  if (!frame.demo) return raw('');
  // the manifest's own notice repeats this sentence (in English): the banner says it once, in the page's language
  return lang === 'fr'
    ? html`<div class="demo-banner" role="note" aria-label="Avertissement"><p><strong>Données de démonstration</strong> : les valeurs de ce site sont simulées, ce ne sont pas des mesures.</p></div>`
    : html`<div class="demo-banner" role="note" aria-label="Warning"><p><strong>Demo data</strong>: the values on this site are simulated, they are not measurements.</p></div>`;
}

/** the « data as of » line of every page: the day without JavaScript, the exact times once the script read data/site.json or the commune's live file */
export function asOfStamp(lang: Lang, frame: SiteFrame): Raw {
  const day = frame.dataDay ? html`<time datetime="${frame.dataDay}">${formatDay(lang, frame.dataDay)}</time>` : html`<span class="missing">${MISSING[lang]}</span>`;
  return lang === 'fr' ? html`<p class="as-of" data-as-of>Données au ${day}</p>` : html`<p class="as-of" data-as-of>Data as of ${day}</p>`;
}

/** the « data as of » line as text, with the hour: per theme when themes end at different times; with the run's time when given */
export function asOfText(lang: Lang, dataAsOf: string | null, byTheme: readonly { readonly title: Text; readonly as_of: string }[], generatedAt?: string): string {
  const time = (iso: string) => formatInstant(lang, iso, { zone: false });
  // themes can end on different days (a heat season, a flood event): each says how fresh it is
  const data =
    byTheme.length > 1
      ? `${byTheme.map((t) => `${time(t.as_of)} (${t.title[lang].toLowerCase()})`).join(', ')} ${PARIS_TIME[lang]}`
      : dataAsOf
        ? `${time(dataAsOf)} ${PARIS_TIME[lang]}`
        : MISSING[lang];
  const built = generatedAt ? (lang === 'fr' ? ` · site mis à jour le ${time(generatedAt)}` : ` · site updated ${time(generatedAt)}`) : '';
  return lang === 'fr' ? `Données au ${data}${built}` : `Data as of ${data}${built}`;
}

export const FAVICON = 'favicon.svg';

/** the site's search field: a combobox once the script runs, a link to the list of communes without it */
export function searchForm(lang: Lang, root: string): Raw {
  const fr = lang === 'fr';
  const list = `${root}${pagePath(lang, { kind: 'communes' })}`;
  return html`<form class="search" role="search" action="${list}" method="get" data-search>
<label for="recherche">${fr ? 'Trouver une commune' : 'Find a commune'}</label>
<div class="search-field"><input id="recherche" name="q" type="search" autocomplete="off" spellcheck="false" aria-describedby="recherche-aide" placeholder="${fr ? 'Nom ou code postal' : 'Name or postcode'}"><button type="submit">${fr ? 'Chercher' : 'Search'}</button></div>
<p id="recherche-aide" class="search-help"><a href="${list}">${fr ? 'Liste de toutes les communes' : 'List of all the communes'}</a></p>
</form>`;
}

export function page(o: PageOptions): string {
  const here = pagePath(o.lang, o.page);
  const root = o.root ?? rootPrefix(here);
  const other: Lang = o.lang === 'fr' ? 'en' : 'fr';
  const link = (p: PageRef) => root + pagePath(o.lang, p) || './';
  const nav = NAV.map(
    (n) => html`<li><a href="${link(n.page)}"${raw(pagePath(o.lang, n.page) === here && o.page.kind !== 'notFound' ? ' aria-current="page"' : '')}>${n.label[o.lang]}</a></li>`,
  );
  const otherHref = root + pagePath(other, o.page) || './';
  const scripts = [o.frame.scripts.search, o.script ? o.frame.scripts[o.script] : undefined].filter((s): s is string => Boolean(s));
  // hreflang and canonical need absolute URLs (relative ones are invalid for search engines): only with a known site URL
  const base = o.frame.siteUrl && o.page.kind !== 'notFound' ? o.frame.siteUrl.replace(/\/?$/, '/') : undefined;
  return `<!doctype html>
${html`<html lang="${o.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title}</title>
<meta name="description" content="${o.description}">
${o.page.kind === 'notFound' ? raw('<meta name="robots" content="noindex">\n') : ''}<link rel="icon" href="${root}${FAVICON}" type="image/svg+xml">
<link rel="stylesheet" href="${root}${o.frame.css}">
${base ? html`<link rel="canonical" href="${base}${here}">
<link rel="alternate" hreflang="${o.lang}" href="${base}${here}">
<link rel="alternate" hreflang="${other}" href="${base}${pagePath(other, o.page)}">
` : ''}${(o.feeds ?? []).map((f) => html`<link rel="alternate" type="${f.type}" title="${f.title}" href="${root}${f.href}">\n`)}${scripts.map((s) => html`<script type="module" src="${root}${s}"></script>\n`)}</head>
<body>
<a class="skip-link" href="#contenu">${o.lang === 'fr' ? 'Aller au contenu' : 'Skip to content'}</a>
<header>
${demoBanner(o.lang, o.frame)}
<div class="site-header">
<div class="wrap">
<p class="site-name"><a href="${link({ kind: 'home' })}">${SITE_NAME[o.lang]}</a></p>
<nav aria-label="${o.lang === 'fr' ? 'Navigation principale' : 'Main navigation'}"><ul>${nav}
<li><a href="${otherHref}" hreflang="${other}" lang="${other}">${other === 'en' ? 'English' : 'Français'}</a></li></ul></nav>
</div>
</div>
<div class="search-bar"><div class="wrap">${searchForm(o.lang, root)}</div></div>
</header>
<main id="contenu" class="wrap" tabindex="-1">
${o.page.kind === 'notFound' || o.asOfInMain ? '' : asOfStamp(o.lang, o.frame)}
${o.main}
</main>
<footer class="site-footer">
<div class="wrap">
${footer(o.lang, root)}
</div>
</footer>
</body>
</html>
`.html}`;
}

function footer(lang: Lang, root: string): Raw {
  return lang === 'fr'
    ? html`<p>Observatoire ouvert de la Métropole du Grand Paris. Données sous Licence Ouverte / Etalab 2.0 ; géométrie des communes : IGN – ADMIN EXPRESS ; code sous licence MIT. <a href="${root}donnees/">Télécharger les données</a> · <a href="${root}methodologie/">Méthodologie</a></p>`
    : html`<p>Open observatory of the Métropole du Grand Paris. Data under Licence Ouverte / Etalab 2.0; commune geometry: IGN – ADMIN EXPRESS; code under the MIT licence. <a href="${root}en/data/">Download the data</a> · <a href="${root}en/methodology/">Methodology</a></p>`;
}

/** a value with its unit, or « pas de données » (never 0) */
export function valueHtml(lang: Lang, value: number | null, decimals: number, unit: string): Raw {
  if (value === null) return html`<span class="missing">${MISSING[lang]}</span>`;
  return html`${formatNumber(lang, value, decimals)}${unit ? raw(`&nbsp;${escapeHtml(unitIn(lang, unit))}`) : ''}`;
}

export function valueText(lang: Lang, value: number | null, decimals: number, unit: string): string {
  if (value === null) return MISSING[lang];
  return `${formatNumber(lang, value, decimals)}${unit ? ` ${unitIn(lang, unit)}` : ''}`;
}

export function periodText(lang: Lang, p: { from: string; to: string } | null): string {
  if (!p) return MISSING[lang];
  if (p.from === p.to) return lang === 'fr' ? `le ${formatDay(lang, p.from)}` : formatDay(lang, p.from);
  return lang === 'fr' ? `du ${formatDay(lang, p.from)} au ${formatDay(lang, p.to)}` : `${formatDay(lang, p.from)} to ${formatDay(lang, p.to)}`;
}
