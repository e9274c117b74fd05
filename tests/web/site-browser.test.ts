import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedDemo } from '../../functions/local/demo-feed.ts';
import { serveSite, type RunningServer } from '../../functions/local/site-server.ts';
import { formatNumber } from '../../functions/lib/publish/i18n.ts';
import { runPipeline } from '../../functions/lib/stages/pipeline.ts';
import { axe, launchBrowser, recordTransfers, type TransferEntry } from '../support/browser.ts';
import { tempLake } from '../support/lake.ts';

// The published site in headless Chromium, over a small demo lake built by the real pipeline: the
// map, the layer choice, keyboard and pointer navigation, the figures against the lake, axe-core on
// every page type, the first view's weight, and screenshots in test-artifacts/.

const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-artifacts');
/** first view of the map (HTML, JS, CSS, geometry, data), gzip-compressed */
const BUDGET_BYTES = 300 * 1024;

type Lake = Awaited<ReturnType<typeof tempLake>>;

let lake: Lake;
let server: RunningServer;
let browser: Browser;
let context: BrowserContext;
const problems: string[] = [];

async function open(p: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`${p}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${p}: console ${m.type()}: ${m.text()}`);
  });
  await page.goto(new URL(p, server.url).href, { waitUntil: 'networkidle' });
  return page;
}

const text = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

describe('the published site in a browser', () => {
  beforeAll(async () => {
    // after the demo clock (2026-06-30): readings later than the clock would be in the future
    lake = await tempLake({ now: new Date('2026-07-01T12:00:00Z') });
    await feedDemo(lake, { days: 3, sensorsPerCommune: 1 });
    await runPipeline(lake);
    server = await serveSite(lake.store, { port: 0 });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
    await mkdir(ARTIFACTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await lake?.cleanup();
  });

  it('draws the 130 communes on the home page, within the first-view budget', async () => {
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
    console.log(`first view: ${entries.length} requests, ${(raw / 1024).toFixed(1)} KB raw, ${(gzip / 1024).toFixed(1)} KB gzip (budget ${BUDGET_BYTES / 1024} KB)`);
    expect(entries.every((e) => e.status === 200)).toBe(true);
    expect(gzip).toBeLessThanOrEqual(BUDGET_BYTES);
    await page.screenshot({ path: path.join(ARTIFACTS, 'map.png') });
    await page.close();
  });

  it('changes the colours, the legend and the accessible names when another layer is chosen', async () => {
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
  });

  it('reaches the communes with the keyboard; Enter opens the commune’s page', async () => {
    const page = await open('/');
    let focused = '';
    for (let i = 0; i < 60 && !focused; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => (document.activeElement?.matches('a.commune') ? (document.activeElement as HTMLElement).dataset.insee! : ''));
    }
    expect(focused).toMatch(/^\d{5}$/);
    expect(await page.locator('.map-wrap .tooltip').isVisible()).toBe(true);
    await Promise.all([page.waitForURL(new RegExp(`/commune/${focused}/$`)), page.keyboard.press('Enter')]);
    expect(await page.locator('h1').getAttribute('data-insee')).toBe(focused);
    await page.close();
  });

  it('opens a commune’s page on a click', async () => {
    const page = await open('/');
    await Promise.all([page.waitForURL(/\/commune\/93066\/$/), page.click('a.commune[data-insee="93066"] path', { force: true })]);
    expect(text(await page.locator('h1').textContent())).toContain('Saint-Denis');
    await page.close();
  });

  it('shows the figures the lake holds, and draws the charts', async () => {
    const q = async (sql: string) => (await lake.lake.all(sql)).rows[0]!;
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
    const home = await open('/');
    expect(await home.locator('a.commune[data-insee="75056"]').getAttribute('aria-label')).toBe(`Paris : Lden ${formatNumber('fr', Number(expected.lden), 1)} dB(A)`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'commune-75056.png'), fullPage: true });
    await page.close();
    await home.close();
  });

  it('keeps the key figures and the map without JavaScript', async () => {
    const noJs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const page = await noJs.newPage();
    await page.goto(new URL('/commune/75056/', server.url).href);
    expect(text(await page.locator('tr[data-indicator="noise-lden"] td.value').textContent())).toMatch(/^\d+,\d dB\(A\)$/);
    expect(await page.locator('.demo-banner').textContent()).toContain('simulées, ce ne sont pas des mesures');
    await page.goto(server.url);
    expect(await page.locator('svg#carte a.commune path').count()).toBe(130);
    expect(await page.locator('.map-controls').isVisible()).toBe(false);
    await noJs.close();
  });

  it('publishes alert feeds that parse as XML and JSON', async () => {
    const page = await open('/commune/75056/');
    const result = await page.evaluate(async () => {
      const atom = await (await fetch('alertes.atom')).text();
      const doc = new DOMParser().parseFromString(atom, 'application/xml');
      const json = await (await fetch('alertes.json')).json();
      return { error: doc.querySelector('parsererror')?.textContent ?? null, root: doc.documentElement.namespaceURI, entries: doc.querySelectorAll('entry').length, items: json.items.length };
    });
    expect(result.error).toBeNull();
    expect(result.root).toBe('http://www.w3.org/2005/Atom');
    expect(result.entries).toBe(result.items);
    await page.close();
  });

  for (const [name, p] of [
    ['home (map)', '/'],
    ['commune', '/commune/75056/'],
    ['data', '/donnees/'],
    ['methodology', '/methodologie/'],
    ['home in English', '/en/'],
    ['commune in English', '/en/commune/93066/'],
  ] as const) {
    it(`has no axe-core violation: ${name}`, async () => {
      const page = await open(p);
      if (p.includes('commune')) await page.locator('svg.chart-svg').first().waitFor();
      const violations = await axe(page);
      expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);
      await page.close();
    });
  }

  it('logs no script error and no blocked resource (CSP) on the way', () => {
    expect(problems).toEqual([]);
  });
});
