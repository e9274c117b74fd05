import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseMeteoFranceDaily } from '../../functions/lib/domain/heat/meteofrance.ts';

// A daily file shaped like a real département file Q_<dep>_previous-1950-2024_RR-T-Vent.csv.gz: the real
// 58-column header (tests/fixtures/heat), several stations opening and closing over the decades, lines
// sorted by station then date, empty measures (a station measuring rain only), every quality code,
// Latin-1 names with accents, `;` separators and decimal points, CR LF line ends. The values are
// generated: the published file itself is not in the repository.
const header = (await readFile(new URL('../fixtures/heat/meteofrance-Q_RR-T-Vent-header.csv', import.meta.url), 'utf8')).trim();
const columns = header.split(';');

interface Station {
  readonly num: string;
  readonly name: string;
  readonly lat: string;
  readonly lon: string;
  readonly alti: string;
  readonly from: number;
  readonly to: number;
  readonly temperatures: boolean;
}

const STATIONS: readonly Station[] = [
  { num: '94068001', name: 'SAINT-MAUR-DES-FOSSÉS', lat: '48.806667', lon: '2.493833', alti: '48', from: Date.UTC(1955, 0, 1), to: Date.UTC(1955, 2, 31), temperatures: true },
  { num: '94054001', name: 'ORLY', lat: '48.716833', lon: '2.384333', alti: '89', from: Date.UTC(1987, 11, 1), to: Date.UTC(1988, 1, 29), temperatures: true },
  { num: '94079001', name: 'VILLIERS-SUR-MARNE', lat: '48.825', lon: '2.545', alti: '102', from: Date.UTC(2023, 6, 1), to: Date.UTC(2023, 7, 31), temperatures: false },
];

function line(s: Station, ms: number, i: number): string {
  const day = new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
  const values: Record<string, string> = { NUM_POSTE: s.num, NOM_USUEL: s.name, LAT: s.lat, LON: s.lon, ALTI: s.alti, AAAAMMJJ: day };
  values.RR = i % 7 === 3 ? '' : ((i * 37) % 120 / 10).toFixed(1);
  values.QRR = values.RR === '' ? '' : String([1, 1, 9, 0][i % 4]);
  if (s.temperatures) {
    values.TN = (-4 + ((i * 13) % 150) / 10).toFixed(1);
    values.QTN = String([1, 0, 2, 9][i % 4]);
    values.TX = (Number(values.TN) + 6 + (i % 9)).toFixed(1);
    values.QTX = String([0, 1, 1, 2][i % 4]);
    values.TM = i % 11 === 5 ? '' : ((Number(values.TN) + Number(values.TX)) / 2).toFixed(1);
    values.QTM = values.TM === '' ? '' : '1';
  }
  return columns.map((c) => values[c] ?? '').join(';');
}

function file(): { bytes: Buffer; lines: number; temperatureDays: number } {
  const body: string[] = [];
  let temperatureDays = 0;
  for (const s of STATIONS) {
    for (let ms = s.from, i = 0; ms <= s.to; ms += 86_400_000, i++) {
      body.push(line(s, ms, i));
      if (s.temperatures) temperatureDays++;
    }
  }
  // a station of a département that is neither the Métropole's nor a basin rain station's, as a neighbouring file would hold
  const [first] = STATIONS;
  if (first) body.push(line({ ...first, num: '45055001', name: 'ORLEANS' }, Date.UTC(2023, 6, 1), 0));
  return { bytes: gzipSync(Buffer.from([header, ...body].join('\r\n') + '\r\n', 'latin1')), lines: body.length, temperatureDays };
}

describe('Météo-France daily file with several stations over decades', () => {
  it('reads every day of every station, Latin-1 names, empty measures as missing, quality codes as written', () => {
    const { bytes, lines, temperatureDays } = file();
    const p = parseMeteoFranceDaily(bytes);
    expect(p).toMatchObject({ gzip: true, encoding: 'latin-1', truncated: false, lines });
    expect(p.days).toHaveLength(lines - 1);
    expect(new Set(p.days.map((d) => d.stationName))).toEqual(new Set(['SAINT-MAUR-DES-FOSSÉS', 'ORLY', 'VILLIERS-SUR-MARNE']));
    expect(p.days.filter((d) => d.tn !== null)).toHaveLength(temperatureDays);
    // leap day of 1988, and the decades apart
    expect(p.days.some((d) => d.stationId === '94054001' && d.day === '1988-02-29')).toBe(true);
    expect([p.days[0]?.day, p.days.at(-1)?.day]).toEqual(['1955-01-01', '2023-08-31']);
    const villiers = p.days.filter((d) => d.stationId === '94079001');
    expect(villiers.every((d) => d.tn === null && d.tx === null && d.tm === null && d.qtn === null)).toBe(true);
    expect(villiers.filter((d) => d.rr === null).every((d) => d.qrr === null)).toBe(true);
    expect(new Set(p.days.map((d) => d.qtn).filter((q) => q !== null))).toEqual(new Set([0, 1, 2, 9]));
    const orly = p.days.find((d) => d.stationId === '94054001');
    expect(orly).toMatchObject({ lat: 48.716833, lon: 2.384333, alti: 89 });
    expect(orly?.recordText.startsWith('94054001;ORLY;48.716833;')).toBe(true);
    expect(p.rejections).toEqual([expect.objectContaining({ field: 'NUM_POSTE', found: '"45055001"', record: String(lines + 1) })]);
  });
});
