import type { Lake } from '../ports/lake.ts';

// Small helpers for the publish queries: DuckDB hands back bigints for counts and Dates for days.

export type Row = Record<string, unknown>;

export async function rows(duck: Pick<Lake, 'all'>, sql: string): Promise<Row[]> {
  return (await duck.all(sql)).rows;
}

/** a number, or null for SQL NULL (never 0) */
export function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'bigint' ? Number(v) : Number(v);
  return Number.isFinite(n) ? n : null;
}

export function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  // DuckDB's values (dates, decimals…) say themselves through their own toString
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return v.toString();
  return (v as { toString(): string }).toString();
}

export function roundTo(v: number | null, decimals: number): number | null {
  if (v === null) return null;
  const f = 10 ** decimals;
  const r = Math.round(v * f) / f;
  return Object.is(r, -0) ? 0 : r;
}

/** YYYY-MM-DD plus n days (n may be negative) */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** every local day from `from` to `to`, inclusive */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

export const dateLiteral = (day: string): string => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`not a day YYYY-MM-DD: ${JSON.stringify(day)}`);
  return `DATE '${day}'`;
};

/** the median of the non-null values, null when there is none */
export function median(values: readonly (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}
