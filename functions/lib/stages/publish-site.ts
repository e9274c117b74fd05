import { DATASETS } from '../datasets/index.ts';
import { dictionary } from '../datasets/derive.ts';
import { readManifest } from '../lake/manifest.ts';
import { SITE_PREFIX } from '../lake/layout.ts';
import type { StageContext } from './context.ts';

// Publishes the public site into site/: small precomputed JSON per view, and pages pre-rendered so
// their key figures read without JavaScript.

export interface CommuneNoiseSummary {
  commune_insee: string;
  name: string;
  departement: string;
  population: number;
  lden: number | null;
  lnight: number | null;
  days: number;
  sensors: number;
}

export interface SiteSummary {
  generated_at: string;
  data_as_of: string | null;
  demo: boolean;
  demo_notice: string | null;
  convention: 'eu';
  communes: CommuneNoiseSummary[];
}

const COMMUNE_SUMMARY_SQL = `
SELECT c.commune_insee, c.name, c.departement, c.population,
  round(10 * log10(avg(pow(10, d.lden / 10))), 1) AS lden,
  round(10 * log10(avg(pow(10, d.lnight / 10))), 1) AS lnight,
  count(d.day) AS days,
  coalesce(max(d.sensors), 0) AS sensors
FROM communes c
LEFT JOIN noise_indicators_commune_daily d ON d.commune_insee = c.commune_insee AND d.convention = 'eu'
GROUP BY ALL
ORDER BY c.commune_insee`;

export async function siteSummary(ctx: StageContext): Promise<SiteSummary> {
  await ctx.duck.attachLake(ctx.store, DATASETS);
  const manifest = await readManifest(ctx.store);
  const communes = (await ctx.duck.all(COMMUNE_SUMMARY_SQL)).rows.map((r) => ({
    commune_insee: String(r.commune_insee),
    name: String(r.name),
    departement: String(r.departement),
    population: Number(r.population),
    lden: r.lden === null ? null : Number(r.lden),
    lnight: r.lnight === null ? null : Number(r.lnight),
    days: Number(r.days),
    sensors: Number(r.sensors),
  }));
  const asOf = (await ctx.duck.all('SELECT max(ts_to) AS t FROM noise_readings')).rows[0]?.t;
  return {
    generated_at: ctx.now().toISOString(),
    data_as_of: asOf instanceof Date ? asOf.toISOString() : null,
    demo: Boolean(manifest?.demo),
    demo_notice: manifest?.demo ? (manifest.demo_notice ?? 'Demo data') : null,
    convention: 'eu',
    communes,
  };
}

export async function publishSite(ctx: StageContext): Promise<{ files: number; communesWithData: number }> {
  const summary = await siteSummary(ctx);
  const files: [string, string, string][] = [
    ['data/summary.json', JSON.stringify(summary), 'application/json'],
    ['data/dictionary.json', JSON.stringify(dictionary(DATASETS)), 'application/json'],
    ['index.html', renderIndex(summary), 'text/html; charset=utf-8'],
  ];
  for (const [name, body, contentType] of files) {
    await ctx.store.put(`${SITE_PREFIX}/${name}`, body, { contentType });
  }
  return { files: files.length, communesWithData: summary.communes.filter((c) => c.lden !== null).length };
}

const escapeHtml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const level = (v: number | null) => (v === null ? '<span class="missing">pas de données</span>' : v.toFixed(1).replace('.', ','));

export function renderIndex(s: SiteSummary): string {
  const rows = s.communes
    .map(
      (c) =>
        `<tr><th scope="row">${escapeHtml(c.name)}</th><td>${c.commune_insee}</td><td>${c.departement}</td>` +
        `<td class="num">${c.population.toLocaleString('fr-FR')}</td><td class="num">${level(c.lden)}</td>` +
        `<td class="num">${level(c.lnight)}</td><td class="num">${c.sensors}</td><td class="num">${c.days}</td></tr>`,
    )
    .join('\n');
  const banner = s.demo
    ? `<div class="demo-banner" role="alert"><strong>Données de démonstration</strong> — ${escapeHtml(s.demo_notice ?? '')}. Ces valeurs sont simulées et ne sont pas des mesures.</div>`
    : '';
  const asOf = s.data_as_of ? new Date(s.data_as_of).toLocaleString('fr-FR', { timeZone: 'Europe/Paris' }) : 'aucune donnée';
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Observatoire bruit et climat du Grand Paris</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fff}
main{max-width:70rem;margin:0 auto;padding:1rem}
.demo-banner{background:#ffe8a3;border-bottom:3px solid #8a6d00;padding:.75rem 1rem;font-size:1.05rem}
table{border-collapse:collapse;width:100%}th,td{padding:.3rem .5rem;border-bottom:1px solid #ccc;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}.missing{color:#595959;font-style:italic}
caption{text-align:left;font-weight:bold;padding:.5rem 0}
</style>
</head>
<body>
${banner}
<main>
<h1>Observatoire bruit et climat du Grand Paris</h1>
<p>Données au <time datetime="${s.data_as_of ?? ''}">${escapeHtml(asOf)}</time>. Niveaux moyens énergétiques en dB(A), convention européenne (jour 07–19 h, soirée 19–23 h, nuit 23–07 h).</p>
<table>
<caption>Lden et Lnight moyens par commune (${s.communes.length} communes de la Métropole)</caption>
<thead><tr><th scope="col">Commune</th><th scope="col">INSEE</th><th scope="col">Dép.</th><th scope="col">Population</th><th scope="col">Lden dB(A)</th><th scope="col">Lnight dB(A)</th><th scope="col">Capteurs</th><th scope="col">Jours</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</main>
</body>
</html>
`;
}
