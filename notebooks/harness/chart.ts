import { cellText, jsonValue } from '../../functions/cli/format.ts';
import { format, line, scaleBand, scaleLinear, scaleOrdinal, scaleUtc, schemeTableau10, type ScaleLinear, type ScaleTime } from 'd3';

/** a category or series name as the chart prints it: dates as ISO text, a missing one as a dash */
const labelOf = (v: unknown): string => cellText(jsonValue(v) ?? '—');

// Charts as SVG text, drawn with d3's scales and shape generators (no DOM): deterministic for the same
// data, so an executed notebook changes only when its data does.

export interface ChartRule {
  /** a value on the value axis, e.g. 45 dB(A) or the 1910 stage */
  readonly value: number;
  readonly label: string;
}

export interface ChartSpec {
  /** bar: one horizontal bar per row (x = category, y = value); line: y against x (dates or numbers) */
  readonly type: 'bar' | 'line';
  readonly title: string;
  readonly data: readonly Record<string, unknown>[];
  readonly x: string;
  readonly y: string;
  /** line charts: one line per value of this column */
  readonly series?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** reference lines across the value axis */
  readonly rules?: readonly ChartRule[];
  /** line charts: start the value axis at 0 (bar charts always do) */
  readonly zero?: boolean;
  readonly width?: number;
  /** line charts; a bar chart's height follows its number of bars */
  readonly height?: number;
}

const MARGIN = { top: 36, right: 24, bottom: 44, left: 64 };
const BAR_HEIGHT = 18;
const LEGEND_HEIGHT = 22;

const px = (n: number) => String(Math.round(n * 10) / 10);

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function asNumber(v: unknown): number | undefined {
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function asDate(v: unknown): Date | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v;
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v)) {
    const d = new Date(v.length === 10 ? `${v}T00:00:00Z` : v);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

function frame(spec: ChartSpec, width: number, height: number, body: string[]): string {
  const id = 'chart-' + spec.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}" font-family="sans-serif" font-size="11">`,
    `<title id="${id}">${escapeXml(spec.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${MARGIN.left}" y="20" font-size="13" font-weight="bold">${escapeXml(spec.title)}</text>`,
    ...body,
    '</svg>',
  ].join('\n');
}

function yAxis(scale: ScaleLinear<number, number>, plotWidth: number, label: string): string[] {
  const tickFormat = scale.tickFormat(6);
  const [bottom, top] = scale.range() as [number, number];
  return [
    ...scale.ticks(6).map((t) => {
      const p = px(scale(t));
      return `<line x1="${MARGIN.left}" x2="${px(MARGIN.left + plotWidth)}" y1="${p}" y2="${p}" stroke="#e5e5e5"/><text x="${MARGIN.left - 6}" y="${p}" dy="0.32em" text-anchor="end">${tickFormat(t)}</text>`;
    }),
    `<text transform="translate(14,${px((top + bottom) / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(label)}</text>`,
  ];
}

function rules(spec: ChartSpec, scale: ScaleLinear<number, number>, orientation: 'horizontal' | 'vertical', from: number, to: number): string[] {
  return (spec.rules ?? []).map((r) => {
    const p = px(scale(r.value));
    return orientation === 'horizontal'
      ? `<line x1="${px(from)}" x2="${px(to)}" y1="${p}" y2="${p}" stroke="#c0392b" stroke-dasharray="4 3"/><text x="${px(to)}" y="${p}" dy="-4" text-anchor="end" fill="#c0392b">${escapeXml(r.label)}</text>`
      : `<line x1="${p}" x2="${p}" y1="${px(from)}" y2="${px(to)}" stroke="#c0392b" stroke-dasharray="4 3"/><text x="${p}" y="${px(from)}" dy="-4" dx="3" fill="#c0392b">${escapeXml(r.label)}</text>`;
  });
}

const noData = (x: number, y: number) => `<text x="${px(x)}" y="${px(y)}" text-anchor="middle" fill="#777">No data for this chart in this lake</text>`;

function barChart(spec: ChartSpec): string {
  const rows = spec.data.flatMap((d) => {
    const v = asNumber(d[spec.y]);
    return v === undefined ? [] : [{ label: labelOf(d[spec.x]), value: v }];
  });
  const width = spec.width ?? 720;
  const left = Math.min(220, 12 + 6.2 * Math.max(8, ...rows.map((r) => r.label.length)));
  const plotHeight = Math.max(60, rows.length * (BAR_HEIGHT + 4));
  const height = MARGIN.top + plotHeight + MARGIN.bottom;
  const values = [0, ...rows.map((r) => r.value), ...(spec.rules ?? []).map((r) => r.value)];
  const x = scaleLinear().domain([Math.min(...values), Math.max(...values)]).nice().range([left, width - MARGIN.right]);
  const y = scaleBand().domain(rows.map((r, i) => `${i}`)).range([MARGIN.top, MARGIN.top + plotHeight]).padding(0.15);
  const body: string[] = [];
  for (const t of x.ticks(6)) {
    body.push(`<line x1="${px(x(t))}" x2="${px(x(t))}" y1="${MARGIN.top}" y2="${px(MARGIN.top + plotHeight)}" stroke="#e5e5e5"/>`);
    body.push(`<text x="${px(x(t))}" y="${px(MARGIN.top + plotHeight + 14)}" text-anchor="middle">${x.tickFormat(6)(t)}</text>`);
  }
  body.push(`<text x="${px((left + width - MARGIN.right) / 2)}" y="${px(MARGIN.top + plotHeight + 32)}" text-anchor="middle">${escapeXml(spec.yLabel ?? spec.y)}</text>`);
  const label = format(',.4~r');
  rows.forEach((r, i) => {
    const top = y(`${i}`)!;
    const x0 = x(Math.min(0, r.value));
    body.push(`<rect x="${px(x0)}" y="${px(top)}" width="${px(Math.abs(x(r.value) - x(0)))}" height="${px(y.bandwidth())}" fill="${schemeTableau10[0]}"><title>${escapeXml(`${r.label}: ${label(r.value)}`)}</title></rect>`);
    body.push(`<text x="${px(left - 6)}" y="${px(top + y.bandwidth() / 2)}" dy="0.32em" text-anchor="end">${escapeXml(r.label)}</text>`);
    body.push(`<text x="${px(x(r.value) + 4)}" y="${px(top + y.bandwidth() / 2)}" dy="0.32em" fill="#333">${label(r.value)}</text>`);
  });
  body.push(...rules(spec, x, 'vertical', MARGIN.top, MARGIN.top + plotHeight));
  if (!rows.length) body.push(noData((left + width) / 2, MARGIN.top + plotHeight / 2));
  return frame(spec, width, height, body);
}

function lineChart(spec: ChartSpec): string {
  const width = spec.width ?? 720;
  const legend = spec.series ? LEGEND_HEIGHT : 0;
  const height = (spec.height ?? 360) + legend;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - legend - MARGIN.top - MARGIN.bottom;
  const dates = spec.data.length > 0 && spec.data.every((d) => asDate(d[spec.x]) !== undefined);
  const points = spec.data.flatMap((d) => {
    const xv = dates ? asDate(d[spec.x])!.getTime() : asNumber(d[spec.x]);
    const yv = asNumber(d[spec.y]);
    return xv === undefined || yv === undefined ? [] : [{ x: xv, y: yv, series: spec.series ? labelOf(d[spec.series]) : '' }];
  });
  const ys = [...points.map((p) => p.y), ...(spec.rules ?? []).map((r) => r.value), ...(spec.zero ? [0] : [])];
  const y = scaleLinear()
    .domain(ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1])
    .nice()
    .range([MARGIN.top + plotHeight, MARGIN.top]);
  const xs = points.map((p) => p.x);
  const xDomain: [number, number] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  const range: [number, number] = [MARGIN.left, MARGIN.left + plotWidth];
  const x: ScaleTime<number, number> | ScaleLinear<number, number> = dates ? scaleUtc().domain(xDomain).range(range) : scaleLinear().domain(xDomain).nice().range(range);
  const body = yAxis(y, plotWidth, spec.yLabel ?? spec.y);
  const bottom = MARGIN.top + plotHeight;
  // whole numbers such as years print without a thousands separator
  const xTickFormat = !dates && xs.every(Number.isInteger) ? format('d') : x.tickFormat(6);
  for (const t of (x.ticks(6) as (number | Date)[]).filter((t) => dates || !xs.every(Number.isInteger) || Number.isInteger(t))) {
    const p = px(x(t));
    body.push(`<line x1="${p}" x2="${p}" y1="${bottom}" y2="${bottom + 4}" stroke="#333"/><text x="${p}" y="${bottom + 16}" text-anchor="middle">${xTickFormat(t as number & Date)}</text>`);
  }
  body.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`);
  body.push(`<text x="${px(MARGIN.left + plotWidth / 2)}" y="${bottom + 34}" text-anchor="middle">${escapeXml(spec.xLabel ?? spec.x)}</text>`);
  body.push(...rules(spec, y, 'horizontal', MARGIN.left, MARGIN.left + plotWidth));
  const series = [...new Set(points.map((p) => p.series))].sort();
  const colour = scaleOrdinal<string, string>().domain(series).range(schemeTableau10);
  const path = line<{ x: number; y: number }>()
    .x((p) => Math.round(x(p.x) * 10) / 10)
    .y((p) => Math.round(y(p.y) * 10) / 10);
  let legendX = MARGIN.left;
  series.forEach((s) => {
    const own = points.filter((p) => p.series === s).sort((a, b) => a.x - b.x);
    body.push(`<path d="${path(own) ?? ''}" fill="none" stroke="${colour(s)}" stroke-width="1.5"><title>${escapeXml(s || spec.y)}</title></path>`);
    if (own.length === 1) body.push(`<circle cx="${px(x(own[0]!.x))}" cy="${px(y(own[0]!.y))}" r="2.5" fill="${colour(s)}"/>`);
    if (spec.series) {
      // one row under the x axis, items side by side (label width estimated at 6.2 px a character)
      body.push(`<rect x="${px(legendX)}" y="${height - 14}" width="12" height="3" fill="${colour(s)}"/><text x="${px(legendX + 16)}" y="${height - 10}">${escapeXml(s)}</text>`);
      legendX += 16 + 6.2 * s.length + 18;
    }
  });
  if (!points.length) body.push(noData(MARGIN.left + plotWidth / 2, MARGIN.top + plotHeight / 2));
  return frame(spec, width, height, body);
}

export function chartSvg(spec: ChartSpec): string {
  return spec.type === 'bar' ? barChart(spec) : lineChart(spec);
}
