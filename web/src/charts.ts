import { axisBottom, axisLeft } from 'd3-axis';
import { scaleLinear, scaleUtc, type ScaleLinear, type ScaleTime } from 'd3-scale';
import { select } from 'd3-selection';
import { area, curveLinear, curveStep, line, symbol, symbolCircle, symbolDiamond, symbolSquare, symbolTriangle } from 'd3-shape';
import type { ChartSpec } from '../../functions/lib/publish/contract.ts';
import { formatDayLong, formatDayShort, formatInstantShort, formatNumber, type Lang, unitIn, valueText } from './lib/format.ts';
import { lineRuns, nearestIndex, paddedDomain, spreadLabels, xValues, yExtent } from './lib/scales.ts';

// Line charts drawn from a ChartSpec of data/communes/<insee>.json: series (gaps where a value is
// missing), uncertainty bands, reference values as labelled lines. The figure already holds the text
// alternative and the data table; the SVG is labelled by them.

// Okabe–Ito hues darkened to reach 3:1 against white, and a marker shape each: colour is never alone
const COLORS = ['#0072b2', '#c4520a', '#007a5a', '#7b3294'];
const SYMBOLS = [symbolCircle, symbolSquare, symbolTriangle, symbolDiamond];
const THRESHOLD = { who: { color: '#3d3d3d', dash: '6 4' }, fr: { color: '#8a1c1c', dash: '2 3' }, ref: { color: '#1f4e79', dash: '8 3 2 3' } };

const HEIGHT = 300;
const sep = (lang: Lang) => (lang === 'fr' ? ' : ' : ': ');
const decimalsOf = (step: number) => (String(+step.toPrecision(6)).split('.')[1] ?? '').length;
/** the tick spacing d3 will choose over a domain, for the tick labels' decimals */
const niceTick = (a: number, b: number) => {
  const t = scaleLinear().domain([a, b]).ticks(6);
  return t.length > 1 ? at(t, 1) - at(t, 0) : 1;
};
const MARGIN = { top: 26, right: 150, bottom: 34, left: 46 };

type X = ScaleTime<number, number> | ScaleLinear<number, number>;

/** a chart's frame: its size, its margins, and the scales from the spec's values to the plot */
interface Frame extends Geometry {
  x: X;
  y: ScaleLinear<number, number>;
  narrow: boolean;
  runs: (defined: (i: number) => boolean) => number[][];
}
type G = ReturnType<typeof select<SVGGElement, unknown>>;

const colorOf = (k: number): string => COLORS[k % COLORS.length] ?? '#0072b2';
/** a value the runs only take where it is defined */
const at = (values: readonly (number | null | undefined)[], i: number): number => values[i] ?? NaN;

export function drawChart(container: HTMLElement, spec: ChartSpec, lang: Lang, ids: { title: string; summary: string }): void {
  const extent = yExtent(spec);
  container.replaceChildren();
  if (!extent) return;
  const f = frame(container, spec, extent);

  container.append(legend(spec, lang));
  const svg = select(container)
    .append('svg')
    .attr('viewBox', `0 0 ${f.width} ${HEIGHT}`)
    .attr('width', '100%')
    .attr('role', 'img')
    .attr('aria-labelledby', `${ids.title} ${ids.summary}`)
    .attr('class', 'chart-svg');
  const g = svg.append('g').attr('transform', `translate(${f.margin.left},${f.margin.top})`);

  drawAxes(g, spec, lang, f);
  drawBands(g, spec, f);
  drawThresholds(g, spec, lang, f);
  drawSeries(g, spec, f);

  hover(container, g, spec, lang, { xs: f.xs, px: f.px, innerW: f.innerW, innerH: f.innerH, margin: f.margin, width: f.width });
}

function frame(container: HTMLElement, spec: ChartSpec, extent: [number, number]): Frame {
  const width = Math.max(320, Math.round(container.clientWidth || 640));
  const narrow = width < 520;
  const margin = { ...MARGIN, right: narrow ? 92 : MARGIN.right };
  const innerW = width - margin.left - margin.right;
  const innerH = HEIGHT - margin.top - margin.bottom;

  const xs = xValues(spec);
  const first = +(xs[0] ?? NaN);
  const x: X =
    spec.x.kind === 'hour'
      ? scaleLinear().domain([0, 23]).range([0, innerW])
      : scaleUtc()
          .domain(xs.length > 1 ? [xs[0] as Date, xs[xs.length - 1] as Date] : [new Date(first - 43_200_000), new Date(first + 43_200_000)])
          .range([0, innerW]);
  const y = scaleLinear()
    .domain(spec.y.domain ? [...spec.y.domain] : paddedDomain(extent))
    .range([innerH, 0]);
  const xNumbers = xs.map((v) => +v);
  const runs = (defined: (i: number) => boolean) => lineRuns(xNumbers, xs.map((_, i) => defined(i)), spec.x.kind === 'hour' ? Infinity : 3);
  const px = (i: number) => (x as (v: Date | number) => number)(xs[i] ?? NaN);
  return { xs, px, innerW, innerH, margin, width, x, y, narrow, runs };
}

function drawAxes(g: G, spec: ChartSpec, lang: Lang, { x, y, xs, innerW, innerH, margin }: Frame): void {
  const [y0, y1] = y.domain() as [number, number];
  const integerTicks = spec.y.decimals === 0 && y1 - y0 <= 10;
  const xTicks = spec.x.kind === 'hour' ? [0, 3, 6, 9, 12, 15, 18, 21] : Math.max(2, Math.floor(innerW / 90));
  const xAxis =
    spec.x.kind === 'hour'
      ? axisBottom(x as ScaleLinear<number, number>)
          .tickValues(xTicks as number[])
          .tickFormat((h) => `${h.valueOf()} h`)
      : axisBottom(x as ScaleTime<number, number>)
          .ticks(xTicks as number)
          // instants over more than a few days read as days
          .tickFormat((d) => (spec.x.kind === 'day' || +(xs[xs.length - 1] ?? NaN) - +(xs[0] ?? NaN) > 3 * 86_400_000 ? formatDayShort(lang, d as Date) : formatInstantShort(lang, d as Date)));
  g.append('g').attr('class', 'axis axis-x').attr('transform', `translate(0,${innerH})`).call(xAxis);
  g.append('g')
    .attr('class', 'axis axis-y')
    .call(
      (integerTicks
        ? axisLeft(y).tickValues(Array.from({ length: Math.floor(y1) - Math.ceil(y0) + 1 }, (_, i) => Math.ceil(y0) + i))
        : axisLeft(y).ticks(6)
      )
        .tickSize(-innerW)
        .tickFormat((v) => formatNumber(lang, +v, integerTicks ? 0 : decimalsOf(niceTick(y0, y1)))),
    )
    .call((a) => a.select('.domain').remove());
  g.append('text').attr('class', 'axis-unit').attr('x', -margin.left + 2).attr('y', -14).text(unitIn(lang, spec.y.unit));
}

/** the uncertainty bands, one area per run of defined bounds */
function drawBands(g: G, spec: ChartSpec, { px, y, runs }: Frame): void {
  for (const [k, b] of (spec.bands ?? []).entries()) {
    const band = area<number>()
      .x(px)
      .y0((i) => y(at(b.lower, i)))
      .y1((i) => y(at(b.upper, i)));
    for (const run of runs((i) => b.lower[i] != null && b.upper[i] != null)) {
      g.append('path').attr('class', 'band').attr('fill', colorOf(k)).attr('fill-opacity', 0.18).attr('d', band(run.length > 1 ? run : [at(run, 0), at(run, 0)]));
    }
  }
}

/** the reference values: a line each, labelled at the right without overlapping */
function drawThresholds(g: G, spec: ChartSpec, lang: Lang, { y, innerW, innerH, narrow }: Frame): void {
  const thresholds = spec.thresholds ?? [];
  const labelY = spreadLabels(
    thresholds.map((t) => y(t.value)),
    12,
    0,
    innerH,
  );
  thresholds.forEach((t, i) => {
    const style = THRESHOLD[t.kind];
    g.append('line').attr('class', `threshold threshold-${t.kind}`).attr('x1', 0).attr('x2', innerW).attr('y1', y(t.value)).attr('y2', y(t.value)).attr('stroke', style.color).attr('stroke-dasharray', style.dash);
    g.append('text')
      .attr('class', 'threshold-label')
      .attr('x', innerW + 6)
      .attr('y', at(labelY, i) + 4)
      .attr('fill', style.color)
      .text(narrow ? formatNumber(lang, t.value, 0) : t.label[lang]);
  });
}

/** the series: lines with gaps where a value is missing, and a marker per value when they are few */
function drawSeries(g: G, spec: ChartSpec, { xs, px, y, runs }: Frame): void {
  spec.series.forEach((s, k) => {
    const color = colorOf(k);
    const path = line<number>()
      .curve(spec.step ? curveStep : curveLinear)
      .x(px)
      .y((i) => y(at(s.values, i)));
    const series = g.append('g').attr('class', 'series-runs');
    for (const run of runs((i) => s.values[i] != null)) {
      if (run.length > 1) series.append('path').attr('class', 'series').attr('fill', 'none').attr('stroke', color).attr('stroke-width', 2).attr('d', path(run));
    }
    const marks = xs.map((_, i) => i).filter((i) => s.values[i] != null);
    if (marks.length <= 120) {
      g.append('g')
        .attr('class', 'marks')
        .selectAll('path')
        .data(marks)
        .join('path')
        .attr('transform', (i) => `translate(${px(i)},${y(at(s.values, i))})`)
        .attr('d', symbol(SYMBOLS[k % SYMBOLS.length], 28)())
        .attr('fill', color);
    }
  });
}

function legend(spec: ChartSpec, lang: Lang): HTMLElement {
  const ul = document.createElement('ul');
  ul.className = 'chart-legend';
  ul.setAttribute('aria-hidden', 'true');
  const item = (svg: string, label: string) => {
    const li = document.createElement('li');
    li.innerHTML = `<svg width="30" height="14" viewBox="0 0 30 14">${svg}</svg>`;
    li.append(document.createTextNode(label));
    ul.append(li);
  };
  spec.series.forEach((s, k) => {
    const c = colorOf(k);
    item(`<line x1="0" x2="30" y1="7" y2="7" stroke="${c}" stroke-width="2"/><path transform="translate(15,7)" d="${symbol(SYMBOLS[k % SYMBOLS.length], 28)()}" fill="${c}"/>`, s.label[lang]);
  });
  (spec.bands ?? []).forEach((b, k) => item(`<rect width="30" height="14" fill="${COLORS[k % COLORS.length]}" fill-opacity="0.18"/>`, b.label[lang]));
  const kinds = [...new Set((spec.thresholds ?? []).map((t) => t.kind))];
  const names: Record<string, Record<Lang, string>> = {
    who: { fr: 'Recommandation OMS', en: 'WHO guideline' },
    fr: { fr: 'Valeur limite française', en: 'French limit value' },
    ref: { fr: 'Référence', en: 'Reference' },
  };
  for (const k of kinds) item(`<line x1="0" x2="30" y1="7" y2="7" stroke="${THRESHOLD[k].color}" stroke-width="1.5" stroke-dasharray="${THRESHOLD[k].dash}"/>`, (names[k] ?? { fr: k, en: k })[lang]);
  return ul;
}

interface Geometry {
  xs: (Date | number)[];
  px: (i: number) => number;
  innerW: number;
  innerH: number;
  margin: typeof MARGIN;
  width: number;
}

function hover(container: HTMLElement, g: ReturnType<typeof select<SVGGElement, unknown>>, spec: ChartSpec, lang: Lang, geo: Geometry): void {
  const rule = g.append('line').attr('class', 'hover-rule').attr('y1', 0).attr('y2', geo.innerH).attr('visibility', 'hidden');
  const tip = document.createElement('div');
  tip.className = 'chart-tip';
  tip.hidden = true;
  tip.setAttribute('aria-hidden', 'true');
  container.append(tip);
  const xLabel = (i: number) => {
    const v = geo.xs[i] ?? NaN;
    if (spec.x.kind === 'hour') return `${v.valueOf()} h`;
    return spec.x.kind === 'day' ? formatDayLong(lang, v as Date) : formatInstantShort(lang, v as Date);
  };
  g.append('rect')
    .attr('class', 'hover-target')
    .attr('width', geo.innerW)
    .attr('height', geo.innerH)
    .attr('fill', 'transparent')
    .on('pointermove', (event: PointerEvent) => {
      const svg = container.querySelector('svg');
      if (!svg) return;
      const box = svg.getBoundingClientRect();
      const scale = geo.width / box.width;
      const xIn = (event.clientX - box.left) * scale - geo.margin.left;
      const positions = geo.xs.map((_, i) => geo.px(i));
      const i = nearestIndex(positions, xIn);
      if (i < 0) return;
      rule.attr('x1', at(positions, i)).attr('x2', at(positions, i)).attr('visibility', 'visible');
      tip.replaceChildren();
      const head = document.createElement('strong');
      head.textContent = xLabel(i);
      tip.append(head);
      for (const s of spec.series) {
        const row = document.createElement('div');
        row.textContent = `${s.label[lang]}${sep(lang)}${valueText(lang, s.values[i], spec.y.decimals, spec.y.unit)}`;
        tip.append(row);
      }
      for (const b of spec.bands ?? []) {
        const row = document.createElement('div');
        row.textContent = `${b.label[lang]}${sep(lang)}${valueText(lang, b.lower[i], spec.y.decimals, '')} – ${valueText(lang, b.upper[i], spec.y.decimals, spec.y.unit)}`;
        tip.append(row);
      }
      tip.hidden = false;
      const left = (at(positions, i) + geo.margin.left) / scale;
      tip.style.left = `${Math.min(left + 12, box.width - tip.offsetWidth - 4)}px`;
      tip.style.top = `${(geo.margin.top + 8) / scale + (container.querySelector('.chart-legend')?.clientHeight ?? 0)}px`;
    })
    .on('pointerleave', () => {
      rule.attr('visibility', 'hidden');
      tip.hidden = true;
    });
}
