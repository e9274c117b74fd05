import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { dictionary } from '../../functions/lib/datasets/derive.ts';
import { modelEvaluations, predictions } from '../../functions/lib/datasets/models.ts';
import { COMMUNES } from '../../functions/lib/domain/geo/communes.ts';
import { WHO_2018 } from '../../functions/lib/domain/noise/thresholds.ts';
import { SITE_PREFIX } from '../../functions/lib/lake/layout.ts';
import { listKeys } from '../../functions/lib/ports/object-store.ts';
import type { CommuneJson, CommuneLiveJson, MapJson, SiteJson, SiteSection } from '../../functions/lib/publish/contract.ts';
import { noiseSection } from '../../functions/lib/publish/sections/noise.ts';
import { formatNumber } from '../../functions/lib/publish/i18n.ts';
import { publishSite, type PublishReport } from '../../functions/lib/stages/publish-site.ts';
import { tempLake } from '../support/lake.ts';
import { DAYS, energyMean, LAST_DAY, NOW, PARIS_LDEN, PARIS_LNIGHT, SAINT_DENIS_LNIGHT, writeClimateAndForecasts, writeNoiseLake } from './synthetic-lake.ts';
import { xmlProblems, xmlTexts } from './xml.ts';
import { defined } from '../support/defined.ts';

// The publish stage over a lake written row by row: every figure the site shows is known here.

type Lake = Awaited<ReturnType<typeof tempLake>>;

const site = async (lake: Lake, path: string) => (await lake.store.get(`${SITE_PREFIX}/${path}`)).toString('utf8');
const json = async <T>(lake: Lake, path: string) => JSON.parse(await site(lake, path)) as T;
const round1 = (v: number) => Math.round(v * 10) / 10;
const fr1 = (v: number) => formatNumber('fr', v, 1);
/** the synthetic hourly levels end with the hour 23:00–24:00 UTC of the last day */
const LAST_HOUR_END = new Date(Date.parse(`${LAST_DAY}T23:00:00Z`) + 3_600_000).toISOString();
const LAST_HOUR_DAY = '2025-10-15';

const byId = <T extends { id: string }>(items: readonly T[], id: string): T => defined(items.find((i) => i.id === id), id);

/** every theme's datasets declared, the forecasts' too where the registry does not list them yet */
const ALL_DATASETS = DATASETS.some((d) => d.name === predictions.name) ? DATASETS : [...DATASETS, predictions, modelEvaluations];

/** a lake published by the stage: what the run reported, and the keys it left under site/ */
class PublishedLake {
  private constructor(
    readonly lake: Lake,
    readonly report: PublishReport,
    readonly keys: string[],
  ) {}

  /** the noise datasets only, and a page left by an older run */
  static async noiseOnly(): Promise<PublishedLake> {
    const lake = await tempLake({ now: NOW });
    await writeNoiseLake(lake);
    await lake.store.put(`${SITE_PREFIX}/stale/page.html`, 'left by an older run', { contentType: 'text/html' });
    return PublishedLake.published(lake, await publishSite(lake));
  }

  /** noise, heat, flood, river and forecasts */
  static async allThemes(): Promise<PublishedLake> {
    const lake = await tempLake({ now: NOW });
    await writeNoiseLake(lake);
    await writeClimateAndForecasts(lake);
    return PublishedLake.published(lake, await publishSite(lake, { datasets: ALL_DATASETS }));
  }

  private static async published(lake: Lake, report: PublishReport): Promise<PublishedLake> {
    const keys = (await listKeys(lake.store, `${SITE_PREFIX}/`)).map((o) => o.key.slice(SITE_PREFIX.length + 1));
    return new PublishedLake(lake, report, keys);
  }
}

function pagesAndFeedsPerCommune({ keys }: PublishedLake): void {
  const count = (re: RegExp) => keys.filter((k) => re.test(k)).length;
  expect(count(/^commune\/\d{5}\/index\.html$/)).toBe(130 + 20);
  expect(count(/^en\/commune\/\d{5}\/index\.html$/)).toBe(130 + 20);
  expect(count(/^data\/communes\/\d{5}\.json$/)).toBe(130 + 20);
  expect(count(/^commune\/751\d\d\/index\.html$/)).toBe(20);
  expect(count(/^commune\/\d{5}\/alertes\.atom$/)).toBe(130);
  expect(count(/^commune\/\d{5}\/alertes\.json$/)).toBe(130);
  for (const k of ['index.html', 'donnees/index.html', 'methodologie/index.html', 'en/index.html', 'en/data/index.html', 'en/methodology/index.html', 'data/site.json', 'data/map.json', 'data/dictionary.json', 'data/downloads.json']) {
    expect(keys).toContain(k);
  }
}

function assetsByContentHash({ keys }: PublishedLake): void {
  const assets = keys.filter((k) => k.startsWith('assets/'));
  expect(assets.some((k) => /^assets\/map-[A-Z0-9]{8}\.js$/.test(k))).toBe(true);
  expect(assets.some((k) => /^assets\/commune-[A-Z0-9]{8}\.js$/.test(k))).toBe(true);
  expect(assets.some((k) => /^assets\/styles-[A-Z0-9]{8}\.css$/.test(k))).toBe(true);
}

function staleFilesRemoved({ report, keys }: PublishedLake): void {
  expect(keys).not.toContain('stale/page.html');
  expect(report.removed).toBeGreaterThanOrEqual(1);
}

function hiddenThemesReported({ report }: PublishedLake): void {
  expect(report.sections).toEqual(['noise']);
  expect(report.hidden).toEqual(
    expect.arrayContaining([
      { id: 'heat', missing: ['heat_indicators_commune_daily'] },
      { id: 'flood', missing: ['flood_vigilance_commune_daily'] },
      { id: 'forecast', missing: ['predictions'] },
    ]),
  );
}

async function siteJson({ lake }: PublishedLake): Promise<void> {
  const s = await json<SiteJson>(lake, 'data/site.json');
  expect(s).toMatchObject({ demo: true, data_as_of: LAST_HOUR_END, generated_at: NOW.toISOString(), languages: ['fr', 'en'] });
  // 00:00 UTC on the 15th is 02:00 in Paris (summer time)
  expect(s.as_of_text.fr).toBe('Données au 15 oct. 2025, 02:00 (heure de Paris) · site mis à jour le 15 oct. 2025, 14:00');
  expect(s.sections.map((x) => x.id)).toEqual(['noise']);
}

async function mapJsonNoise({ lake }: PublishedLake): Promise<void> {
  const m = await json<MapJson>(lake, 'data/map.json');
  expect(m.default_layer).toBe('noise-lden');
  expect(m.groups.map((g) => g.id)).toEqual(['noise', 'exceedance']);
  const lden = byId(m.layers, 'noise-lden');
  expect(Object.keys(lden.values)).toHaveLength(130);
  expect(lden.values['75056']).toBe(round1(energyMean(PARIS_LDEN)));
  expect(lden.values['94028']).toBeNull();
  expect(lden.class_of['94028']).toBe(-1);
  expect(lden.missing).toBe(128);
  expect(lden.counts.reduce((a, b) => a + b, 0) + lden.missing).toBe(130);
  expect(lden.period).toEqual({ from: DAYS[0], to: LAST_DAY });
  const lnight = byId(m.layers, 'noise-lnight');
  expect(lnight.values['93066']).toBe(round1(energyMean(SAINT_DENIS_LNIGHT)));
  const who = byId(m.layers, 'noise-who-lden-share');
  // Paris: the road sensor is over the WHO Lden every day (14), the park never (13 valid days)
  expect(who.values['75056']).toBe(round1((100 * 14) / 27));
  expect(who.values['93066']).toBe(100);
  expect(who.values['92012']).toBeNull();
  // no sensor-day over the French Lden limit in either commune: one value everywhere, said in a sentence, not mapped
  expect(m.layers.find((l) => l.id === 'noise-fr-lden-share')).toBeUndefined();
  expect(byId(defined(m.uniform, 'uniform layers'), 'noise-fr-lden-share').note.fr).toBe(
    'Jours-capteurs au-dessus de la valeur limite française (Lden) : les 2 communes concernées ont la même valeur (0,0 %).',
  );
  expect(await site(lake, 'index.html')).toContain('data-uniform="noise-fr-lden-share"');
  expect(defined(m.points[0], 'a point group').points.map((p) => p.id).sort()).toEqual(['S-PARIS-PARK', 'S-PARIS-ROAD', 'S-SD-RAIL']);
  expect(m.communes).toHaveLength(130);
}

async function communeJson({ lake }: PublishedLake): Promise<void> {
  const c = await json<CommuneJson>(lake, 'data/communes/75056.json');
  const noise = byId(c.sections, 'noise');
  const lden = byId(noise.indicators, 'noise-lden');
  expect(lden.value).toBe(round1(energyMean(PARIS_LDEN)));
  expect(lden.median).toBe(round1((round1(energyMean(PARIS_LDEN)) + 70) / 2));
  const recent = energyMean(PARIS_LDEN.slice(7));
  const previous = energyMean(PARIS_LDEN.slice(0, 7));
  expect(lden.trend?.delta).toBe(round1(recent - previous));
  const daily = byId(noise.charts, 'noise-daily');
  expect(daily.x.values).toEqual(DAYS);
  expect(byId(daily.series, 'lnight').values).toEqual(PARIS_LNIGHT);
  expect(daily.thresholds?.map((t) => t.value)).toEqual(expect.arrayContaining([WHO_2018.road.lden, WHO_2018.road.lnight]));
  expect(defined(noise.tables[0], 'the sensors table').rows.map((r) => (r.name as { fr: string }).fr)).toEqual(['Paris — parc', 'Paris — boulevard']);
  // nights over the WHO guideline: the road sensor, every night
  expect(c.alerts).toHaveLength(14);
  expect(defined(c.alerts[0], 'an alert').id).toBe(`urn:observatoire-grand-paris:alerte:bruit-nuit-oms:75056:${LAST_DAY}`);
  expect(c.downloads.map((d) => d.path)).toContain('data/downloads/communes/75056/noise_indicators_commune_daily/2025.csv');
}

async function sensorsQcShare({ lake }: PublishedLake): Promise<void> {
  const c = await json<CommuneJson>(lake, 'data/communes/75056.json');
  const table = byId(defined(c.sections[0], 'the noise section').tables, 'noise-sensors');
  const road = defined(table.rows.find((r) => r.sensor_id === 'S-PARIS-ROAD'), 'S-PARIS-ROAD');
  // 9 readings of 14 × 96 in the period (the day of September is outside it)
  expect(road.qc_share).toBe(round1((100 * 9) / (14 * 96)));
  const why = road.qc_why as { fr: string; en: string };
  expect(why.fr).toBe(`figé ${fr1((100 * 6) / (14 * 96))} %, pic ${fr1((100 * 2) / (14 * 96))} %, dérive ${fr1((100 * 1) / (14 * 96))} %`);
  expect(why.en).toMatch(/^stuck 0\.4 %, spike 0\.1 %, drift 0\.1 %$/);
  // a sensor without counts: no share, not zero
  expect(defined(table.rows.find((r) => r.sensor_id === 'S-PARIS-PARK'), 'S-PARIS-PARK').qc_share).toBeNull();
}

async function communeWithoutData({ lake }: PublishedLake): Promise<void> {
  const c = await json<CommuneJson>(lake, 'data/communes/94028.json');
  const noise = byId(c.sections, 'noise');
  for (const i of noise.indicators) {
    expect(i.value, i.id).toBeNull();
    expect(i.trend, i.id).toBeNull();
  }
  expect(noise.charts.every((ch) => ch.series.every((s) => s.values.every((v) => v === null)))).toBe(true);
  expect(c.alerts).toEqual([]);
  expect(c.downloads).toEqual([]);
  const page = await site(lake, 'commune/94028/index.html');
  expect(page).toContain('pas de données');
  expect(page).not.toMatch(/>0,0&nbsp;dB\(A\)</);
}

async function keyFiguresInHtml({ lake }: PublishedLake): Promise<void> {
  const page = await site(lake, 'commune/75056/index.html');
  expect(page).toContain('<html lang="fr">');
  expect(page).toContain(`${fr1(round1(energyMean(PARIS_LDEN)))}&nbsp;dB(A)`);
  // the forecasts are fetched from the commune's live file: the page names it for readers without JavaScript
  expect(page).toContain('<div class="live-panel" data-live-panel aria-live="polite">');
  expect(page).toContain('href="../../data/live/75056.json"');
  const live = await json<CommuneLiveJson>(lake, 'data/live/75056.json');
  expect(live.panel.fr).toContain('Pas encore de prévision');
  expect(live.sections).toEqual([]);
  expect(live.data_as_of).toBe(LAST_HOUR_END);
  expect(page).toMatch(/<script type="module" src="\.\.\/\.\.\/assets\/commune-[A-Z0-9]{8}\.js"><\/script>/);
  expect(page).toContain('href="alertes.atom"'.replace('alertes', '../../commune/75056/alertes'));
  const en = await site(lake, 'en/commune/75056/index.html');
  expect(en).toContain('<html lang="en">');
  expect(en).toContain(`${formatNumber('en', round1(energyMean(PARIS_LDEN)), 1)}&nbsp;dB(A)`);
}

async function demoBannerAndDate({ lake }: PublishedLake): Promise<void> {
  for (const p of ['index.html', 'commune/93066/index.html', 'donnees/index.html', 'methodologie/index.html']) {
    const page = await site(lake, p);
    expect(page, p).toContain('Données de démonstration');
    expect(page, p).toContain('simulées, ce ne sont pas des mesures');
    expect(page, p).toContain(`<p class="as-of" data-as-of>Données au <time datetime="${LAST_HOUR_DAY}">15 oct. 2025</time></p>`);
    // nothing on the pages changes with the run's time: it is in data/site.json
    expect(page, p).not.toContain('mis à jour le');
  }
}

async function homeLinks({ lake }: PublishedLake): Promise<void> {
  const page = await site(lake, 'index.html');
  const links = [...page.matchAll(/<a href="commune\/(\d{5})\/" class="commune" data-insee="\d{5}" aria-label="([^"]+)"><path id="p-\d{5}" d="M[^"]+" fill="([^"]+)"\/><\/a>/g)];
  expect(links).toHaveLength(130);
  const paris = defined(links.find((l) => l[1] === '75056'), 'the link to Paris');
  expect(paris[2]).toBe(`Paris : Lden ${fr1(round1(energyMean(PARIS_LDEN)))} dB(A)`);
  expect(paris[3]).toMatch(/^#[0-9a-f]{6}$/);
  const other = defined(links.find((l) => l[1] === '94028'), 'the link to 94028');
  expect(other[2]).toContain('pas de données');
  expect(other[3]).toBe('url(#pas-de-donnees)');
}

async function feedsWellFormed({ lake }: PublishedLake): Promise<void> {
  const atom = await site(lake, 'commune/75056/alertes.atom');
  expect(xmlProblems(atom)).toEqual([]);
  expect(atom).toContain('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">');
  for (const tag of ['id', 'title', 'updated']) expect(xmlTexts(atom, tag).length, tag).toBeGreaterThan(14);
  expect(xmlTexts(atom, 'id')[0]).toBe('urn:observatoire-grand-paris:commune:75056:alertes');
  expect(xmlTexts(atom, 'updated').every((u) => !Number.isNaN(Date.parse(u)) && /Z$/.test(u))).toBe(true);
  expect(atom).toContain('<author><name>');
  expect(atom).toContain('<link rel="self" type="application/atom+xml" href="alertes.atom"/>');
  const empty = await site(lake, 'commune/94028/alertes.atom');
  expect(xmlProblems(empty)).toEqual([]);
  expect(xmlTexts(empty, 'updated')).toEqual([`${LAST_DAY}T22:00:00.000Z`]);
  const feed = await json<{ version: string; items: { id: string; date_published: string }[] }>(lake, 'commune/75056/alertes.json');
  expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
  expect(feed.items.map((i) => i.id)).toEqual(xmlTexts(atom, 'id').slice(1));
}

async function downloadsNoise({ lake, keys }: PublishedLake): Promise<void> {
  const whole = await site(lake, 'data/downloads/noise_indicators_commune_daily/2025.csv');
  const header = defined(whole.split('\n')[0], 'the CSV header').split(',');
  // a demo lake's files say so in a last column
  expect(header).toEqual([...defined(DATASETS.find((d) => d.name === 'noise_indicators_commune_daily'), 'its declaration').columns.map((c) => c.name), 'demo']);
  expect(whole.trim().split('\n')).toHaveLength(1 + 2 * 2 * DAYS.length);
  const paris = await site(lake, 'data/downloads/communes/75056/noise_indicators_commune_daily/2025.csv');
  const rows = paris.trim().split('\n').slice(1);
  expect(rows).toHaveLength(2 * DAYS.length);
  expect(rows.every((r) => r.startsWith('75056,'))).toBe(true);
  expect(keys).toContain('data/downloads/communes/75056/noise_indicators_commune_daily/2025.parquet');
  // the readings are not published as files (the site never reads them)
  expect(keys.filter((k) => k.includes('noise_readings'))).toEqual([]);
  const sensors = await site(lake, 'data/downloads/sensors.csv');
  expect(sensors).toContain(',2025-10-14T22:00:00.000Z');
  const index = await json<{ files: { path: string; bytes: number }[] }>(lake, 'data/downloads.json');
  expect(defined(index.files.find((f) => f.path === 'data/downloads/sensors.csv'), 'sensors.csv in downloads.json').bytes).toBe(Buffer.byteLength(sensors));
  const geo = await json<{ features: { id: string; properties: Record<string, unknown> }[] }>(lake, 'data/downloads/communes.geojson');
  expect(geo.features).toHaveLength(130);
  expect(byId(geo.features, '94028').properties.noise_lden).toBeNull();
}

async function dictionaryFromDeclarations({ lake }: PublishedLake): Promise<void> {
  const d = await json<ReturnType<typeof dictionary>>(lake, 'data/dictionary.json');
  expect(d.map((e) => e.name)).not.toContain('quarantine');
  expect(d.find((e) => e.name === 'sensors')).toEqual(dictionary(DATASETS).find((e) => e.name === 'sensors'));
}

async function secondRunSame({ lake }: PublishedLake): Promise<void> {
  const before = await site(lake, 'commune/75056/alertes.atom');
  const mapBefore = await site(lake, 'data/map.json');
  await publishSite(lake);
  expect(await site(lake, 'commune/75056/alertes.atom')).toBe(before);
  expect(await site(lake, 'data/map.json')).toBe(mapBefore);
}

describe('publishSite() over the noise datasets only', () => {
  let s: PublishedLake;
  beforeAll(async () => {
    s = await PublishedLake.noiseOnly();
  });
  afterAll(() => s?.lake.cleanup());

  it('writes a page and a JSON file per commune and per arrondissement of Paris, two alert feeds per commune, in French and in English', () => pagesAndFeedsPerCommune(s));
  it('names the browser code after its content hash, under assets/', () => assetsByContentHash(s));
  it('removes what an older run left and this one did not write', () => staleFilesRemoved(s));
  it('reports the themes left out and the datasets they wait for', () => hiddenThemesReported(s));
  it('site.json: demo flag, data date (the end of the latest hour of levels: the site never reads the readings), the themes shown', () => siteJson(s));
  it('map.json: one value per commune and layer, the energy average for Paris, null (never 0) without data', () => mapJsonNoise(s));
  it('a commune JSON: indicators with trend and metropolitan median, daily series, sensors, alerts', () => communeJson(s));
  it('the sensors table gives each sensor’s share of readings set aside by the quality control over the period, and why (issue 22)', () => sensorsQcShare(s));
  it('a commune without data: nulls, empty series, no file to download — never zeros', () => communeWithoutData(s));
  it('commune pages carry their key figures in the HTML (readable without JavaScript)', () => keyFiguresInHtml(s));
  it('every page has the demo banner and the data date', () => demoBannerAndDate(s));
  it('the home page: one link per commune, coloured by the default layer, hatched without data', () => homeLinks(s));
  it('Atom feeds are well-formed Atom 1.0 with stable ids; JSON feeds are JSON Feed 1.1', () => feedsWellFormed(s));
  it('downloads: whole and per-commune CSV and Parquet, columns of the declaration, UTC timestamps', () => downloadsNoise(s));
  it('the data dictionary is generated from the declarations of the published datasets', () => dictionaryFromDeclarations(s));
  it('gives the same feeds and JSON on a second run over the same lake, and keeps the previous assets', () => secondRunSame(s));
});

function themesShown({ report }: PublishedLake): void {
  expect(report.sections).toEqual(['noise', 'heat', 'flood', 'river', 'forecast']);
  expect(report.hidden).toEqual([]);
}

async function themeLayersAndPoints({ lake }: PublishedLake): Promise<void> {
  const m = await json<MapJson>(lake, 'data/map.json');
  const ids = m.layers.map((l) => l.id);
  expect(ids).toEqual(expect.arrayContaining(['heat-heatwave-days', 'heat-tropical-nights', 'heat-ibm-margin', 'flood-vigilance', 'flood-orange-days']));
  expect(byId(m.layers, 'heat-heatwave-days').values['75056']).toBe(3);
  expect(byId(m.layers, 'heat-heatwave-days').values['93066']).toBeNull();
  expect(byId(m.layers, 'flood-vigilance').values['75056']).toBe(2);
  const forecast = defined(m.layers.find((l) => l.group === 'forecast'), 'a forecast layer');
  expect(forecast.unit).toBe('%');
  expect(forecast.values['75056']).toBe(70);
  expect(m.groups.map((g) => g.id)).toEqual(['noise', 'exceedance', 'heat', 'flood', 'forecast']);
  expect(m.points.map((p) => p.kind)).toEqual(['noise-sensor', 'river-station']);
}

async function themeSections({ lake }: PublishedLake): Promise<void> {
  const c = await json<CommuneJson>(lake, 'data/communes/75056.json');
  expect(c.sections.map((s) => s.id)).toEqual(['noise', 'heat', 'flood', 'river']);
  const live = await json<CommuneLiveJson>(lake, 'data/live/75056.json');
  expect(live.sections.map((s) => s.id)).toEqual(['forecast']);
  const f = defined(live.sections[0], 'the forecast section');
  expect(defined(defined(f.charts[0], 'a forecast chart').bands?.[0], 'its interval').lower).toEqual([46, 47, 48]);
  expect(byId(f.tables, 'model-skill').rows[0]).toMatchObject({ score: 1.8, baseline: { fr: 'même heure la semaine précédente', en: 'same hour last week' }, baseline_score: 2.6 });
  expect(live.panel.fr).not.toContain('Pas encore de prévision');
  expect(live.panel.fr).toContain('Performance mesurée sur une période mise de côté');
  expect(live.panel.en).toContain('Skill measured on a held-out period');
  // the page itself does not carry the forecast: a new forecast does not rewrite it
  expect(await site(lake, 'commune/75056/index.html')).not.toContain('Performance mesurée sur une période mise de côté');
  const river = byId(c.sections, 'river');
  expect(defined(defined(river.charts[0], 'the river chart').thresholds, 'its reference floods').map((t) => t.value)).toContain(8.62);
}

async function themeAlerts({ lake }: PublishedLake): Promise<void> {
  const c = await json<CommuneJson>(lake, 'data/communes/75056.json');
  const kinds = c.alerts.map((a) => a.kind);
  expect(kinds.filter((k) => k === 'heat-wave-start')).toHaveLength(1);
  expect(kinds.filter((k) => k === 'flood-vigilance')).toHaveLength(1);
  expect(defined(c.alerts.find((a) => a.kind === 'flood-vigilance'), 'a flood alert').id).toBe(`urn:observatoire-grand-paris:alerte:vigilance-crues:75056:${DAYS[11]}:3`);
  const atom = await site(lake, 'commune/75056/alertes.atom');
  expect(xmlProblems(atom)).toEqual([]);
  expect(atom).toContain('Début d’un épisode de canicule');
}

async function modelEvaluationPage({ lake }: PublishedLake): Promise<void> {
  const page = await site(lake, 'methodologie/index.html');
  expect(page).toContain('Évaluation des modèles');
  expect(page).toContain('même heure la semaine précédente');
  expect(page).not.toContain('same_hour_last_week');
  expect(page).not.toMatch(/\d{8}T\d{6}Z-[0-9a-f]{8}/);
  expect(page).not.toContain('Aucun modèle de prévision n’est encore publié');
}

async function outsideThemesNoData({ lake }: PublishedLake): Promise<void> {
  const c = await json<CommuneJson>(lake, 'data/communes/93066.json');
  expect(c.sections.map((s) => s.id)).toEqual(['noise', 'heat']);
  expect(byId(c.sections, 'heat').indicators.every((i) => i.value === null)).toBe(true);
  expect(COMMUNES).toHaveLength(130);
}

async function outlookNoiseNights({ lake }: PublishedLake): Promise<void> {
  const live = await json<CommuneLiveJson>(lake, 'data/live/75056.json');
  // the synthetic run: targets at 21:00 UTC (23:00 in Paris) the three days after LAST_DAY, probabilities 0.7, 0.8, 0.9
  expect(live.outlook.days).toEqual(['2025-10-15', '2025-10-16', '2025-10-17']);
  const who = byId(live.outlook.items, 'noise-who');
  expect(who).toMatchObject({ status: 'forecast', issued_at: new Date(NOW.getTime() - 3_600_000).toISOString() });
  expect(who.days.map((d) => d.value)).toEqual([70, 80, 90]);
  expect(defined(who.source, 'the forecast source').fr).toContain('modèle de l’observatoire');
  // no French-limit forecast in the run, no heat forecast for Paris's station: said so, not zero
  expect(live.outlook.items.find((i) => i.id === 'noise-fr')).toMatchObject({ status: 'none', issued_at: null });
  expect(byId(live.outlook.items, 'heat').status).toBe('none');
  expect(live.outlook_panel.fr).toContain('90 %');
  expect(live.outlook_panel.fr).toContain('https://www.vigicrues.gouv.fr/');
  expect(live.outlook_panel.en).toContain('The next 3 days');
  const page = await site(lake, 'commune/75056/index.html');
  expect(page).toContain('id="prochains-jours"');
  expect(page).toMatch(/data-outlook-panel[^]*href="\.\.\/\.\.\/data\/live\/75056\.json"/);
}

async function outlookPastFreshness({ lake }: PublishedLake): Promise<void> {
  // 7 hours after the clock: beyond the noise forecast's 6 h (models/freshness.ts)
  const later = new Date(NOW.getTime() + 7 * 3_600_000);
  await publishSite({ ...lake, now: () => later }, { datasets: ALL_DATASETS });
  const live = await json<CommuneLiveJson>(lake, 'data/live/75056.json');
  const who = byId(live.outlook.items, 'noise-who');
  expect(who.status).toBe('stale');
  expect(who.days.every((d) => d.value === null)).toBe(true);
  expect(who.message.fr).toMatch(/^Pas de prévision récente \(la dernière date du /);
  expect(who.message.en).toMatch(/^No recent forecast/);
  expect(live.outlook_panel.fr).not.toContain('90 %');
  // the flood level of the latest day (no bulletin in this lake): older than 36 h at that clock
  expect(byId(live.outlook.items, 'flood').status).toBe('stale');
}

async function failsWhole({ lake }: PublishedLake): Promise<void> {
  const broken: SiteSection = { id: 'broken', title: { fr: 'Cassé', en: 'Broken' }, requires: [], build: () => Promise.reject(new Error('no such column: foo')) };
  const published = async () => Object.fromEntries((await listKeys(lake.store, '')).filter((o) => o.key.startsWith(`${SITE_PREFIX}/`) || o.key.startsWith('state/publish-site')).map((o) => [o.key, `${o.etag} ${o.lastModified.toISOString()}`]));
  const before = await published();
  expect(Object.keys(before).length).toBeGreaterThan(100);
  // a changed set of sections renders everything: the failure comes before any write
  await expect(publishSite(lake, { sections: [broken, noiseSection] })).rejects.toThrow(/theme « Cassé » \(section broken\) failed: no such column: foo\. Nothing was published/);
  expect(await published()).toEqual(before);
}

describe('publishSite() with heat, flood, river and forecast datasets', () => {
  let s: PublishedLake;
  beforeAll(async () => {
    s = await PublishedLake.allThemes();
  });
  afterAll(() => s?.lake.cleanup());

  it('shows each theme whose datasets hold rows', () => themesShown(s));
  it('adds their layers to the map, and their stations as points', () => themeLayersAndPoints(s));
  it('a commune page gets their sections, the forecast (in its live file) with its interval and measured skill', () => themeSections(s));
  it('alerts when a heat wave starts and when flood vigilance turns orange', () => themeAlerts(s));
  it('the methodology page shows the model evaluation against its baseline', () => modelEvaluationPage(s));
  it('communes outside the heat and flood data show « pas de données », not zero', () => outsideThemesNoData(s));
  // last: it rewrites the site without the other themes
  it('« les 3 prochains jours »: the noisy-night probabilities of the latest run, per Paris day, with issue time and source; the page links the live file', () => outlookNoiseNights(s));
  it('« les 3 prochains jours » past the freshness limit: « pas de prévision récente », no probability', () => outlookPastFreshness(s));
  it('fails whole when a theme fails: the error names the theme, and the published site is left as it was', () => failsWhole(s));
});
