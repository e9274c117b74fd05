import { localDayBounds } from '../../domain/time/paris.ts';
import { sequentialColors, type Scheme } from '../classes.ts';
import type { LayerClass, Period } from '../contract.ts';
import { formatNumber, LANGS, type Lang, type Text } from '../i18n.ts';
import { addDays, daysBetween, num, roundTo, str, type Row } from '../sql.ts';

// What several themes share: texts built per language, count classes, rolling periods, daily series.

export const both = (f: (l: Lang) => string): Text => Object.fromEntries(LANGS.map((l) => [l, f(l)])) as unknown as Text;

export const maxDay = (a: string, b: string): string => (a > b ? a : b);

/** the end of a local day (Europe/Paris midnight that closes it), ISO UTC */
export const dayEndIso = (day: string): string => new Date(localDayBounds(day).end).toISOString();
export const dayStartIso = (day: string): string => new Date(localDayBounds(day).start).toISOString();

export const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : str(v));

/** the days up to `last`, at most `days` of them, starting no earlier than the first day with data */
export function rollingPeriod(last: string, first: string | null, days: number): Period {
  return { from: maxDay(addDays(last, 1 - days), first ?? last), to: last };
}

/** classes for counts of days: breaks [1, 3] give 0, 1–2, ≥ 3 */
export function countClasses(breaks: readonly number[], scheme: Scheme, unit: Text): LayerClass[] {
  const colors = sequentialColors(breaks.length + 1, scheme);
  const f = (l: Lang, v: number) => formatNumber(l, v, 0);
  return [null, ...breaks].map((min, i) => {
    const max = breaks[i] ?? null;
    const label = both((l) => {
      const u = ` ${unit[l]}`;
      if (min === null) return max === 1 ? `0${u}` : `< ${f(l, max!)}${u}`;
      if (max === null) return `≥ ${f(l, min)}${u}`;
      return max - min === 1 ? `${f(l, min)}${u}` : `${f(l, min)} – ${f(l, max - 1)}${u}`;
    });
    return { min, max, color: colors[i]!, label };
  });
}

export interface DailySeries {
  readonly days: readonly string[];
  readonly columns: Readonly<Record<string, readonly (number | null)[]>>;
}

/** rows (commune_insee, day, …columns) into one continuous daily series per commune, gaps as null */
export function dailyByCommune(rows: readonly Row[], columns: readonly string[], to: string, decimals = 1): Map<string, DailySeries> {
  const byCommune = new Map<string, Map<string, Row>>();
  for (const r of rows) {
    const k = String(r.commune_insee);
    if (!byCommune.has(k)) byCommune.set(k, new Map());
    byCommune.get(k)!.set(String(r.day), r);
  }
  const out = new Map<string, DailySeries>();
  for (const [insee, byDay] of byCommune) {
    const days = daysBetween([...byDay.keys()].sort()[0]!, to);
    out.set(insee, { days, columns: Object.fromEntries(columns.map((c) => [c, days.map((d) => roundTo(num(byDay.get(d)?.[c]), decimals))])) });
  }
  return out;
}

export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = out.get(k);
    if (list) list.push(t);
    else out.set(k, [t]);
  }
  return out;
}

/**
 * the words of a period that is a rolling window of `days` days at most: « 12 mois glissants » only when
 * the data fill it, else how many days the data cover (issue 20: labels from the data actually used)
 */
export function spanWords(p: Period | null, days: number): Text {
  if (!p) return both((l) => (l === 'fr' ? 'aucune donnée' : 'no data'));
  const n = daysBetween(p.from, p.to).length;
  if (n >= days) return both((l) => (l === 'fr' ? '12 mois glissants' : 'a rolling 12 months'));
  return both((l) => (l === 'fr' ? `les ${n} jours mesurés depuis le début des données` : `the ${n} days measured since the data began`));
}
