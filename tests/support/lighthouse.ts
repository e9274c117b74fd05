import { launch, type LaunchedChrome } from 'chrome-launcher';
import lighthouse, { type Flags } from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import { CHROMIUM, CHROMIUM_ARGS } from './browser.ts';

// Lighthouse 12 (npm) against Debian's Chromium, as the best public sites are measured: scores per
// category (0–100) and the failing audits of each, with the desktop or the default (mobile) preset.

export type Category = 'performance' | 'accessibility' | 'best-practices' | 'seo';

export interface LighthouseRun {
  readonly url: string;
  readonly scores: Readonly<Partial<Record<Category, number>>>;
  /** audits below a full score in the categories run, with their title */
  readonly failing: readonly { readonly category: Category; readonly id: string; readonly title: string; readonly score: number | null }[];
  readonly metrics: { readonly lcpMs?: number; readonly fcpMs?: number; readonly tbtMs?: number; readonly cls?: number };
}

export class Lighthouse {
  private constructor(private readonly chrome: LaunchedChrome) {}

  static async start(): Promise<Lighthouse> {
    const flags = CHROMIUM_ARGS.filter((a) => a !== '--headless');
    const chrome = await launch({ chromePath: CHROMIUM, chromeFlags: ['--headless=new', ...flags], logLevel: 'error' });
    return new Lighthouse(chrome);
  }

  async run(url: string, options: { preset: 'desktop' | 'mobile'; categories: readonly Category[] }): Promise<LighthouseRun> {
    const flags: Flags = { port: this.chrome.port, output: 'json', logLevel: 'error', onlyCategories: [...options.categories] };
    const result = await lighthouse(url, flags, options.preset === 'desktop' ? desktopConfig : undefined);
    if (!result) throw new Error(`lighthouse: no result for ${url}`);
    const lhr = result.lhr;
    if (lhr.runtimeError) throw new Error(`lighthouse: ${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
    const scores: Partial<Record<Category, number>> = {};
    const failing: { category: Category; id: string; title: string; score: number | null }[] = [];
    for (const c of options.categories) {
      const cat = lhr.categories[c];
      if (!cat) continue;
      scores[c] = Math.round((cat.score ?? 0) * 100);
      for (const ref of cat.auditRefs) {
        const a = lhr.audits[ref.id];
        if (a && ref.weight > 0 && a.score !== null && a.score < 1) failing.push({ category: c, id: a.id, title: a.title, score: a.score });
      }
    }
    const metric = (id: string) => lhr.audits[id]?.numericValue;
    return {
      url,
      scores,
      failing,
      metrics: { lcpMs: metric('largest-contentful-paint'), fcpMs: metric('first-contentful-paint'), tbtMs: metric('total-blocking-time'), cls: metric('cumulative-layout-shift') },
    };
  }

  close(): Promise<void> {
    this.chrome.kill();
    return Promise.resolve();
  }
}
