import type { Lang } from '../i18n.ts';
import { html, page, pagePath, rootPrefix, SITE_NAME } from '../html.ts';
import type { SiteModel } from '../model.ts';
import places from '../places.json' with { type: 'json' };
import { ARRONDISSEMENTS, arrondissementName } from '../../domain/geo/arrondissements.ts';

// The list of every commune, by département then name, with its postcodes: what the search field
// leads to without JavaScript (and a plain index for everyone).

const DEPARTEMENTS: Readonly<Record<string, string>> = {
  '75': 'Paris',
  '91': 'Essonne',
  '92': 'Hauts-de-Seine',
  '93': 'Seine-Saint-Denis',
  '94': 'Val-de-Marne',
  '95': 'Val-d’Oise',
};

export function renderCommunes(lang: Lang, m: SiteModel): string {
  const fr = lang === 'fr';
  const here = pagePath(lang, { kind: 'communes' });
  const root = rootPrefix(here);
  const postcodes = places.postcodes as Record<string, string[]>;
  const deps = [...new Set(m.communes.map((c) => c.departement))].sort();
  const main = html`<h1>${fr ? `Les ${m.communes.length} communes` : `The ${m.communes.length} communes`}</h1>
<p class="lead">${
    fr
      ? 'Toutes les communes de la Métropole du Grand Paris, par département, avec leurs codes postaux ; pour Paris, ses 20 arrondissements ont aussi chacun leur page.'
      : 'Every commune of the Métropole du Grand Paris, by département, with their postcodes; Paris’s 20 arrondissements have a page each too.'
  }</p>
<nav aria-label="${fr ? 'Départements' : 'Départements'}"><ul class="inline-list">${deps.map((d) => html`<li><a href="#dep-${d}">${DEPARTEMENTS[d] ?? d} (${d})</a></li>`)}</ul></nav>
${deps.map(
  (d) => html`<section aria-labelledby="dep-${d}">
<h2 id="dep-${d}">${DEPARTEMENTS[d] ?? d} (${d})</h2>
<ul class="commune-list">
${m.communes
  .filter((c) => c.departement === d)
  .sort((a, b) => a.name.localeCompare(b.name, 'fr'))
  .map(
    (c) =>
      html`<li><a href="${root}${pagePath(lang, { kind: 'commune', insee: c.commune_insee })}">${c.name}</a> <span class="small">${(postcodes[c.commune_insee] ?? []).join(', ')}</span></li>\n`,
  )}</ul>
${
  d === '75'
    ? html`<h3 id="arrondissements">${fr ? 'Les arrondissements de Paris' : 'The arrondissements of Paris'}</h3>
<ul class="arrondissement-list">
${ARRONDISSEMENTS.map(
  (a) =>
    html`<li><a href="${root}${pagePath(lang, { kind: 'commune', insee: a.arrondissement_insee })}">${arrondissementName(lang, a.number)}</a> <span class="small">${(places.arrondissements.find((p) => p.code === a.arrondissement_insee)?.postcodes ?? []).join(', ')}</span></li>\n`,
)}</ul>`
    : ''
}
</section>`,
)}`;
  return page({
    lang,
    page: { kind: 'communes' },
    title: `${fr ? 'Les communes' : 'The communes'} — ${SITE_NAME[lang]}`,
    description: fr
      ? 'Liste des 130 communes de la Métropole du Grand Paris, avec leurs codes postaux, vers leurs chiffres de bruit et de climat.'
      : 'List of the 130 communes of the Métropole du Grand Paris, with their postcodes, leading to their noise and climate figures.',
    frame: m.frame,
    main,
  });
}
