import { PARIS_TZ } from '../time/paris.ts';

// Quality control of noise readings: the one place its thresholds and rules are written. The flag is
// computed in SQL over the deduplicated readings, each window one sensor and one local day (dt), so the
// same code gives the verdict wherever readings are read: the noise_readings view (a `qc` column), the
// ingest summary (over the file just received) and the indicators (over each recomputed day). Nothing
// is deleted: a flagged reading stays in the lake, visible with its flag; indicators, alerts, the map
// and the models use `qc = 'ok'` readings only. Sources and reasons: docs/methodology.md § Quality control.

/** the verdicts, in order of precedence: when several apply, the first after 'ok' is given */
export const QC_FLAGS = ['ok', 'stuck', 'spike', 'range', 'clock', 'drift'] as const;
export type QcFlag = (typeof QC_FLAGS)[number];

export const QC_THRESHOLDS = {
  /**
   * stuck: the same LAeq, LAmax and LAS (NULLs equal) for this long, and at least `stuckMinReadings`
   * readings in a row: 10 min is 600 readings at 1 s, 10 at 1 min, 10 at 15 min (2 h 30)
   */
  stuckSeconds: 600,
  stuckMinReadings: 10,
  /**
   * spike: an isolated jump of LAeq, up and back down (or down and back up) by more than this many dB
   * on both sides, for readings up to `seconds` long. Longer readings average more events, so the
   * jump a street can make shrinks with the interval.
   */
  spikeJumpDb: [
    { seconds: 1, db: 45 },
    { seconds: 60, db: 35 },
    { seconds: Number.POSITIVE_INFINITY, db: 25 },
  ],
  /** spike: LAmax below LAeq by more than this (the maximum of an interval cannot be below its average) */
  maxBelowLeqDb: 0.5,
  /** range: levels a street sensor can report, in dB(A) (outside: a fault, not a street) */
  rangeDb: { min: 20, max: 130 },
  /** clock: a reading starting this long after its file was received comes from the future */
  futureSeconds: 300,
  /**
   * drift: the day's night floor (10th percentile of LAeq over 22:00–06:00 local) more than this many
   * dB away from the median of the sensor's own night floors over the `driftReferenceDays` before,
   * when at least `driftMinReferenceDays` of them have a floor
   */
  driftDb: 10,
  driftReferenceDays: 28,
  driftMinReferenceDays: 7,
  /** local night hours of the floor: [from, 24) ∪ [0, to) */
  nightHours: { from: 22, to: 6 },
} as const;

/** the spike threshold for a reading of `seconds` */
export function spikeJumpDb(seconds: number): number {
  return QC_THRESHOLDS.spikeJumpDb.find((s) => seconds <= s.seconds)!.db;
}

const T = QC_THRESHOLDS;

/** SQL: the spike threshold for a reading of `secondsExpr` */
function spikeJumpSql(secondsExpr: string): string {
  const cases = T.spikeJumpDb.filter((s) => Number.isFinite(s.seconds)).map((s) => `WHEN ${secondsExpr} <= ${s.seconds} THEN ${s.db}`);
  return `CASE ${cases.join(' ')} ELSE ${T.spikeJumpDb.at(-1)!.db} END`;
}

const outOfRange = (c: string) => `(${c} IS NOT NULL AND (${c} < ${T.rangeDb.min} OR ${c} > ${T.rangeDb.max}))`;

/** SQL: whether a reading starting at `ts_from` lies in the local night of the drift check's floor */
const NIGHT_SQL = `(hour(timezone('${PARIS_TZ}', ts_from)) >= ${T.nightHours.from} OR hour(timezone('${PARIS_TZ}', ts_from)) < ${T.nightHours.to})`;

/** SQL aggregate over one sensor-day of readings: its night floor (the drift check's measure) */
export const NIGHT_FLOOR_SQL = `quantile_cont(laeq, 0.1) FILTER (WHERE ${NIGHT_SQL})`;

/**
 * A SELECT of every column of `rows` plus `qc`. `rows` is a relation (a view name or a parenthesised
 * query) with the noise_readings columns and dt. Windows are per sensor and dt (the local day), so a
 * filter on dt reaches the files under them. Drift alone looks at the sensor's earlier days: their night
 * floors come from `rows`, and, for the days `rows` does not hold, from `storedFloors` when given (a
 * relation of sensor_id, dt, floor_db: the noise_quality_daily rows), so that checking one new day does
 * not need weeks of readings.
 */
export function qualityFlagsSql(rows: string, storedFloors?: string): string {
  const w = 'PARTITION BY sensor_id, dt ORDER BY ts_from, ts_to';
  const same = (c: string) => `${c} IS NOT DISTINCT FROM lag(${c}) OVER (${w})`;
  const stored = storedFloors
    ? `
    UNION ALL
    SELECT s.sensor_id, s.dt, s.floor_db FROM ${storedFloors} s ANTI JOIN qc_own_floors o ON o.sensor_id = s.sensor_id AND o.dt = s.dt`
    : '';
  return `WITH qc_rows AS (SELECT * FROM ${rows}),
  qc_steps AS (
    SELECT *, epoch(ts_to) - epoch(ts_from) AS qc_seconds,
      NOT (${same('laeq')} AND ${same('lamax')} AND ${same('las')}) AS qc_changed,
      laeq - lag(laeq) OVER (${w}) AS qc_rise, laeq - lead(laeq) OVER (${w}) AS qc_fall,
      ts_from < lag(ts_from) OVER (PARTITION BY sensor_id, raw_key, dt ORDER BY record) AS qc_backwards
    FROM qc_rows),
  qc_runs AS (
    SELECT *, sum(CAST(qc_changed AS INTEGER)) OVER (${w} ROWS UNBOUNDED PRECEDING) AS qc_run FROM qc_steps),
  qc_lengths AS (
    SELECT *, count(*) OVER (PARTITION BY sensor_id, dt, qc_run) AS qc_run_length FROM qc_runs),
  qc_own_floors AS (
    SELECT sensor_id, dt, ${NIGHT_FLOOR_SQL} AS floor_db FROM qc_rows GROUP BY sensor_id, dt),
  qc_floors AS (
    SELECT sensor_id, dt, floor_db FROM qc_own_floors${stored}),
  qc_drift AS (
    SELECT sensor_id, dt, floor_db,
      median(floor_db) OVER ref AS reference_db, count(floor_db) OVER ref AS reference_days
    FROM qc_floors
    WINDOW ref AS (PARTITION BY sensor_id ORDER BY CAST(dt AS DATE)
      RANGE BETWEEN INTERVAL ${T.driftReferenceDays} DAYS PRECEDING AND INTERVAL 1 DAY PRECEDING))
  SELECT r.* EXCLUDE (qc_seconds, qc_changed, qc_rise, qc_fall, qc_backwards, qc_run, qc_run_length),
    CASE
      WHEN r.qc_run_length >= greatest(${T.stuckMinReadings}, ceil(${T.stuckSeconds} / greatest(r.qc_seconds, 1e-3))) THEN 'stuck'
      WHEN (r.qc_rise > ${spikeJumpSql('r.qc_seconds')} AND r.qc_fall > ${spikeJumpSql('r.qc_seconds')})
        OR (r.qc_rise < -${spikeJumpSql('r.qc_seconds')} AND r.qc_fall < -${spikeJumpSql('r.qc_seconds')})
        OR r.lamax < r.laeq - ${T.maxBelowLeqDb} THEN 'spike'
      WHEN ${['laeq', 'lamax', 'las'].map((c) => outOfRange(`r.${c}`)).join(' OR ')} THEN 'range'
      WHEN r.ts_from > r.received_at + INTERVAL ${T.futureSeconds} SECONDS OR coalesce(r.qc_backwards, false) THEN 'clock'
      WHEN d.reference_days >= ${T.driftMinReferenceDays} AND abs(d.floor_db - d.reference_db) > ${T.driftDb} THEN 'drift'
      ELSE 'ok'
    END AS qc
  FROM qc_lengths r LEFT JOIN qc_drift d ON d.sensor_id = r.sensor_id AND d.dt = r.dt`;
}

/**
 * A SELECT of one row per sensor and dt of `flagged` (rows with the noise_readings columns, dt and
 * qc): the readings, their count per flag and the night floor, i.e. the noise_quality_daily columns
 * but dt.
 */
export function qualityDailySql(flagged: string): string {
  return `SELECT sensor_id, CAST(dt AS DATE) AS day, CAST(count(*) AS INTEGER) AS readings,
    ${QC_FLAGS.map((f) => `CAST(count(*) FILTER (WHERE qc = '${f}') AS INTEGER) AS readings_${f}`).join(', ')},
    ${NIGHT_FLOOR_SQL} AS night_floor_db
  FROM ${flagged} GROUP BY sensor_id, dt`;
}
