import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATASETS, floodIndicatorsDaily, heatIndicatorsDaily, riverStations } from '../../functions/lib/datasets/index.ts';
import { REFERENCE_FLOODS } from '../../functions/lib/domain/flood/config.ts';
import { floodRank, REFERENCE_STATION, STAGE_1910_M } from '../../functions/lib/domain/flood/reference-floods.ts';
import { HEAT } from '../../functions/lib/domain/heat/thresholds.ts';
import { datasetFileKey } from '../../functions/lib/lake/layout.ts';
import { writeDataset } from '../../functions/lib/lake/write.ts';
import { parseSqlHeader, type SqlHeader } from '../../functions/lib/sql/header.ts';
import { STAGES } from '../../functions/lib/stages/registry.ts';
import { runPipeline } from '../../functions/lib/stages/pipeline.ts';
import { feedDemo } from '../../functions/local/demo-feed.ts';
import { tempLake } from '../support/lake.ts';

export const NOTEBOOKS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../notebooks');
export const SQL_DIR = path.join(NOTEBOOKS_DIR, 'sql');

/**
 * Datasets the SQL files may name before they are in DATASETS (they are being written): a file that
 * needs one is listed as waiting, not run. Anything else a header names must be declared.
 */
export const DATASETS_TO_COME: readonly string[] = [];

export interface SqlFile extends SqlHeader {
  readonly file: string;
  readonly sql: string;
  /** the datasets it names that are not declared yet */
  readonly waitingFor: readonly string[];
}

export function sqlFiles(): SqlFile[] {
  const declared = new Set(DATASETS.map((d) => d.name));
  return readdirSync(SQL_DIR)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => {
      const sql = readFileSync(path.join(SQL_DIR, f), 'utf8');
      const header = parseSqlHeader(sql, `notebooks/sql/${f}`);
      return { ...header, file: f, sql, waitingFor: header.datasets.filter((d) => !declared.has(d)) };
    });
}

export function notebookFiles(): string[] {
  return readdirSync(NOTEBOOKS_DIR)
    .filter((f) => f.endsWith('.ipynb'))
    .sort()
    .map((f) => path.join(NOTEBOOKS_DIR, f));
}

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

/**
 * The demo lake (simulated noise network, 3 days, one sensor per commune, through the real ingestion
 * and the stages that write datasets) plus a few hand-made flood and heat rows, so that the notebooks' flood and heat cells
 * run on data too. The hand-made rows are test fixtures, not measurements.
 */
export async function notebookLake() {
  // after the demo clock (2026-06-30): readings later than the clock would be in the future
  const lake = await tempLake({ now: new Date('2026-07-01T12:00:00Z') });
  await feedDemo(lake, { days: 3, sensorsPerCommune: 1 });
  // every stage but the site's: the notebooks read the curated datasets, never the published site
  await runPipeline(lake, { stages: STAGES.filter((s) => !s.outputs.includes('site')) });

  const stages: [string, number][] = [['2018-01-27', 5.71], ['2018-01-28', 5.8], ['2018-01-29', 5.84], ['2018-01-30', 5.76]];
  const flood = stages.map(([d, h]) => ({
    site_code: REFERENCE_STATION.slice(0, 8),
    station_code: REFERENCE_STATION,
    day: d,
    h_max: h,
    h_max_at: new Date(`${d}T04:00:00Z`),
    q_max: 1800 + 100 * h,
    q_max_at: new Date(`${d}T04:00:00Z`),
    h_samples: 288,
    q_samples: 288,
    ratio_1910: h / STAGE_1910_M,
    flood_rank: floodRank(h),
    reference_floods: REFERENCE_FLOODS.peaks.length,
  }));
  for (const row of flood) await writeDataset(lake, floodIndicatorsDaily, [row], datasetFileKey(floodIndicatorsDaily, 'fixture', row.day));
  await writeDataset(
    lake,
    riverStations,
    [{ station_code: REFERENCE_STATION, site_code: REFERENCE_STATION.slice(0, 8), label: 'La Seine à Paris - Austerlitz', river: 'Seine', commune_insee: '75056', raw_key: 'raw/fixture', record: 0, received_at: day('2018-02-01') }],
    datasetFileKey(riverStations, 'fixture'),
  );

  const paris = HEAT.departements['75']!;
  const temps: [string, number, number][] = [
    ['2019-07-23', 22.1, 37.4], ['2019-07-24', 23.5, 39.8], ['2019-07-25', 24.0, 42.6], ['2019-07-26', 21.3, 33.1],
    ['2020-08-08', 20.6, 35.2], ['2020-08-09', 21.9, 34.9], ['2020-08-10', 22.4, 35.8],
  ];
  const heat = temps.map(([d, tn, tx], i) => {
    const window = temps.slice(Math.max(0, i - 2), i + 1).filter(([w]) => w.slice(0, 4) === d.slice(0, 4));
    const full = window.length === 3;
    const ibmn = full ? window.reduce((t, w) => t + w[1], 0) / 3 : null;
    const ibmx = full ? window.reduce((t, w) => t + w[2], 0) / 3 : null;
    const heatwave = ibmn === null || ibmx === null ? null : ibmn >= paris.ibmn && ibmx >= paris.ibmx;
    return {
      station_id: paris.reference_station, departement: '75', day: d, tn, tx, tn_doubtful: false, tx_doubtful: false, ibmn, ibmx,
      ibmn_threshold: paris.ibmn, ibmx_threshold: paris.ibmx, thresholds_verified: true,
      heatwave, heatwave_episode: heatwave ? `${paris.reference_station}/${d.slice(0, 4)}` : null, heatwave_day: heatwave ? 1 : null, heatwave_days: heatwave ? 1 : null,
      tropical_night: tn >= HEAT.tropical_night_tn, hot_day: tx >= HEAT.hot_day_tx, very_hot_day: tx >= HEAT.very_hot_day_tx,
    };
  });
  for (const row of heat) await writeDataset(lake, heatIndicatorsDaily, [row], datasetFileKey(heatIndicatorsDaily, 'fixture', row.day));
  return lake;
}
