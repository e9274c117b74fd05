import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { heatIndicators } from '../../functions/lib/stages/heat-indicators.ts';
import { ingestMeteoFrance } from '../../functions/lib/stages/ingest-meteofrance.ts';
import { COMMUNES } from '../../functions/lib/domain/geo/communes.ts';
import { tempLake } from '../support/lake.ts';

type Lake = Awaited<ReturnType<typeof tempLake>>;

const HEADER = 'NUM_POSTE;NOM_USUEL;LAT;LON;ALTI;AAAAMMJJ;RR;QRR;TN;QTN;TX;QTX;TM;QTM';
type Day = [day: string, tn: number | null, tx: number | null, qtx?: number];
const lines = (station: string, days: Day[]) => days.map(([d, tn, tx, qtx]) => [station, 'X', '', '', '', d.replaceAll('-', ''), '', '', tn ?? '', tn === null ? '' : 1, tx ?? '', tx === null ? '' : (qtx ?? 1), '', ''].join(';'));

// Paris-Montsouris, July 2026; the 9th is missing and TX of the 11th is doubtful
const PARIS: Day[] = [
  ['2026-07-01', 20.0, 30.0],
  ['2026-07-02', 21.0, 31.0],
  ['2026-07-03', 22.0, 32.0],
  ['2026-07-04', 23.0, 33.0],
  ['2026-07-05', 15.0, 25.0],
  ['2026-07-06', 23.0, 36.0],
  ['2026-07-07', 24.0, 35.0],
  ['2026-07-08', 25.0, 34.0],
  ['2026-07-10', 25.0, 34.0],
  ['2026-07-11', 25.0, 34.0, 2],
  ['2026-07-12', 25.0, 34.0],
  ['2026-07-13', 25.0, 34.0],
  ['2026-07-14', 25.1, 34.2],
];
// Orly (the reference station of the Essonne, thresholds 20 / 35 in the configuration)
const ORLY: Day[] = [
  ['2026-07-02', 21.0, 33.0],
  ['2026-07-03', 21.0, 33.0],
  ['2026-07-04', 21.0, 33.0],
];

/** the IBM of a day, computed here from the list: NULL unless the day and the two before are all usable */
function ibm(days: Day[], day: string, pick: (d: Day) => number | null): number | null {
  const values: number[] = [];
  for (let k = 2; k >= 0; k--) {
    const want = new Date(Date.parse(day) - k * 86_400_000).toISOString().slice(0, 10);
    const d = days.find((x) => x[0] === want);
    const v = d ? pick(d) : null;
    if (v === null) return null;
    values.push(v);
  }
  return Math.round((values.reduce((a, b) => a + b, 0) / 3) * 100) / 100;
}
const tnOf = (d: Day) => d[1];
const txOf = (d: Day) => (d[3] === 2 ? null : d[2]);

// set up once for every describe of this file
let lake: Lake;
beforeEach(async () => {
  lake = await tempLake({ now: new Date('2026-08-01T06:00:00Z') });
  const bytes = Buffer.from([HEADER, ...lines('75114001', PARIS), ...lines('91027002', ORLY), ...lines('92048001', PARIS.slice(0, 3))].join('\n'));
  const s = await ingestMeteoFrance(lake, { bytes, origin: 'Q.csv' });
  expect(s.curated).toBe(PARIS.length + ORLY.length + 3);
  await heatIndicators(lake);
});
afterEach(async () => lake.cleanup());
const query = async (sql: string) => {
  await lake.lake.attach(DATASETS);
  return (await lake.lake.all(sql)).rows;
};

describe('heatIndicators(): indices, heat waves, hot days and nights', () => {
  it('IBMn/IBMx are the 3-day means, NULL when a day is missing or doubtful', async () => {
    const rows = await query("SELECT strftime(day, '%Y-%m-%d') AS day, ibmn, ibmx FROM heat_indicators_daily WHERE station_id = '75114001' ORDER BY day");
    expect(rows).toEqual(PARIS.map(([day]) => ({ day, ibmn: ibm(PARIS, day, tnOf), ibmx: ibm(PARIS, day, txOf) })));
    // spot checks, by hand
    expect(rows.find((r) => r.day === '2026-07-03')).toEqual({ day: '2026-07-03', ibmn: 21, ibmx: 31 });
    expect(rows.find((r) => r.day === '2026-07-10')).toEqual({ day: '2026-07-10', ibmn: null, ibmx: null }); // the 9th is missing
    expect(rows.find((r) => r.day === '2026-07-12')).toEqual({ day: '2026-07-12', ibmn: 25, ibmx: null }); // TX of the 11th is doubtful
    expect(rows.find((r) => r.day === '2026-07-14')).toEqual({ day: '2026-07-14', ibmn: 25.03, ibmx: 34.07 });
  });

  it('heat wave when both IBMs reach the thresholds (Paris 21 / 31 °C), grouped in episodes of consecutive days', async () => {
    const rows = await query(
      "SELECT strftime(day, '%Y-%m-%d') AS day, heatwave, heatwave_episode, heatwave_day, heatwave_days, ibmn_threshold, ibmx_threshold, thresholds_verified FROM heat_indicators_daily WHERE station_id = '75114001' ORDER BY day",
    );
    expect(rows.map((r) => [r.day, r.heatwave, r.heatwave_episode, r.heatwave_day, r.heatwave_days])).toEqual([
      ['2026-07-01', null, null, null, null],
      ['2026-07-02', null, null, null, null],
      ['2026-07-03', true, '75114001/2026-07-03', 1, 2], // 21.00 / 31.00: the thresholds are reached, not exceeded
      ['2026-07-04', true, '75114001/2026-07-03', 2, 2],
      ['2026-07-05', false, null, null, null],
      ['2026-07-06', false, null, null, null],
      ['2026-07-07', false, null, null, null],
      ['2026-07-08', true, '75114001/2026-07-08', 1, 1],
      ['2026-07-10', null, null, null, null],
      ['2026-07-11', null, null, null, null],
      ['2026-07-12', null, null, null, null],
      ['2026-07-13', null, null, null, null],
      ['2026-07-14', true, '75114001/2026-07-14', 1, 1],
    ]);
    expect(rows.every((r) => r.ibmn_threshold === 21 && r.ibmx_threshold === 31 && r.thresholds_verified === true)).toBe(true);
  });

  it('tropical nights, hot and very hot days, doubtful values left out and flagged', async () => {
    const rows = await query(
      "SELECT strftime(day, '%Y-%m-%d') AS day, tn, tx, tx_doubtful, tropical_night, hot_day, very_hot_day FROM heat_indicators_daily WHERE station_id = '75114001' ORDER BY day",
    );
    for (const r of rows) {
      const d = PARIS.find((x) => x[0] === r.day);
      assert(d, `a day ${String(r.day)} of the input`);
      const tx = txOf(d);
      expect(r, String(r.day)).toEqual({ day: d[0], tn: d[1], tx: d[2], tx_doubtful: d[3] === 2, tropical_night: d[1] !== null && d[1] >= 20, hot_day: tx === null ? null : tx >= 30, very_hot_day: tx === null ? null : tx >= 35 });
    }
    expect(rows.filter((r) => r.very_hot_day).map((r) => r.day)).toEqual(['2026-07-06', '2026-07-07']);
    expect(rows.find((r) => r.day === '2026-07-11')).toMatchObject({ tx: 34, tx_doubtful: true, hot_day: null });
  });
});

describe('heatIndicators(): per commune, incremental runs', () => {
  it('per commune: the département’s reference station, against the département’s thresholds', async () => {
    const boulogne = await query("SELECT strftime(day, '%Y-%m-%d') AS day, station_id, station_verified, heatwave, heatwave_episode FROM heat_indicators_commune_daily WHERE commune_insee = '92012' ORDER BY day");
    // Hauts-de-Seine: Paris-Montsouris (to verify), not the Meudon station that is in the département
    expect(boulogne).toHaveLength(PARIS.length);
    expect(boulogne.every((r) => r.station_id === '75114001' && r.station_verified === false)).toBe(true);
    expect(boulogne.filter((r) => r.heatwave).map((r) => [r.day, r.heatwave_episode])).toEqual([
      ['2026-07-03', '92012/2026-07-03'],
      ['2026-07-04', '92012/2026-07-03'],
      ['2026-07-08', '92012/2026-07-08'],
      ['2026-07-14', '92012/2026-07-14'],
    ]);
    // Essonne: Orly's IBMx of 33 °C is below the 35 °C of the Essonne, though above Paris's 31 °C
    expect(await query("SELECT strftime(day, '%Y-%m-%d') AS day, station_id, ibmn, ibmx, ibmx_threshold, heatwave FROM heat_indicators_commune_daily WHERE commune_insee = '91027' AND ibmn IS NOT NULL")).toEqual([
      { day: '2026-07-04', station_id: '91027002', ibmn: 21, ibmx: 33, ibmx_threshold: 35, heatwave: false },
    ]);
    const perCommune = await query('SELECT departement, count(DISTINCT commune_insee)::INT AS n FROM heat_indicators_commune_daily GROUP BY ALL ORDER BY 1');
    const count = (d: string) => COMMUNES.filter((c) => c.departement === d).length;
    expect(perCommune).toEqual([
      { departement: '75', n: 1 },
      { departement: '91', n: count('91') },
      { departement: '92', n: count('92') },
      { departement: '93', n: count('93') },
      { departement: '94', n: count('94') },
    ]); // Val-d'Oise: its reference station (Roissy) has no data here
  });

  it('does nothing when nothing changed, and rewrites only the partition a new file changes', async () => {
    expect((await heatIndicators(lake)).skipped).toBe('inputs and settings unchanged');
    const later = { ...lake, now: () => new Date('2026-08-01T07:00:00Z') };
    await ingestMeteoFrance(later, { bytes: Buffer.from([HEADER, ...lines('75114001', [['2026-07-05', 21.0, 31.0]])].join('\n')), origin: 'fix.csv' });
    const s = await heatIndicators(lake);
    // the 5th changes the IBMs of the 5th, 6th and 7th, and joins the episodes of the 3rd and the 8th:
    // six days, all in the one yearly partition 2026
    expect(s.written.heat_indicators_daily).toBe(1);
    const rows = await query("SELECT strftime(day, '%Y-%m-%d') AS day, heatwave_episode, heatwave_days FROM heat_indicators_daily WHERE station_id = '75114001' AND heatwave ORDER BY day");
    expect(rows.map((r) => r.day)).toEqual(['2026-07-03', '2026-07-04', '2026-07-05', '2026-07-06', '2026-07-07', '2026-07-08', '2026-07-14']);
    expect(rows[0]).toEqual({ day: '2026-07-03', heatwave_episode: '75114001/2026-07-03', heatwave_days: 6 });
  });
});
