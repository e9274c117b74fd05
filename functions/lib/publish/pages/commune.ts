import type { ArrondissementFigures, CommuneJson, PublishedSection } from '../contract.ts';
import { arrondissementName } from '../../domain/geo/arrondissements.ts';
import { livePath } from '../live.ts';
import { formatInstant, formatInteger, formatNumber, type Lang, MISSING } from '../i18n.ts';
import { html, page, pagePath, rootPrefix, type Raw, SITE_NAME } from '../html.ts';
import type { SiteModel } from '../model.ts';
import { feedPaths } from '../feeds.ts';
import { referenceStation } from '../stations.ts';
import { chartFigure, factsHtml, indicatorsTable, tableHtml } from './parts.ts';

// A commune's page: its key figures with trend and the metropolitan median (readable without
// JavaScript), then per theme the charts (drawn by the script, each with its text alternative and
// data table), the sensors and stations used, the data coverage; forecasts; alerts; downloads.
// An arrondissement of Paris has the same page (commune/751NN/) with its own noise figures and
// sensors; its « 3 prochains jours », heat, floods, forecasts and alerts are Paris's, linked to. Paris's
// page shows its arrondissements side by side.

export const ALERTS_SHOWN = 10;

/** the commune's alert feeds in the page's language, from the site root */
export const alertsFeedPaths = (lang: Lang, insee: string): { atom: string; json: string } => feedPaths(lang, insee);

/** the forecast panel of a commune's page (its charts drawn by the script from the same file) */
export function forecastPanel(lang: Lang, forecasts: readonly PublishedSection[]): string {
  const fr = lang === 'fr';
  return String(
    forecasts.length
      ? html`${forecasts.map(
          (s) => html`${s.indicators.length ? indicatorsTable(lang, s.title[lang], s.indicators) : ''}
${s.charts.map((ch) => chartFigure(lang, ch, 3))}
${s.tables.map((t) => html`<h3>${t.title[lang]}</h3>${tableHtml(lang, t, { caption: false })}`)}
${s.facts.length ? factsHtml(lang, s.facts) : ''}`,
        )}`
      : html`<p class="empty">${fr ? 'Pas encore de prévision pour cette commune : aucun modèle n’a publié de prévision évaluée.' : 'No forecast yet for this commune: no model has published an evaluated forecast.'}</p>`,
  );
}

/** what a commune's or an arrondissement's page is about: its names, paths, feeds and live file */
interface PageSubject {
  readonly lang: Lang;
  readonly c: CommuneJson;
  readonly root: string;
  /** the name in the h1: the commune's, or « Paris 11e arrondissement » */
  readonly name: string;
  /** the page of the commune (Paris's for an arrondissement) */
  readonly communePage: string;
  readonly feeds: { atom: string; json: string };
  readonly live: string;
}

function subjectOf(lang: Lang, m: SiteModel, insee: string): PageSubject {
  const c = m.communeJson.get(insee);
  if (!c) throw new Error(`commune ${insee}: no published content`);
  const root = rootPrefix(pagePath(lang, { kind: 'commune', insee }));
  const com = c.commune;
  // an arrondissement's live panels, feeds and weather station are Paris's
  return {
    lang,
    c,
    root,
    name: c.arrondissement ? arrondissementName(lang, c.arrondissement.number) : com.name,
    communePage: `${root}${pagePath(lang, { kind: 'commune', insee: com.commune_insee })}`,
    feeds: alertsFeedPaths(lang, com.commune_insee),
    live: livePath(com.commune_insee),
  };
}

/** one block per theme: its charts, tables and data coverage */
function themeBlocks(lang: Lang, themes: readonly CommuneJson['sections'][number][]): Raw[] {
  const fr = lang === 'fr';
  return themes.map(
    (s) => html`<section class="theme" id="theme-${s.id}" aria-labelledby="theme-${s.id}-titre">
<h2 id="theme-${s.id}-titre">${s.title[lang]}</h2>
${s.charts.map((ch) => chartFigure(lang, ch, 3))}
${s.tables.map((t) => html`<h3 id="${t.id}-titre">${t.title[lang]}</h3>${tableHtml(lang, t, { caption: false, id: t.id, labelledBy: `${t.id}-titre` })}`)}
${s.facts.length ? html`<h3>${fr ? 'Couverture des données' : 'Data coverage'}</h3>${factsHtml(lang, s.facts)}` : ''}
</section>`,
  );
}

/** the forecasts change with every run of the models: the page fetches them (data/live/<insee>.json) */
function forecastBlock({ lang, root, live }: PageSubject): Raw {
  const fr = lang === 'fr';
  return html`<section class="theme" id="previsions" aria-labelledby="previsions-titre">
<h2 id="previsions-titre">${fr ? 'Prévisions' : 'Forecasts'}</h2>
<div class="live-panel" data-live-panel aria-live="polite"><p class="note">${
    fr
      ? html`Les prévisions, mises à jour à chaque calcul des modèles, s’affichent ici avec JavaScript. Elles sont aussi dans <a href="${root}${live}">${live}</a>.`
      : html`The forecasts, updated at each run of the models, show here with JavaScript. They are also in <a href="${root}${live}">${live}</a>.`
  }</p></div>
</section>`;
}

/** « les 3 prochains jours » change with every bulletin and every run of the models: from the live file too */
function outlookBlock({ lang, c, root, live, feeds }: PageSubject): Raw {
  const fr = lang === 'fr';
  return html`<section class="theme outlook-block" id="prochains-jours" aria-labelledby="prochains-jours-titre">
<h2 id="prochains-jours-titre">${fr ? 'Les 3 prochains jours' : 'The next 3 days'}</h2>
<div data-outlook-panel aria-live="polite"><p class="note">${
    fr
      ? html`Vigilance crues, probabilité de canicule et de nuits bruyantes, mises à jour à chaque bulletin et à chaque calcul : elles s’affichent ici avec JavaScript, et sont dans <a href="${root}${live}">${live}</a> ; les alertes passées sont dans le <a href="${root}${feeds.atom}">flux de la commune</a>.`
      : html`Flood vigilance, heat-wave and noisy-night probabilities, updated with every bulletin and every run: they show here with JavaScript, and are in <a href="${root}${live}">${live}</a>; past alerts are in the <a href="${root}${feeds.atom}">commune’s feed</a>.`
  }</p></div>${c.arrondissement ? html`<p class="note">${fr ? 'Ce sont ceux de Paris : même station météo de référence et mêmes tronçons de la Seine.' : 'They are those of Paris: the same reference weather station and the same sections of the Seine.'}</p>` : ''}
</section>`;
}

/** the breadcrumb, the h1, who the place is, its reference station and its plain-language summary */
function introBlock({ lang, c, root, name, communePage }: PageSubject): Raw {
  const fr = lang === 'fr';
  const com = c.commune;
  const arr = c.arrondissement;
  const station = referenceStation(com.commune_insee);
  const inhabitants = formatInteger(lang, arr ? arr.population : com.population);
  const who = arr
    ? fr
      ? `Arrondissement de Paris (commune ${com.commune_insee}) · ${arr.officialName} · ${inhabitants} habitants`
      : `Arrondissement of Paris (commune ${com.commune_insee}) · ${arr.officialName} · ${inhabitants} inhabitants`
    : fr
      ? `Département ${com.departement} · ${com.ept_name} (${com.ept}) · ${inhabitants} habitants`
      : `Département ${com.departement} · ${com.ept_name} (${com.ept}) · ${inhabitants} inhabitants`;
  return html`<nav class="breadcrumb" aria-label="${fr ? 'Fil d’Ariane' : 'Breadcrumb'}"><ol><li><a href="${root}${pagePath(lang, { kind: 'home' }) || './'}">${fr ? 'Carte des communes' : 'Map of the communes'}</a></li>${
    arr ? html`<li><a href="${communePage}">${com.name}</a></li>` : ''
  }<li><span aria-current="page">${name}</span></li></ol></nav>
<h1 data-insee="${arr?.arrondissement_insee ?? com.commune_insee}"${arr ? html` data-live="${com.commune_insee}"` : ''}>${name} <span class="insee">${fr ? 'code INSEE' : 'INSEE code'} ${arr?.arrondissement_insee ?? com.commune_insee}</span></h1>
<p class="lead">${who}</p>
<p class="note station">${fr ? 'Station météo de référence :' : 'Reference weather station:'} ${station.name} (${fr ? 'station de référence canicule du département, pour les indicateurs de chaleur comme pour les prévisions de canicule' : 'the département’s heat-wave reference station, for the heat indicators and the heat-wave forecasts alike'})</p>
<p class="summary" data-commune-summary>${c.summary[lang]}</p>`;
}

/** the page's table of contents */
function tocBlock({ lang, c }: PageSubject): Raw {
  const fr = lang === 'fr';
  const arr = c.arrondissement;
  return html`<nav class="toc" aria-label="${fr ? 'Sur cette page' : 'On this page'}"><ul>
<li><a href="#prochains-jours">${fr ? 'Les 3 prochains jours' : 'The next 3 days'}</a></li>
<li><a href="#chiffres-cles">${fr ? 'Chiffres clés' : 'Key figures'}</a></li>
${c.arrondissements?.length ? html`<li><a href="#arrondissements">${fr ? 'Les arrondissements' : 'The arrondissements'}</a></li>` : ''}
${c.sections.map((s) => html`<li><a href="#theme-${s.id}">${s.title[lang]}</a></li>`)}
${arr ? '' : html`<li><a href="#previsions">${fr ? 'Prévisions' : 'Forecasts'}</a></li>`}
<li><a href="#alertes">${arr ? (fr ? 'Chaleur, crues, prévisions et alertes' : 'Heat, floods, forecasts and alerts') : fr ? 'Alertes' : 'Alerts'}</a></li>
<li><a href="#telechargements">${fr ? 'Télécharger' : 'Download'}</a></li>
</ul></nav>`;
}

/** each theme's key figures, with trend and the metropolitan median */
function keyFiguresBlock({ lang, c }: PageSubject): Raw {
  const fr = lang === 'fr';
  const tables = c.sections.map((s) => (s.indicators.length ? indicatorsTable(lang, `${s.title[lang]} — ${fr ? 'chiffres clés' : 'key figures'}`, s.indicators) : ''));
  return html`<section id="chiffres-cles" aria-labelledby="chiffres-cles-titre">
<h2 id="chiffres-cles-titre">${fr ? 'Chiffres clés' : 'Key figures'}</h2>
${c.sections.length ? tables : html`<p class="empty">${fr ? 'Aucune mesure publiée ici.' : 'No measurement published here.'}</p>`}
</section>`;
}

export function renderCommune(lang: Lang, m: SiteModel, insee: string): string {
  const subject = subjectOf(lang, m, insee);
  const { c, root, name, feeds } = subject;
  const fr = lang === 'fr';
  const com = c.commune;
  const arr = c.arrondissement;
  const main = html`${introBlock(subject)}
${outlookBlock(subject)}
${tocBlock(subject)}
${keyFiguresBlock(subject)}
${c.arrondissements?.length ? arrondissementsBlock(lang, root, c.arrondissements) : ''}
${themeBlocks(lang, c.sections)}
${arr ? '' : forecastBlock(subject)}
${arr ? parisThemesBlock(lang, subject.communePage) : alertsBlock(lang, c, root, feeds)}
${downloadsBlock(lang, c, root)}`;

  return page({
    lang,
    page: { kind: 'commune', insee },
    title: `${name} (${arr?.arrondissement_insee ?? com.commune_insee}) — ${SITE_NAME[lang]}`,
    description: fr
      ? `Bruit et climat à ${name} : chiffres clés, tendances, séries journalières, capteurs, alertes et données à télécharger.`
      : `Noise and climate in ${name}: key figures, trends, daily series, sensors, alerts and data to download.`,
    frame: m.frame,
    script: 'commune',
    feeds: [
      { href: feeds.atom, type: 'application/atom+xml', title: fr ? `Alertes — ${com.name}` : `Alerts — ${com.name}` },
      { href: feeds.json, type: 'application/feed+json', title: fr ? `Alertes (JSON Feed) — ${com.name}` : `Alerts (JSON Feed) — ${com.name}` },
    ],
    main,
  });
}

/** Paris's page: its arrondissements' levels side by side, each a link to its page (they are parts of Paris, not ranked among the communes) */
function arrondissementsBlock(lang: Lang, root: string, rows: readonly ArrondissementFigures[]): Raw {
  const fr = lang === 'fr';
  const db = (v: number | null) => (v === null ? html`<span class="missing">${MISSING[lang]}</span>` : html`${formatNumber(lang, v, 1)}`);
  return html`<section id="arrondissements" aria-labelledby="arrondissements-titre">
<h2 id="arrondissements-titre">${fr ? 'Les arrondissements' : 'The arrondissements'}</h2>
<p>${
    fr
      ? 'Les niveaux moyens des capteurs de chaque arrondissement, sur la même période que ceux de Paris (périodes européennes). Les arrondissements sont des parties de Paris : ils ne sont pas classés parmi les communes de la Métropole.'
      : 'The mean levels of each arrondissement’s sensors, over the same period as Paris’s (EU periods). The arrondissements are parts of Paris: they are not ranked among the communes of the Métropole.'
  }</p>
<div class="table-wrap" role="region" tabindex="0" aria-label="${fr ? 'Tableau des arrondissements' : 'Table of the arrondissements'}">
<table id="arrondissements-tableau">
<thead><tr><th scope="col">Arrondissement</th><th scope="col" class="num">Lden <span class="unit">(dB(A))</span></th><th scope="col" class="num">Lnight <span class="unit">(dB(A))</span></th><th scope="col" class="num">${fr ? 'Capteurs' : 'Sensors'}</th></tr></thead>
<tbody>
${rows.map(
  (a) =>
    html`<tr data-insee="${a.insee}"><th scope="row"><a href="${root}${pagePath(lang, { kind: 'commune', insee: a.insee })}">${arrondissementName(lang, a.number)}</a></th><td class="num">${db(a.lden)}</td><td class="num">${db(a.lnight)}</td><td class="num">${formatInteger(lang, a.sensors)}</td></tr>\n`,
)}</tbody>
</table>
</div>
</section>`;
}

/** an arrondissement's page: where its heat, flood, forecast and alert figures are (Paris's page) */
function parisThemesBlock(lang: Lang, parisPage: string): Raw {
  const fr = lang === 'fr';
  return html`<section id="alertes" aria-labelledby="alertes-titre">
<h2 id="alertes-titre">${fr ? 'Chaleur, crues, prévisions et alertes' : 'Heat, floods, forecasts and alerts'}</h2>
<p>${
    fr
      ? html`Ce sont ceux de Paris, sur la <a href="${parisPage}">page de Paris</a> et dans son flux d’alertes : la chaleur vient de la même station météo de référence, les crues des mêmes tronçons de la Seine.`
      : html`They are those of Paris, on <a href="${parisPage}">Paris’s page</a> and in its alert feed: heat comes from the same reference weather station, floods from the same sections of the Seine.`
  }</p>
</section>`;
}

function alertsBlock(lang: Lang, c: CommuneJson, root: string, feeds: { atom: string; json: string }): Raw {
  const fr = lang === 'fr';
  const shown = c.alerts.slice(0, ALERTS_SHOWN);
  return html`<section id="alertes" aria-labelledby="alertes-titre">
<h2 id="alertes-titre">${fr ? 'Alertes' : 'Alerts'}</h2>
<p>${fr ? 'Franchissements de seuils dans la commune, les plus récents d’abord. Abonnez-vous :' : 'Threshold crossings in the commune, most recent first. Subscribe:'} <a href="${root}${feeds.atom}">${fr ? 'flux Atom' : 'Atom feed'}</a> · <a href="${root}${feeds.json}">JSON Feed</a></p>
${
  shown.length
    ? html`<ul class="alerts">${shown.map(
        (a) => html`<li class="alert alert-${a.severity}"><p class="alert-title"><time datetime="${a.start}">${formatInstant(lang, a.start)}</time> — ${a.title[lang]}</p><p>${a.content[lang]}</p></li>`,
      )}</ul>${c.alerts.length > shown.length ? html`<p class="note">${fr ? `${c.alerts.length - shown.length} alertes plus anciennes dans les flux.` : `${c.alerts.length - shown.length} older alerts in the feeds.`}</p>` : ''}`
    : html`<p class="empty">${fr ? 'Aucune alerte récente pour cette commune.' : 'No recent alert for this commune.'}</p>`
}
</section>`;
}

/** the commune's files, per dataset and year (their sizes, which change with every hour of data, are on the data page) */
function downloadsBlock(lang: Lang, c: CommuneJson, root: string): Raw {
  const fr = lang === 'fr';
  const byDataset = new Map<string, typeof c.downloads>();
  for (const d of c.downloads) byDataset.set(d.dataset, [...(byDataset.get(d.dataset) ?? []), d]);
  const formats = (files: typeof c.downloads) => html`${files.map((f, i) => html`${i ? ' · ' : ''}<a href="${root}${f.path}" download>${f.format === 'parquet' ? 'Parquet' : f.format.toUpperCase()}</a>`)}`;
  return html`<section id="telechargements" aria-labelledby="telechargements-titre">
<h2 id="telechargements-titre">${fr ? 'Télécharger les données de la commune' : 'Download the commune’s data'}</h2>
${
  byDataset.size
    ? html`<ul class="downloads">${[...byDataset].map(([dataset, files]) => {
        const years = [...new Set(files.map((f) => f.year))].sort().reverse();
        return html`<li><code>${dataset}</code> : ${years.map((y, i) => html`${i ? ' ; ' : ''}${y === null ? '' : html`${y} `}${formats(files.filter((f) => f.year === y))}`)}</li>`;
      })}</ul>
<p class="note">${fr ? 'Un fichier par année ; colonnes, unités et licences : voir le ' : 'One file per year; columns, units and licences: see the '}<a href="${root}${pagePath(lang, { kind: 'data' })}#dictionnaire">${fr ? 'dictionnaire des données' : 'data dictionary'}</a>.</p>`
    : html`<p class="empty">${fr ? 'Aucune donnée à télécharger pour cette commune.' : 'No data to download for this commune.'}</p>`
}
</section>`;
}
