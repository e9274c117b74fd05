// `npm run bench` entry `site` (BENCH_ONLY=site): the public site measured like the best public sites —
// Lighthouse 12 on Debian's Chromium, on the map (/) and a commune page (/commune/93066/), with the
// mobile (default) and desktop presets, median of 3 runs each; and the first view's weight in gzip.
// Over the default demo lake (what `observatory start` builds), or BENCH_SITE_LAKE=<dir> if given.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Duck } from '../functions/lib/adapters/duckdb.ts';
import { DuckLake } from '../functions/lib/adapters/duck-lake.ts';
import { FsObjectStore } from '../functions/lib/adapters/fs-store.ts';
import { silentLogger } from '../functions/lib/ports/logger.ts';
import { median } from '../functions/lib/publish/sql.ts';
import { runPipeline } from '../functions/lib/stages/pipeline.ts';
import { feedDemo } from '../functions/local/demo-feed.ts';
import { serveSite } from '../functions/local/site-server.ts';
import { launchBrowser, recordTransfers } from '../tests/support/browser.ts';
import { Lighthouse, type Category, type LighthouseRun } from '../tests/support/lighthouse.ts';
import type { Figure } from './bench.ts';

const PAGES = ['/', '/commune/93066/'] as const;
const RUNS = Number(process.env.BENCH_SITE_RUNS ?? 3);
const CATEGORIES: Category[] = ['performance', 'accessibility', 'best-practices', 'seo'];

export async function benchSite(): Promise<Figure[]> {
  const given = process.env.BENCH_SITE_LAKE;
  const dir = given ?? (await mkdtemp(path.join(os.tmpdir(), 'observatory-bench-site-')));
  const store = new FsObjectStore(dir);
  const out: Figure[] = [];
  try {
    if (!given) {
      const duck = await Duck.open({ threads: 2 });
      const ctx = { store, lake: new DuckLake(duck, store), logger: silentLogger, now: () => new Date() };
      await feedDemo(ctx);
      await runPipeline(ctx);
      await duck.close();
    }
    const server = await serveSite(store, { port: 0 });
    try {
      out.push(...(await firstView(server.url)));
      const lh = await Lighthouse.start();
      try {
        for (const preset of ['mobile', 'desktop'] as const) {
          for (const p of PAGES) {
            const runs: LighthouseRun[] = [];
            for (let i = 0; i < RUNS; i++) runs.push(await lh.run(new URL(p, server.url).href, { preset, categories: CATEGORIES }));
            const m = (f: (r: LighthouseRun) => number | undefined) => median(runs.map(f).filter((v): v is number => v !== undefined))!;
            const note = `median of ${RUNS}; runs ${runs.map((r) => r.scores.performance).join('/')}`;
            out.push({ name: `site ${p} ${preset}: Lighthouse performance`, value: m((r) => r.scores.performance), unit: 'score', note: `${note}; target ≥ 98 on mobile` });
            out.push({ name: `site ${p} ${preset}: largest contentful paint`, value: m((r) => r.metrics.lcpMs) / 1000, unit: 's', note: 'target ≤ 1.5 s on mobile (simulated slow 4G)' });
            out.push({ name: `site ${p} ${preset}: total blocking time`, value: m((r) => r.metrics.tbtMs), unit: 'ms' });
            for (const c of ['accessibility', 'best-practices', 'seo'] as const) {
              const failing = [...new Set(runs.flatMap((r) => r.failing.filter((f) => f.category === c).map((f) => f.id)))];
              out.push({ name: `site ${p} ${preset}: Lighthouse ${c}`, value: m((r) => r.scores[c]), unit: 'score', note: failing.length ? `below 1: ${failing.join(', ')}` : undefined });
            }
          }
        }
      } finally {
        await lh.close();
      }
    } finally {
      await server.close();
    }
  } finally {
    if (!given) await rm(dir, { recursive: true, force: true });
  }
  return out;
}

/** what the map's first view transfers, each body gzipped as CloudFront serves it */
async function firstView(url: string): Promise<Figure[]> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    const transfers = recordTransfers(page);
    await page.goto(url, { waitUntil: 'networkidle' });
    const entries = await transfers.entries();
    const gzip = entries.reduce((t, e) => t + e.gzipBytes, 0);
    const raw = entries.reduce((t, e) => t + e.bytes, 0);
    return [{ name: 'site /: first view (HTML, CSS, scripts, map.json)', value: gzip / 1024, unit: 'KB gzip', note: `${entries.length} requests, ${(raw / 1024).toFixed(0)} KB raw; budget 300 KB` }];
  } finally {
    await browser.close();
  }
}
