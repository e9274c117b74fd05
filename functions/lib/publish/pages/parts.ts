import type { ChartSpec, Fact, PublishedIndicator, TableColumn, TableSpec } from '../contract.ts';
import { formatDay, formatInstant, formatNumber, formatSigned, type Lang, MISSING, type Text, unitIn } from '../i18n.ts';
import { html, raw, type Raw } from '../html.ts';

// Pieces the pages share: data tables, chart figures (a placeholder the script draws into, the text
// alternative and the data table), key-figure tables, label/value lists.

const isText = (v: unknown): v is Text => typeof v === 'object' && v !== null && 'fr' in v && 'en' in v;

export function cellHtml(lang: Lang, column: TableColumn, v: string | number | Text | null | undefined): Raw {
  if (v === null || v === undefined) return html`<span class="missing">${MISSING[lang]}</span>`;
  if (isText(v)) return html`${v[lang]}`;
  switch (column.kind) {
    case 'number':
      return html`${typeof v === 'number' ? formatNumber(lang, v, column.decimals ?? 0) : v}`;
    case 'day':
      return html`<time datetime="${String(v)}">${formatDay(lang, String(v))}</time>`;
    case 'instant':
      return html`<time datetime="${String(v)}">${formatInstant(lang, String(v))}</time>`;
    case 'code':
      return html`<code class="id">${v}</code>`;
    default:
      return html`${v}`;
  }
}

export function columnHeader(lang: Lang, c: TableColumn): Raw {
  return html`${c.label[lang]}${c.unit ? html` <span class="unit">(${unitIn(lang, c.unit)})</span>` : ''}`;
}

/** a table in a scrollable region (keyboard-reachable: axe scrollable-region-focusable) */
export function tableHtml(lang: Lang, t: TableSpec, options: { caption?: boolean; id?: string; labelledBy?: string } = {}): Raw {
  if (t.rows.length === 0) return html`<p class="empty">${t.empty[lang]}</p>`;
  const [first, ...rest] = t.columns;
  const numeric = (c: TableColumn) => (c.kind === 'number' ? ' class="num"' : '');
  return html`<div class="table-wrap" role="region" tabindex="0" aria-label="${t.title[lang]}">
<table${options.id ? raw(` id="${options.id}"`) : ''}${options.labelledBy ? raw(` aria-labelledby="${options.labelledBy}"`) : ''}>
${options.caption === false ? '' : html`<caption>${t.title[lang]}</caption>`}
<thead><tr>${t.columns.map((c) => html`<th scope="col"${raw(numeric(c))}>${columnHeader(lang, c)}</th>`)}</tr></thead>
<tbody>
${t.rows.map(
  (r) =>
    html`<tr><th scope="row">${cellHtml(lang, first!, r[first!.id])}</th>${rest.map((c) => html`<td${raw(numeric(c))}>${cellHtml(lang, c, r[c.id])}</td>`)}</tr>\n`,
)}</tbody>
</table>
</div>
${t.note ? html`<p class="note">${t.note[lang]}</p>` : ''}`;
}

/** the rows of a chart as a table: x, then each series and band */
export function chartTable(c: ChartSpec): TableSpec {
  const columns: TableColumn[] = [
    { id: 'x', label: c.x.label, kind: c.x.kind === 'hour' ? 'text' : c.x.kind },
    ...c.series.map((s): TableColumn => ({ id: `s:${s.id}`, label: s.label, kind: 'number', unit: c.y.unit, decimals: c.y.decimals })),
    ...(c.bands ?? []).flatMap((b): TableColumn[] => [
      { id: `lo:${b.id}`, label: { fr: `${b.label.fr} (borne basse)`, en: `${b.label.en} (lower)` }, kind: 'number', unit: c.y.unit, decimals: c.y.decimals },
      { id: `hi:${b.id}`, label: { fr: `${b.label.fr} (borne haute)`, en: `${b.label.en} (upper)` }, kind: 'number', unit: c.y.unit, decimals: c.y.decimals },
    ]),
  ];
  const rows = c.x.values.map((x, i) => {
    const row: Record<string, string | number | null> = { x: c.x.kind === 'hour' ? `${x} h` : x };
    for (const s of c.series) row[`s:${s.id}`] = s.values[i] ?? null;
    for (const b of c.bands ?? []) {
      row[`lo:${b.id}`] = b.lower[i] ?? null;
      row[`hi:${b.id}`] = b.upper[i] ?? null;
    }
    return row;
  });
  return { id: `${c.id}-table`, title: c.title, columns, rows, empty: { fr: 'Aucune valeur.', en: 'No value.' } };
}

export function hasValues(c: ChartSpec): boolean {
  return c.series.some((s) => s.values.some((v) => v !== null)) || (c.bands ?? []).some((b) => b.lower.some((v) => v !== null));
}

export function chartFigure(lang: Lang, c: ChartSpec, headingLevel = 3): Raw {
  const summaryId = `${c.id}-resume`;
  const titleId = `${c.id}-titre`;
  const h = `h${headingLevel}`;
  const values = hasValues(c);
  return html`<figure class="chart" id="${c.id}" aria-labelledby="${titleId}">
<figcaption>${raw(`<${h} id="${titleId}">`)}${c.title[lang]}${raw(`</${h}>`)}</figcaption>
${values ? html`<div class="chart-canvas" data-chart="${c.id}" data-summary="${summaryId}" data-title="${titleId}"></div>` : ''}
<p class="chart-summary" id="${summaryId}">${c.summary[lang]}</p>
<p class="chart-source">${lang === 'fr' ? 'Source : ' : 'Source: '}${c.source[lang]}</p>
${values ? html`<details class="chart-data"><summary>${lang === 'fr' ? 'Tableau des données du graphique' : 'Data table of the chart'}</summary>
${tableHtml(lang, chartTable(c), { caption: true })}
</details>` : ''}
</figure>`;
}

export function trendHtml(lang: Lang, i: PublishedIndicator): Raw {
  if (!i.trend) return html`<span class="missing">${lang === 'fr' ? 'non calculable' : 'not available'}</span>`;
  const d = i.trend.delta;
  const unit = i.unit === '%' ? 'pts' : unitIn(lang, i.unit);
  const zero = Math.abs(d) < 0.5 * 10 ** -i.decimals;
  const arrow = zero ? '→' : d > 0 ? '↗' : '↘';
  const word = zero ? (lang === 'fr' ? 'stable' : 'steady') : d > 0 ? (lang === 'fr' ? 'hausse' : 'up') : lang === 'fr' ? 'baisse' : 'down';
  return html`<span class="trend"><span aria-hidden="true">${arrow}</span> ${word} ${formatSigned(lang, d, i.decimals)}${unit ? raw(`&nbsp;${unit}`) : ''}</span> <span class="small">(${i.trend.window[lang]})</span>`;
}

function medianHtml(lang: Lang, i: PublishedIndicator): Raw {
  if (i.median === null) return html`<span class="missing">${MISSING[lang]}</span>`;
  const m = html`${formatNumber(lang, i.median, i.decimals)}${i.unit ? raw(`&nbsp;${unitIn(lang, i.unit)}`) : ''}`;
  if (i.value === null) return m;
  const gap = i.value - i.median;
  const unit = i.unit === '%' ? 'pts' : unitIn(lang, i.unit);
  return html`${m} <span class="small">(${lang === 'fr' ? 'écart' : 'difference'} ${formatSigned(lang, gap, i.decimals)}${unit ? raw(`&nbsp;${unit}`) : ''})</span>`;
}

export function indicatorsTable(lang: Lang, title: string, indicators: readonly PublishedIndicator[]): Raw {
  return html`<div class="table-wrap" role="region" tabindex="0" aria-label="${title}">
<table class="indicators">
<caption>${title}</caption>
<thead><tr><th scope="col">${lang === 'fr' ? 'Indicateur' : 'Indicator'}</th><th scope="col" class="num">${lang === 'fr' ? 'Valeur' : 'Value'}</th><th scope="col">${lang === 'fr' ? 'Tendance' : 'Trend'}</th><th scope="col">${lang === 'fr' ? 'Médiane métropolitaine' : 'Metropolitan median'}</th></tr></thead>
<tbody>
${indicators.map(
  (i) => html`<tr data-indicator="${i.id}"><th scope="row">${i.label[lang]}<span class="small block">${i.note[lang]}</span></th>
<td class="num value" data-label="${lang === 'fr' ? 'Valeur' : 'Value'}">${i.value === null ? html`<span class="missing">${MISSING[lang]}</span>` : html`${formatNumber(lang, i.value, i.decimals)}${i.unit ? raw(`&nbsp;${unitIn(lang, i.unit)}`) : ''}`}</td>
<td data-label="${lang === 'fr' ? 'Tendance' : 'Trend'}">${trendHtml(lang, i)}</td>
<td data-label="${lang === 'fr' ? 'Médiane métropolitaine' : 'Metropolitan median'}">${medianHtml(lang, i)}</td></tr>
`,
)}</tbody>
</table>
</div>`;
}

export function factsHtml(lang: Lang, facts: readonly Fact[]): Raw {
  return html`<dl class="facts">${facts.map((f) => html`<div><dt>${f.label[lang]}</dt><dd>${f.value[lang]}</dd></div>`)}</dl>`;
}
