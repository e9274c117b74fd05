import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveSite, type RunningServer } from '../../functions/local/site-server.ts';
import { classOf, type CommuneLiveJson, type MapJson, type SiteJson } from '../../functions/lib/publish/contract.ts';
import { daysBetween } from '../../functions/lib/publish/sql.ts';
import { predictions } from '../../functions/lib/datasets/models.ts';
import { noiseIndicatorsArrondissementDaily, sensors as sensorsDataset } from '../../functions/lib/datasets/noise.ts';
import { ARRONDISSEMENTS } from '../../functions/lib/domain/geo/arrondissements.ts';
import { FRESHNESS_HOURS } from '../../functions/lib/models/freshness.ts';
import { publishSite } from '../../functions/lib/stages/publish-site.ts';
import { HEAT } from '../../functions/lib/domain/heat/thresholds.ts';
import { parisDate as parisDay } from '../../functions/lib/domain/time/paris.ts';
import { formatDay, formatNumber } from '../../functions/lib/publish/i18n.ts';
import { SITE_PREFIX } from '../../functions/lib/lake/layout.ts';
import { listKeys } from '../../functions/lib/ports/object-store.ts';
import { axe, launchBrowser, recordTransfers, type TransferEntry } from '../support/browser.ts';
import { VIGILANCE_FRESH_HOURS } from '../../functions/lib/publish/outlook.ts';
import { referenceStation } from '../../functions/lib/publish/stations.ts';
import { publicWordProblems } from './public-words.ts';
import { report } from '../support/report.ts';
import { DEMO_SITE_URL, demoLake } from './demo-site.ts';
import { defined } from '../support/defined.ts';

// The published site in headless Chromium, over a small demo lake built by the real pipeline: the
// map, the layer choice, keyboard and pointer navigation, the search, the table's sorting, the figures
// against the lake, the public words of every page, phones (390 px), axe-core on every page type, the
// first view's weight, the feeds, and screenshots in test-artifacts/. The site is published with a
// public URL (OBSERVATORY_SITE_URL), as on AWS, so its feeds carry absolute links (./demo-site.ts).

const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-artifacts');
/** first view of the map (HTML, JS, CSS, geometry, data), gzip-compressed */
const BUDGET_BYTES = 300 * 1024;

type Lake = Awaited<ReturnType<typeof demoLake>>;

/** the demo site served, the browser reading it, and the script errors seen on the way: every step's subject */
class BrowserSite {
  readonly problems: string[] = [];

  private constructor(
    readonly lake: Lake,
    readonly server: RunningServer,
    readonly browser: Browser,
    readonly context: BrowserContext,
  ) {}

  static async start(): Promise<BrowserSite> {
    // the demo site of this code (built by the real pipeline, or copied from the last build of the same code)
    const lake = await demoLake();
    const server = await serveSite(lake.store, { port: 0 });
    const browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
    await mkdir(ARTIFACTS, { recursive: true });
    return new BrowserSite(lake, server, browser, context);
  }

  /** a page of the site; `missing`: the address is meant to answer 404 (the browser logs that as an error) */
  readonly open = async (p: string, options: { missing?: boolean } = {}): Promise<Page> => {
    const page = await this.context.newPage();
    page.on('pageerror', (e) => this.problems.push(`${p}: ${e.message}`));
    page.on('console', (m) => {
      if (options.missing && m.text().includes('status of 404')) return;
      if (m.type() === 'error' || m.type() === 'warning') this.problems.push(`${p}: console ${m.type()}: ${m.text()}`);
    });
    await page.goto(new URL(p, this.server.url).href, { waitUntil: 'networkidle' });
    return page;
  };

  async close(): Promise<void> {
    await this.browser.close();
    await this.server.close();
    await this.lake.cleanup();
  }
}

const text = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

/** the arrondissements' Lden and Lnight read from the lake on its own: energy means of their daily rows over the communes' year */
async function arrondissementLevels(lake: Lake): Promise<{ code: string; lden: number; lnight: number }[]> {
  await lake.lake.attach([noiseIndicatorsArrondissementDaily]);
  const r = await lake.lake.all(
    `SELECT arrondissement_insee AS code, round(10 * log10(avg(pow(10, lden / 10))), 1) AS lden, round(10 * log10(avg(pow(10, lnight / 10))), 1) AS lnight
     FROM noise_indicators_arrondissement_daily
     WHERE convention = 'eu' AND day > (SELECT max(day) FROM noise_indicators_commune_daily WHERE lden IS NOT NULL) - 365 GROUP BY 1 ORDER BY 1`,
  );
  return r.rows.map((row) => ({ code: String(row.code), lden: Number(row.lden), lnight: Number(row.lnight) }));
}

/** the rel="self" link of an Atom feed (its XML is checked with the browser's parser in the alert feeds test) */
const atomSelf = (xml: string) => /<link rel="self"[^>]*href="([^"]+)"/.exec(xml)?.[1];

/** the lake's dataset behind each theme of the map, and the column that says a day has a value */
const LAYER_SOURCES: Readonly<Record<string, { table: string; value: string }>> = {
  noise: { table: 'noise_indicators_commune_daily', value: 'lden' },
  exceedance: { table: 'noise_indicators_commune_daily', value: 'lden' },
  heat: { table: 'heat_indicators_commune_daily', value: 'day' },
  flood: { table: 'flood_vigilance_commune_daily', value: 'day' },
};

/** a period as the pages print it, from its days (the words of issue 20's period audit) */
function printedPeriod(lang: 'fr' | 'en', p: { from: string; to: string }): string {
  if (p.from === p.to) return lang === 'fr' ? `le ${formatDay(lang, p.from)}` : formatDay(lang, p.from);
  return lang === 'fr' ? `du ${formatDay(lang, p.from)} au ${formatDay(lang, p.to)}` : `${formatDay(lang, p.from)} to ${formatDay(lang, p.to)}`;
}

/** the page's text as a reader sees it (tags out, entities and spaces as one) */
const readable = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;|\u00a0|\u202f/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

/**
 * issue 20 on the home, methodology and data pages and the feeds (FR and EN): each map layer's period is
 * the first and last day with data in the lake (or its latest day for a « dernier jour » layer), printed
 * so in the legends and the methodology's class table; « 12 mois glissants » only over a full year; one
 * « données au » day on every page, that of data/site.json; the feeds' times no later than the data
 */
async function checkSitePeriods(lake: Awaited<ReturnType<typeof demoLake>>, url: string): Promise<void> {
  const map = JSON.parse((await lake.store.get(`${SITE_PREFIX}/data/map.json`)).toString('utf8')) as MapJson;
  const site = JSON.parse((await lake.store.get(`${SITE_PREFIX}/data/site.json`)).toString('utf8')) as SiteJson;
  const get = async (p: string) => readable(await (await fetch(new URL(p, url))).text());
  const pages = { fr: ['/', '/methodologie/', '/donnees/'], en: ['/en/', '/en/methodology/', '/en/data/'] } as const;
  const text = Object.fromEntries(await Promise.all([...pages.fr, ...pages.en].map(async (p) => [p, await get(p)] as const)));
  for (const layer of map.layers) {
    const source = LAYER_SOURCES[layer.group];
    expect(source, `${layer.id}: a theme the audit does not know (${layer.group})`).toBeDefined();
    const [r] = (
      await lake.lake.all(
        `SELECT CAST(min(day) FILTER (WHERE day > max_day - 365) AS VARCHAR) AS first, CAST(max(day) AS VARCHAR) AS last
         FROM (SELECT day, max(day) OVER () AS max_day FROM ${defined(source, layer.group).table} WHERE ${defined(source, layer.group).value} IS NOT NULL)`,
      )
    ).rows;
    const last = String(r?.last);
    const latestDay = /dernier jour/.test(layer.title.fr);
    expect(layer.period, layer.id).toEqual({ from: latestDay ? last : String(r?.first), to: last });
    const period = defined(layer.period, `${layer.id}: its period`);
    for (const lang of ['fr', 'en'] as const) {
      const [home, methodology] = pages[lang];
      expect(text[home], `${layer.id} ${lang}`).toContain(`${lang === 'fr' ? 'Période :' : 'Period:'} ${printedPeriod(lang, period)}.`);
      expect(text[methodology], `${layer.id} ${lang}`).toContain(printedPeriod(lang, period));
      const year = daysBetween(period.from, period.to).length >= 365;
      if (!year) expect(layer.description[lang], layer.id).not.toMatch(/12 mois glissants|rolling 12 months/);
    }
  }
  // one « données au » day on every page: the latest theme's, as data/site.json says it
  const asOf = defined(site.data_as_of, 'site.json: data_as_of');
  const day = parisDay(new Date(asOf));
  for (const lang of ['fr', 'en'] as const) {
    for (const p of pages[lang]) expect(text[p], p).toContain(`${lang === 'fr' ? 'Données au' : 'Data as of'} ${formatDay(lang, day)}`);
    // the methodology says which days the noise figures cover
    const noise = map.layers.find((l) => l.id === 'noise-lden')?.period;
    expect(noise, 'the noise layer').toBeTruthy();
    expect(text[pages[lang][1]], lang).toContain(`${lang === 'fr' ? 'les chiffres publiés couvrent' : 'the published figures cover'} ${printedPeriod(lang, defined(noise, 'the noise layer'))},`);
  }
  // the feeds: nothing dated after the data (an empty feed says the start of the data's day)
  for (const feed of ['/alertes.atom', '/en/alerts.atom']) {
    const xml = await (await fetch(new URL(feed, url))).text();
    const updated = /<updated>([^<]+)<\/updated>/.exec(xml)?.[1];
    expect(Date.parse(updated ?? ''), feed).toBeLessThanOrEqual(Date.parse(asOf));
  }
}

async function typeInSearch(page: Page, query: string): Promise<void> {
  await page.locator('#recherche').pressSequentially(query, { delay: 20 });
  await expect.poll(() => page.locator('#recherche-liste [role="option"]').count()).toBeGreaterThan(0);
}

/** every page type, at phone size */
const PHONE_PAGES = [
    ['home', '/'],
    ['commune', '/commune/93066/'],
    ['commune-paris', '/commune/75056/'],
    ['data', '/donnees/'],
    ['methodology', '/methodologie/'],
    ['communes', '/communes/'],
    ['not-found', '/commune/00000/'],
    ['en-home', '/en/'],
    ['en-commune', '/en/commune/94081/'],
    ['en-data', '/en/data/'],
    ['en-methodology', '/en/methodology/'],
    ['en-communes', '/en/communes/'],
    ['en-not-found', '/en/nowhere/'],
  ] as const;

async function homeWithinBudget({ server, context, problems }: BrowserSite): Promise<void> {
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`home: ${e.message}`));
  const transfers = recordTransfers(page);
  await page.goto(server.url, { waitUntil: 'networkidle' });
  await expect.poll(() => page.locator('.map-controls').isVisible()).toBe(true);
  expect(await page.locator('svg#carte a.commune path').count()).toBe(130);
  expect(await page.locator('svg#carte .points circle').count()).toBeGreaterThan(100);
  const entries: TransferEntry[] = await transfers.entries();
  const gzip = entries.reduce((t, e) => t + e.gzipBytes, 0);
  const raw = entries.reduce((t, e) => t + e.bytes, 0);
  const figures = {
    budget_bytes: BUDGET_BYTES,
    gzip_bytes: gzip,
    raw_bytes: raw,
    requests: entries.map((e) => ({ path: new URL(e.url).pathname, type: e.type, bytes: e.bytes, gzip_bytes: e.gzipBytes })),
  };
  await writeFile(path.join(ARTIFACTS, 'first-view-bytes.json'), JSON.stringify(figures, null, 2));
  report(`first view: ${entries.length} requests, ${(raw / 1024).toFixed(1)} KB raw, ${(gzip / 1024).toFixed(1)} KB gzip (budget ${BUDGET_BYTES / 1024} KB)`);
  expect(entries.every((e) => e.status === 200)).toBe(true);
  expect(gzip).toBeLessThanOrEqual(BUDGET_BYTES);
  await page.screenshot({ path: path.join(ARTIFACTS, 'map.png') });
  await page.close();
}

async function layerChoice({ open }: BrowserSite): Promise<void> {
  const page = await open('/');
  const fills = () => page.$$eval('svg#carte a.commune path', (ps) => ps.map((p) => p.getAttribute('fill')));
  const before = await fills();
  await page.selectOption('#couche', 'noise-lnight');
  const after = await fills();
  expect(after).toHaveLength(130);
  expect(after.filter((f, i) => f !== before[i]).length).toBeGreaterThan(10);
  expect(await page.locator('#legende-noise-lnight').isVisible()).toBe(true);
  expect(await page.locator('#legende-noise-lden').isVisible()).toBe(false);
  expect(await page.locator('a.commune[data-insee="75056"]').getAttribute('aria-label')).toMatch(/^Paris : Lnight (\d+,\d|pas de données)/);
  expect(page.url()).toContain('#couche=noise-lnight');
  await page.hover('a.commune[data-insee="93066"] path');
  await expect.poll(() => page.locator('.map-wrap .tooltip').isVisible()).toBe(true);
  expect(text(await page.locator('.map-wrap .tooltip').textContent())).toContain('Saint-Denis');
  await page.close();
}

async function keyboardToCommune({ open }: BrowserSite): Promise<void> {
  const page = await open('/');
  let focused = '';
  for (let i = 0; i < 60 && !focused; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => (document.activeElement?.matches('a.commune') ? ((document.activeElement as HTMLElement).dataset.insee ?? '') : ''));
  }
  expect(focused).toMatch(/^\d{5}$/);
  expect(await page.locator('.map-wrap .tooltip').isVisible()).toBe(true);
  await Promise.all([page.waitForURL(new RegExp(`/commune/${focused}/$`)), page.keyboard.press('Enter')]);
  expect(await page.locator('h1').getAttribute('data-insee')).toBe(focused);
  await page.close();
}

async function clickToCommune({ open }: BrowserSite): Promise<void> {
  const page = await open('/');
  await Promise.all([page.waitForURL(/\/commune\/93066\/$/), page.click('a.commune[data-insee="93066"] path', { force: true })]);
  expect(text(await page.locator('h1').textContent())).toContain('Saint-Denis');
  await page.close();
}

async function figuresOfTheLake({ lake, server, open }: BrowserSite): Promise<void> {
  const q = async (sql: string) => defined((await lake.lake.all(sql)).rows[0], sql);
  const window = `day > (SELECT max(day) FROM noise_indicators_commune_daily WHERE lden IS NOT NULL) - 365`;
  const expected = await q(
    `SELECT round(10 * log10(avg(pow(10, lden / 10))), 1) AS lden, round(10 * log10(avg(pow(10, lnight / 10))), 1) AS lnight
     FROM noise_indicators_commune_daily WHERE commune_insee = '75056' AND convention = 'eu' AND ${window}`,
  );
  const sensors = await q(`SELECT count(*) AS n FROM sensors WHERE commune_insee = '75056' AND in_metropole`);
  const page = await open('/commune/75056/');
  const cell = async (id: string) => text(await page.locator(`tr[data-indicator="${id}"] td.value`).textContent());
  expect(await cell('noise-lden')).toBe(`${formatNumber('fr', Number(expected.lden), 1)} dB(A)`);
  expect(await cell('noise-lnight')).toBe(`${formatNumber('fr', Number(expected.lnight), 1)} dB(A)`);
  expect(await page.locator('table#noise-sensors tbody tr').count()).toBe(Number(sensors.n));
  await expect.poll(() => page.locator('#noise-daily svg.chart-svg path.series').count()).toBe(2);
  expect(await page.locator('#noise-daily svg.chart-svg line.threshold').count()).toBe(4);
  expect(await page.locator('#noise-daily svg.chart-svg').getAttribute('aria-labelledby')).toBe('noise-daily-titre noise-daily-resume');
  // Paris compares its 20 arrondissements, each a link to its page (their figures: the arrondissements' test)
  expect(await page.locator('#arrondissements-tableau tbody tr').count()).toBe(20);
  expect(await page.locator('#arrondissements-tableau tbody tr[data-insee="75111"] a').evaluate((a) => (a as HTMLAnchorElement).href)).toBe(new URL('/commune/75111/', server.url).href);
  const home = await open('/');
  expect(await home.locator('a.commune[data-insee="75056"]').getAttribute('aria-label')).toBe(`Paris : Lden ${formatNumber('fr', Number(expected.lden), 1)} dB(A)`);
  // the arrondissements are a sub-layer of Paris on the map, and not rows of the communes' table
  expect(await home.locator('svg#carte g.arrondissements path').count()).toBe(20);
  expect(await home.locator('#communes-tableau tbody tr').count()).toBe(130);
  await page.screenshot({ path: path.join(ARTIFACTS, 'commune-75056.png'), fullPage: true });
  await page.close();
  await home.close();
}

async function livePanelAndAsOf({ lake, open }: BrowserSite): Promise<void> {
  const live = JSON.parse((await lake.store.get(`${SITE_PREFIX}/data/live/75056.json`)).toString('utf8')) as CommuneLiveJson;
  const page = await open('/commune/75056/');
  // the hour comes from the live file (the page's HTML says only the day)
  await expect.poll(async () => text(await page.locator('[data-as-of]').textContent())).toBe(live.as_of_text.fr);
  expect(live.as_of_text.fr).toMatch(/^Données au \d{1,2} \S+ \d{4}, \d{2}:\d{2}/);
  // the panel shows what the live file says: the forecasts' first heading, or the sentence that there is none
  const panel = page.locator('[data-live-panel]');
  const expected = live.sections.length ? live.sections[0]?.tables[0]?.title.fr ?? live.sections[0]?.title.fr : 'Pas encore de prévision';
  await expect.poll(async () => text(await panel.textContent())).toContain(expected);
  expect(text(await panel.textContent())).not.toContain('s’affichent ici avec JavaScript');
  // its charts are drawn like the others
  const canvases = await panel.locator('.chart-canvas[data-chart]').count();
  await expect.poll(() => panel.locator('svg.chart-svg').count()).toBe(canvases);
  // on another page, the line comes from data/site.json, with the site's update time
  const home = await open('/');
  await expect.poll(async () => text(await home.locator('[data-as-of]').textContent())).toContain('site mis à jour le');
  await page.close();
  await home.close();
}

async function outlookHeat({ lake, open }: BrowserSite): Promise<void> {
  const manifest = JSON.parse((await lake.store.get('lake.json')).toString('utf8')) as { demo_clock: string };
  const clock = new Date(manifest.demo_clock);
  const today = parisDay(clock);
  const days = [0, 1, 2].map((i) => new Date(Date.parse(`${today}T12:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));
  // Saint-Denis (93) takes its département's reference station, as its heat indicators do
  const station = defined(HEAT.departements['93'], 'the heat thresholds of 93').reference_station;
  await lake.lake.attach([predictions]);
  const rows = (
    await lake.lake.all(
      `SELECT target_time, probability, origin_time FROM predictions WHERE model = 'heat' AND entity_kind = 'station' AND entity = '${station}'
       QUALIFY run_time = max(run_time) OVER ()`,
    )
  ).rows;
  expect(rows.length).toBeGreaterThan(0);
  const origin = Math.max(...rows.map((r) => (r.origin_time as Date).getTime()));
  const fresh = (clock.getTime() - origin) / 3_600_000 <= 36;
  const byDay = new Map<string, number>();
  for (const r of rows) {
    const d = parisDay(r.target_time as Date);
    byDay.set(d, Math.max(byDay.get(d) ?? 0, Math.round(Number(r.probability) * 100)));
  }
  const page = await open('/commune/93066/');
  const row = page.locator('[data-outlook-panel] tr[data-outlook="heat"]');
  await expect.poll(() => row.count()).toBe(1);
  expect(await row.getAttribute('data-status')).toBe(fresh ? 'forecast' : 'stale');
  const cells = (await row.locator('td').allTextContents()).map(text);
  expect(cells.slice(0, 3)).toEqual(days.map((d) => (fresh && byDay.has(d) ? `${byDay.get(d)} %` : '—')));
  expect(cells[3]).toMatch(/Émise le/);
  // the other rows say why they have no figure, never a zero
  for (const id of ['noise-who', 'noise-fr']) {
    const other = page.locator(`[data-outlook-panel] tr[data-outlook="${id}"]`);
    if ((await other.getAttribute('data-status')) !== 'forecast') expect((await other.locator('td').allTextContents()).slice(0, 3).map(text)).toEqual(['—', '—', '—']);
  }
  expect(await page.locator('[data-outlook-panel] a[href="https://www.vigicrues.gouv.fr/"]').count()).toBe(1);
  // the plain-language summary of three communes, against the lake: the night rank and the flood vigilance
  const lnight = new Map(
    (
      await lake.lake.all(
        `SELECT commune_insee, round(10 * log10(avg(pow(10, lnight / 10))), 1) AS lnight FROM noise_indicators_commune_daily
         WHERE convention = 'eu' AND lnight IS NOT NULL AND day > (SELECT max(day) FROM noise_indicators_commune_daily WHERE lden IS NOT NULL) - 365 GROUP BY 1`,
      )
    ).rows.map((r) => [String(r.commune_insee), Number(r.lnight)]),
  );
  const vigilance = new Map(
    (
      await lake.lake.all(`SELECT commune_insee, level_max FROM flood_vigilance_commune_daily QUALIFY row_number() OVER (PARTITION BY commune_insee ORDER BY day DESC) = 1`)
    ).rows.map((r) => [String(r.commune_insee), Number(r.level_max)]),
  );
  const colour = ['verte', 'jaune', 'orange', 'rouge'];
  for (const insee of ['93066', '94081', '75056']) {
    const p = insee === '93066' ? page : await open(`/commune/${insee}/`);
    const summary = text(await p.locator('[data-commune-summary]').textContent());
    const mine = defined(lnight.get(insee), `${insee}: its Lnight`);
    const others = [...lnight].filter(([k]) => k !== insee).map(([, v]) => v);
    const share = Math.round((100 * others.filter((v) => v < mine).length) / others.length);
    expect(summary, insee).toContain(`nuits plus bruyantes que ${share} % des ${others.length} autres communes mesurées`);
    if (vigilance.has(insee)) expect(summary, insee).toContain(`crues : vigilance ${colour[(vigilance.get(insee) ?? 0) - 1]}`);
    else expect(summary, insee).not.toContain('crues');
    if (p !== page) await p.close();
  }
  await page.close();
}

async function freshForecastsEverywhere({ lake }: BrowserSite): Promise<void> {
  const manifest = JSON.parse((await lake.store.get('lake.json')).toString('utf8')) as { demo_clock: string };
  const clock = Date.parse(manifest.demo_clock);
  expect(Number.isNaN(clock)).toBe(false);
  // the lake's latest run of each model: issued at the demo clock, from an origin within its freshness limit
  await lake.lake.attach([predictions]);
  const latest = (
    await lake.lake.all(`SELECT model, max(run_time) AS run_time, max(origin_time) AS origin FROM predictions GROUP BY model ORDER BY model`)
  ).rows.map((r) => ({ model: String(r.model), run: (r.run_time as Date).getTime(), age: (clock - (r.origin as Date).getTime()) / 3_600_000 }));
  expect(latest.map((r) => r.model)).toEqual(expect.arrayContaining(['climate-risk', 'heat', 'noise', 'river']));
  for (const r of latest) {
    expect(r.run, r.model).toBe(clock);
    expect(r.age, r.model).toBeGreaterThanOrEqual(0);
    expect(r.age, r.model).toBeLessThanOrEqual(defined(FRESHNESS_HOURS[r.model], `${r.model}: its freshness limit`));
  }
  const pages = (await listKeys(lake.store, `${SITE_PREFIX}/commune/`)).map((o) => o.key).filter((k) => k.endsWith('/index.html'));
  const insees = pages.map((k) => k.split('/').at(-2) ?? k);
  expect(insees.length).toBeGreaterThanOrEqual(130);
  // what each commune's panel should show: the highest probability per Paris day of the latest run, by
  // reference station (heat) and by commune and threshold (noise nights, over the commune's sensors)
  const expected = new Map<string, Map<string, number>>();
  const add = (key: string, target: Date, p: number) => {
    const days = expected.get(key) ?? new Map<string, number>();
    const day = parisDay(target);
    days.set(day, Math.max(days.get(day) ?? 0, Math.round(p * 100)));
    expected.set(key, days);
  };
  for (const r of (
    await lake.lake.all(
      `SELECT p.model, p.entity, p.threshold_name, s.commune_insee, p.target_time, p.probability FROM predictions p
       LEFT JOIN ${sensorsDataset.name} s ON p.entity_kind = 'sensor' AND s.sensor_id = p.entity
       WHERE p.model IN ('heat', 'noise') AND p.probability IS NOT NULL QUALIFY p.run_time = max(p.run_time) OVER (PARTITION BY p.model)`,
    )
  ).rows) {
    const key = r.model === 'heat' ? `heat ${String(r.entity)}` : `${String(r.threshold_name)} ${String(r.commune_insee)}`;
    add(key, r.target_time as Date, Number(r.probability));
  }
  const statuses = { flood: 0, heat: 0, 'noise-who': 0, 'noise-fr': 0 };
  const thresholdOf = { 'noise-who': 'who_lnight', 'noise-fr': 'fr_ln' } as const;
  for (const [i, key] of pages.entries()) {
    const insee = defined(insees[i], `page ${i}`);
    const page = (await lake.store.get(key)).toString('utf8');
    expect(page, key).not.toMatch(/pas de prévision récente/i);
    // an arrondissement's page shows Paris's live file
    const liveInsee = /^751(0[1-9]|1\d|20)$/.test(insee) ? '75056' : insee;
    const live = JSON.parse((await lake.store.get(`${SITE_PREFIX}/data/live/${liveInsee}.json`)).toString('utf8')) as CommuneLiveJson;
    expect(JSON.stringify(live), insee).not.toMatch(/pas de prévision récente|no recent forecast/i);
    expect(Date.parse(live.outlook.now), insee).toBe(clock);
    expect(live.outlook.demo, insee).toBe(true);
    expect(live.outlook.days[0], insee).toBe(parisDay(new Date(clock)));
    for (const item of live.outlook.items) {
      expect(item.status, `${insee} ${item.id}: ${item.message.fr}`).not.toBe('stale');
      if (item.status !== 'forecast') continue;
      statuses[item.id]++;
      // issued at the demo clock (models), or at most a day and a half before it (Vigicrues bulletins)
      const issued = (clock - Date.parse(defined(item.issued_at, `${insee} ${item.id}: issued_at`))) / 3_600_000;
      expect(issued, `${insee} ${item.id}`).toBeGreaterThanOrEqual(0);
      expect(issued, `${insee} ${item.id}`).toBeLessThanOrEqual(item.id === 'flood' ? VIGILANCE_FRESH_HOURS : 0);
      if (item.id === 'flood') expect(item.days[0]?.value, insee).not.toBeNull();
    }
    const shown = (id: string) => defined(live.outlook.items.find((x) => x.id === id), `outlook item ${id}`);
    // every commune has a reference weather station: the heat-wave forecast is always there, as the lake says
    const heat = expected.get(`heat ${referenceStation(liveInsee).station_id}`);
    expect(shown('heat').status, insee).toBe('forecast');
    expect(shown('heat').days, insee).toEqual(live.outlook.days.map((day) => ({ day, value: heat?.get(day) ?? null })));
    // noise nights wherever the commune has a sensor with a forecast night, with the lake's probabilities
    for (const id of ['noise-who', 'noise-fr'] as const) {
      const nights = expected.get(`${thresholdOf[id]} ${liveInsee}`);
      if (!nights) continue;
      expect(shown(id).status, `${insee} ${id}`).toBe('forecast');
      expect(shown(id).days, `${insee} ${id}`).toEqual(live.outlook.days.map((day) => ({ day, value: nights.get(day) ?? null })));
    }
  }
  // the communes with a sensor and a forecast night all show it
  const withNights = [...expected.keys()].filter((k) => k.startsWith('who_lnight ')).length;
  expect(withNights).toBeGreaterThan(100);
  // the flood vigilance reaches the riverside communes: some, not all
  expect(statuses.flood).toBeGreaterThan(0);
  expect(statuses.flood).toBeLessThan(pages.length);
  expect(statuses['noise-who']).toBeGreaterThanOrEqual(withNights);
  // the river forecast of the forecast section: from the demo's flood, fresh at the clock
  const paris = JSON.parse((await lake.store.get(`${SITE_PREFIX}/data/live/75056.json`)).toString('utf8')) as CommuneLiveJson;
  expect(JSON.stringify(paris.sections)).not.toMatch(/pas de prévision récente/i);
  report(`demo forecasts at the clock ${manifest.demo_clock}: ${pages.length} commune pages, fresh items ${JSON.stringify(statuses)}`);
}

async function arrondissementPages({ lake, server, open }: BrowserSite): Promise<void> {
  // the lake, read on its own: the arrondissements' daily rows over the same year as the communes'
  await lake.lake.attach([noiseIndicatorsArrondissementDaily, sensorsDataset]);
  const measured = await arrondissementLevels(lake);
  const sensorCount = new Map(
    (await lake.lake.all(`SELECT arrondissement_insee AS code, count(*) AS n FROM sensors WHERE in_metropole AND arrondissement_insee IS NOT NULL GROUP BY 1`)).rows.map((r) => [
      String(r.code),
      Number(r.n),
    ]),
  );
  expect(measured.length).toBeGreaterThan(0);
  const db = (v: number) => `${formatNumber('fr', v, 1)} dB(A)`;
  const own = defined(measured[0], 'a measured arrondissement');
  const page = await open(`/commune/${own.code}/`);
  expect(await page.locator('h1').getAttribute('data-insee')).toBe(own.code);
  expect(text(await page.locator('h1').textContent())).toMatch(new RegExp(`^Paris ${Number(own.code.slice(3))}(er|e) arrondissement code INSEE ${own.code}$`));
  const cell = async (id: string) => text(await page.locator(`tr[data-indicator="${id}"] td.value`).textContent());
  expect(await cell('noise-lden')).toBe(db(own.lden));
  expect(await cell('noise-lnight')).toBe(db(own.lnight));
  expect(await page.locator('table#noise-sensors tbody tr').count()).toBe(sensorCount.get(own.code));
  // its chart is drawn from its own file, its « 3 prochains jours » from Paris's live file
  await expect.poll(() => page.locator('#noise-daily svg.chart-svg path.series').count()).toBe(2);
  await expect.poll(async () => text(await page.locator('[data-outlook-panel]').textContent())).not.toContain('s’affichent ici avec JavaScript');
  expect(text(await page.locator('[data-commune-summary]').textContent())).toContain(`Lnight moyen ${db(own.lnight)}`);
  await page.close();
  // an arrondissement without a measured sensor says so, with no figure
  const quiet = defined(
    ARRONDISSEMENTS.find((a) => !measured.some((m) => m.code === a.arrondissement_insee) && !sensorCount.has(a.arrondissement_insee)),
    'an arrondissement without sensor',
  );
  const quietHtml = await (await fetch(new URL(`/commune/${quiet.arrondissement_insee}/`, server.url))).text();
  expect(quietHtml).toContain('aucun capteur de bruit mesuré dans l’arrondissement');
  expect(quietHtml).not.toMatch(/data-indicator="noise-lden"[^]*?<td class="value">\d/);
  const en = await (await fetch(new URL(`/en/commune/${quiet.arrondissement_insee}/`, server.url))).text();
  expect(en).toMatch(new RegExp(`<h1[^>]*>Paris ${quiet.number}(st|nd|rd|th) arrondissement `));
  // Paris's page shows the same figures for it, side by side with the others (read without its script)
  const parisHtml = await (await fetch(new URL('/commune/75056/', server.url))).text();
  const row = new RegExp(`<tr data-insee="${own.code}">.*?</tr>`).exec(parisHtml)?.[0] ?? '';
  expect([...row.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1]).slice(0, 2)).toEqual([formatNumber('fr', own.lden, 1), formatNumber('fr', own.lnight, 1)]);
  // not ranked among the communes: no layer value (so no class, median or rank) for them
  const map = JSON.parse((await lake.store.get(`${SITE_PREFIX}/data/map.json`)).toString('utf8')) as MapJson;
  expect(map.communes).toHaveLength(130);
  for (const l of map.layers) expect(Object.keys(l.values).filter((k) => k.startsWith('751')), l.id).toEqual([]);
}

async function arrondissementsOnMap({ lake, open }: BrowserSite): Promise<void> {
  const measured = await arrondissementLevels(lake);
  const own = defined(measured[0], 'a measured arrondissement');
  const map = JSON.parse((await lake.store.get(`${SITE_PREFIX}/data/map.json`)).toString('utf8')) as MapJson;
  const layer = (id: string) => defined(map.layers.find((l) => l.id === id), `layer ${id}`);
  const page = await open('/');
  const area = page.locator(`svg#carte a.area[data-insee="${own.code}"]`);
  expect(await page.locator('svg#carte a.area').count()).toBe(20);
  expect(await area.getAttribute('href')).toBe(`commune/${own.code}/`);
  for (const [id, value] of [
    ['noise-lden', own.lden],
    ['noise-lnight', own.lnight],
  ] as const) {
    await page.selectOption('#couche', id);
    const l = layer(id);
    expect(await area.getAttribute('aria-label')).toBe(`Paris ${Number(own.code.slice(3))}${own.code.endsWith('01') ? 'er' : 'e'} arrondissement : ${l.short.fr} ${formatNumber('fr', value, 1)} dB(A)`);
    expect(await area.locator('path').getAttribute('fill')).toBe(l.classes[classOf(value, l.classes)]?.color);
  }
  // an arrondissement without data is hatched, not given Paris's value
  const quiet = defined(ARRONDISSEMENTS.find((a) => !measured.some((m) => m.code === a.arrondissement_insee)), 'an arrondissement without data');
  expect(await page.locator(`a.area[data-insee="${quiet.arrondissement_insee}"] path`).getAttribute('fill')).toBe('url(#pas-de-donnees)');
  // a layer the arrondissements do not carry (shares of nights): see-through, Paris's colour shows
  const share = defined(map.layers.find((l) => l.group === 'exceedance'), 'an exceedance layer');
  await page.selectOption('#couche', share.id);
  expect(await area.locator('path').getAttribute('fill')).toBe('none');
  // never ranked among the communes: the legend counts 130 communes
  expect(layer('noise-lden').counts.reduce((a, b) => a + b, 0) + layer('noise-lden').missing).toBe(130);
  await page.selectOption('#couche', 'noise-lden');
  await area.focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(`**/commune/${own.code}/`);
  await page.close();
}

async function honestPeriods({ lake, server }: BrowserSite): Promise<void> {
  await lake.lake.attach([noiseIndicatorsArrondissementDaily]);
  const span = async (table: string, column: string, code: string) => {
    const [r] = (
      await lake.lake.all(
        `SELECT min(day)::VARCHAR AS first, max(day)::VARCHAR AS last FROM ${table}
         WHERE ${column} = '${code}' AND convention = 'eu' AND lden IS NOT NULL AND day > (SELECT max(day) FROM noise_indicators_commune_daily WHERE lden IS NOT NULL) - 365`,
      )
    ).rows;
    return { first: String(r?.first), last: String(r?.last) };
  };
  const arrondissement = String((await lake.lake.all(`SELECT min(arrondissement_insee) AS code FROM noise_indicators_arrondissement_daily WHERE lden IS NOT NULL`)).rows[0]?.code);
  const site = JSON.parse((await lake.store.get(`${SITE_PREFIX}/data/site.json`)).toString('utf8')) as SiteJson;
  for (const [code, table, column] of [
    ['93066', 'noise_indicators_commune_daily', 'commune_insee'],
    ['94081', 'noise_indicators_commune_daily', 'commune_insee'],
    ['75056', 'noise_indicators_commune_daily', 'commune_insee'],
    [arrondissement, 'noise_indicators_arrondissement_daily', 'arrondissement_insee'],
  ] as const) {
    const { first, last } = await span(table, column, code);
    const html = await (await fetch(new URL(`/commune/${code}/`, server.url))).text();
    const printed = /<dt>Période<\/dt>\s*<dd>([^<]*)<\/dd>/.exec(html)?.[1];
    expect(printed, code).toBe(`du ${formatDay('fr', first)} au ${formatDay('fr', last)} (les ${daysBetween(first, last).length} jours mesurés depuis le début des données)`);
    // the live file's dates per theme are the site's
    const live = JSON.parse((await lake.store.get(`${SITE_PREFIX}/data/live/${code.startsWith('751') ? '75056' : code}.json`)).toString('utf8')) as CommuneLiveJson;
    expect(live.as_of_by_theme, code).toEqual(site.as_of_by_theme);
  }
  expect(site.as_of_by_theme.length).toBeGreaterThan(1);
  expect(new Set(site.as_of_by_theme.map((t) => t.title.fr)).size).toBe(site.as_of_by_theme.length);
  await checkSitePeriods(lake, server.url);
}

async function noSingleClassLayer({ lake, open }: BrowserSite): Promise<void> {
  const map = JSON.parse((await lake.store.get(`${SITE_PREFIX}/data/map.json`)).toString('utf8')) as MapJson;
  expect(map.layers.length).toBeGreaterThan(5);
  for (const l of map.layers) expect(l.counts.filter((n) => n > 0).length, l.id).toBeGreaterThanOrEqual(2);
  const home = await open('/');
  for (const u of map.uniform ?? []) expect(text(await home.locator(`[data-uniform="${u.id}"]`).textContent())).toBe(u.note.fr);
  await home.close();
}

async function demoDownloads({ lake }: BrowserSite): Promise<void> {
  const keys = (await listKeys(lake.store, `${SITE_PREFIX}/data/downloads/`)).map((o) => o.key);
  const listed = (JSON.parse((await lake.store.get(`${SITE_PREFIX}/data/downloads.json`)).toString('utf8')) as { files: { path: string }[] }).files.map((f) => `${SITE_PREFIX}/${f.path}`);
  expect(keys.sort()).toEqual([...listed].sort());
  expect(keys.filter((k) => k.endsWith('.parquet')).length).toBeGreaterThan(5);
  for (const key of keys) {
    if (key.endsWith('.csv')) {
      const [header, ...rows] = (await lake.store.get(key)).toString('utf8').trimEnd().split('\n');
      expect(header?.split(',').at(-1), key).toBe('demo');
      expect(rows.every((r) => r.endsWith(',true')), key).toBe(true);
    } else if (key.endsWith('.parquet')) {
      const file = path.join(lake.dir, key).replaceAll("'", "''");
      const [column] = (await lake.lake.all(`SELECT count(*) AS n, count(*) FILTER (WHERE demo) AS demo, any_value(typeof(demo)) AS type FROM read_parquet('${file}')`)).rows;
      expect(column, key).toMatchObject({ n: column?.demo, type: 'BOOLEAN' });
      const kv = (await lake.lake.all(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${file}')`)).rows;
      expect(kv, key).toContainEqual({ k: 'demo', v: 'true' });
    } else if (key.endsWith('.geojson')) {
      const geo = JSON.parse((await lake.store.get(key)).toString('utf8')) as { demo?: boolean; features: { properties: { demo?: boolean } }[] };
      expect(geo.demo, key).toBe(true);
      expect(geo.features.every((f) => f.properties.demo === true), key).toBe(true);
    } else throw new Error(`${key}: a download of an unexpected format`);
  }
}

async function withoutJavaScript({ server, browser }: BrowserSite): Promise<void> {
  const noJs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
  const page = await noJs.newPage();
  await page.goto(new URL('/commune/75056/', server.url).href);
  expect(text(await page.locator('tr[data-indicator="noise-lden"] td.value').textContent())).toMatch(/^\d+,\d dB\(A\)$/);
  expect(await page.locator('.demo-banner').textContent()).toContain('simulées, ce ne sont pas des mesures');
  // the forecasts need the script: the panel says where they are
  expect(await page.locator('[data-live-panel] a[href$="data/live/75056.json"]').count()).toBe(1);
  await page.goto(server.url);
  expect(await page.locator('svg#carte a.commune path').count()).toBe(130);
  expect(await page.locator('.map-controls').isVisible()).toBe(false);
  await noJs.close();
}

async function feedsParse({ open }: BrowserSite): Promise<void> {
  const page = await open('/commune/75056/');
  const result = await page.evaluate(async () => {
    const atom = await (await fetch('alertes.atom')).text();
    const doc = new DOMParser().parseFromString(atom, 'application/xml');
    const json = (await (await fetch('alertes.json')).json()) as { items: unknown[] };
    return { error: doc.querySelector('parsererror')?.textContent ?? null, root: doc.documentElement.namespaceURI, entries: doc.querySelectorAll('entry').length, items: json.items.length };
  });
  expect(result.error).toBeNull();
  expect(result.root).toBe('http://www.w3.org/2005/Atom');
  expect(result.entries).toBe(result.items);
  await page.close();
}

async function searchByKeyboard({ open }: BrowserSite): Promise<void> {
  const page = await open('/methodologie/');
  let onField = false;
  for (let i = 0; i < 15 && !onField; i++) {
    await page.keyboard.press('Tab');
    onField = await page.evaluate(() => document.activeElement?.id === 'recherche');
  }
  expect(onField).toBe(true);
  const field = page.locator('#recherche');
  expect(await field.getAttribute('role')).toBe('combobox');
  await page.keyboard.type('vitry', { delay: 30 });
  await expect.poll(() => field.getAttribute('aria-expanded')).toBe('true');
  expect(text(await page.locator('#recherche-liste [role="option"]').first().textContent())).toContain('Vitry-sur-Seine');
  await page.keyboard.press('ArrowDown');
  expect(await field.getAttribute('aria-activedescendant')).toBe('recherche-liste-0');
  expect(await page.locator('#recherche-liste-0').getAttribute('aria-selected')).toBe('true');
  await Promise.all([page.waitForURL(/\/commune\/94081\/$/), page.keyboard.press('Enter')]);
  expect(text(await page.locator('h1').textContent())).toContain('Vitry-sur-Seine');
  await page.close();
}

async function searchByPostcode({ open }: BrowserSite): Promise<void> {
  const page = await open('/commune/75056/');
  await typeInSearch(page, '93200');
  await Promise.all([page.waitForURL(/\/commune\/93066\/$/), page.keyboard.press('Enter')]);
  expect(await page.locator('h1').getAttribute('data-insee')).toBe('93066');
  await page.close();
}

async function searchByMouse({ open }: BrowserSite): Promise<void> {
  const page = await open('/');
  await page.click('#recherche');
  await typeInSearch(page, 'Saint-Denis');
  const options = (await page.locator('#recherche-liste [role="option"] .search-name').allTextContents()).map(text);
  expect(options[0]).toBe('Saint-Denis');
  expect(options).toContain("L'Île-Saint-Denis");
  await page.screenshot({ path: path.join(ARTIFACTS, 'search-saint-denis.png') });
  await Promise.all([page.waitForURL(/\/commune\/93066\/$/), page.locator('#recherche-liste [role="option"]').first().click()]);
  await page.close();
}

async function searchInEnglish({ open }: BrowserSite): Promise<void> {
  const page = await open('/en/');
  await typeInSearch(page, 'montreuil');
  await page.keyboard.press('Escape');
  expect(await page.locator('#recherche').getAttribute('aria-expanded')).toBe('false');
  await typeInSearch(page, ' ');
  await Promise.all([page.waitForURL(/\/en\/commune\/93048\/$/), page.keyboard.press('Enter')]);
  await page.close();
}

async function searchWithoutJavaScript({ server, browser }: BrowserSite): Promise<void> {
  const noJs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
  const page = await noJs.newPage();
  await page.goto(new URL('/commune/94081/', server.url).href);
  await page.fill('#recherche', 'vitry');
  await Promise.all([page.waitForURL(/\/communes\/\?q=vitry$/), page.click('.search button[type="submit"]')]);
  expect(await page.locator('.commune-list a').count()).toBe(130);
  await Promise.all([page.waitForURL(/\/commune\/94081\/$/), page.click('.commune-list a:text-is("Vitry-sur-Seine")')]);
  await noJs.close();
}

async function searchArrondissement({ server, open }: BrowserSite): Promise<void> {
  const page = await open('/communes/');
  const field = page.locator('#recherche');
  const own = new URL('/commune/75111/', server.url).href;
  for (const q of ['11e arrondissement', '75011', '75111']) {
    await field.fill('');
    await field.pressSequentially(q, { delay: 20 });
    await expect.poll(() => page.locator('#recherche-liste [role="option"]').first().getAttribute('data-href'), { message: q }).toBe(own);
  }
  await field.fill('');
  await typeInSearch(page, 'Paris 11e');
  await expect.poll(() => page.locator('#recherche-liste [role="option"]').first().getAttribute('data-href')).toBe(own);
  await Promise.all([page.waitForURL(/\/commune\/75111\/$/), page.keyboard.press('Enter')]);
  expect(text(await page.locator('h1').textContent())).toBe('Paris 11e arrondissement code INSEE 75111');
  await page.close();
}

async function sortTable({ open }: BrowserSite): Promise<void> {
  const page = await open('/');
  const lden = page.locator('#communes-tableau thead th[data-layer="noise-lden"]');
  const values = () => page.$$eval('#communes-tableau tbody td[data-layer="noise-lden"]', (tds) => tds.map((td) => (td as HTMLElement).dataset.v ?? null));
  await lden.locator('button').click();
  expect(await lden.getAttribute('aria-sort')).toBe('descending');
  const desc = (await values()).filter((v): v is string => v !== null).map(Number);
  expect(desc.length).toBeGreaterThan(100);
  expect(desc).toEqual([...desc].sort((a, b) => b - a));
  // the keyboard: the header's button, Enter
  await lden.locator('button').focus();
  await page.keyboard.press('Enter');
  expect(await lden.getAttribute('aria-sort')).toBe('ascending');
  const all = await values();
  const asc = all.filter((v): v is string => v !== null).map(Number);
  expect(asc).toEqual([...asc].sort((a, b) => a - b));
  // communes without a value stay last
  expect(all.slice(asc.length).every((v) => v === null)).toBe(true);
  expect(await page.locator('#communes-tableau thead th').first().getAttribute('aria-sort')).toBeNull();
  const byName = page.locator('#communes-tableau thead th').first().locator('button');
  await byName.click();
  const names = (await page.locator('#communes-tableau tbody th').allTextContents()).map(text);
  expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'fr')));
  // extra columns: hidden until asked for
  const extra = page.locator('#communes-tableau thead th.extra').first();
  if ((await page.locator('#communes-tableau thead th.extra').count()) > 0) {
    expect(await extra.isVisible()).toBe(false);
    await page.click('button.more-columns');
    expect(await extra.isVisible()).toBe(true);
    expect(await page.locator('button.more-columns').getAttribute('aria-expanded')).toBe('true');
  }
  await page.close();
}

async function namesOnMap({ open }: BrowserSite): Promise<void> {
  const page = await open('/');
  const labels = (await page.locator('svg#carte g.labels text').allTextContents()).map(text);
  expect(labels).toContain('Paris');
  expect(labels.length).toBeGreaterThan(20);
  // every name sits inside its own commune
  const outside = await page.$$eval('svg#carte g.labels text', (ts) =>
    ts.filter((t) => {
      const path = document.querySelector<SVGPathElement>(`#p-${(t as SVGTextElement).dataset.insee}`);
      const box = (t as SVGTextElement).getBBox();
      const svg = path?.ownerSVGElement;
      // a name without its commune's shape is not inside it
      if (!path || !svg) return true;
      const pt = svg.createSVGPoint();
      pt.x = box.x + box.width / 2;
      pt.y = box.y + box.height / 2;
      return !path.isPointInFill(pt);
    }).map((t) => t.textContent),
  );
  expect(outside).toEqual([]);
  await page.close();
}

async function publicWordsEverywhere({ lake }: BrowserSite): Promise<void> {
  const keys = (await listKeys(lake.store, `${SITE_PREFIX}/`)).map((o) => o.key).filter((k) => k.endsWith('.html'));
  expect(keys.length).toBeGreaterThan(2 * 130);
  const stations = (await lake.lake.all(`SELECT DISTINCT label FROM river_stations WHERE label IS NOT NULL`).catch(() => ({ rows: [] }))).rows.map((r) => String(r.label));
  const found: string[] = [];
  for (const key of keys) {
    const page = key.slice(SITE_PREFIX.length + 1);
    const lang = page.startsWith('en/') ? 'en' : 'fr';
    for (const p of publicWordProblems((await lake.store.get(key)).toString('utf8'), lang, stations)) found.push(`${page}: ${p.what} « ${p.found} » in « ${p.context} »`);
  }
  expect(found.slice(0, 30), `${found.length} problems`).toEqual([]);
}

async function phoneLayouts({ server, browser, problems }: BrowserSite): Promise<void> {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'fr-FR' });
  const wide: string[] = [];
  for (const [name, p] of PHONE_PAGES) {
    const page = await phone.newPage();
    page.on('pageerror', (e) => problems.push(`${p} (phone): ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !(name.includes('not-found') && m.text().includes('status of 404'))) problems.push(`${p} (phone): console: ${m.text()}`);
    });
    await page.goto(new URL(p, server.url).href, { waitUntil: 'load' });
    if (p.includes('/commune/') && !name.includes('not-found')) await page.locator('svg.chart-svg').first().waitFor();
    if (name.endsWith('home')) await page.locator('.map-controls').waitFor();
    const width = await page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth));
    if (width > 390) {
      const culprits = await page.evaluate(() =>
        [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > 391 && !e.closest('.table-wrap, pre'))
          .slice(0, 5)
          .map((e) => `${e.tagName.toLowerCase()}.${e.className}`),
      );
      wide.push(`${p}: ${width} px (${culprits.join(', ')})`);
    }
    if (name === 'commune') {
      const card = page.locator('table.indicators tbody tr').first();
      // the trend and the median are on screen, inside the card, not cut off by a scrolling region
      for (const cell of await card.locator('td').all()) {
        const box = defined(await cell.boundingBox(), 'a key figure cell on screen');
        expect(box.x + box.width).toBeLessThanOrEqual(390);
      }
    }
    if (['home', 'commune', 'en-commune', 'data', 'not-found'].includes(name)) await page.screenshot({ path: path.join(ARTIFACTS, `phone-${name}.png`), fullPage: name !== 'home' && name !== 'data', scale: 'css' });
    await page.close();
  }
  await phone.close();
  expect(wide).toEqual([]);
  // thirteen pages, each waiting for the network to settle: over a minute on the shared 2-core machine
}

async function notFoundAndFavicon({ server, open }: BrowserSite): Promise<void> {
  const fr = await fetch(new URL('/commune/00000/', server.url));
  expect(fr.status).toBe(404);
  const frHtml = await fr.text();
  expect(frHtml).toContain('<html lang="fr">');
  expect(frHtml).toContain('Page introuvable');
  const en = await fetch(new URL('/en/nowhere/', server.url));
  expect(en.status).toBe(404);
  expect(await en.text()).toContain('Page not found');
  const page = await open('/commune/00000/', { missing: true });
  // its links start from the site's root: the stylesheet, the icon and the search work at any depth
  expect(await page.evaluate(() => getComputedStyle(document.querySelector('.site-header') ?? document.body).backgroundColor)).toBe('rgb(11, 58, 92)');
  expect(await page.locator('link[rel="icon"]').getAttribute('href')).toBe('/favicon.svg');
  const icon = await fetch(new URL('/favicon.svg', server.url));
  expect(icon.status).toBe(200);
  expect(icon.headers.get('content-type')).toBe('image/svg+xml');
  await Promise.all([page.waitForURL(/\/communes\/$/), page.click('main a:text-is("liste des communes")')]);
  await page.close();
}

async function metropoleAndEnglishFeeds({ server, open }: BrowserSite): Promise<void> {
  const page = await open('/');
  const read = async (p: string) => {
    const r = await fetch(new URL(p, server.url));
    expect(r.status, p).toBe(200);
    return r.text();
  };
  const atom = await read('/alertes.atom');
  // absolute links from the site's configured URL (OBSERVATORY_SITE_URL), not from where the test serves it
  expect(atomSelf(atom)).toBe(new URL('alertes.atom', DEMO_SITE_URL).href);
  const json = JSON.parse(await read('/alertes.json')) as { feed_url: string; home_page_url: string; language: string; items: { url: string; title: string }[] };
  expect(json.feed_url).toBe(new URL('alertes.json', DEMO_SITE_URL).href);
  expect(json.home_page_url).toBe(DEMO_SITE_URL);
  expect(json.language).toBe('fr');
  const en = JSON.parse(await read('/en/alerts.json')) as typeof json;
  expect(en.language).toBe('en');
  expect(en.feed_url).toBe(new URL('en/alerts.json', DEMO_SITE_URL).href);
  const communeEn = JSON.parse(await read('/en/commune/75056/alerts.json')) as typeof json;
  expect(communeEn.home_page_url).toBe(new URL('en/commune/75056/', DEMO_SITE_URL).href);
  expect(atomSelf(await read('/en/commune/75056/alerts.atom'))).toBe(new URL('en/commune/75056/alerts.atom', DEMO_SITE_URL).href);
  // every item's link opens a page of the site, in the feed's language
  for (const item of [...json.items.slice(0, 3), ...en.items.slice(0, 3), ...communeEn.items.slice(0, 3)]) {
    expect(item.url.startsWith(DEMO_SITE_URL)).toBe(true);
    expect((await fetch(new URL(new URL(item.url).pathname, server.url))).status).toBe(200);
  }
  expect(en.items.every((i) => !/ le | du | au-dessus /.test(i.title))).toBe(true);
  // the home page names the Métropole's feeds, in its language
  expect(await page.locator('link[rel="alternate"][type="application/atom+xml"]').getAttribute('href')).toBe('alertes.atom');
  const enHome = await open('/en/');
  expect(await enHome.locator('link[rel="alternate"][type="application/feed+json"]').getAttribute('href')).toBe('../en/alerts.json');
  await enHome.close();
  await page.close();
}

async function staleHeatForecast({ lake, open }: BrowserSite): Promise<void> {
  const manifest = JSON.parse((await lake.store.get('lake.json')).toString('utf8')) as { demo_clock: string };
  await lake.lake.attach([predictions]);
  const [latest] = (await lake.lake.all(`SELECT max(origin_time) AS origin FROM predictions WHERE model = 'heat'`)).rows;
  // the clock a day past the limit, with no new forecast since
  const later = new Date((latest?.origin as Date).getTime() + (defined(FRESHNESS_HOURS.heat, 'the heat forecast freshness') + 24) * 3_600_000);
  expect(later.getTime()).toBeGreaterThan(Date.parse(manifest.demo_clock));
  await lake.store.put('lake.json', JSON.stringify({ ...manifest, demo_clock: later.toISOString() }), { contentType: 'application/json' });
  expect((await publishSite(lake, { siteUrl: DEMO_SITE_URL })).rendered).toBe(true);
  const page = await open('/commune/93066/');
  const row = page.locator('[data-outlook-panel] tr[data-outlook="heat"]');
  await expect.poll(() => row.getAttribute('data-status')).toBe('stale');
  const cells = (await row.locator('td').allTextContents()).map(text);
  expect(cells.slice(0, 3)).toEqual(['—', '—', '—']);
  expect(cells[3]).toMatch(/^Pas de prévision récente \(la dernière date du /);
  await page.close();
  // Paris's live file, which its arrondissements' pages show too, says the same
  const paris = JSON.parse((await lake.store.get(`${SITE_PREFIX}/data/live/75056.json`)).toString('utf8')) as CommuneLiveJson;
  expect(paris.outlook.items.find((i) => i.id === 'heat')).toMatchObject({ status: 'stale', days: paris.outlook.days.map((day) => ({ day, value: null })) });
}

async function malformedDataFile({ lake, server, context }: BrowserSite): Promise<void> {
  const page = await context.newPage();
  // the live file with a forecast panel that is a number, map.json cut short
  const live = JSON.parse((await lake.store.get(`${SITE_PREFIX}/data/live/75056.json`)).toString('utf8')) as Record<string, unknown>;
  await page.route('**/data/live/75056.json', (r) => r.fulfill({ contentType: 'application/json', body: JSON.stringify({ ...live, panel: 5 }) }));
  await page.route('**/data/map.json', (r) => r.fulfill({ contentType: 'application/json', body: '{"layers": "none"' }));
  await page.goto(new URL('/commune/75056/', server.url).href, { waitUntil: 'networkidle' });
  const panel = page.locator('[data-live-panel] [role="alert"]');
  await expect.poll(async () => text(await panel.textContent())).toContain('Les données data/live/75056.json n’ont pas la forme attendue');
  expect(text(await panel.textContent())).toMatch(/at panel: expected object, found number 5/);
  // the figures written in the page are still there
  expect(await page.locator('main table').count()).toBeGreaterThan(0);
  await page.goto(new URL('/', server.url).href, { waitUntil: 'networkidle' });
  await expect.poll(async () => text(await page.locator('main [role="alert"]').textContent())).toContain('data/map.json');
  expect(text(await page.locator('main [role="alert"]').textContent())).toContain('not JSON');
  await page.close();
}

function noScriptErrors({ problems }: BrowserSite): void {
  expect(problems).toEqual([]);
}

/** axe-core (WCAG 2.0/2.1 A and AA, best practices) on a page, once its script has drawn it */
async function axeClean({ open }: BrowserSite, p: string): Promise<void> {
  const page = await open(p, { missing: p.includes('00000') });
  if (/\/commune\/(?!00000)\d{5}\/$/.test(p)) await page.locator('svg.chart-svg').first().waitFor();
  const violations = await axe(page);
  expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);
  await page.close();
}

describe('the published site in a browser', () => {
  let s: BrowserSite;
  // the real pipeline over the demo lake when this code has not been built yet: minutes when the shared machine is loaded
  beforeAll(async () => {
    s = await BrowserSite.start();
  }, 600_000);
  afterAll(() => s?.close());

  it('draws the 130 communes on the home page, within the first-view budget', () => homeWithinBudget(s));

  it('changes the colours, the legend and the accessible names when another layer is chosen', () => layerChoice(s));

  it('reaches the communes with the keyboard; Enter opens the commune’s page', () => keyboardToCommune(s));

  it('opens a commune’s page on a click', () => clickToCommune(s));

  it('shows the figures the lake holds, and draws the charts', () => figuresOfTheLake(s));

  it('fills the forecast panel and the « data as of » hour from the commune’s live file', () => livePanelAndAsOf(s));

  it('shows « les 3 prochains jours » as the latest heat forecast and the freshness rule say (issue 20)', () => outlookHeat(s));

  it('on the demo lake, every commune page and its live file show fresh forecasts at the demo clock: flood, heat, noise nights (issue 17)', () => freshForecastsEverywhere(s));

  it('gives each arrondissement of Paris its page: its figures from the lake, or plainly no sensor; Paris compares them; the communes’ ranks leave them out (issue 20)', () => arrondissementPages(s));

  it('shows the arrondissements as a sub-layer of Paris on the map: their own values from the lake, in the layer’s classes, each a link to its page (issue 20)', () => arrondissementsOnMap(s));

  it('prints honest periods: the noise period of three communes and an arrondissement is the first and last day with data in the lake; one « données au » per theme on every page (issue 20)', () => honestPeriods(s));

  it('has no map layer with every commune in one class; a layer with one value everywhere is a sentence instead', () => noSingleClassLayer(s));

  it('marks every downloadable file of the demo site as demo (a demo column; Parquet metadata demo=true)', () => demoDownloads(s));

  it('keeps the key figures and the map without JavaScript', () => withoutJavaScript(s));

  it('publishes alert feeds that parse as XML and JSON', () => feedsParse(s));

  describe('finding a commune', () => {
    it('with the keyboard only: Tab to the field, type, arrows, Enter', () => searchByKeyboard(s));

    it('a postcode then Enter opens the first match: 93200 → Saint-Denis', () => searchByPostcode(s));

    it('with the mouse: « Saint-Denis » lists it first, before L’Île-Saint-Denis; a click opens it', () => searchByMouse(s));

    it('on the English site, opens the English page; Escape closes the list', () => searchInEnglish(s));

    it('without JavaScript, the field leads to the list of every commune', () => searchWithoutJavaScript(s));

    it('an arrondissement of Paris: « 11e arrondissement », 75011 and 75111 lead to commune/75111/; « Paris 11e » then Enter opens it', () => searchArrondissement(s));
  });

  it('sorts the communes table by a column, with the mouse and the keyboard; more columns on demand', () => sortTable(s));

  it('writes names on the map where they fit', () => namesOnMap(s));

  it('shows public words only, on every page of the site in both languages', () => publicWordsEverywhere(s));

  describe('on a phone (390 × 844)', () => {
    it('no page scrolls sideways; key figures read as cards', () => phoneLayouts(s), 180_000);
  });

  it('serves its 404 page (French, English under /en/) with the status 404, and a favicon', () => notFoundAndFavicon(s));

  it('publishes Métropole-wide and English feeds with absolute links to the site', () => metropoleAndEnglishFeeds(s));

  for (const [name, p] of [
    ['home (map)', '/'],
    ['commune', '/commune/75056/'],
    ['data', '/donnees/'],
    ['methodology', '/methodologie/'],
    ['home in English', '/en/'],
    ['commune in English', '/en/commune/93066/'],
    ['list of communes', '/communes/'],
    ['404', '/commune/00000/'],
  ] as const) {
    it(`has no axe-core violation: ${name}`, () => axeClean(s, p));
  }

  // last: it moves the demo clock and publishes again
  it('says « pas de prévision récente » once the latest heat forecast is older than its freshness limit (issue 20)', () => staleHeatForecast(s));

  it('says so on the page when a data file does not have the shape the site expects (parsed with the publisher’s schemas)', () => malformedDataFile(s));

  it('logs no script error and no blocked resource (CSP) on the way', () => noScriptErrors(s));
});
