import { interpolateBlues, interpolateMagma, interpolateOrRd, interpolateYlOrRd } from 'd3-scale-chromatic';
import { rgb } from 'd3-color';
import { formatNumber, LANGS, type Lang, type Text } from './i18n.ts';
import type { LayerClass } from './contract.ts';

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
