import { readCsv } from '../../domain/csv/reader.ts';
import { isCalendarDate } from '../../domain/time/calendar.ts';

// Regular time series: one value per step (an hour, a day) for each named column, NaN where missing.
// The river model reads the lake's hourly stages and external daily series (CSV/TSV) through this shape.

export interface RegularSeries {
  /** UTC instant (ms) of the first step */
  readonly start: number;
  readonly stepHours: number;
  readonly length: number;
  readonly columns: Readonly<Record<string, Float64Array>>;
}

export const stepMs = (s: Pick<RegularSeries, 'stepHours'>) => s.stepHours * 3_600_000;
export const instantOf = (s: Pick<RegularSeries, 'start' | 'stepHours'>, i: number) => new Date(s.start + i * stepMs(s));

const MISSING = new Set(['', 'na', 'nan', 'null', '-', 'n/a']);

export class SeriesFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}, line ${line}: ${message}`);
    this.name = 'SeriesFileError';
  }
}

/**
 * A daily series from CSV or TSV text: a header line, a date column (YYYY-MM-DD; named `date`, else the
 * first column) and one numeric column per station (decimal point or comma; empty, NA or NaN = missing).
 * Dates must be real calendar dates in increasing order; missing days become NaN rows.
 */
export function parseDailySeries(text: string, file: string): RegularSeries {
  const { records, unterminated } = readCsv(text);
  if (unterminated) throw new SeriesFileError(file, unterminated.line, 'a quote opened on this line is never closed');
  const headerLine = records[0]?.text ?? '';
  const header = (records[0]?.fields ?? []).map((h) => h.trim());
  if (header.length < 2) throw new SeriesFileError(file, 1, `expected a header with a date column and at least one station column, found "${headerLine.slice(0, 80)}"`);
  const dateCol = Math.max(0, header.findIndex((h) => h.toLowerCase() === 'date'));
  const names = header.filter((_, i) => i !== dateCol);
  const days: number[] = [];
  const values: number[][] = names.map(() => []);
  for (const record of records.slice(1)) {
    if (!record.text.trim()) continue;
    const n = record.line - 1;
    const cells = record.fields.map((c) => c.trim());
    const date = cells[dateCol] ?? '';
    if (!isCalendarDate(date)) throw new SeriesFileError(file, n + 1, `column ${header[dateCol]}: expected a calendar date YYYY-MM-DD, found "${date}"`);
    const day = Date.parse(`${date}T00:00:00Z`) / 86_400_000;
    if (days.length && day <= days[days.length - 1]!) throw new SeriesFileError(file, n + 1, `date ${date} is not after the previous line's`);
    days.push(day);
    let k = 0;
    for (let i = 0; i < header.length; i++) {
      if (i === dateCol) continue;
      const raw = cells[i] ?? '';
      let v = NaN;
      if (!MISSING.has(raw.toLowerCase())) {
        v = Number(raw.replace(',', '.'));
        if (!Number.isFinite(v)) throw new SeriesFileError(file, n + 1, `column ${names[k]}: expected a number, found "${raw}"`);
      }
      values[k++]!.push(v);
    }
  }
  if (!days.length) throw new SeriesFileError(file, 2, 'no data line');
  const first = days[0]!;
  const length = days[days.length - 1]! - first + 1;
  const columns: Record<string, Float64Array> = {};
  names.forEach((name, k) => {
    const col = new Float64Array(length).fill(NaN);
    days.forEach((d, i) => (col[d - first] = values[k]![i]!));
    columns[name] = col;
  });
  return { start: first * 86_400_000, stepHours: 24, length, columns };
}

/** the part of a series in [from, until) (UTC ms, aligned to its steps) */
export function sliceSeries(s: RegularSeries, from: number, until: number): RegularSeries {
  const a = Math.max(0, Math.ceil((from - s.start) / stepMs(s)));
  const b = Math.min(s.length, Math.ceil((until - s.start) / stepMs(s)));
  const columns = Object.fromEntries(Object.entries(s.columns).map(([k, v]) => [k, v.slice(a, Math.max(a, b))]));
  return { start: s.start + a * stepMs(s), stepHours: s.stepHours, length: Math.max(0, b - a), columns };
}
