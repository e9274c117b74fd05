import type { MethodBlock, TableSpec } from '../contract.ts';
import { type Lang, text, unitIn } from '../i18n.ts';
import { html, page, periodText, SITE_NAME } from '../html.ts';
import type { SiteModel } from '../model.ts';
import { tableHtml } from './parts.ts';

// The methodology page: formulas, thresholds and their legal sources, map classes, data coverage
// rules — each theme brings its blocks — and the evaluation of the models against their baselines.

function blockHtml(lang: Lang, b: MethodBlock) {
  return html`<section class="method" id="${b.id}" aria-labelledby="${b.id}-titre">
<h2 id="${b.id}-titre">${b.title[lang]}</h2>
${b.paragraphs.map((p) => html`<p>${p[lang]}</p>`)}
${
  b.formulas.length
    ? html`<dl class="formulas">${b.formulas.map((f) => html`<div><dt>${f.label[lang]}</dt><dd><code class="formula">${f.expression}</code></dd></div>`)}</dl>`
    : ''
}
${b.tables.map((t) => tableHtml(lang, t))}
</section>`;
}

export function classesTable(m: SiteModel): TableSpec {
  return {
    id: 'map-classes',
    title: text('Classes des couches de la carte', 'Classes of the map layers'),
    columns: [
      { id: 'layer', label: text('Couche', 'Layer'), kind: 'text' },
      { id: 'unit', label: text('Unité', 'Unit'), kind: 'text' },
      { id: 'classes', label: text('Classes', 'Classes'), kind: 'text' },
      { id: 'period', label: text('Période', 'Period'), kind: 'text' },
    ],
    rows: m.mapJson.layers.map((l) => ({
      layer: l.title,
      unit: { fr: l.unit || '—', en: unitIn('en', l.unit) || '—' },
      classes: { fr: l.classes.map((c) => c.label.fr).join(' · '), en: l.classes.map((c) => c.label.en).join(' · ') },
      period: { fr: periodText('fr', l.period), en: periodText('en', l.period) },
    })),
    note: text(
      'Couleurs : schémas séquentiels lisibles par les personnes daltoniennes (magma, ColorBrewer YlOrRd, OrRd, Blues) ; chaque classe diffère de la suivante par sa clarté. Une commune sans donnée est hachurée, jamais comptée comme zéro.',
      'Colours: sequential schemes readable with colour-vision deficiencies (magma, ColorBrewer YlOrRd, OrRd, Blues); each class differs from the next in lightness. A commune without data is hatched, never counted as zero.',
    ),
    empty: text('Aucune couche.', 'No layer.'),
  };
}

export function renderMethodology(lang: Lang, m: SiteModel): string {
  const fr = lang === 'fr';
  const themes = m.sections.filter((s) => s.section.id !== 'forecast').flatMap((s) => s.output.methodology);
  const models = m.sections.filter((s) => s.section.id === 'forecast').flatMap((s) => s.output.methodology);
  const main = html`<h1>${fr ? 'Méthodologie' : 'Methodology'}</h1>
<p class="lead">${
    fr
      ? 'Comment les chiffres du site sont calculés, à partir de quelles données, et avec quelles valeurs de référence.'
      : 'How the figures of the site are computed, from which data, and against which reference values.'
  }</p>
${themes.map((b) => blockHtml(lang, b))}
<section class="method" id="carte-classes" aria-labelledby="carte-classes-titre">
<h2 id="carte-classes-titre">${fr ? 'La carte' : 'The map'}</h2>
<p>${
    fr
      ? 'Les communes sont dessinées dans une projection conique conforme de Lambert (parallèles 44° et 49° N, méridien 3° E, comme Lambert-93) ajustée à la Métropole ; les contours sont arrondis au dixième de pixel. Les classes de bruit sont celles des cartes de bruit stratégiques (tranches de 5 dB).'
      : 'The communes are drawn in a Lambert conformal conic projection (parallels 44° and 49° N, meridian 3° E, as Lambert-93) fitted to the Métropole; outlines are rounded to a tenth of a pixel. Noise classes are those of the strategic noise maps (5 dB bands).'
  }</p>
${tableHtml(lang, classesTable(m))}
</section>
<section class="method" id="modeles" aria-labelledby="modeles-titre">
<h2 id="modeles-titre">${fr ? 'Prévisions et évaluation des modèles' : 'Forecasts and model evaluation'}</h2>
${
  models.length
    ? models.map((b) => html`<h3>${b.title[lang]}</h3>${b.paragraphs.map((p) => html`<p>${p[lang]}</p>`)}${b.tables.map((t) => tableHtml(lang, t))}`)
    : html`<p class="empty">${
        fr
          ? 'Aucun modèle de prévision n’est encore publié. Un modèle ne sera publié qu’avec son évaluation sur une période mise de côté, comparée à des références simples (persistance, même heure la semaine précédente, climatologie).'
          : 'No forecast model is published yet. A model will only be published with its evaluation on a held-out period, compared with simple baselines (persistence, same hour last week, climatology).'
      }</p>`
}
</section>`;
  return page({
    lang,
    page: { kind: 'methodology' },
    title: `${fr ? 'Méthodologie' : 'Methodology'} — ${SITE_NAME[lang]}`,
    description: fr
      ? 'Formules (Lden, moyennes énergétiques, L10/L50/L90), valeurs de référence OMS et réglementaires, classes de la carte, évaluation des modèles.'
      : 'Formulas (Lden, energy averages, L10/L50/L90), WHO and regulatory reference values, map classes, model evaluation.',
    frame: m.frame,
    main,
  });
}
