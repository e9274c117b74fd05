import { constants, createGunzip, gunzipSync } from 'node:zlib';
import { isCalendarDate } from '../time/calendar.ts';
import { rejection, UnreadableInputError, type RecordRejection } from '../flood/records.ts';
import { BASIN_RAIN_DEPARTEMENTS, WEATHER_DEPARTEMENTS } from './basin-rain-stations.ts';
import { METROPOLE_DEPARTEMENTS } from './thresholds.ts';
import { readCsv, type CsvRecord } from '../csv/reader.ts';

// Météo-France daily climatological files ("données climatologiques de base quotidiennes",
// Q_<dep>_<period>_RR-T-Vent.csv[.gz]): `;`-separated, one line per station and day, each value
// followed by its quality code (Q…: 9 filtered, 0 protected, 1 validated, 2 doubtful). Gzip is
// recognised by its magic bytes, the text is UTF-8 or else Latin-1 (older files spell station names
// in Latin-1), columns are found by their header names.

export const QUALITY_CODES = [0, 1, 2, 9] as const;
/** quality code of a doubtful value, being checked: kept and flagged, left out of the indicators */
export const DOUBTFUL = 2;

export interface WeatherDayRecord {
  /** 1-based line number in the (decompressed) file */
  readonly record: number;
  readonly recordText: string;
  readonly stationId: string;
  readonly stationName: string | null;
  readonly departement: string;
  readonly lat: number | null;
  readonly lon: number | null;
  readonly alti: number | null;
  /** YYYY-MM-DD, from AAAAMMJJ */
  readonly day: string;
  readonly rr: number | null;
  readonly qrr: number | null;
  readonly tn: number | null;
  readonly qtn: number | null;
  readonly tx: number | null;
  readonly qtx: number | null;
  readonly tm: number | null;
  readonly qtm: number | null;
}

export interface MeteoFranceParse {
  readonly gzip: boolean;
  readonly encoding: 'utf-8' | 'latin-1';
  /** the gzip stream ended early: the lines before the cut were read, the cut line is rejected */
  readonly truncated: boolean;
  readonly days: WeatherDayRecord[];
  readonly rejections: RecordRejection[];
  /** data lines found (records), days + rejected lines */
  readonly lines: number;
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

/**
 * Whether gzip bytes hold a whole stream, read without keeping the decompressed data: `truncated` when
 * the stream ends early (a cut download), `corrupt` when it is not valid deflate data.
 */
export function gzipIntegrity(bytes: Uint8Array): Promise<'complete' | 'truncated' | 'corrupt' | 'not-gzip'> {
  if (!isGzip(bytes)) return Promise.resolve('not-gzip');
  return new Promise((resolve) => {
    const gunzip = createGunzip();
    gunzip.on('data', () => {});
    gunzip.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'Z_BUF_ERROR' ? 'truncated' : 'corrupt'));
    gunzip.on('end', () => resolve('complete'));
    gunzip.end(bytes);
  });
}

/** the two files of a département the observatory reads: "latest" (this year and last, updated daily) and "previous" (1950 to two years ago) */
export const DAILY_FILE_PERIODS = ['previous', 'latest'] as const;
export type DailyFilePeriod = (typeof DAILY_FILE_PERIODS)[number];

export interface DailyFileName {
  readonly name: string;
  readonly departement: string;
  readonly period: DailyFilePeriod;
  /** the years in the name, e.g. 1950 and 2024 in previous-1950-2024 */
  readonly fromYear: number;
  readonly toYear: number;
}

/**
 * Q_<dep>_<period>-<y1>-<y2>_RR-T-Vent.csv.gz, the names of the daily files with precipitation,
 * temperature and wind (the "autres-parametres" files and the 1852-1949 files are not read): the
 * département (2 characters, 3 overseas), the period and its years; undefined for any other name.
 */
export function parseDailyFileName(name: string): DailyFileName | undefined {
  const m = /^Q_(\d{2,3}|2[AB])_(latest|previous)-(\d{4})-(\d{4})_RR-T-Vent\.csv\.gz$/.exec(name);
  if (!m) return undefined;
  const [, departement = '', period, fromYear, toYear] = m;
  return { name, departement, period: period as DailyFilePeriod, fromYear: Number(fromYear), toYear: Number(toYear) };
}

/** the file's bytes, gunzipped when they are gzip; `truncated` when the gzip stream ends early */
export function decompress(bytes: Uint8Array): { data: Buffer; gzip: boolean; truncated: boolean } {
  if (!isGzip(bytes)) return { data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), gzip: false, truncated: false };
  try {
    return { data: gunzipSync(bytes), gzip: true, truncated: false };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'Z_BUF_ERROR') {
      throw new UnreadableInputError(`gzip data is corrupt: ${(e as Error).message}`, 'a gzip stream', `${bytes.length} bytes starting with 1f 8b (${code ?? 'error'})`);
    }
    // "unexpected end of file": keep what the stream held up to the cut
    const data = gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH });
    if (data.length === 0) throw new UnreadableInputError('gzip stream truncated before any data', 'a complete gzip stream', `${bytes.length} bytes`);
    return { data, gzip: true, truncated: true };
  }
}

/** UTF-8 when the bytes are valid UTF-8, else Latin-1 */
export function decodeText(data: Uint8Array): { text: string; encoding: 'utf-8' | 'latin-1' } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(data), encoding: 'utf-8' };
  } catch {
    return { text: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1'), encoding: 'latin-1' };
  }
}

const REQUIRED = ['NUM_POSTE', 'AAAAMMJJ'] as const;
/** the stations a daily file's lines may come from */
const WEATHER_SCOPE = `a station of the Métropole's départements (${METROPOLE_DEPARTEMENTS.join(', ')}) or of the basin rain stations' (${BASIN_RAIN_DEPARTEMENTS.join(', ')})`;
const MEASURES = [
  ['RR', 'QRR', 'rr', 'qrr'],
  ['TN', 'QTN', 'tn', 'qtn'],
  ['TX', 'QTX', 'tx', 'qtx'],
  ['TM', 'QTM', 'tm', 'qtm'],
] as const;

/**
 * A daily file read as far as its lines: decompressed, decoded, the header checked; the data lines are
 * parsed on demand (`parse`), so that a caller can parse a big file a part at a time.
 */
export interface MeteoFranceLines {
  readonly gzip: boolean;
  readonly encoding: 'utf-8' | 'latin-1';
  /** the gzip stream ended early: the lines before the cut are read, the cut line is `tailRejection` */
  readonly truncated: boolean;
  /** indices (of the records read) of the data lines: non-empty, after the header */
  readonly dataLines: readonly number[];
  /** a data line's AAAAMMJJ as written (not checked: `parse` checks it), '' when the line has none */
  dateOf(index: number): string;
  /** parses the data lines at these indices */
  parse(indices: Iterable<number>): { days: WeatherDayRecord[]; rejections: RecordRejection[] };
  /** the incomplete last line of a truncated stream, rejected */
  readonly tailRejection?: RecordRejection;
}

export function readMeteoFranceDaily(bytes: Uint8Array): MeteoFranceLines {
  const { data, gzip, truncated } = decompress(bytes);
  // a cut stream may end inside a line (and inside a UTF-8 sequence): decode the complete lines only
  const cut = truncated ? data.lastIndexOf(0x0a) + 1 : data.length;
  const { text, encoding } = decodeText(data.subarray(0, cut));
  const tail = truncated ? decodeText(data.subarray(cut)).text : '';
  const { records, unterminated } = readCsv(text, { delimiter: ';' });
  const headerIndex = records.findIndex((r) => r.text.trim() !== '');
  const headerRecord = records[headerIndex];
  if (headerIndex < 0 || !headerRecord) {
    if (truncated) throw new UnreadableInputError('gzip stream truncated before the end of the first line', 'a complete gzip stream', `${bytes.length} bytes, cut`);
    throw new UnreadableInputError('empty file', 'a header line NUM_POSTE;NOM_USUEL;…;AAAAMMJJ;RR;QRR;TN;QTN;…', 'no line');
  }
  const header = headerRecord.fields.map((x) => x.trim());
  const col = (name: string) => header.indexOf(name);
  for (const name of REQUIRED) {
    if (col(name) < 0) {
      throw new UnreadableInputError(
        `not a Météo-France daily file: no ${name} column in the header`,
        `a ;-separated header with ${REQUIRED.join(', ')} (Q_<dep>_…_RR-T-Vent.csv)`,
        JSON.stringify(headerRecord.text.slice(0, 120)),
      );
    }
  }
  if (!MEASURES.some(([v]) => col(v) >= 0)) {
    throw new UnreadableInputError('no RR, TN, TX or TM column in the header', 'at least one of RR, TN, TX, TM', JSON.stringify(headerRecord.text.slice(0, 120)));
  }
  const dataLines: number[] = [];
  for (let i = headerIndex + 1; i < records.length; i++) if ((records[i]?.text.trim() ?? '') !== '') dataLines.push(i);
  const dateColumn = col('AAAAMMJJ');
  const lastLine = records.at(-1)?.line ?? 0;
  const tailRejection =
    unterminated
      ? rejection(unterminated.line, 'line', 'quotes closed before the end of the file', unterminated.text.slice(0, 80), 'unterminated quoted field: the rest of the file cannot be split into lines', unterminated.text)
      : truncated && tail.trim() !== ''
        ? rejection(lastLine + 1, 'line', 'a complete line', tail.slice(0, 80), 'gzip stream truncated: the last line is incomplete', tail)
        : undefined;
  return {
    gzip,
    encoding,
    truncated,
    dataLines,
    dateOf: (i) => (records[i]?.fields[dateColumn] ?? '').trim(),
    parse(indices) {
      const days: WeatherDayRecord[] = [];
      const rejections: RecordRejection[] = [];
      for (const i of indices) {
        const record = records[i];
        if (!record) throw new RangeError(`no data line at index ${i} (${records.length} records)`);
        const parsed = parseLine(record, header.length, col);
        if ('reason' in parsed) rejections.push(parsed);
        else days.push(parsed);
      }
      return { days, rejections };
    },
    ...(tailRejection ? { tailRejection } : {}),
  };
}

export function parseMeteoFranceDaily(bytes: Uint8Array): MeteoFranceParse {
  const file = readMeteoFranceDaily(bytes);
  const { days, rejections } = file.parse(file.dataLines);
  if (file.tailRejection) rejections.push(file.tailRejection);
  return { gzip: file.gzip, encoding: file.encoding, truncated: file.truncated, days, rejections, lines: file.dataLines.length + (file.tailRejection ? 1 : 0) };
}

type Reject = (field: string, expected: string, found: unknown, reason: string) => RecordRejection;

/** the position and the measures of a line (empty → null), or the first field that is not a decimal number */
function readDecimals(at: (name: string) => string, reject: Reject): { values: Record<string, number | null> } | RecordRejection {
  const values: Record<string, number | null> = {};
  for (const name of ['LAT', 'LON', 'ALTI', ...MEASURES.map(([v]) => v)]) {
    const raw = at(name);
    if (raw === '') {
      values[name] = null;
      continue;
    }
    const n = Number(raw.replace(',', '.'));
    if (!/^-?\d+([.,]\d+)?$/.test(raw) || !Number.isFinite(n)) return reject(name, 'a decimal number or empty', raw, `${name} is not a number`);
    values[name] = n;
  }
  return { values };
}

/** the quality codes of the measures (empty → null), or the first that is not a Météo-France code */
function readQualityCodes(at: (name: string) => string, reject: Reject): { values: Record<string, number | null> } | RecordRejection {
  const values: Record<string, number | null> = {};
  for (const [, q] of MEASURES) {
    const raw = at(q);
    if (raw === '') {
      values[q] = null;
      continue;
    }
    const n = Number(raw);
    if (!(QUALITY_CODES as readonly number[]).includes(n) || !/^\d$/.test(raw)) {
      return reject(q, 'a quality code 0, 1, 2 or 9, or empty', raw, `${q} is not a Météo-France quality code`);
    }
    values[q] = n;
  }
  return { values };
}

function parseLine({ fields, line: lineNumber, text: line }: CsvRecord, width: number, col: (name: string) => number): WeatherDayRecord | RecordRejection {
  const f = fields.map((x) => x.trim());
  const reject: Reject = (field, expected, found, reason) => rejection(lineNumber, field, expected, found, reason, line);
  if (f.length < width) return reject('line', `${width} ;-separated fields, as in the header`, `${f.length} fields`, 'line has fewer fields than the header');
  const at = (name: string) => f[col(name)] ?? '';
  const station = at('NUM_POSTE');
  if (!/^\d{8}$/.test(station)) return reject('NUM_POSTE', 'an 8-digit Météo-France station number', station, 'station number malformed');
  const departement = station.slice(0, 2);
  if (!WEATHER_DEPARTEMENTS.includes(departement)) {
    return reject('NUM_POSTE', WEATHER_SCOPE, station, `station in département ${departement}, neither the Métropole's nor a basin rain station's (config/basin-rain-stations.json)`);
  }
  const date = at('AAAAMMJJ');
  const day = /^\d{8}$/.test(date) ? `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}` : '';
  if (!isCalendarDate(day)) return reject('AAAAMMJJ', 'a real calendar date YYYYMMDD', date, 'date malformed or not a real date');
  const decimals = readDecimals(at, reject);
  if (!('values' in decimals)) return decimals;
  const codes = readQualityCodes(at, reject);
  if (!('values' in codes)) return codes;
  const [numbers, quality] = [decimals.values, codes.values];
  const name = at('NOM_USUEL');
  return {
    record: lineNumber,
    recordText: line,
    stationId: station,
    stationName: name === '' ? null : name,
    departement,
    lat: numbers.LAT ?? null,
    lon: numbers.LON ?? null,
    alti: numbers.ALTI ?? null,
    day,
    rr: numbers.RR ?? null,
    qrr: quality.QRR ?? null,
    tn: numbers.TN ?? null,
    qtn: quality.QTN ?? null,
    tx: numbers.TX ?? null,
    qtx: quality.QTX ?? null,
    tm: numbers.TM ?? null,
    qtm: quality.QTM ?? null,
  };
}
