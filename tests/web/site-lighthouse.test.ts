import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveSite, type RunningServer } from '../../functions/local/site-server.ts';
import { Lighthouse } from '../support/lighthouse.ts';
import { demoLake } from './demo-site.ts';

// Lighthouse 12 on Debian's Chromium, desktop and mobile presets, on every page type of the demo site
// (every theme; the build the browser tests read, ./demo-site.ts, published with its public URL as on
// AWS: hreflang and canonical links are absolute): accessibility, best practices and SEO stay at 100. Only those three categories are run
// (one Chromium for all runs, short waits after load: the pages are static); the performance figures
// (mobile and desktop, median of 3) are `npm run bench` figures (BENCH_ONLY=site): a loaded test
// machine would make them flaky here.
// The 404 page is not meant to be indexed (status 404, noindex): SEO is not asked of it.

type Lake = Awaited<ReturnType<typeof demoLake>>;

const PAGES: readonly { name: string; path: string; seo: boolean }[] = [
  { name: 'map (home)', path: '/', seo: true },
  { name: 'commune', path: '/commune/75056/', seo: true },
  { name: 'arrondissement', path: '/commune/75111/', seo: true },
  { name: 'data', path: '/donnees/', seo: true },
  { name: 'methodology', path: '/methodologie/', seo: true },
  { name: 'list of communes', path: '/communes/', seo: true },
  { name: 'commune in English', path: '/en/commune/75056/', seo: true },
  // Lighthouse will not audit a document answered with 404: the same page at its own address
  { name: '404', path: '/404.html', seo: false },
];

describe('Lighthouse on every page type', () => {
  let lake: Lake;
  let server: RunningServer;
  let lighthouse: Lighthouse;

  beforeAll(async () => {
    lake = await demoLake();
    server = await serveSite(lake.store, { port: 0 });
    lighthouse = await Lighthouse.start();
  }, 600_000); // the real pipeline over the demo lake when this code has not been built yet

  afterAll(async () => {
    await lighthouse?.close();
    await server?.close();
    await lake?.cleanup();
  });

  for (const p of PAGES) {
    for (const preset of ['desktop', 'mobile'] as const) {
      it(`${p.name}, ${preset}: accessibility and best practices${p.seo ? ', SEO' : ''} at 100`, async () => {
        const categories = p.seo ? (['accessibility', 'best-practices', 'seo'] as const) : (['accessibility', 'best-practices'] as const);
        const run = await lighthouse.run(new URL(p.path, server.url).href, { preset, categories, quick: true });
        expect(run.failing, JSON.stringify(run.failing)).toEqual([]);
        for (const c of categories) expect(run.scores[c], c).toBe(100);
      }, 240_000);
    }
  }
});
