import type { ChartSpec, CommuneJson } from '../../functions/lib/publish/contract.ts';
import { drawChart } from './charts.ts';
import { pageLang } from './lib/format.ts';

// A commune's page carries its figures and data tables already; this script draws the charts from
// data/communes/<insee>.json into the figures' placeholders, and redraws them when the width changes.

const lang = pageLang();
const siteRoot = new URL('../', import.meta.url);

async function main(): Promise<void> {
  const insee = document.querySelector<HTMLElement>('[data-insee]')?.dataset.insee;
  const canvases = [...document.querySelectorAll<HTMLElement>('.chart-canvas[data-chart]')];
  if (!insee || canvases.length === 0) return;
  const response = await fetch(new URL(`data/communes/${insee}.json`, siteRoot));
  if (!response.ok) throw new Error(`commune: data/communes/${insee}.json answered ${response.status}`);
  const data = (await response.json()) as CommuneJson;
  const charts = new Map<string, ChartSpec>(data.sections.flatMap((s) => s.charts.map((c) => [c.id, c] as const)));
  const draw = (el: HTMLElement) => {
    const spec = charts.get(el.dataset.chart!);
    if (spec) drawChart(el, spec, lang, { title: el.dataset.title!, summary: el.dataset.summary! });
  };
  canvases.forEach(draw);
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
  // the figures keep their text alternative and data table
  console.error(e);
});
