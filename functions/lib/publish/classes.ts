import { interpolateBlues, interpolateMagma, interpolateOrRd, interpolateYlOrRd } from 'd3-scale-chromatic';
import { rgb } from 'd3-color';
import { formatNumber, LANGS, type Lang, type Text } from './i18n.ts';
import { classOf, type LayerClass } from './contract.ts';

// Map classes: official 5 dB bands for noise levels, and sequential colour schemes readable with
// colour-vision deficiencies (magma, ColorBrewer YlOrRd / OrRd / Blues): each class differs from the
// next in lightness, not only in hue.

export const SCHEMES = {
  magma: (t: number) => interpolateMagma(0.94 - t * 0.72),
  ylorrd: (t: number) => interpolateYlOrRd(0.12 + t * 0.83),
  orrd: (t: number) => interpolateOrRd(0.12 + t * 0.83),
  blues: (t: number) => interpolateBlues(0.15 + t * 0.8),
} as const;
export type Scheme = keyof typeof SCHEMES;

export function sequentialColors(n: number, scheme: Scheme): string[] {
  return Array.from({ length: n }, (_, i) => rgb(SCHEMES[scheme](n === 1 ? 1 : i / (n - 1))).formatHex());
}

const range = (lang: Lang, min: number | null, max: number | null, decimals: number, unit: string): string => {
  const f = (v: number) => formatNumber(lang, v, decimals);
  const u = unit ? ` ${unit}` : '';
  if (min === null && max !== null) return `< ${f(max)}${u}`;
  if (max === null && min !== null) return `≥ ${f(min)}${u}`;
  return `${f(min!)} – ${f(max!)}${u}`;
};

/** classes between consecutive breaks, open at both ends: breaks [55, 60] give < 55, 55–60, ≥ 60 */
export function bandClasses(breaks: readonly number[], scheme: Scheme, unit: string, decimals = 0): LayerClass[] {
  const bounds: [number | null, number | null][] = [];
  for (let i = 0; i <= breaks.length; i++) bounds.push([i === 0 ? null : breaks[i - 1]!, i === breaks.length ? null : breaks[i]!]);
  const colors = sequentialColors(bounds.length, scheme);
  return bounds.map(([min, max], i) => ({
    min,
    max,
    color: colors[i]!,
    label: Object.fromEntries(LANGS.map((l) => [l, range(l, min, max, decimals, unit)])) as unknown as Text,
  }));
}

/** classes for a share in %: « 0 % » alone (no day over the limit at all), then bands: [10, 25] gives 0, > 0–10, 10–25, ≥ 25 */
export function shareClasses(breaks: readonly number[], scheme: Scheme): LayerClass[] {
  const colors = sequentialColors(breaks.length + 2, scheme);
  const f = (l: Lang, v: number) => formatNumber(l, v, 0);
  const out: LayerClass[] = [{ min: 0, max: ZERO_CLASS_MAX, color: colors[0]!, label: labelBoth(() => '0 %') }];
  breaks.forEach((b, i) => {
    const lower = i === 0 ? ZERO_CLASS_MAX : breaks[i - 1]!;
    out.push({ min: lower, max: b, color: colors[i + 1]!, label: labelBoth((l) => `${i === 0 ? '> 0' : f(l, lower)} – ${f(l, b)} %`) });
  });
  const last = breaks[breaks.length - 1]!;
  out.push({ min: last, max: null, color: colors[breaks.length + 1]!, label: labelBoth((l) => `≥ ${f(l, last)} %`) });
  return out;
}

/** the upper bound of the « 0 % » class: any share above it has at least one day over the limit */
export const ZERO_CLASS_MAX = 1e-9;

const labelBoth = (f: (l: Lang) => string): Text => Object.fromEntries(LANGS.map((l) => [l, f(l)])) as unknown as Text;

/**
 * Classes that tell the communes apart (issue 20). A layer keeps its documented fixed classes (official
 * 5 dB bands, share bands, day counts) unless every commune with a value falls into one of them: then
 * that class is cut at the values' quantiles (up to four cuts, rounded to the layer's decimals, all
 * strictly inside the class), in the colours of the fixed scheme. When every commune has the same value
 * there is nothing to tell apart: the classes stay and `same` says so (the page adds why).
 */
export function discriminatingClasses(
  classes: readonly LayerClass[],
  values: readonly number[],
  decimals: number,
  unit: string,
): { classes: readonly LayerClass[]; refined: boolean; same: number | null } {
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  if (distinct.length === 0) return { classes, refined: false, same: null };
  if (distinct.length === 1) return { classes, refined: false, same: distinct[0]! };
  const used = new Set(values.map((v) => classOf(v, classes)));
  if (used.size > 1) return { classes, refined: false, same: null };
  const k = [...used][0]!;
  const base = classes[k]!;
  const step = 10 ** -decimals;
  const cuts: number[] = [];
  const n = Math.min(5, distinct.length, classes.length);
  for (let i = 1; i < n; i++) {
    // a cut halfway between two neighbouring values at the i-th quantile, rounded, strictly inside
    const j = Math.max(1, Math.round((i * distinct.length) / n));
    const cut = Math.round(((distinct[j - 1]! + distinct[j]!) / 2) / step) * step;
    const lo = Math.max(base.min ?? -Infinity, distinct[0]!);
    if (cut > lo && cut <= distinct[distinct.length - 1]! && (base.max === null || cut < base.max) && !cuts.includes(cut)) cuts.push(Number(cut.toFixed(decimals)));
  }
  if (cuts.length === 0) return { classes, refined: false, same: null };
  const bounds = [base.min, ...cuts, base.max];
  // the fixed scheme's colours, spread over the new classes
  const colors = classes.map((c) => c.color);
  const refined = bounds.slice(0, -1).map((min, i) => {
    const max = bounds[i + 1]!;
    const color = colors[Math.round((i * (colors.length - 1)) / (bounds.length - 2))]!;
    return { min, max, color, label: labelBoth((l) => range(l, min, max, decimals, unit)) };
  });
  return { classes: refined, refined: true, same: null };
}
