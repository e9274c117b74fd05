import { gzipSync } from 'node:zlib';
import { DEMO_CLOCK_DAY, demoWindowStart } from '../demo/clock.ts';
import { stream } from '../demo/prng.ts';
import { METROPOLE_DEPARTEMENTS } from '../domain/heat/thresholds.ts';

// A simulated early-summer heat wave in Météo-France daily files (Q_<dep>_latest-2025-2026_RR-T-Vent.csv.gz,
// the real 58-column header, `;`-separated, quality codes): Paris-Montsouris reaches IBMn ≥ 21 °C and
// IBMx ≥ 31 °C on five consecutive days (2026-06-24 … 06-28, TX 37.1 °C on the 26th, as in late June
// 2019); the files run to the day before the demo clock (demo/clock.ts). Files for the
// six départements of the Métropole, one in Latin-1 (as older files are), an overlapping "previous"
// file for Paris, a doubtful TX and a missing TN. Station 75114001 is the real Paris-Montsouris number;
// the other station numbers and names are demo identities. Demo data, not measurements.

export const METEOFRANCE_HEADER =
  'NUM_POSTE;NOM_USUEL;LAT;LON;ALTI;AAAAMMJJ;RR;QRR;TN;QTN;HTN;QHTN;TX;QTX;HTX;QHTX;TM;QTM;TNTXM;QTNTXM;TAMPLI;QTAMPLI;TNSOL;QTNSOL;TN50;QTN50;DG;QDG;FFM;QFFM;FF2M;QFF2M;FXY;QFXY;DXY;QDXY;HXY;QHXY;FXI;QFXI;DXI;QDXI;HXI;QHXI;FXI2;QFXI2;DXI2;QDXI2;HXI2;QHXI2;FXI3S;QFXI3S;DXI3S;QDXI3S;HXI3S;QHXI3S';

/** the whole of June up to the demo clock: days before it, each complete */
export const DEMO_HEAT = { seed: 2026, start: demoWindowStart(29), days: 29, until: DEMO_CLOCK_DAY } as const;

interface DemoStation {
  readonly id: string;
  readonly name: string;
  readonly lat: number;
  readonly lon: number;
  readonly alti: number;
  /** offsets from Paris-Montsouris (°C) */
  readonly dtn: number;
  readonly dtx: number;
}

export const DEMO_STATIONS: readonly DemoStation[] = [
  { id: '75114001', name: 'PARIS-MONTSOURIS', lat: 48.821667, lon: 2.337833, alti: 75, dtn: 0, dtx: 0 },
  { id: '75106001', name: 'PARIS-LUXEMBOURG', lat: 48.8445, lon: 2.3364, alti: 46, dtn: 0.4, dtx: 0.2 },
  { id: '92048001', name: 'MEUDON', lat: 48.8051, lon: 2.2308, alti: 160, dtn: -1.1, dtx: -0.3 },
  { id: '93013001', name: 'LE BOURGET', lat: 48.9672, lon: 2.4275, alti: 52, dtn: -1.0, dtx: 0.3 },
  { id: '94068001', name: 'SAINT-MAUR-DES-FOSSÉS', lat: 48.8033, lon: 2.4936, alti: 40, dtn: -0.9, dtx: 0.4 },
  { id: '91027002', name: 'ORLY', lat: 48.7167, lon: 2.3844, alti: 89, dtn: -1.8, dtx: 0.4 },
  { id: '95527001', name: 'ROISSY', lat: 49.015, lon: 2.5341, alti: 112, dtn: -2.0, dtx: 0.2 },
];

/** Paris-Montsouris during the heat wave: [TN, TX] */
export const DEMO_HEATWAVE_PARIS: Readonly<Record<string, readonly [number, number]>> = {
  '2026-06-20': [17.0, 28.0],
  '2026-06-21': [18.5, 30.5],
  '2026-06-22': [20.5, 32.4],
  '2026-06-23': [21.8, 33.9],
  '2026-06-24': [22.6, 35.2],
  '2026-06-25': [23.1, 36.4],
  '2026-06-26': [23.4, 37.1],
  '2026-06-27': [22.2, 34.0],
  '2026-06-28': [19.0, 28.5],
  '2026-06-29': [17.2, 26.0],
};

/** a doubtful value (QTX = 2) at Paris-Montsouris, and a day without TN at Le Bourget */
export const DEMO_HEAT_FAULTS = { doubtfulTx: { station: '75114001', day: '2026-06-10' }, missingTn: { station: '93013001', day: '2026-06-15' } } as const;

export interface DemoWeatherFile {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly encoding: 'utf-8' | 'latin-1';
  readonly lines: number;
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const fmt = (x: number | null) => (x === null ? '' : r1(x).toFixed(1));

function dayOf(start: string, i: number): string {
  const [y, m, d] = start.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + i)).toISOString().slice(0, 10);
}

/** the simulated weather of a day at a station (the station's random stream advances in day order) */
function dayValues(s: DemoStation, day: string, random: () => number): { tn: number; tx: number; rr: number } {
  const i = Math.round((Date.parse(day) - Date.parse(DEMO_HEAT.start)) / 86_400_000);
  const wave = DEMO_HEATWAVE_PARIS[day];
  const tn = wave ? wave[0] : 15.2 + 1.5 * Math.sin(i / 5) + (random() - 0.5) * 2;
  const tx = wave ? wave[1] : 25.0 + 2.5 * Math.sin(i / 4) + (random() - 0.5) * 3;
  return { tn: r1(tn + s.dtn), tx: r1(tx + s.dtx), rr: random() < 0.8 ? 0 : r1(random() * 12) };
}

/**
 * The simulated TN/TX of a station from the demo's first day for `days` days — the values its files
 * carry, and past the demo clock the days the files do not have yet (what the forecasts of the last
 * days are derived from)
 */
export function demoStationTruth(stationId: string, days: number): { days: string[]; tn: number[]; tx: number[] } {
  const s = DEMO_STATIONS.find((x) => x.id === stationId);
  if (!s) throw new Error(`no demo station ${stationId}`);
  const random = stream(DEMO_HEAT.seed, 'meteofrance', s.id);
  const out = { days: [] as string[], tn: [] as number[], tx: [] as number[] };
  for (let i = 0; i < days; i++) {
    const day = dayOf(DEMO_HEAT.start, i);
    const v = dayValues(s, day, random);
    out.days.push(day);
    out.tn.push(v.tn);
    out.tx.push(v.tx);
  }
  return out;
}

function line(s: DemoStation, day: string, random: () => number): string {
  const { tn, tx, rr } = dayValues(s, day, random);
  const missingTn = DEMO_HEAT_FAULTS.missingTn.station === s.id && DEMO_HEAT_FAULTS.missingTn.day === day;
  const doubtful = DEMO_HEAT_FAULTS.doubtfulTx.station === s.id && DEMO_HEAT_FAULTS.doubtfulTx.day === day;
  const f: string[] = new Array<string>(METEOFRANCE_HEADER.split(';').length).fill('');
  const set = (name: string, v: string) => (f[METEOFRANCE_HEADER.split(';').indexOf(name)] = v);
  set('NUM_POSTE', s.id);
  set('NOM_USUEL', s.name);
  set('LAT', s.lat.toFixed(6));
  set('LON', s.lon.toFixed(6));
  set('ALTI', String(s.alti));
  set('AAAAMMJJ', day.replaceAll('-', ''));
  set('RR', fmt(rr));
  set('QRR', '1');
  if (!missingTn) {
    set('TN', fmt(tn));
    set('QTN', '1');
  }
  set('TX', fmt(doubtful ? tx + 4.5 : tx));
  set('QTX', doubtful ? '2' : '1');
  set('TM', fmt(missingTn ? (tx + 15) / 2 : (tn + tx) / 2));
  set('QTM', '9');
  return f.join(';');
}

function file(name: string, stations: readonly DemoStation[], days: readonly string[], encoding: 'utf-8' | 'latin-1', seed: number): DemoWeatherFile {
  const lines = [METEOFRANCE_HEADER];
  for (const s of stations) {
    const random = stream(seed, 'meteofrance', s.id);
    for (const day of days) lines.push(line(s, day, random));
  }
  const text = lines.join('\n') + '\n';
  return { name, bytes: gzipSync(Buffer.from(text, encoding === 'latin-1' ? 'latin1' : 'utf8')), encoding, lines: lines.length - 1 };
}

/** the demo files, in the order they arrive: the "previous" file of Paris first, then the "latest" ones */
export function demoWeatherFiles(options: { start?: string; days?: number } = {}): DemoWeatherFile[] {
  const start = options.start ?? DEMO_HEAT.start;
  const days = Array.from({ length: options.days ?? DEMO_HEAT.days }, (_, i) => dayOf(start, i));
  const byDep = (dep: string) => DEMO_STATIONS.filter((s) => s.id.startsWith(dep));
  const files: DemoWeatherFile[] = [];
  // the previous file overlaps the latest one on the first days, with the values the latest one has
  files.push(file('Q_75_previous-1950-2024_RR-T-Vent.csv.gz', byDep('75'), days.slice(0, 5), 'utf-8', DEMO_HEAT.seed));
  for (const dep of METROPOLE_DEPARTEMENTS) {
    files.push(file(`Q_${dep}_latest-2025-2026_RR-T-Vent.csv.gz`, byDep(dep), days, dep === '94' ? 'latin-1' : 'utf-8', DEMO_HEAT.seed));
  }
  return files;
}
