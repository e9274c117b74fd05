import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATASETS, riverObservations } from '../../functions/lib/datasets/index.ts';
import { REFERENCE_FLOODS } from '../../functions/lib/domain/flood/config.ts';
import { compactLake } from '../../functions/lib/stages/compact.ts';
import { floodIndicators } from '../../functions/lib/stages/flood-indicators.ts';
import { COMPACTION_LIMITS } from '../../functions/lib/stages/registry.ts';
import { ingestHubeau } from '../../functions/lib/stages/ingest-hubeau.ts';
import { ingestVigicrues } from '../../functions/lib/stages/ingest-vigicrues.ts';
import { tempLake } from '../support/lake.ts';

type Lake = Awaited<ReturnType<typeof tempLake>>;

// the reference floods, read here from the CSV the configuration was copied from
const csv = await readFile(new URL('../fixtures/flood/paris-austerlitz-flood-peaks.csv', import.meta.url), 'utf8');
const PEAKS = csv
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => Number(l.split(',')[2]));
const expectedRank = (h: number) => 1 + PEAKS.filter((p) => p > h).length;
const expectedRatio = (h: number) => Math.round((h / 8.62) * 1e4) / 1e4;

const obs = (site: string, station: string | null, quantity: 'H' | 'Q', date: string, value: number) => ({
  code_site: site,
  code_station: station,
  grandeur_hydro: quantity,
  date_obs: date,
  resultat_obs: value,
  code_statut: 4,
  code_qualification_obs: 16,
  code_methode_obs: 0,
  code_continuite: 0,
});
const page = (rows: unknown[]) => Buffer.from(JSON.stringify({ count: rows.length, first: 'x', prev: null, next: null, api_version: '2.0.1', data: rows }));
const bulletin = (at: string, levels: Record<string, number>) =>
  Buffer.from(JSON.stringify({ type: 'FeatureCollection', DtHrInfoVigiCru: at, features: Object.entries(levels).map(([CdEntCru, NivInfViCr]) => ({ type: 'Feature', properties: { CdEntCru, NivInfViCr } })) }));

// set up once for every describe of this file
let lake: Lake;
beforeEach(async () => {
  lake = await tempLake({ now: new Date('2026-02-02T00:00:00Z') });
});
afterEach(async () => lake.cleanup());
const query = async (sql: string) => {
  await lake.lake.attach(DATASETS);
  return (await lake.lake.all(sql)).rows;
};

describe('floodIndicators(): per series, per commune', () => {
  it('the configured reference floods are the ones of the source CSV', () => {
    expect(REFERENCE_FLOODS.peaks.map((p) => p.stage_m)).toEqual(PEAKS);
  });

  it('per series and Paris day: highest stage and discharge, when, and against the reference floods at Austerlitz only', async () => {
    await ingestHubeau(lake, {
      origin: 'a.json',
      bytes: page([
        obs('F7000001', 'F700000103', 'H', '2026-01-27T23:30:00Z', 5200), // 00:30 in Paris: the 28th
        obs('F7000001', 'F700000103', 'H', '2026-01-28T12:00:00Z', 5840),
        obs('F7000001', 'F700000103', 'H', '2026-01-28T18:00:00Z', 5840), // the same height again: h_max_at keeps the first
        obs('F7000001', 'F700000103', 'H', '2026-01-28T22:59:00Z', 5700),
        obs('F7000001', 'F700000103', 'H', '2026-01-28T23:00:00Z', 5950), // midnight in Paris: the 29th
        obs('F7000001', 'F700000103', 'Q', '2026-01-28T06:00:00Z', 1_600_000),
        obs('F7000001', 'F700000103', 'Q', '2026-01-28T12:00:00Z', 1_650_000),
        obs('F7000001', null, 'Q', '2026-01-28T12:00:00Z', 1_700_000),
        obs('F6640004', 'F664000404', 'H', '2026-01-28T10:00:00Z', 3500),
      ]),
    });
    const s = await floodIndicators(lake);
    expect(s.rows.flood_indicators_daily).toBe(4);
    const rows = await query(
      `SELECT station_code, strftime(day, '%Y-%m-%d') AS day, h_max, h_max_at, q_max, q_max_at, h_samples, q_samples, ratio_1910, flood_rank, reference_floods
       FROM flood_indicators_daily ORDER BY site_code, station_code NULLS LAST, day`,
    );
    expect(rows).toEqual([
      { station_code: 'F664000404', day: '2026-01-28', h_max: 3.5, h_max_at: new Date('2026-01-28T10:00:00Z'), q_max: null, q_max_at: null, h_samples: 1, q_samples: 0, ratio_1910: null, flood_rank: null, reference_floods: null },
      {
        station_code: 'F700000103',
        day: '2026-01-28',
        h_max: 5.84,
        h_max_at: new Date('2026-01-28T12:00:00Z'),
        q_max: 1650,
        q_max_at: new Date('2026-01-28T12:00:00Z'),
        h_samples: 4,
        q_samples: 2,
        ratio_1910: expectedRatio(5.84),
        flood_rank: expectedRank(5.84),
        reference_floods: PEAKS.length,
      },
      { station_code: 'F700000103', day: '2026-01-29', h_max: 5.95, h_max_at: new Date('2026-01-28T23:00:00Z'), q_max: null, q_max_at: null, h_samples: 1, q_samples: 0, ratio_1910: expectedRatio(5.95), flood_rank: expectedRank(5.95), reference_floods: PEAKS.length },
      // the site-level series stays apart from the station's, and is not the reference station
      { station_code: null, day: '2026-01-28', h_max: null, h_max_at: null, q_max: 1700, q_max_at: new Date('2026-01-28T12:00:00Z'), h_samples: 0, q_samples: 1, ratio_1910: null, flood_rank: null, reference_floods: null },
    ]);
    expect(expectedRank(5.84)).toBe(7);
  });

  it('per commune and day: the highest level in force on its sections, a bulletin carrying over into the next day for 24 h', async () => {
    const bulletins: [string, Record<string, number>][] = [
      ['2026-01-27T15:00:00Z', { 'IF5': 2, 'IF17': 1, 'LOIRE-X': 4 }],
      ['2026-01-28T09:00:00Z', { 'IF5': 3, 'IF17': 2 }],
      ['2026-01-28T15:00:00Z', { 'IF5': 2, 'IF17': 2 }],
      ['2026-01-31T09:00:00Z', { 'IF5': 1 }],
    ];
    for (const [at, levels] of bulletins) await ingestVigicrues(lake, { bytes: bulletin(at, levels), origin: at });
    await floodIndicators(lake);
    const commune = async (code: string) =>
      (await query(`SELECT strftime(day, '%Y-%m-%d') AS day, level_max, level_max_label, sections, bulletins FROM flood_vigilance_commune_daily WHERE commune_insee = '${code}' ORDER BY day`)).map((r) => Object.values(r));
    expect(await commune('75056')).toEqual([
      ['2026-01-27', 2, 'yellow', 'IF5', 1],
      ['2026-01-28', 3, 'orange', 'IF5', 3], // two issued that day + the one of the 27th at 16:00, 8 h before midnight
      ['2026-01-29', 2, 'yellow', 'IF5', 1], // no bulletin: the one of the 28th at 16:00 carries over
      // the 30th: the last bulletin is 32 h old at midnight, nothing is in force
      ['2026-01-31', 1, 'green', 'IF5', 1],
      ['2026-02-01', 1, 'green', 'IF5', 1],
    ]);
    expect(await commune('94028')).toEqual([
      ['2026-01-27', 1, 'green', 'IF17', 1],
      ['2026-01-28', 2, 'yellow', 'IF17', 3],
      ['2026-01-29', 2, 'yellow', 'IF17', 1],
    ]);
    // Alfortville, at the confluence: the worst of the Seine's and the Marne's sections
    expect((await commune('94002'))[1]).toEqual(['2026-01-28', 3, 'orange', 'IF5', 6]);
    expect(await commune('93048')).toEqual([]); // Montreuil: no section
  });
});

describe('floodIndicators(): incremental runs and the poller’s files', () => {
  it('runs again only when its inputs change, and then rewrites only the changed partitions', async () => {
    await ingestHubeau(lake, { origin: 'a.json', bytes: page([obs('F7000001', 'F700000103', 'H', '2026-01-28T12:00:00Z', 5000)]) });
    await ingestVigicrues(lake, { origin: 'b.json', bytes: bulletin('2026-01-28T09:00:00Z', { 'IF5': 2 }) });
    const first = await floodIndicators(lake);
    // the bulletin's day and the next (carried over) lie in one monthly partition; the river days in one yearly one
    expect(first.written).toEqual({ flood_indicators_daily: 1, flood_vigilance_commune_daily: 1 });
    expect((await floodIndicators(lake)).skipped).toBe('inputs and settings unchanged');
    await ingestHubeau(lake, { origin: 'c.json', bytes: page([obs('F7000001', 'F700000103', 'H', '2026-01-30T12:00:00Z', 4000)]) });
    const third = await floodIndicators(lake);
    expect(third.written).toEqual({ flood_indicators_daily: 1, flood_vigilance_commune_daily: 0 });
    expect(await query("SELECT strftime(day, '%Y-%m-%d') AS day, h_max FROM flood_indicators_daily ORDER BY day")).toEqual([
      { day: '2026-01-28', h_max: 5 },
      { day: '2026-01-30', h_max: 4 },
    ]);
  });

  it('reads the poller’s small files, merged or not, by the duplicate rule: a later correction wins', async () => {
    for (let i = 0; i < 3; i++) {
      const later = { ...lake, now: () => new Date(Date.parse('2026-02-02T00:00:00Z') + i * 60_000) };
      await ingestHubeau(later, { origin: `p${i}.json`, bytes: page([obs('F7000001', 'F700000103', 'H', '2026-01-28T12:00:00Z', 5000 + i), obs('F7000001', 'F700000103', 'H', `2026-01-28T1${i + 3}:00:00Z`, 4000)]) });
    }
    // the compact stage (before this one in the daily cadence) merges the three files into one
    await compactLake(lake, COMPACTION_LIMITS);
    expect((await lake.lake.partitions(riverObservations)).map((p) => p.files)).toEqual([1]);
    await floodIndicators(lake);
    expect(await query('SELECT count(*)::INT AS n FROM river_observations')).toEqual([{ n: 4 }]);
    expect(await query('SELECT h_max, h_samples FROM flood_indicators_daily')).toEqual([{ h_max: 5.002, h_samples: 4 }]);
  });
});
