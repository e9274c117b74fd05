import type { QueryResult } from '../lib/adapters/duckdb.ts';

// The output contract: results alone on stdout, in table, csv or json.

export type OutputFormat = 'table' | 'csv' | 'json';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'csv', 'json'];

/** a cell as plain JSON: numbers stay numbers, dates become ISO text (DATE columns as YYYY-MM-DD) */
export function jsonValue(v: unknown, type?: string): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return null;
    return type === 'DATE' ? v.toISOString().slice(0, 10) : v.toISOString();
  }
  if (Array.isArray(v)) return v.map((x) => jsonValue(x));
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonValue(x)]));
  return v;
}

/** a plain JSON cell (see jsonValue) as text: strings as they are, numbers and booleans printed, the rest as JSON */
export function cellText(j: unknown): string {
  if (typeof j === 'string') return j;
  if (typeof j === 'number' || typeof j === 'boolean') return j.toString();
  return JSON.stringify(j);
}

function csvCell(v: unknown): string {
  const j = jsonValue(v);
  if (j === null) return '';
  const text = cellText(j);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function formatResult(result: QueryResult, format: OutputFormat): string {
  const names = result.columns.map((c) => c.name);
  const types = new Map(result.columns.map((c) => [c.name, c.type]));
  const plain = result.rows.map((r) => Object.fromEntries(names.map((n) => [n, jsonValue(r[n], types.get(n))])));
  switch (format) {
    case 'json':
      return JSON.stringify(plain) + '\n';
    case 'csv':
      return [names.map(csvCell).join(','), ...plain.map((r) => names.map((n) => csvCell(r[n])).join(','))].join('\n') + '\n';
    case 'table':
      return table(names, plain);
  }
}

function table(names: string[], rows: Record<string, unknown>[]): string {
  const cells = rows.map((r) => names.map((n) => (r[n] === null ? 'NULL' : cellText(r[n]))));
  const widths = names.map((n, i) => Math.max(n.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join(' │ ').trimEnd();
  const out = [line(names), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...cells.map(line)];
  return out.join('\n') + '\n';
}
