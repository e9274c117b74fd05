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

/** the spike threshold of the longest readings */
const LONGEST_SPIKE_STEP = QC_THRESHOLDS.spikeJumpDb[2]; // the tuple's last (its type fails to compile if the list shrinks)

/** the spike threshold for a reading of `seconds` */
export function spikeJumpDb(seconds: number): number {
  // the last step's seconds are infinite: every reading finds its step
  return (QC_THRESHOLDS.spikeJumpDb.find((s) => seconds <= s.seconds) ?? LONGEST_SPIKE_STEP).db;
}

const T = QC_THRESHOLDS;

/** SQL: the spike threshold for a reading of `secondsExpr` */
function spikeJumpSql(secondsExpr: string): string {
  const cases = T.spikeJumpDb.filter((s) => Number.isFinite(s.seconds)).map((s) => `WHEN ${secondsExpr} <= ${s.seconds} THEN ${s.db}`);
  return `CASE ${cases.join(' ')} ELSE ${LONGEST_SPIKE_STEP.db} END`;
}

const outOfRange = (c: string) => `(${c} IS NOT NULL AND (${c} < ${T.rangeDb.min} OR ${c} > ${T.rangeDb.max}))`;

/** microseconds in an hour: the hour keys of the QC and of the indicators (epoch_us(ts) // US_PER_HOUR) */
export const US_PER_HOUR = 3_600_000_000;
/** SQL: the UTC hour of a timestamp, as a number (Paris offsets change on whole UTC hours only) */
const hourKeySql = (ts: string) => `epoch_us(${ts}) // ${US_PER_HOUR}`;
/** SQL: the local hour in Paris of an hourKeySql number (to_timestamp gives an instant; make_timestamp's naive time would be read as Paris time) */
const localHourSql = (hourKey: string) => `hour(timezone('${PARIS_TZ}', to_timestamp(${hourKey} * 3600)))`;

/**
 * SQL: the UTC hours (as hourKeySql numbers) of `rows`' ts_from, each with whether it lies in the local
 * night of the drift check's floor (qc_night). The time zone is looked up once per hour, not once per
 * reading: each UTC hour lies in one local hour.
 */
function nightHoursSql(rows: string): string {
  const local = localHourSql('hk');
  return `SELECT hk, ${local} >= ${T.nightHours.from} OR ${local} < ${T.nightHours.to} AS qc_night
    FROM (SELECT DISTINCT ${hourKeySql('ts_from')} AS hk FROM ${rows})`;
}

/** SQL aggregate over one sensor-day of readings joined to nightHoursSql: its night floor (the drift check's measure) */
const NIGHT_FLOOR_SQL = 'quantile_cont(laeq, 0.1) FILTER (WHERE qc_night)';

/** SQL: `rows` with the qc_night of each reading */
const withNightSql = (rows: string) =>
  `(SELECT r.*, h.qc_night FROM ${rows} r JOIN (${nightHoursSql(rows)}) h ON h.hk = ${hourKeySql('r.ts_from')})`;

/**
 * A SELECT of every column of `rows` plus `qc`. `rows` is a relation (a view name or a parenthesised
 * query) with the noise_readings columns and dt, one row per sensor_id, ts_from, ts_to. Windows are per
 * dt (the local day), so a filter on dt reaches the files under them. Drift alone looks at the sensor's
 * earlier days: their night floors come from `rows`, and, for the days `rows` does not hold, from
 * `storedFloors` when given (a relation of sensor_id, dt, floor_db: the noise_quality_daily rows), so
 * that checking one new day does not need weeks of readings.
 *
 * Cost (issue 14's backfill): the checks that compare a reading with its neighbours (stuck, spike's
 * jumps, time going backwards in a file) sort only the columns they need, with numbers standing for the
 * sensor and the file (DuckDB pays for string keys and per window partition), and yield only the
 * readings they flag (usually none), which the readings then meet in hash joins.
 */
export function qualityFlagsSql(rows: string, storedFloors?: string): string {
  return `WITH qc_rows AS MATERIALIZED (SELECT * FROM ${rows}),
  qc_sensors AS (SELECT sensor_id, row_number() OVER () AS qc_sensor FROM (SELECT DISTINCT sensor_id FROM qc_rows)),
  qc_files AS (SELECT raw_key, row_number() OVER () AS qc_file FROM (SELECT DISTINCT raw_key FROM qc_rows)),
  ${neighboursSql()},
  ${backwardsSql()},
  ${driftSql(storedFloors)}
  SELECT r.*, ${verdictSql('r', 'd')} AS qc
  FROM qc_rows r LEFT JOIN qc_drift d ON d.sensor_id = r.sensor_id AND d.dt = r.dt`;
}

/**
 * qc_neighbours: the readings stuck (in a run of identical LAeq, LAmax and LAS, NULLs equal, long
 * enough) or jumping (up and back down, or down and back up, beyond the spike threshold), with which.
 * One sort for the steps, one for numbering the runs (qc_run: shared by consecutive readings of one
 * sensor and day with the same values), a hash partition for the runs' lengths.
 */
function neighboursSql(): string {
  const order = 'ORDER BY qc_sensor, ts_from, ts_to';
  const first = 'qc_sensor IS DISTINCT FROM lag(qc_sensor) OVER w';
  const same = (c: string) => `${c} IS NOT DISTINCT FROM lag(${c}) OVER w`;
  const seconds = '(epoch(ts_to) - epoch(ts_from))';
  const jump = spikeJumpSql(seconds);
  return `qc_changes AS (
    SELECT sensor_id, qc_sensor, dt, ts_from, ts_to, row_number() OVER w AS qc_index,
      ${first} OR NOT (${same('laeq')} AND ${same('lamax')} AND ${same('las')}) AS qc_changed,
      CASE WHEN NOT (${first}) THEN laeq - lag(laeq) OVER w END AS qc_rise,
      CASE WHEN qc_sensor = lead(qc_sensor) OVER w THEN laeq - lead(laeq) OVER w END AS qc_fall
    FROM qc_rows JOIN qc_sensors USING (sensor_id) WINDOW w AS (PARTITION BY dt ${order})),
  qc_runs AS (
    SELECT *,
      coalesce(min(CASE WHEN qc_changed THEN qc_index END) OVER (w ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING), count(*) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) + 1)
        - max(CASE WHEN qc_changed THEN qc_index END) OVER (w ROWS UNBOUNDED PRECEDING) AS qc_run_length
    FROM qc_changes WINDOW w AS (PARTITION BY dt ${order})),
  qc_neighbours AS (
    SELECT sensor_id, dt, ts_from, ts_to, stuck, jump FROM (
      SELECT *, qc_run_length >= ${T.stuckMinReadings} AND qc_run_length >= ceil(${T.stuckSeconds} / greatest(${seconds}, 1e-3)) AS stuck,
        coalesce((qc_rise > ${jump} AND qc_fall > ${jump}) OR (qc_rise < -${jump} AND qc_fall < -${jump}), false) AS jump
      FROM qc_runs)
    WHERE stuck OR jump)`;
}

/** qc_backwards: the readings starting before the previous record of their sensor and day in their file */
function backwardsSql(): string {
  const w = 'PARTITION BY dt ORDER BY qc_sensor, qc_file, record';
  return `qc_backwards AS (
    SELECT sensor_id, dt, ts_from, ts_to FROM (
      SELECT sensor_id, dt, ts_from, ts_to,
        qc_sensor = lag(qc_sensor) OVER w AND qc_file = lag(qc_file) OVER w AND ts_from < lag(ts_from) OVER w AS backwards
      FROM (SELECT sensor_id, qc_sensor, qc_file, dt, record, ts_from, ts_to FROM qc_rows JOIN qc_sensors USING (sensor_id) JOIN qc_files USING (raw_key))
      WINDOW w AS (${w}))
    WHERE backwards)`;
}

/** qc_drift: per sensor and dt, the night floor and the median and count of the floors of the days before */
function driftSql(storedFloors: string | undefined): string {
  const stored = storedFloors
    ? `
    UNION ALL
    SELECT s.sensor_id, s.dt, s.floor_db FROM ${storedFloors} s ANTI JOIN qc_own_floors o ON o.sensor_id = s.sensor_id AND o.dt = s.dt`
    : '';
  return `qc_own_floors AS (
    SELECT sensor_id, dt, ${NIGHT_FLOOR_SQL} AS floor_db FROM ${withNightSql('qc_rows')} GROUP BY sensor_id, dt),
  qc_floors AS (
    SELECT sensor_id, dt, floor_db FROM qc_own_floors${stored}),
  qc_drift AS (
    SELECT sensor_id, dt, floor_db,
      median(floor_db) OVER ref AS reference_db, count(floor_db) OVER ref AS reference_days
    FROM qc_floors
    WINDOW ref AS (PARTITION BY sensor_id ORDER BY CAST(dt AS DATE)
      RANGE BETWEEN INTERVAL ${T.driftReferenceDays} DAYS PRECEDING AND INTERVAL 1 DAY PRECEDING))`;
}

/** SQL: whether reading `r` is among the readings of `flagged` (a relation of sensor_id, dt, ts_from, ts_to) */
const isAmong = (r: string, flagged: string) =>
  `row(${r}.sensor_id, ${r}.dt, ${r}.ts_from, ${r}.ts_to) IN (SELECT row(sensor_id, dt, ts_from, ts_to) FROM ${flagged})`;

/** SQL: the flag of reading `r` (of qc_rows), given `d` its day's drift */
function verdictSql(r: string, d: string): string {
  return `CASE
      WHEN ${isAmong(r, '(SELECT * FROM qc_neighbours WHERE stuck)')} THEN 'stuck'
      WHEN ${isAmong(r, '(SELECT * FROM qc_neighbours WHERE jump)')} OR ${r}.lamax < ${r}.laeq - ${T.maxBelowLeqDb} THEN 'spike'
      WHEN ${['laeq', 'lamax', 'las'].map((c) => outOfRange(`${r}.${c}`)).join(' OR ')} THEN 'range'
      WHEN ${r}.ts_from > ${r}.received_at + INTERVAL ${T.futureSeconds} SECONDS OR ${isAmong(r, 'qc_backwards')} THEN 'clock'
      WHEN ${d}.reference_days >= ${T.driftMinReferenceDays} AND abs(${d}.floor_db - ${d}.reference_db) > ${T.driftDb} THEN 'drift'
      ELSE 'ok'
    END`;
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
  FROM ${withNightSql(flagged)} GROUP BY sensor_id, dt`;
}
