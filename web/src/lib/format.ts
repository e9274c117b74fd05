// Number and date formatting in the page's language, as the pre-rendered pages write them.

export type Lang = 'fr' | 'en';
export const LOCALE: Readonly<Record<Lang, string>> = { fr: 'fr-FR', en: 'en-GB' };

export function pageLang(doc: Document = document): Lang {
  return doc.documentElement.lang === 'en' ? 'en' : 'fr';
}

const formats = new Map<string, Intl.NumberFormat>();

export function formatNumber(lang: Lang, value: number, decimals: number): string {
  const k = `${lang}:${decimals}`;
  let f = formats.get(k);
  if (!f) formats.set(k, (f = new Intl.NumberFormat(LOCALE[lang], { minimumFractionDigits: decimals, maximumFractionDigits: decimals })));
  const out = f.format(value);
  return /^-0([.,]0*)?$/.test(out) ? out.slice(1) : out;
}

export const MISSING: Readonly<Record<Lang, string>> = { fr: 'pas de données', en: 'no data' };

// units written with French abbreviations in the data (j for jours): their English spelling
const UNITS_EN: Readonly<Record<string, string>> = { j: 'd', 'hab.': 'inh.', 'indice 0–100': 'index 0–100' };

export function unitIn(lang: Lang, unit: string): string {
  return lang === 'en' ? (UNITS_EN[unit] ?? unit) : unit;
}

/** « 62,3 dB(A) », or « pas de données » for null: missing data is never shown as 0 */
export function valueText(lang: Lang, value: number | null | undefined, decimals: number, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING[lang];
  return `${formatNumber(lang, value, decimals)}${unit ? ` ${unitIn(lang, unit)}` : ''}`;
}

/** a local day YYYY-MM-DD as a UTC midnight Date (chart axes work in UTC: no DST shift) */
export function parseDay(day: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d));
}

export function formatDayShort(lang: Lang, date: Date): string {
  return new Intl.DateTimeFormat(LOCALE[lang], { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(date);
}

export function formatDayLong(lang: Lang, date: Date): string {
  return new Intl.DateTimeFormat(LOCALE[lang], { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(date);
}

export function formatInstantShort(lang: Lang, date: Date): string {
  return new Intl.DateTimeFormat(LOCALE[lang], { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Europe/Paris' }).format(date);
}
