import { createHash } from 'node:crypto';
import { daySql, floodIndicatorsDaily, floodVigilance, floodVigilanceCommuneDaily, partitionSql, riverObservations } from '../datasets/index.ts';
import { HYDROMETRY, REFERENCE_FLOODS } from '../domain/flood/config.ts';
import { STAGE_1910_M } from '../domain/flood/reference-floods.ts';
import { SECTIONS } from '../domain/flood/sections.ts';
import { VIGILANCE_LEVELS } from '../domain/flood/vigicrues.ts';
import { PARIS_TZ } from '../domain/time/paris.ts';
import type { StageContext } from './context.ts';
import { inputFingerprint, readIndicatorState, valuesTable, writeChangedPartitions, writeIndicatorState } from './partition-output.ts';

// Flood indicators, in DuckDB SQL over the river_observations and flood_vigilance views:
// - per series (station, or the site-level series) and local day (the Europe/Paris date of the observation): the highest
//   stage and discharge and when they were reached; for the station the reference floods were
//   measured at (Paris-Austerlitz), h_max ÷ the 1910 stage and the rank among the reference floods;
// - per commune and local day: the highest vigilance level in force on its sections. A section's level
//   on a day is the highest of the bulletins issued that day and of the last earlier bulletin if it was
//   issued less than 24 h before the day starts (Vigicrues publishes at least twice a day).
// The small files the 15-minute poller leaves are merged by the compact stage, which runs before this one.

export const FLOOD_INDICATORS_STAGE = 'flood-indicators';
/** bump when the computation changes: the next run rewrites every partition */
const ALGORITHM_VERSION = 1;
const CARRY_OVER_HOURS = 24;

export interface FloodIndicatorsSummary {
  readonly skipped?: string;
  readonly rows: Record<string, number>;
  readonly written: Record<string, number>;
  readonly deleted: Record<string, number>;
  readonly seconds: number;
}

const T = { obs: 'fi_obs', daily: 'fi_daily', peaks: 'fi_peaks', refStations: 'fi_ref_stations', sections: 'fi_sections', bulletins: 'fi_bulletins', sectionDays: 'fi_section_days', communeDaily: 'fi_commune_daily' } as const;

export function floodSettings(): string {
  return createHash('sha256')
    .update(JSON.stringify({ v: ALGORITHM_VERSION, carry: CARRY_OVER_HOURS, peaks: REFERENCE_FLOODS, stations: HYDROMETRY.stations, sections: SECTIONS.map((s) => [s.code, s.communes]) }))
    .digest('hex');
}

export async function floodIndicators(ctx: StageContext, options: { full?: boolean } = {}): Promise<FloodIndicatorsSummary> {
  const started = performance.now();
  const settings = floodSettings();
  const inputs = await inputFingerprint(ctx.store, [riverObservations, floodVigilance]);
  const previous = await readIndicatorState(ctx.store, FLOOD_INDICATORS_STAGE);
  if (!options.full && previous && previous.settings === settings && previous.inputs === inputs) {
    return { skipped: 'inputs and settings unchanged', rows: {}, written: {}, deleted: {}, seconds: (performance.now() - started) / 1000 };
  }
  await ctx.lake.attach([riverObservations, floodVigilance]);
  try {
    await computeFloodTables(ctx);
    const out = await writeChangedPartitions(
      ctx,
      [
        { dataset: floodIndicatorsDaily, table: T.daily },
        { dataset: floodVigilanceCommuneDaily, table: T.communeDaily },
      ],
      previous,
      Boolean(options.full) || previous?.settings !== settings,
    );
    await writeIndicatorState(ctx.store, FLOOD_INDICATORS_STAGE, { version: 1, settings, inputs, partitions: out.partitions });
    const seconds = (performance.now() - started) / 1000;
    ctx.logger.info(`flood-indicators: ${out.rows[floodIndicatorsDaily.name]} series-days, ${out.rows[floodVigilanceCommuneDaily.name]} commune-days in ${seconds.toFixed(2)} s`, { written: out.written });
    return { rows: out.rows, written: out.written, deleted: out.deleted, seconds };
  } finally {
    for (const t of Object.values(T)) await ctx.lake.run(`DROP TABLE IF EXISTS ${t}`);
  }
}

async function computeFloodTables(ctx: StageContext): Promise<void> {
  const duck = ctx.lake;
  await valuesTable(duck, T.peaks, { event: 'VARCHAR', stage_m: 'DOUBLE' }, REFERENCE_FLOODS.peaks.map((p) => [p.event, p.stage_m]));
  await valuesTable(duck, T.refStations, { station_code: 'VARCHAR' }, HYDROMETRY.stations.filter((s) => s.reference_floods).map((s) => [s.code_station]));
  await valuesTable(
    duck,
    T.sections,
    { section_code: 'VARCHAR', commune_insee: 'VARCHAR' },
    SECTIONS.flatMap((s) => s.communes.map((c) => [s.code, c])),
  );

  // sk: the series key (NULL station_code = the site-level series), so that joins keep the site series
  await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.obs} AS
    SELECT site_code, station_code, coalesce(station_code, '') AS sk, quantity, ts, value, ${daySql(riverObservations)} AS day
    FROM river_observations`);
  await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.daily} AS
    WITH m AS (
      SELECT site_code, sk, day, quantity, max(value) AS vmax, count(*) AS n FROM ${T.obs} GROUP BY ALL),
    peak_at AS (
      SELECT o.site_code, o.sk, o.day, o.quantity, min(o.ts) AS t
      FROM ${T.obs} o JOIN m ON o.site_code = m.site_code AND o.sk = m.sk AND o.day = m.day AND o.quantity = m.quantity AND o.value = m.vmax
      GROUP BY ALL),
    series AS (
      SELECT site_code, sk, day,
        max(vmax) FILTER (WHERE quantity = 'H') AS h_max, max(n) FILTER (WHERE quantity = 'H') AS h_n,
        max(vmax) FILTER (WHERE quantity = 'Q') AS q_max, max(n) FILTER (WHERE quantity = 'Q') AS q_n
      FROM m GROUP BY ALL)
    SELECT s.site_code, nullif(s.sk, '') AS station_code, s.day,
      s.h_max, ah.t AS h_max_at, s.q_max, aq.t AS q_max_at,
      CAST(coalesce(s.h_n, 0) AS INTEGER) AS h_samples, CAST(coalesce(s.q_n, 0) AS INTEGER) AS q_samples,
      CASE WHEN r.station_code IS NOT NULL AND s.h_max IS NOT NULL THEN round(s.h_max / ${STAGE_1910_M}, 4) END AS ratio_1910,
      CASE WHEN r.station_code IS NOT NULL AND s.h_max IS NOT NULL
        THEN CAST(1 + (SELECT count(*) FROM ${T.peaks} p WHERE p.stage_m > s.h_max) AS INTEGER) END AS flood_rank,
      CASE WHEN r.station_code IS NOT NULL AND s.h_max IS NOT NULL THEN CAST((SELECT count(*) FROM ${T.peaks}) AS INTEGER) END AS reference_floods,
      ${partitionSql(floodIndicatorsDaily, 's.day')} AS dt
    FROM series s
    LEFT JOIN peak_at ah ON ah.site_code = s.site_code AND ah.sk = s.sk AND ah.day = s.day AND ah.quantity = 'H'
    LEFT JOIN peak_at aq ON aq.site_code = s.site_code AND aq.sk = s.sk AND aq.day = s.day AND aq.quantity = 'Q'
    LEFT JOIN ${T.refStations} r ON r.station_code = s.sk`);

  // bulletins of the configured sections, with the local day they were issued and when that day starts
  await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.bulletins} AS
    SELECT v.section_code, v.level, v.bulletin_at, ${daySql(floodVigilance)} AS day
    FROM flood_vigilance v WHERE v.section_code IN (SELECT section_code FROM ${T.sections})`);
  await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.sectionDays} AS
    WITH days AS (
      SELECT DISTINCT section_code, day FROM ${T.bulletins}
      UNION SELECT DISTINCT section_code, day + 1 FROM ${T.bulletins}),
    bounds AS (
      SELECT section_code, day, timezone('${PARIS_TZ}', CAST(day AS TIMESTAMP)) AS day_start FROM days),
    issued AS (
      SELECT d.section_code, d.day, max(b.level) AS level, count(b.level) AS n
      FROM bounds d LEFT JOIN ${T.bulletins} b ON b.section_code = d.section_code AND b.day = d.day
      GROUP BY ALL),
    carried AS (
      SELECT d.section_code, d.day, arg_max(b.level, b.bulletin_at) AS level
      FROM bounds d JOIN ${T.bulletins} b ON b.section_code = d.section_code
        AND b.bulletin_at < d.day_start AND b.bulletin_at >= d.day_start - INTERVAL ${CARRY_OVER_HOURS} HOUR
      GROUP BY ALL)
    SELECT i.section_code, i.day, greatest(coalesce(i.level, 0), coalesce(c.level, 0)) AS level,
      i.n + CASE WHEN c.level IS NULL THEN 0 ELSE 1 END AS bulletins
    FROM issued i LEFT JOIN carried c ON c.section_code = i.section_code AND c.day = i.day
    WHERE i.n > 0 OR c.level IS NOT NULL`);
  const labels = Object.entries(VIGILANCE_LEVELS).map(([n, label]) => `WHEN ${n} THEN '${label}'`).join(' ');
  await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.communeDaily} AS
    WITH cd AS (
      SELECT s.commune_insee, d.day, d.section_code, d.level, d.bulletins
      FROM ${T.sectionDays} d JOIN ${T.sections} s ON s.section_code = d.section_code),
    mx AS (SELECT commune_insee, day, max(level) AS level_max, sum(bulletins) AS bulletins FROM cd GROUP BY ALL)
    SELECT m.commune_insee, m.day, CAST(m.level_max AS INTEGER) AS level_max, CASE m.level_max ${labels} END AS level_max_label,
      (SELECT string_agg(section_code, ',' ORDER BY section_code) FROM cd WHERE cd.commune_insee = m.commune_insee AND cd.day = m.day AND cd.level = m.level_max) AS sections,
      CAST(m.bulletins AS INTEGER) AS bulletins, ${partitionSql(floodVigilanceCommuneDaily, 'm.day')} AS dt
    FROM mx m`);
}
