import { PARIS_INSEE } from '../../domain/geo/arrondissements.ts';
import type { DownloadFile } from '../contract.ts';
import { formatBytes, formatInteger, type Lang, same, text } from '../i18n.ts';
import { html, page, pagePath, raw, type Raw, rootPrefix, SITE_NAME } from '../html.ts';
import type { SiteModel } from '../model.ts';
import { DATASETS_FR } from '../words.ts';

// The data page: every published dataset as CSV and Parquet (whole, and per commune), GeoJSON for
// GIS users, the data dictionary generated from the dataset declarations, licences, SQL examples.

const FORMAT_NAME: Record<DownloadFile['format'], string> = { csv: 'CSV', parquet: 'Parquet', geojson: 'GeoJSON' };

export const SOFTWARE_CREDITS = [
  { name: 'd3 (d3-geo, d3-scale, d3-shape, d3-axis, d3-selection…)', licence: 'ISC', by: text('Mike Bostock et les contributeurs', 'Mike Bostock and contributors') },
  { name: 'DuckDB', licence: 'MIT', by: same('DuckDB Foundation') },
];

interface PerCommune {
  communes: Set<string>;
  bytes: number;
  formats: Set<string>;
}

/** what the data page draws on: the site's model, the language, the path back to the root, the commune its examples name */
interface DataPage {
  lang: Lang;
  fr: boolean;
  m: SiteModel;
  root: string;
  sample: SiteModel['communes'][number] | undefined;
}

export function renderData(lang: Lang, m: SiteModel): string {
  const fr = lang === 'fr';
  const p: DataPage = { lang, fr, m, root: rootPrefix(pagePath(lang, { kind: 'data' })), sample: m.communes.find((c) => c.commune_insee === PARIS_INSEE) ?? m.communes[0] };
  const sections = m.sections.map((s) => s.section.title[lang]).join(', ');
  const main = html`<h1>${fr ? 'Données ouvertes' : 'Open data'}</h1>
<p class="lead">${
    fr
      ? `Toutes les données de l’observatoire (${sections}) en CSV et en Parquet, pour l’ensemble de la Métropole et par commune, avec le dictionnaire des données. Licence Ouverte / Etalab 2.0 sauf mention contraire : réutilisation libre, en citant la source.`
      : `All the observatory's data (${sections}) as CSV and Parquet, for the whole Métropole and per commune, with the data dictionary. Licence Ouverte / Etalab 2.0 unless stated otherwise: free reuse, with attribution.`
  }</p>
${m.frame.demo ? html`<p class="warning">${fr ? 'Ce lac contient des données de démonstration simulées, ce ne sont pas des mesures : chaque fichier le dit, par une colonne demo à vrai (CSV et Parquet), par la même mention dans les métadonnées des fichiers Parquet et par une propriété demo en GeoJSON.' : 'This lake holds simulated demo data, not measurements: every file says so, with a demo column set to true (CSV and Parquet), the same mark in the Parquet files’ metadata, and a demo property in GeoJSON.'}</p>` : ''}
<nav class="toc" aria-label="${fr ? 'Sur cette page' : 'On this page'}"><ul>
<li><a href="#telecharger">${fr ? 'Télécharger' : 'Download'}</a></li>
<li><a href="#dictionnaire">${fr ? 'Dictionnaire des données' : 'Data dictionary'}</a></li>
<li><a href="#licences">${fr ? 'Licences et attributions' : 'Licences and attributions'}</a></li>
<li><a href="#sql">${fr ? 'Exemples SQL' : 'SQL examples'}</a></li>
<li><a href="#json">${fr ? 'Fichiers JSON du site' : 'The site’s JSON files'}</a></li>
</ul></nav>
${downloadSection(p)}
${dictionarySection(p)}
${licencesSection(p)}
${sqlSection(p)}
${jsonSection(p)}`;

  return page({
    lang,
    page: { kind: 'data' },
    title: `${fr ? 'Données ouvertes' : 'Open data'} — ${SITE_NAME[lang]}`,
    description: fr
      ? 'Téléchargez les données de bruit et de climat de la Métropole du Grand Paris en CSV, Parquet et GeoJSON, avec leur dictionnaire.'
      : 'Download the noise and climate data of the Métropole du Grand Paris as CSV, Parquet and GeoJSON, with their dictionary.',
    frame: m.frame,
    main: html`${raw('')}${main}`,
  });
}

function downloadSection({ fr, m, lang, root, sample }: DataPage): Raw {
  return html`<section id="telecharger" aria-labelledby="telecharger-titre">
<h2 id="telecharger-titre">${fr ? 'Télécharger' : 'Download'}</h2>
<p>${
    fr
      ? 'CSV : séparateur virgule, UTF-8, point décimal, horodatages en UTC (ISO 8601), une ligne d’en-tête avec les noms de colonnes du dictionnaire. Parquet : compressé ZSTD, types du dictionnaire. Fichiers par commune : '
      : 'CSV: comma-separated, UTF-8, decimal point, timestamps in UTC (ISO 8601), one header line with the dictionary’s column names. Parquet: ZSTD-compressed, the dictionary’s types. Per-commune files: '
  }<code>data/downloads/communes/&lt;${fr ? 'code INSEE' : 'INSEE code'}&gt;/&lt;${fr ? 'jeu' : 'dataset'}&gt;/&lt;${fr ? 'année' : 'year'}&gt;.csv|parquet</code>${fr ? ', listés sur la page de chaque commune.' : ', listed on each commune’s page.'}</p>
<p>${
    fr
      ? 'Les jeux qui grandissent avec le temps sont découpés en un fichier par année : seule l’année en cours change, les fichiers des années passées restent les mêmes. Les relevés bruts des capteurs et des stations ne sont pas dans ces fichiers (ils sont dans le lac, interrogeable en SQL).'
      : 'The datasets that grow with time are split into one file per year: only the current year changes, the files of past years stay the same. The raw readings of sensors and stations are not in these files (they are in the lake, which SQL queries).'
  }</p>
${downloadsTable({ fr, m, lang, root, sample })}
<p class="note">${fr ? 'Le jeu quarantine (enregistrements rejetés à l’ingestion) n’est pas publié : il sert à l’exploitation du lac.' : 'The quarantine dataset (records rejected at ingestion) is not published: it serves the lake’s operations.'}${m.hidden.length ? (fr ? ` Thèmes sans données pour l’instant : ${m.hidden.map((h) => h.title.fr).join(', ')}.` : ` Themes without data yet: ${m.hidden.map((h) => h.title.en).join(', ')}.`) : ''}</p>
</section>`;
}

/** per dataset, the files of the whole Métropole per year, and how many per commune */
function downloadsTable(p: DataPage): Raw {
  const { fr, m } = p;
  const byDataset = new Map<string, DownloadFile[]>();
  for (const d of m.downloads.filter((x) => x.commune === null)) byDataset.set(d.dataset, [...(byDataset.get(d.dataset) ?? []), d]);
  const perCommune = new Map<string, PerCommune>();
  for (const d of m.downloads) {
    if (d.commune === null) continue;
    const e = perCommune.get(d.dataset) ?? { communes: new Set<string>(), bytes: 0, formats: new Set<string>() };
    e.communes.add(d.commune);
    e.bytes = Math.max(e.bytes, d.bytes);
    e.formats.add(d.format);
    perCommune.set(d.dataset, e);
  }
  return html`<div class="table-wrap" role="region" tabindex="0" aria-label="${fr ? 'Fichiers à télécharger' : 'Files to download'}">
<table class="downloads-table">
<caption>${fr ? 'Jeux de données publiés' : 'Published datasets'}</caption>
<thead><tr><th scope="col">${fr ? 'Jeu de données' : 'Dataset'}</th><th scope="col">${fr ? 'Contenu' : 'Content'}</th><th scope="col">${fr ? 'Fichier complet' : 'Whole file'}</th><th scope="col">${fr ? 'Par commune' : 'Per commune'}</th></tr></thead>
<tbody>
${[...byDataset].map(([name, files]) => downloadRow(p, name, files, perCommune.get(name)))}</tbody>
</table>
</div>`;
}

function downloadRow({ lang, fr, m, root, sample }: DataPage, name: string, files: DownloadFile[], pc: PerCommune | undefined): Raw {
  const d = m.dictionary.find((x) => x.name === name);
  // per year, the newest first: the rows are those of the year's file
  const years = [...new Set(files.map((f) => f.year))].sort().reverse();
  const rows = files.reduce<number | null>((t, f) => (f.format === 'csv' && f.rows !== null ? (t ?? 0) + f.rows : t), null);
  const samples = sample ? m.downloads.filter((f) => f.dataset === name && f.commune === sample.commune_insee && f.year === years[0]) : [];
  return html`<tr><th scope="row"><code>${name}</code></th><td>${datasetTitle(lang, name, d?.title)}${rows === null ? '' : html` <span class="small">(${formatInteger(lang, rows)} ${fr ? 'lignes' : 'rows'})</span>`}</td>
<td>${years.map((y, k) => html`${k ? html`<br>` : ''}${y === null ? '' : html`<strong>${y}</strong> `}${files.filter((f) => f.year === y).map((f, i) => html`${i ? ' · ' : ''}<a href="${root}${f.path}" download>${FORMAT_NAME[f.format]}</a> <span class="small">(${formatBytes(lang, f.bytes)})</span>`)}`)}</td>
<td>${
    pc
      ? html`${formatInteger(lang, pc.communes.size)} communes, ${[...pc.formats].map((f) => FORMAT_NAME[f as DownloadFile['format']]).join(', ')} <span class="small">(${fr ? 'au plus' : 'at most'} ${formatBytes(lang, pc.bytes)})</span>${
          sample && samples.length
            ? html`<br><span class="small">${fr ? 'ex.' : 'e.g.'} ${samples.map(
                (f, i) => html`${i ? ' · ' : ''}<a href="${root}${f.path}" download>${sample.name}${f.year === null ? '' : ` ${f.year}`} ${FORMAT_NAME[f.format]}</a>`,
              )}</span>`
            : ''
        }`
      : html`<span class="small">—</span>`
  }</td></tr>
`;
}

function dictionarySection(p: DataPage): Raw {
  const { fr, root } = p;
  return html`<section id="dictionnaire" aria-labelledby="dictionnaire-titre">
<h2 id="dictionnaire-titre" tabindex="-1">${fr ? 'Dictionnaire des données' : 'Data dictionary'}</h2>
<p>${fr ? 'Généré à partir des déclarations des jeux de données (la même source que les validations, les schémas Parquet et les tables SQL). Aussi en JSON : ' : 'Generated from the dataset declarations (the same source as the validators, the Parquet schemas and the SQL tables). Also as JSON: '}<a href="${root}data/dictionary.json">dictionary.json</a>.${fr ? ' La description de chaque colonne est dans le dictionnaire détaillé (en anglais).' : ''}</p>
${p.m.dictionary.map((d) => datasetEntry(p, d))}
</section>`;
}

/** a dataset in the dictionary: where it lives, its key, licence, provenance and columns */
function datasetEntry({ lang, fr, root }: DataPage, d: SiteModel['dictionary'][number]): Raw {
  return html`<section class="dataset" id="jeu-${d.name}" aria-labelledby="jeu-${d.name}-titre">
<h3 id="jeu-${d.name}-titre"><code>${d.name}</code> — ${datasetTitle(lang, d.name, d.title)}</h3>
<p>${fr ? (DATASETS_FR[d.name]?.description ?? '') : withCode(d.description)}</p>
<dl class="facts">
<div><dt>${fr ? 'Emplacement dans le lac' : 'Location in the lake'}</dt><dd><code>${d.location}</code></dd></div>
${d.key.length ? html`<div><dt>${fr ? 'Clé' : 'Key'}</dt><dd><code>${d.key.join(', ')}</code></dd></div>` : ''}
${d.duplicate_rule && !fr ? html`<div><dt>Duplicates</dt><dd>${withCode(d.duplicate_rule)}</dd></div>` : ''}
<div><dt>${fr ? 'Licence' : 'Licence'}</dt><dd>${d.licence}</dd></div>
${fr ? html`<div><dt>Colonnes, doublons et provenance en détail</dt><dd><a href="${root}${pagePath('en', { kind: 'data' })}#jeu-${d.name}" hreflang="en">dictionnaire détaillé, en anglais</a></dd></div>` : html`<div><dt>Provenance</dt><dd>${withCode(d.provenance)}</dd></div>`}
</dl>
<div class="table-wrap" role="region" tabindex="0" aria-label="${fr ? `Colonnes : ${datasetTitle(lang, d.name, d.title)}` : `Columns: ${d.title}`}">
<table class="dictionary">
<caption>${fr ? `Colonnes : ${datasetTitle(lang, d.name, d.title)}` : `Columns: ${d.title}`}</caption>
<thead><tr><th scope="col">${fr ? 'Colonne' : 'Column'}</th><th scope="col">${fr ? 'Type SQL' : 'SQL type'}</th><th scope="col">${fr ? 'Unité' : 'Unit'}</th><th scope="col">${fr ? 'Valeurs' : 'Values'}</th>${fr ? '' : html`<th scope="col">Description</th>`}</tr></thead>
<tbody>
${d.columns.map(
  (c) =>
    html`<tr><th scope="row"><code>${c.name}</code></th><td><code>${c.sql_type}</code>${c.nullable ? html` <span class="small">${fr ? '(peut être vide)' : '(nullable)'}</span>` : ''}</td><td>${c.unit ?? ''}</td><td>${c.values ? html`<code>${c.values.join(' | ')}</code>` : (c.bounds ?? '')}</td>${fr ? '' : html`<td>${withCode(c.description)}</td>`}</tr>\n`,
)}</tbody>
</table>
</div>
</section>`;
}

function licencesSection({ lang, fr, m }: DataPage): Raw {
  return html`<section id="licences" aria-labelledby="licences-titre">
<h2 id="licences-titre">${fr ? 'Licences et attributions' : 'Licences and attributions'}</h2>
<ul>
<li>${fr ? 'Géométrie des communes' : 'Commune geometry'} : IGN – ADMIN EXPRESS (COG 2018, ${fr ? 'simplifiée, via' : 'simplified, via'} github.com/gregoiredavid/france-geojson) ; ${fr ? 'appartenance à la Métropole, noms, EPT et populations' : 'membership, names, EPT and populations'} : DGCL/INSEE ${fr ? 'via' : 'via'} <code>@etalab/decoupage-administratif</code> 6.0.0 (COG 2026). Licence Ouverte / Etalab 2.0.</li>
${[...new Set(m.dictionary.map((d) => d.licence))].map((l) => html`<li>${l} — ${m.dictionary.filter((d) => d.licence === l).map((d, i) => html`${i ? ', ' : ''}<code>${d.name}</code>`)}</li>`)}
${m.frame.demo ? html`<li>${fr ? 'Réseau de capteurs de démonstration : simulé par ce projet, ce ne sont pas des mesures.' : 'Demo sensor network: simulated by this project, not measurements.'}</li>` : ''}
<li>${fr ? 'Logiciels inclus dans le site' : 'Software shipped with the site'} : ${SOFTWARE_CREDITS.map((s, i) => html`${i ? ' ; ' : ''}${s.name}, ${s.licence}, © ${s.by[lang]}`)}. ${fr ? 'Code de l’observatoire' : 'Observatory code'} : MIT.</li>
</ul>
</section>`;
}

function sqlSection({ fr, m }: DataPage): Raw {
  return html`<section id="sql" aria-labelledby="sql-titre">
<h2 id="sql-titre">${fr ? 'Exemples SQL' : 'SQL examples'}</h2>
<p>${
    fr
      ? 'Chaque jeu de données est une table du même nom : avec DuckDB sur les fichiers Parquet téléchargés (créez d’abord une vue, par exemple '
      : 'Each dataset is a table of the same name: with DuckDB over the downloaded Parquet files (first create a view, e.g. '
  }<code>CREATE VIEW noise_indicators_commune_daily AS SELECT * FROM 'noise_indicators_commune_daily.parquet'</code>${fr ? '), ou avec Athena sur le lac.' : '), or with Athena over the lake.'}</p>
${
  m.sqlExamples.length
    ? m.sqlExamples.map(
        (e) => html`<h3><code>${e.name}</code></h3>
<pre class="sql" tabindex="0" aria-label="${e.name}"><code>${e.sql.trim()}</code></pre>`,
      )
    : html`<p class="empty">${fr ? 'Aucun exemple publié.' : 'No example published.'}</p>`
}
</section>`;
}

function jsonSection({ fr, root, sample }: DataPage): Raw {
  return html`<section id="json" aria-labelledby="json-titre">
<h2 id="json-titre">${fr ? 'Fichiers JSON du site' : 'The site’s JSON files'}</h2>
<p>${fr ? 'Les pages lisent de petits fichiers JSON précalculés, réutilisables tels quels :' : 'The pages read small precomputed JSON files, reusable as they are:'}</p>
<ul>
<li><a href="${root}data/site.json"><code>data/site.json</code></a> — ${fr ? 'date des données, mode démonstration, thèmes publiés' : 'data date, demo mode, published themes'}</li>
<li><a href="${root}data/map.json"><code>data/map.json</code></a> — ${fr ? 'valeurs et classes de chaque couche de la carte, capteurs et stations' : 'values and classes of each map layer, sensors and stations'}</li>
<li><code>data/communes/&lt;${fr ? 'code INSEE' : 'INSEE code'}&gt;.json</code> — ${fr ? 'chiffres clés, séries des graphiques, capteurs, alertes d’une commune' : 'a commune’s key figures, chart series, sensors, alerts'}${sample ? html` (${fr ? 'ex.' : 'e.g.'} <a href="${root}data/communes/${sample.commune_insee}.json">${sample.name}</a>)` : ''}</li>
<li><a href="${root}data/downloads.json"><code>data/downloads.json</code></a> — ${fr ? 'la liste des fichiers à télécharger avec leur taille' : 'the list of files to download with their size'}</li>
<li><a href="${root}data/dictionary.json"><code>data/dictionary.json</code></a> — ${fr ? 'le dictionnaire des données' : 'the data dictionary'}</li>
</ul>
</section>`;
}

function datasetTitle(lang: Lang, name: string, title: string | undefined): string {
  return lang === 'fr' ? (DATASETS_FR[name]?.title ?? name) : (title ?? name);
}

/** the dictionary's English prose with the names it quotes (columns, datasets, files, commands) set as code */
export function withCode(prose: string): Raw {
  const parts = prose.split(/(`[^`]+`|\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|\bconfig\/[\w./-]+\b|\bincoming\/[\w./-]+|[\w<>-]+\.csv(?:\(\.gz\))?)/g);
  return html`${parts.map((p, i) => (i % 2 ? html`<code>${p.replace(/^`|`$/g, '')}</code>` : p))}`;
}
