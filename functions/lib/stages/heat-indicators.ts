import { createHash } from 'node:crypto';
import { heatIndicatorsCommuneDaily, heatIndicatorsDaily, partitionSql, weatherDaily, type DatasetDeclaration } from '../datasets/index.ts';
import { COMMUNES } from '../domain/geo/communes.ts';
import { DOUBTFUL } from '../domain/heat/meteofrance.ts';
import { HEAT, METROPOLE_DEPARTEMENTS } from '../domain/heat/thresholds.ts';
import type { StageContext } from './context.ts';
import { inputFingerprint, readIndicatorState, valuesTable, writeChangedPartitions, writeIndicatorState } from './partition-output.ts';

// Heat indicators, in DuckDB SQL over the weather_daily view, per station of the Métropole's
// départements and day (weather_daily also holds the river model's basin rain stations, which have no
// heat-wave thresholds):
// - a value enters an indicator only when present and not doubtful (quality code 2);
// - IBMn / IBMx: means of TN / TX over the day and the two calendar days before it, NULL unless all
//   three are usable; rounded to 0.01 °C (the data have 0.1 °C steps, so a mean of three is a
//   multiple of 1/30 °C and rounding cannot move it across a threshold given in whole or tenth °C);
// - heatwave: IBMn ≥ the département's IBMn threshold and IBMx ≥ its IBMx threshold (SACS);
//   episodes are runs of consecutive heat-wave days;
// - tropical night TN ≥ 20 °C, hot day TX ≥ 30 °C, very hot day TX ≥ 35 °C.
// Per commune: the rows of the reference station of the commune's département.

export const HEAT_INDICATORS_STAGE = 'heat-indicators';
const ALGORITHM_VERSION = 1;

export interface HeatIndicatorsSummary {
  readonly skipped?: string;
  readonly rows: Record<string, number>;
  readonly written: Record<string, number>;
  readonly deleted: Record<string, number>;
  readonly seconds: number;
}

const T = { thresholds: 'hi_thresholds', communes: 'hi_communes', daily: 'hi_daily', communeDaily: 'hi_commune_daily' } as const;

export function heatSettings(): string {
  return createHash('sha256').update(JSON.stringify({ v: ALGORITHM_VERSION, heat: HEAT, communes: COMMUNES.map((c) => [c.commune_insee, c.departement]) })).digest('hex');
}

export async function heatIndicators(ctx: StageContext, options: { full?: boolean } = {}): Promise<HeatIndicatorsSummary> {
  const started = performance.now();
  const settings = heatSettings();
  const inputs = await inputFingerprint(ctx.store, [weatherDaily]);
  const previous = await readIndicatorState(ctx.store, HEAT_INDICATORS_STAGE);
  if (!options.full && previous && previous.settings === settings && previous.inputs === inputs) {
    return { skipped: 'inputs and settings unchanged', rows: {}, written: {}, deleted: {}, seconds: (performance.now() - started) / 1000 };
  }
  await ctx.lake.attach([weatherDaily]);
  try {
    await computeHeatTables(ctx);
    const out = await writeChangedPartitions(
      ctx,
      [
        { dataset: heatIndicatorsDaily, table: T.daily },
        { dataset: heatIndicatorsCommuneDaily, table: T.communeDaily },
      ],
      previous,
      Boolean(options.full) || previous?.settings !== settings,
    );
    await writeIndicatorState(ctx.store, HEAT_INDICATORS_STAGE, { version: 1, settings, inputs, partitions: out.partitions });
    const seconds = (performance.now() - started) / 1000;
    ctx.logger.info(`heat-indicators: ${out.rows[heatIndicatorsDaily.name]} station-days, ${out.rows[heatIndicatorsCommuneDaily.name]} commune-days in ${seconds.toFixed(2)} s`, { written: out.written });
    return { rows: out.rows, written: out.written, deleted: out.deleted, seconds };
  } finally {
    for (const t of Object.values(T)) await ctx.lake.run(`DROP TABLE IF EXISTS ${t}`);
  }
}

async function computeHeatTables(ctx: StageContext): Promise<void> {
  const duck = ctx.lake;
  const deps = Object.entries(HEAT.departements);
  await valuesTable(
    duck,
    T.thresholds,
    { departement: 'VARCHAR', ibmn_threshold: 'DOUBLE', ibmx_threshold: 'DOUBLE', thresholds_verified: 'BOOLEAN', reference_station: 'VARCHAR', station_verified: 'BOOLEAN' },
    deps.map(([d, t]) => [d, t.ibmn, t.ibmx, t.thresholds_status === 'confirmed', t.reference_station, t.station_status === 'confirmed']),
  );
  await valuesTable(duck, T.communes, { commune_insee: 'VARCHAR', departement: 'VARCHAR' }, COMMUNES.map((c) => [c.commune_insee, c.departement]));
  const usable = (v: string, q: string) => `CASE WHEN ${v} IS NOT NULL AND coalesce(${q}, -1) <> ${DOUBTFUL} THEN ${v} END`;
  const flag = (v: string, op: string, limit: number) => `CASE WHEN ${v} IS NULL THEN NULL ELSE ${v} ${op} ${limit} END`;
  await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.daily} AS
    WITH v AS (
      SELECT station_id, departement, CAST(day AS DATE) AS day, tn, tx,
        CASE WHEN tn IS NULL THEN NULL ELSE coalesce(q_tn, -1) = ${DOUBTFUL} END AS tn_doubtful,
        CASE WHEN tx IS NULL THEN NULL ELSE coalesce(q_tx, -1) = ${DOUBTFUL} END AS tx_doubtful,
        ${usable('tn', 'q_tn')} AS tn_ok, ${usable('tx', 'q_tx')} AS tx_ok
      FROM weather_daily WHERE departement IN (${METROPOLE_DEPARTEMENTS.map((d) => `'${d}'`).join(', ')})),
    w AS (
      SELECT v.*,
        count(tn_ok) OVER win AS n_tn, avg(tn_ok) OVER win AS avg_tn,
        count(tx_ok) OVER win AS n_tx, avg(tx_ok) OVER win AS avg_tx
      FROM v WINDOW win AS (PARTITION BY station_id ORDER BY day RANGE BETWEEN INTERVAL ${HEAT.window_days - 1} DAY PRECEDING AND CURRENT ROW)),
    i AS (
      SELECT w.*, CASE WHEN n_tn = ${HEAT.window_days} THEN round(avg_tn, 2) END AS ibmn, CASE WHEN n_tx = ${HEAT.window_days} THEN round(avg_tx, 2) END AS ibmx,
        t.ibmn_threshold, t.ibmx_threshold, coalesce(t.thresholds_verified, false) AS thresholds_verified
      FROM w LEFT JOIN ${T.thresholds} t USING (departement)),
    h AS (
      SELECT i.*, ${heatwave('ibmn', 'ibmx', 'ibmn_threshold', 'ibmx_threshold')} AS heatwave,
        ${flag('tn_ok', '>=', HEAT.tropical_night_tn)} AS tropical_night,
        ${flag('tx_ok', '>=', HEAT.hot_day_tx)} AS hot_day,
        ${flag('tx_ok', '>=', HEAT.very_hot_day_tx)} AS very_hot_day
      FROM i)
    ${withEpisodes(heatIndicatorsDaily, 'h', 'station_id', 'h.station_id')}`);
  // a commune takes the IBMs of its département's reference station, compared with its département's thresholds
  await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.communeDaily} AS
    WITH h AS (
      SELECT c.commune_insee, c.departement, d.station_id, t.station_verified, d.day, d.tn, d.tx, d.tn_doubtful, d.tx_doubtful, d.ibmn, d.ibmx,
        t.ibmn_threshold, t.ibmx_threshold, t.thresholds_verified,
        ${heatwave('d.ibmn', 'd.ibmx', 't.ibmn_threshold', 't.ibmx_threshold')} AS heatwave,
        d.tropical_night, d.hot_day, d.very_hot_day
    FROM ${T.communes} c
    JOIN ${T.thresholds} t ON t.departement = c.departement
    JOIN ${T.daily} d ON d.station_id = t.reference_station)
    ${withEpisodes(heatIndicatorsCommuneDaily, 'h', 'commune_insee', 'h.commune_insee')}`);
}

function heatwave(ibmn: string, ibmx: string, tn: string, tx: string): string {
  return `CASE WHEN ${ibmn} IS NULL OR ${ibmx} IS NULL OR ${tn} IS NULL OR ${tx} IS NULL THEN NULL ELSE ${ibmn} >= ${tn} AND ${ibmx} >= ${tx} END`;
}

/**
 * the rows of CTE `h` (extra columns are left out when written) with their heat-wave episode: runs of consecutive heat-wave days per `by`
 * (gaps and islands: day minus its rank among the heat-wave days is constant within a run)
 */
function withEpisodes(d: DatasetDeclaration, h: string, by: string, id: string): string {
  return `, runs AS (
      SELECT ${by}, day, day - CAST(row_number() OVER (PARTITION BY ${by} ORDER BY day) AS INTEGER) AS grp FROM ${h} WHERE heatwave),
    episodes AS (
      SELECT ${by}, day, min(day) OVER g AS first_day, CAST(row_number() OVER (g ORDER BY day) AS INTEGER) AS heatwave_day,
        CAST(count(*) OVER g AS INTEGER) AS heatwave_days
      FROM runs WINDOW g AS (PARTITION BY ${by}, grp))
    SELECT ${h}.*,
      CASE WHEN e.first_day IS NOT NULL THEN ${id} || '/' || strftime(e.first_day, '%Y-%m-%d') END AS heatwave_episode,
      e.heatwave_day, e.heatwave_days, ${partitionSql(d, `${h}.day`)} AS dt
    FROM ${h} LEFT JOIN episodes e ON e.${by} = ${h}.${by} AND e.day = ${h}.day`;
}
