import type { ChartSpec } from '../../functions/lib/publish/contract.ts';
import { communeJson, communeLiveJson } from '../../functions/lib/publish/site-data.ts';
import { showAsOf } from './as-of.ts';
import { drawChart } from './charts.ts';
import { fetchData, showDataProblem } from './data.ts';
import { pageLang } from './lib/format.ts';

// A commune's page carries its figures and data tables already; this script fills what changes with
// every run from data/live/<insee>.json (the forecast panel, the « data as of » line; an arrondissement
// of Paris reads Paris's, named by the heading's data-live), then draws the
// charts from data/communes/<insee>.json and the live file into the figures' placeholders, and
// redraws them when the width changes.

const lang = pageLang();

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve));

/** the forecast panel and the data's times; its charts, for drawing */
async function showLive(insee: string): Promise<ChartSpec[]> {
  const live = await fetchData(`data/live/${insee}.json`, communeLiveJson);
  showAsOf(live.as_of_text, lang);
  const panel = document.querySelector<HTMLElement>('[data-live-panel]');
  // the panel is the publisher's own escaped HTML, from this site (connect-src 'self')
  if (panel) panel.innerHTML = live.panel[lang];
  const outlook = document.querySelector<HTMLElement>('[data-outlook-panel]');
  if (outlook) outlook.innerHTML = live.outlook_panel[lang];
  return live.sections.flatMap((s) => s.charts);
}

async function main(): Promise<void> {
  const heading = document.querySelector<HTMLElement>('h1[data-insee]');
  const insee = heading?.dataset.insee;
  if (!insee) return;
  const [liveCharts, data] = await Promise.all([
    showLive(heading.dataset.live ?? insee).catch((e: unknown) => {
      // the panels say what went wrong (or keep their note and their link to the file)
      showDataProblem(e, lang, document.querySelector<HTMLElement>('[data-live-panel]'));
      showDataProblem(e, lang, document.querySelector<HTMLElement>('[data-outlook-panel]'));
      return [] as ChartSpec[];
    }),
    fetchData(`data/communes/${insee}.json`, communeJson),
  ]);
  const canvases = [...document.querySelectorAll<HTMLElement>('.chart-canvas[data-chart]')];
  if (canvases.length === 0) return;
  const charts = new Map<string, ChartSpec>([...data.sections.flatMap((s) => s.charts), ...liveCharts].map((c) => [c.id, c] as const));
  const draw = (el: HTMLElement) => {
    const spec = charts.get(el.dataset.chart ?? '');
    if (spec) drawChart(el, spec, lang, { title: el.dataset.title ?? '', summary: el.dataset.summary ?? '' });
  };
  // one chart per task: the page answers input between them (a dozen charts drawn in one task blocked
  // the main thread for a quarter of a second on Lighthouse's simulated phone)
  for (const c of canvases) {
    draw(c);
    await nextTask();
  }
  const widths = new WeakMap<Element, number>();
  const observer = new ResizeObserver((entries) => {
    for (const e of entries) {
      const w = Math.round(e.contentRect.width);
      if (widths.get(e.target) !== undefined && widths.get(e.target) !== w) draw(e.target as HTMLElement);
      widths.set(e.target, w);
    }
  });
  canvases.forEach((c) => observer.observe(c));
}

main().catch((e: unknown) => {
  // the figures keep their text alternative and data table; a malformed file is said at the top
  showDataProblem(e, lang);
});
