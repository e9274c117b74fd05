import type { PointGroup, PublishedLayer } from '../contract.ts';
import { formatInteger, type Lang, MISSING, unitIn } from '../i18n.ts';
import { asOfStamp, html, page, pagePath, periodText, raw, type Raw, SITE_NAME, valueText } from '../html.ts';
import type { SiteModel } from '../model.ts';
import { feedPaths } from '../feeds.ts';

// The home page: the map of the 130 communes, drawn at publish time (it shows without JavaScript,
// each commune a link), its legends, and the table of every commune's figures.

const HATCH_ID = 'pas-de-donnees';
const MISSING_FILL = `url(#${HATCH_ID})`;

export function layerAccessibleName(lang: Lang, name: string, layer: PublishedLayer, insee: string): string {
  return `${name} : ${layer.short[lang]} ${valueText(lang, layer.values[insee] ?? null, layer.decimals, layer.unit)}`;
}

const communesCount = (lang: Lang, n: number) => `${formatInteger(lang, n)}\u00a0commune${(lang === 'fr' ? n > 1 : n !== 1) ? 's' : ''}`;

export function fillOf(layer: PublishedLayer, insee: string): string {
  const k = layer.class_of[insee] ?? -1;
  return layer.classes[k]?.color ?? MISSING_FILL;
}

/**
 * an arrondissement of Paris on the map, over Paris: a link to its page, coloured in the layer's classes
 * when the layer carries its value (map.json's `arrondissements`), else see-through (Paris's colour)
 */
function arrondissementLink(lang: Lang, m: SiteModel, layer: PublishedLayer | undefined, code: string, d: string) {
  const sub = m.mapJson.arrondissements;
  const name = sub?.names.find((n) => n.insee === code)?.name[lang] ?? code;
  const values = layer ? sub?.values[layer.id] : undefined;
  const k = layer ? (sub?.class_of[layer.id]?.[code] ?? -1) : -1;
  const fill = !layer || !values ? 'none' : k < 0 ? MISSING_FILL : (layer.classes[k]?.color ?? MISSING_FILL);
  const label = layer && values ? `${name} : ${layer.short[lang]} ${valueText(lang, values[code] ?? null, layer.decimals, layer.unit)}` : name;
  const href = pagePath(lang, { kind: 'commune', insee: code }).slice(pagePath(lang, { kind: 'home' }).length);
  return html`<a href="${href}" class="area" data-insee="${code}" aria-label="${label}"><path id="p-${code}" d="${d}" fill="${fill}"/></a>`;
}

const SYMBOL: Record<PointGroup['kind'], (x: number, y: number) => string> = {
  'noise-sensor': (x, y) => `<circle cx="${x}" cy="${y}" r="2.6"/>`,
  'river-station': (x, y) => `<path d="M${x},${(y - 4.5).toFixed(1)}l4.5,7.8h-9z"/>`,
  'weather-station': (x, y) => `<rect x="${(x - 3.2).toFixed(1)}" y="${(y - 3.2).toFixed(1)}" width="6.4" height="6.4"/>`,
};

function legendSymbol(kind: PointGroup['kind']): Raw {
  return raw(`<svg class="swatch point-${kind}" width="18" height="18" viewBox="-9 -9 18 18" aria-hidden="true">${SYMBOL[kind](0, 0)}</svg>`);
}

const LABEL_SIZE = 7.5;

/** the communes whose name fits inside their shape without touching another label, the most populous first */
export function mapLabels(m: SiteModel): { insee: string; name: string; x: number; y: number }[] {
  const placed: { x0: number; x1: number; y0: number; y1: number }[] = [];
  const out: { insee: string; name: string; x: number; y: number }[] = [];
  for (const c of [...m.communes].sort((a, b) => b.population - a.population)) {
    const s = m.map.shapes.get(c.commune_insee);
    if (!s) continue;
    const w = c.name.length * LABEL_SIZE * 0.56;
    if (w > s.width * 0.85 || LABEL_SIZE * 1.6 > s.height || s.area < w * LABEL_SIZE * 2.2) continue;
    const box = { x0: s.x - w / 2 - 1, x1: s.x + w / 2 + 1, y0: s.y - LABEL_SIZE / 2 - 1, y1: s.y + LABEL_SIZE / 2 + 1 };
    if (placed.some((b) => b.x0 < box.x1 && box.x0 < b.x1 && b.y0 < box.y1 && box.y0 < b.y1)) continue;
    placed.push(box);
    out.push({ insee: c.commune_insee, name: c.name, x: Math.round(s.x * 10) / 10, y: Math.round(s.y * 10) / 10 });
  }
  return out;
}

/** the map's points in its pixels, by group: points outside the drawing (a station beyond the Métropole's edge) are left off */
function projectedPoints(m: SiteModel): ReadonlyMap<string, readonly [number, number][]> {
  // points outside the drawing (a station beyond the Métropole's edge) are left off the map
  const inside = ([x, y]: [number, number]) => x >= 3 && y >= 3 && x <= m.map.width - 3 && y <= m.map.height - 3;
  return new Map(
    m.mapJson.points.map((g) => [
      g.id,
      g.points.map((p) => m.map.project(p.lon, p.lat)).filter((xy): xy is [number, number] => xy !== null && inside(xy)),
    ]),
  );
}

/** the map: each commune a link coloured by the current layer, Paris's arrondissements over it, the points, the names where they fit */
function mapSvg(lang: Lang, m: SiteModel, current: PublishedLayer | undefined, projected: ReadonlyMap<string, readonly [number, number][]>): Raw {
  return html`<svg id="carte" class="map" viewBox="0 0 ${m.map.width} ${m.map.height}" role="group" aria-labelledby="carte-titre" aria-describedby="carte-aide">
<defs><pattern id="${HATCH_ID}" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><rect width="6" height="6" fill="#f2f2f2"/><line x1="0" y1="0" x2="0" y2="6" stroke="#6f6f6f" stroke-width="1.6"/></pattern></defs>
<g class="communes">
${m.communes.map((c) => {
  const d = m.map.paths.get(c.commune_insee) ?? '';
  const label = current ? layerAccessibleName(lang, c.name, current, c.commune_insee) : c.name;
  return html`<a href="${pagePath(lang, { kind: 'commune', insee: c.commune_insee }).slice(pagePath(lang, { kind: 'home' }).length)}" class="commune" data-insee="${c.commune_insee}" aria-label="${label}"><path id="p-${c.commune_insee}" d="${d}" fill="${current ? fillOf(current, c.commune_insee) : MISSING_FILL}"/></a>\n`;
})}</g>
<g class="arrondissements">${[...m.map.subPaths].map(([code, d]) => arrondissementLink(lang, m, current, code, d))}</g>
${m.mapJson.points.map(
  (g) =>
    html`<g class="points point-${g.kind}" data-group="${g.id}" aria-hidden="true">${raw(
      (projected.get(g.id) ?? []).map(([x, y]) => SYMBOL[g.kind](x, y)).join(''),
    )}</g>\n`,
)}<g class="labels" aria-hidden="true" font-size="${LABEL_SIZE}">${mapLabels(m).map((l) => html`<text x="${l.x}" y="${l.y}" data-insee="${l.insee}">${l.name}</text>`)}</g>
<g class="highlight" aria-hidden="true"></g>
</svg>`;
}

/** one legend per layer (the current one shown): its classes with their communes counts */
function mapLegends(lang: Lang, m: SiteModel, current: PublishedLayer | undefined): Raw[] {
  const fr = lang === 'fr';
  const layers = m.mapJson.layers;
  return layers.map(
    (l) => html`<div class="legend" id="legende-${l.id}" data-layer="${l.id}"${raw(l.id === current?.id ? '' : ' hidden')}>
<h3>${l.title[lang]}${l.unit ? html` <span class="unit">(${unitIn(lang, l.unit)})</span>` : ''}</h3>
<ul class="legend-classes">
${l.classes.map(
  (c, i) =>
    html`<li><svg class="swatch" width="26" height="16" aria-hidden="true"><rect width="26" height="16" fill="${c.color}"/></svg><span class="legend-label">${c.label[lang]}</span> <span class="count">${communesCount(lang, l.counts[i] ?? 0)}</span></li>\n`,
)}<li><svg class="swatch" width="26" height="16" aria-hidden="true"><rect width="26" height="16" fill="${MISSING_FILL}"/></svg><span class="legend-label">${(l.missingLabel ?? MISSING)[lang]}</span> <span class="count">${communesCount(lang, l.missing)}</span></li>
</ul>
<p class="legend-desc">${l.description[lang]}</p>
<p class="legend-source">${fr ? 'Source :' : 'Source:'} ${l.source[lang]}. ${fr ? 'Période :' : 'Period:'} ${periodText(lang, l.period)}.</p>
</div>
`,
  );
}

/** the points' symbols, with how many are on the map */
function pointsLegend(lang: Lang, m: SiteModel, projected: ReadonlyMap<string, readonly [number, number][]>): Raw | '' {
  const fr = lang === 'fr';
  return m.mapJson.points.length
    ? html`<ul class="legend-points">${m.mapJson.points.map(
        (g) => {
          const shown = projected.get(g.id)?.length ?? 0;
          return html`<li>${legendSymbol(g.kind)}<span>${g.title[lang]} (${formatInteger(lang, shown)}${shown < g.points.length ? (fr ? ` sur la carte, ${g.points.length} en tout` : ` on the map, ${g.points.length} in all`) : ''})</span></li>`;
        },
      )}</ul>`
    : '';
}

/** the layer choice and the points' toggles (shown by the script) */
function mapControls(lang: Lang, m: SiteModel, current: PublishedLayer | undefined): Raw {
  const fr = lang === 'fr';
  const layers = m.mapJson.layers;
  return html`<div class="map-controls" hidden>
<div class="control"><label for="couche">${fr ? 'Indicateur affiché' : 'Indicator shown'}</label>
<select id="couche">${m.mapJson.groups.map(
    (g) =>
      html`<optgroup label="${g.title[lang]}">${layers
        .filter((l) => l.group === g.id)
        .map((l) => html`<option value="${l.id}"${raw(l.id === current?.id ? ' selected' : '')}>${l.title[lang]}${l.unit ? ` (${unitIn(lang, l.unit)})` : ''}</option>`)}</optgroup>`,
  )}</select></div>
${m.mapJson.points.map(
  (g) => html`<div class="control check"><input type="checkbox" id="points-${g.id}" data-group="${g.id}" checked><label for="points-${g.id}">${fr ? 'Afficher : ' : 'Show: '}${g.title[lang]}</label></div>`,
)}
</div>`;
}

/**
 * the communes table's place: the script draws it from data/map.json, which the map reads anyway (130
 * rows of every layer would be most of the page's weight); without JavaScript, the list of communes
 * leads to each commune's figures, and the downloads hold them all
 */
function communesTable(lang: Lang, m: SiteModel): Raw {
  const fr = lang === 'fr';
  const caption = fr ? `Indicateurs des ${m.communes.length} communes` : `Indicators of the ${m.communes.length} communes`;
  const more = fr ? 'Plus de colonnes' : 'More columns';
  const list = pagePath(lang, { kind: 'communes' }).slice(pagePath(lang, { kind: 'home' }).length);
  const data = pagePath(lang, { kind: 'data' }).slice(pagePath(lang, { kind: 'home' }).length);
  return html`<div class="table-tools" hidden><button type="button" class="more-columns" aria-controls="communes-tableau" aria-expanded="false" data-more="${more}" data-less="${fr ? 'Moins de colonnes' : 'Fewer columns'}">${more}</button>
<p class="small">${fr ? 'Cliquez sur un en-tête de colonne pour trier le tableau.' : 'Select a column header to sort the table.'}</p></div>
<p class="visually-hidden" role="status" id="tri-statut"></p>
<div class="table-wrap" role="region" tabindex="0" aria-label="${caption}" data-communes-table>
<p class="note">${
    fr
      ? html`Le tableau des communes s’affiche avec JavaScript. Sans lui, la <a href="${list}">liste des communes</a> mène à la page de chacune, avec ses chiffres, et toutes les valeurs sont dans les <a href="${data}">données à télécharger</a>.`
      : html`The table of the communes shows with JavaScript. Without it, the <a href="${list}">list of the communes</a> leads to each one’s page, with its figures, and every value is in the <a href="${data}">data downloads</a>.`
  }</p>
</div>`;
}

export function renderHome(lang: Lang, m: SiteModel): string {
  const current = m.mapJson.layers.find((l) => l.id === m.mapJson.default_layer);
  const fr = lang === 'fr';
  const sensors = m.mapJson.points.find((p) => p.kind === 'noise-sensor')?.points.length ?? 0;
  const projected = projectedPoints(m);
  const svg = mapSvg(lang, m, current, projected);
  const legends = mapLegends(lang, m, current);
  const pointLegend = pointsLegend(lang, m, projected);
  const controls = mapControls(lang, m, current);
  const table = communesTable(lang, m);

  const themes = m.sections.map((s) => s.section.title[lang].toLowerCase());
  const main = html`<h1>${fr ? 'Bruit et climat dans les communes du Grand Paris' : 'Noise and climate in the communes of Grand Paris'}</h1>
<p class="lead">${
    fr
      ? `Les ${m.communes.length} communes de la Métropole du Grand Paris, leurs niveaux de bruit mesurés par ${formatInteger(lang, sensors)} capteurs et les dépassements des valeurs de l’OMS et de la réglementation française${themes.length > 1 ? ` ; thèmes publiés : ${themes.join(', ')}` : ''}. Choisissez un indicateur, survolez ou parcourez les communes, ouvrez la page d’une commune pour ses chiffres détaillés.`
      : `The ${m.communes.length} communes of the Métropole du Grand Paris, their noise levels measured by ${formatInteger(lang, sensors)} sensors and the exceedances of the WHO and French reference values${themes.length > 1 ? `; themes published: ${themes.join(', ')}` : ''}. Choose an indicator, hover over or tab through the communes, open a commune's page for its detailed figures.`
  }</p>
${asOfStamp(lang, m.frame)}
<section class="map-section" aria-labelledby="carte-titre">
<h2 id="carte-titre">${fr ? `Carte des ${m.communes.length} communes` : `Map of the ${m.communes.length} communes`}</h2>
${controls}
<p id="carte-aide" class="help">${
    fr
      ? 'Chaque commune est un lien : parcourez-les avec la touche Tab, Entrée ouvre la page de la commune. Les communes hachurées n’ont pas de données. Dans Paris, chaque arrondissement est un lien vers sa page, coloré selon sa propre valeur quand l’indicateur existe pour lui (les comptes de la légende et les rangs restent ceux des 130 communes).'
      : 'Each commune is a link: tab through them, Enter opens the commune’s page. Hatched communes have no data. Within Paris, each arrondissement is a link to its page, coloured by its own value where the indicator exists for it (the legend’s counts and the ranks stay those of the 130 communes).'
  } <a class="skip-map" href="#communes-titre">${fr ? 'Passer la carte' : 'Skip the map'}</a></p>
<div class="map-layout">
<div class="map-wrap">
${svg}
<div class="tooltip" aria-hidden="true" hidden></div>
</div>
<p class="visually-hidden" role="status" id="carte-statut"></p>
<div class="legends">
${legends}${pointLegend}
${m.mapJson.uniform?.length ? html`<div class="uniform-layers"><p>${fr ? 'Non cartographié, une seule valeur partout :' : 'Not mapped, one value everywhere:'}</p><ul>${m.mapJson.uniform.map((u) => html`<li data-uniform="${u.id}">${u.note[lang]}</li>`)}</ul></div>` : ''}
</div>
</div>
</section>
<section aria-labelledby="communes-titre">
<h2 id="communes-titre" tabindex="-1">${fr ? 'Les communes en chiffres' : 'The communes in figures'}</h2>
${table}
</section>`;

  return page({
    lang,
    page: { kind: 'home' },
    title: SITE_NAME[lang],
    description: fr
      ? 'Carte et indicateurs de bruit et de climat des 130 communes de la Métropole du Grand Paris : Lden, Lnight, dépassements OMS et valeurs limites.'
      : 'Map and noise and climate indicators of the 130 communes of the Métropole du Grand Paris: Lden, Lnight, WHO and limit-value exceedances.',
    frame: m.frame,
    script: 'map',
    asOfInMain: true,
    feeds: [
      { href: feedPaths(lang).atom, type: 'application/atom+xml', title: fr ? 'Alertes — Métropole du Grand Paris' : 'Alerts — Métropole du Grand Paris' },
      { href: feedPaths(lang).json, type: 'application/feed+json', title: fr ? 'Alertes (JSON Feed) — Métropole du Grand Paris' : 'Alerts (JSON Feed) — Métropole du Grand Paris' },
    ],
    main,
  });
}
