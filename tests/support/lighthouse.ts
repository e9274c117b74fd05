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

type Config = NonNullable<Parameters<typeof lighthouse>[2]>;

const QUICK = { pauseAfterFcpMs: 250, pauseAfterLoadMs: 250, networkQuietThresholdMs: 250, cpuQuietThresholdMs: 250, disableFullPageScreenshot: true } as const;

/** Lighthouse's desktop preset or its default (mobile) one, with shorter waits when quick */
function presetConfig(preset: 'desktop' | 'mobile', quick: boolean): Config | undefined {
  if (preset === 'desktop') return quick ? { ...desktopConfig, settings: { ...desktopConfig.settings, ...QUICK } } : desktopConfig;
  return quick ? { extends: 'lighthouse:default', settings: QUICK } : undefined;
}

export class Lighthouse {
  private constructor(private readonly chrome: LaunchedChrome) {}

  static async start(): Promise<Lighthouse> {
    const flags = CHROMIUM_ARGS.filter((a) => a !== '--headless');
    const chrome = await launch({ chromePath: CHROMIUM, chromeFlags: ['--headless=new', ...flags], logLevel: 'error' });
    return new Lighthouse(chrome);
  }

  /**
   * @param options.quick shorter waits after load (250 ms of network and CPU quiet instead of 1 s) and no
   *   full-page screenshot: for the accessibility, best-practices and SEO audits of a static page, never
   *   for performance figures
   */
  async run(url: string, options: { preset: 'desktop' | 'mobile'; categories: readonly Category[]; quick?: boolean }): Promise<LighthouseRun> {
    const flags: Flags = { port: this.chrome.port, output: 'json', logLevel: 'error', onlyCategories: [...options.categories] };
    const result = await lighthouse(url, flags, presetConfig(options.preset, options.quick ?? false));
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
