import { PARIS_TZ } from '../domain/time/paris.ts';

// The site is written in French, with an English copy under /en/. Every text shown to a reader is a
// Text: both languages side by side, so that a missing translation is a type error.

export const LANGS = ['fr', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export type Text = Readonly<Record<Lang, string>>;

export const LOCALE: Readonly<Record<Lang, string>> = { fr: 'fr-FR', en: 'en-GB' };

export const text = (fr: string, en: string): Text => ({ fr, en });
/** the same string in both languages (names, units, codes) */
export const same = (s: string): Text => ({ fr: s, en: s });

const numberFormats = new Map<string, Intl.NumberFormat>();

/** a number with a fixed count of decimals in the reader's language: 55,3 in French, 55.3 in English */
export function formatNumber(lang: Lang, value: number, decimals: number): string {
  const k = `${lang}:${decimals}`;
  let f = numberFormats.get(k);
  if (!f) {
    f = new Intl.NumberFormat(LOCALE[lang], { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
    numberFormats.set(k, f);
  }
  // -0,0 reads as a sign error
  const out = f.format(value);
  return /^-0([.,]0*)?$/.test(out) ? out.slice(1) : out;
}

export function formatSigned(lang: Lang, value: number, decimals: number): string {
  const s = formatNumber(lang, value, decimals);
  return value > 0 && s !== formatNumber(lang, 0, decimals) ? `+${s}` : s;
}

// Intl formatters are slow to build and the pages format thousands of dates: one per language and style
const dateFormats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(key: string, lang: Lang, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const k = `${lang}:${key}`;
  let f = dateFormats.get(k);
  if (!f) dateFormats.set(k, (f = new Intl.DateTimeFormat(LOCALE[lang], options)));
  return f;
}

/** 2 nov. 2025 / 2 Nov 2025, for a local calendar date YYYY-MM-DD */
export function formatDay(lang: Lang, day: string, style: 'short' | 'long' = 'short'): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return dateFormat(`day-${style}`, lang, { day: 'numeric', month: style, year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** an instant in Paris local time, with the zone said: « 2 nov. 2025, 23:00 (heure de Paris) » */
export function formatInstant(lang: Lang, iso: string, options: { zone?: boolean } = {}): string {
  const s = dateFormat('instant', lang, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: PARIS_TZ,
  }).format(new Date(iso));
  return options.zone === false ? s : `${s} ${PARIS_TIME[lang]}`;
}

export function formatBytes(lang: Lang, bytes: number): string {
  if (bytes < 1024) return `${bytes} ${lang === 'fr' ? 'o' : 'B'}`;
  if (bytes < 1024 * 1024) return `${formatNumber(lang, bytes / 1024, 0)} ${lang === 'fr' ? 'Ko' : 'KB'}`;
  return `${formatNumber(lang, bytes / 1024 / 1024, 1)} ${lang === 'fr' ? 'Mo' : 'MB'}`;
}

export function formatInteger(lang: Lang, value: number): string {
  return formatNumber(lang, value, 0);
}

// units written with French abbreviations in the data (j for jours): their English spelling
const UNITS_EN: Readonly<Record<string, string>> = { j: 'd', 'hab.': 'inh.', 'indice 0–100': 'index 0–100' };

/** a unit as the reader's language writes it */
export function unitIn(lang: Lang, unit: string): string {
  return lang === 'en' ? (UNITS_EN[unit] ?? unit) : unit;
}

export const PARIS_TIME: Text = { fr: '(heure de Paris)', en: '(Paris time)' };

export const MISSING: Text = text('pas de données', 'no data');
