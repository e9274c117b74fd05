import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page, type Response } from 'playwright-core';

// Headless Chromium for the site's end-to-end tests: launch, axe-core injection, and the bytes a page
// view transfers (each body gzipped here, as CloudFront serves it: the local server does not compress).

export const CHROMIUM = process.env.OBSERVATORY_TEST_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM);
}

export async function launchBrowser(): Promise<Browser> {
  if (!chromiumInstalled()) {
    throw new Error(`Chromium is not at ${CHROMIUM}: install it (as root) with bash scripts/setup-test-env.sh, or set OBSERVATORY_TEST_CHROMIUM`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

const AXE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/axe-core/axe.min.js');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; html: string; failureSummary?: string }[];
}

/** runs axe-core on the page with the WCAG 2.0/2.1 A and AA rules; returns the violations */
export async function axe(page: Page): Promise<AxeViolation[]> {
  // evaluated, not injected as a <script>: the site's CSP rightly refuses inline scripts
  await page.evaluate(await readFile(AXE, 'utf8'));
  return page.evaluate(async () => {
    const w = window as unknown as { axe: { run: (ctx: Document, o: unknown) => Promise<{ violations: AxeViolation[] }> } };
    const r = await w.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, html: n.html.slice(0, 200), failureSummary: n.failureSummary })) }));
  });
}

export interface TransferEntry {
  url: string;
  status: number;
  type: string;
  bytes: number;
  gzipBytes: number;
}

/** records every response of the page from now on; `entries()` once the page has settled */
export function recordTransfers(page: Page): { entries(): Promise<TransferEntry[]> } {
  const pending: Promise<TransferEntry | undefined>[] = [];
  page.on('response', (r: Response) => {
    pending.push(
      r
        .body()
        .then((body) => ({
          url: r.url(),
          status: r.status(),
          type: r.headers()['content-type'] ?? '',
          bytes: body.length,
          gzipBytes: gzipSync(body, { level: 6 }).length,
        }))
        .catch(() => undefined),
    );
  });
  return { entries: async () => (await Promise.all(pending)).filter((e): e is TransferEntry => e !== undefined) };
}
