// The one CSV reader of the project (noise series, Météo-France daily files, river series): papaparse,
// so quoted fields, doubled quotes and newlines inside quotes are read as RFC 4180 says, whatever the
// file. Records come with the line they start on and their text as written, for the quarantine.
// (papaparse rather than csv-parse: about three times faster on a day of 1-second readings, see README.)
import Papa from 'papaparse';

export const CSV_DELIMITERS = [',', ';', '\t'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

export interface CsvRecord {
  readonly fields: string[];
  /** 1-based line the record starts on */
  readonly line: number;
  /** the record as written (without its line break) */
  readonly text: string;
  /** a quote misplaced in the record (its fields are then not to be trusted) */
  readonly error?: string;
}

export interface CsvRead {
  readonly delimiter: CsvDelimiter;
  /** every record, the header included; lines with no character at all are left out */
  readonly records: CsvRecord[];
  /** a quote opened and never closed: where it starts (the text after it could not be split into records) */
  readonly unterminated?: { readonly line: number; readonly text: string };
}

/** the delimiter that splits the first non-empty line into the most fields; on a tie tab, then `;`, then `,` */
export function detectDelimiter(text: string): CsvDelimiter {
  const firstLine = /[^\r\n]*\S[^\r\n]*/.exec(text)?.[0] ?? '';
  let best: CsvDelimiter = ',';
  let bestCount = 0;
  for (const candidate of ['\t', ';', ','] as const) {
    const count = firstLine.split(candidate).length;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

/**
 * Every record of a CSV text (a leading BOM dropped; CR LF, LF and CR line breaks alike). An
 * unterminated quote does not lose the records before it: they are returned, and `unterminated` says
 * where the quote opened.
 */
export function readCsv(text: string, options: { delimiter?: CsvDelimiter } = {}): CsvRead {
  let body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // one line break for the parser (a file may mix them); quoted values keep a plain \n
  if (body.includes('\r')) body = body.replace(/\r\n?/g, '\n');
  const delimiter = options.delimiter ?? detectDelimiter(body);
  const records: CsvRecord[] = [];
  let unterminated: CsvRead['unterminated'];
  let cursor = 0;
  let line = 1;
  Papa.parse<string[]>(body, {
    delimiter,
    newline: '\n',
    step: (row) => {
      const end = row.meta.cursor;
      const raw = body.slice(cursor, end).replace(/\n$/, '');
      const first = line;
      line += countLineBreaks(body, cursor, end);
      cursor = end;
      if (unterminated) return;
      const error = row.errors[0];
      if (row.errors.some((e) => e.code === 'MissingQuotes')) unterminated = { line: first, text: raw.slice(0, 4096) };
      else if (raw !== '') records.push({ fields: row.data, line: first, text: raw, ...(error ? { error: error.message } : {}) });
    },
  });
  return { delimiter, records, ...(unterminated ? { unterminated } : {}) };
}

function countLineBreaks(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** a column name compared without case, accents, spaces or punctuation: "Fecha/Hora medición" ~ "fechahoramedicion" */
export function columnKey(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}
