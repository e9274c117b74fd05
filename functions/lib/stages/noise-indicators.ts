import {
  noiseIndicatorsArrondissementDaily,
  noiseIndicatorsCommuneDaily,
  noiseIndicatorsDaily,
  noiseIndicatorsHourly,
  noiseIndicatorsMonthly,
  noiseIndicatorsYearly,
  noiseQualityDaily,
  noiseReadings,
  partitionOf,
  partitionSql,
  sensors,
  type DatasetDeclaration,
} from '../datasets/index.ts';
import { CONVENTIONS, PERIOD_CONVENTIONS, PERIODS } from '../domain/noise/conventions.ts';
import { LDEN_PENALTY, periodOf } from '../domain/noise/levels.ts';
import { QC_THRESHOLDS, qualityDailySql, US_PER_HOUR } from '../domain/noise/qc.ts';
import { DEFAULT_COVERAGE_THRESHOLD, FR_LIMITS_2006, WHO_2018, type NoiseSource } from '../domain/noise/thresholds.ts';
import { PARIS_INSEE } from '../domain/geo/arrondissements.ts';
import { PARIS_TZ } from '../domain/time/paris.ts';
import { datasetFileKey, stateKey } from '../lake/layout.ts';
import { CHANGE_LOG_RETENTION_DAYS, changeLogCovers, type ChangeWatermark, type Lake } from '../ports/lake.ts';
import { listKeys, ObjectNotFoundError, type ObjectStore } from '../ports/object-store.ts';
import { sqlString } from '../sql/literals.ts';
import type { StageContext } from './context.ts';

// Noise indicators, in DuckDB SQL over the noise_readings and sensors views.
//
// A reading is an interval [ts_from, ts_to); it counts whole in the UTC hour, the local hour, the
// period and the local day of its ts_from (readings last seconds or minutes, periods hours, so the
// share spilling over a boundary is negligible, and a reading is never counted twice). Levels are
// energy averages weighted by duration; covered seconds are the readings' summed durations.
// Paris offsets change only on whole UTC hours, so each UTC hour lies in one local hour and one local
// day: readings are first summed per sensor and UTC hour, and every other indicator is built from
// those sums (quantiles excepted), which keeps DST days (23 or 25 h) exact.
//
// Only readings the quality control passes (qc = 'ok', domain/noise/qc.ts) count: levels, samples and
// coverage alike.
//
// The local day of a reading is its dt partition (the Europe/Paris date of ts_from, by the
// noise_readings contract) for the quantiles, and the local day of its UTC hour for everything else.
//
// Incremental: a run reads the readings' change log from where the last run stopped (each ingest
// records the dts it wrote), recomputes those dts and the dts of sensors whose commune or noise
// source changed, and reads only those partitions of noise_readings. The yearly rows of the years
// touched are rebuilt from the recomputed hours and the stored hourly rows of the other days, never
// from a year of readings. A change of settings (coverage threshold, ALGORITHM_VERSION) recomputes
// everything. Each output partition is one file with a fixed name, so a recompute replaces it in one
// put; an emptied one is deleted.

export interface NoiseIndicatorsOptions {
  /** share of the day and of each period that readings must cover (default DEFAULT_COVERAGE_THRESHOLD) */
  readonly coverageThreshold?: number;
  /** recompute every dt, and delete indicator files no reading backs any more */
  readonly full?: boolean;
}

export interface NoiseIndicatorsSummary {
  /** why every dt was recomputed ('full option', 'no previous state', changed settings), or null */
  readonly fullReason: string | null;
  /** dts recomputed: their reading files changed, or one of their sensors changed commune or noise source */
  readonly dts: string[];
  /** dts whose readings all disappeared: their indicator files were deleted */
  readonly deletedDts: string[];
  /** years whose yearly rows were recomputed */
  readonly years: number[];
  /** LAeq readings read for the recompute */
  readonly readings: number;
  readonly rows: Record<string, number>;
  /** indicator files deleted (partitions left without rows, vanished dts, stale files of a full run) */
  readonly deleted: number;
  readonly seconds: number;
  readonly readingsPerSecond: number;
}

interface NoiseIndicatorsState {
  readonly version: 2;
  /** the settings the outputs were computed with; a change recomputes everything */
  readonly settings: string;
  /** sensor_id → "commune|noise_source", to recompute a sensor's days when they change */
  readonly sensors: Record<string, string>;
  /** where this stage stopped reading the readings' change log */
  readonly watermark: ChangeWatermark;
  /** the dts holding readings, as far as this stage knows */
  readonly dts: readonly string[];
}

const STATE_KEY = stateKey('noise-indicators');
/** bump when the computation changes, so that the next run recomputes everything */
const ALGORITHM_VERSION = 4;
const PART_NAME = 'part-0';

const OUTPUTS = [noiseIndicatorsHourly, noiseIndicatorsDaily, noiseIndicatorsCommuneDaily, noiseIndicatorsArrondissementDaily, noiseQualityDaily, noiseIndicatorsMonthly, noiseIndicatorsYearly] as const;
/** the outputs with a row per day, written for the days recomputed */
const DAY_OUTPUTS = [noiseIndicatorsHourly, noiseIndicatorsDaily, noiseIndicatorsCommuneDaily, noiseIndicatorsArrondissementDaily, noiseQualityDaily] as const;
/** the stored night floors, as the quality control's drift check reads them for the days not recomputed */
const STORED_FLOORS = `(SELECT sensor_id, strftime(day, '%Y-%m-%d') AS dt, night_floor_db AS floor_db FROM ${noiseQualityDaily.name})`;

export async function noiseIndicators(ctx: StageContext, options: NoiseIndicatorsOptions = {}): Promise<NoiseIndicatorsSummary> {
  const started = performance.now();
  const threshold = options.coverageThreshold ?? DEFAULT_COVERAGE_THRESHOLD;
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new RangeError(`noise-indicators: coverageThreshold must be a share in [0, 1], found ${threshold}`);
  }
  const settings = JSON.stringify({ algorithm: ALGORITHM_VERSION, coverageThreshold: threshold });
  const previous = await readState(ctx.store);
  await ctx.lake.attach([sensors]);
  const sensorAttributes = await readSensorAttributes(ctx.lake);

  const fullReason = fullReasonOf(ctx, options, previous, settings);
  const plan = ctx.range
    ? await rangePlan(ctx, ctx.range, previous)
    : fullReason !== null || !previous
      ? await fullPlan(ctx, previous)
      : await incrementalPlan(ctx, previous, sensorAttributes);
  const dts = plan.dts;
  const years = [...new Set([...dts, ...plan.vanished].map((dt) => Number(dt.slice(0, 4))))].sort((a, b) => a - b);

  const rows: Record<string, number> = Object.fromEntries(OUTPUTS.map((d) => [d.name, 0]));
  let readings = 0;
  let deleted = 0;
  if (years.length) {
    // the drift check compares a day's night floor with the sensor's earlier nights: a full run has
    // every day's readings in hand; otherwise the earlier floors are the stored noise_quality_daily rows
    // (one object a year), so a new hour reads that hour's partition of the readings and no other
    if (fullReason !== null) await ctx.lake.attach([noiseReadings]);
    else {
      await ctx.lake.attach([noiseQualityDaily], { kind: 'partitions', dts: withDriftReference(noiseQualityDaily, dts) });
      await ctx.lake.attach([noiseReadings], { kind: 'partitions', dts }, { reference: STORED_FLOORS });
    }
    // the months and years of the recomputed days are rebuilt from the stored daily rows of the other
    // days of those months and the stored monthly rows of the other months: one object each, whatever
    // the history (a full run has everything in hand)
    const touched = [...dts, ...plan.vanished];
    const months = [...new Set(touched.map((day) => `${day.slice(0, 7)}-01`))].sort();
    const stored = (d: DatasetDeclaration) => (fullReason !== null ? [] : [...new Set(touched.map((day) => partitionOf(d, day)))]);
    await ctx.lake.attach([noiseIndicatorsDaily], { kind: 'partitions', dts: stored(noiseIndicatorsDaily) });
    await ctx.lake.attach([noiseIndicatorsMonthly], { kind: 'partitions', dts: stored(noiseIndicatorsMonthly) });
    const computed = await computeIndicators(ctx.lake, { years, dts, months, threshold });
    readings = computed.readings;
    try {
      deleted += await writeOutputs(ctx.lake, computed, { years, months, touched }, rows);
    } finally {
      await computed.drop();
    }
  }
  if (fullReason) deleted += await deleteUnbacked(ctx.store, plan.known, years);

  const known = [...new Set([...plan.known])].sort();
  const state: NoiseIndicatorsState = { version: 2, settings, sensors: sensorAttributes, watermark: plan.watermark, dts: known };
  if (!ctx.range) await ctx.store.put(STATE_KEY, JSON.stringify(state, null, 1), { contentType: 'application/json' });
  const seconds = (performance.now() - started) / 1000;
  const summary: NoiseIndicatorsSummary = {
    fullReason,
    dts,
    deletedDts: plan.vanished,
    years,
    readings,
    rows,
    deleted,
    seconds,
    readingsPerSecond: seconds > 0 ? Math.round(readings / seconds) : 0,
  };
  ctx.logger.info(`noise-indicators: ${dts.length} day(s) recomputed, ${plan.vanished.length} removed, ${readings} readings in ${seconds.toFixed(2)} s`, {
    rows,
    fullReason,
  });
  return summary;
}

/** why every dt is recomputed, or null (incremental; a backfill recomputes its days whatever the state says) */
function fullReasonOf(ctx: StageContext, options: NoiseIndicatorsOptions, previous: NoiseIndicatorsState | undefined, settings: string): string | null {
  if (ctx.range) return null;
  if (options.full) return 'full option';
  if (!previous) return 'no previous state';
  if (previous.settings !== settings) return `settings changed (${previous.settings} → ${settings})`;
  if (!changeLogCovers(previous.watermark)) return `last run at ${previous.watermark.at}, before the change log's ${CHANGE_LOG_RETENTION_DAYS} days of retention`;
  return null;
}

/**
 * writes each output's partitions of the touched days, months and years; counts its rows into `rows`
 * and returns the files deleted. The tables' dt is the day (the month for the monthly rows); a
 * partition holding other days or months keeps its stored rows of those.
 */
async function writeOutputs(lake: Lake, computed: Computed, job: { years: readonly number[]; months: readonly string[]; touched: readonly string[] }, rows: Record<string, number>): Promise<number> {
  let deleted = 0;
  for (const d of OUTPUTS) {
    const yearly = d === noiseIndicatorsYearly;
    const days = d === noiseIndicatorsMonthly ? job.months : job.touched;
    const table = computed.tables[d.name];
    if (!table) throw new Error(`noise-indicators: no table computed for ${d.name}`);
    const written = await lake.writePartitions(d, {
      table,
      partitionExpr: yearly ? 'CAST(year AS VARCHAR)' : partitionSql(d, d === noiseIndicatorsMonthly ? 'month' : 'dt'),
      partitions: yearly ? job.years.map(String) : [...new Set(days.map((day) => partitionOf(d, day)))],
      keyOf: yearly ? (y) => datasetFileKey(d, y) : (dt) => datasetFileKey(d, PART_NAME, dt),
      ...(yearly ? {} : { days: [...days] }),
    });
    rows[d.name] = written.rows;
    deleted += written.deleted;
  }
  return deleted;
}

interface Plan {
  /** dts to recompute */
  readonly dts: string[];
  /** dts whose readings all disappeared (found by a full run) */
  readonly vanished: string[];
  /** every dt known to hold readings after this run */
  readonly known: string[];
  readonly watermark: ChangeWatermark;
}

/** every partition of the readings (the watermark is taken first: what is written meanwhile is seen next time) */
async function fullPlan(ctx: StageContext, previous: NoiseIndicatorsState | undefined): Promise<Plan> {
  const watermark = await ctx.lake.currentWatermark(noiseReadings);
  const dts = (await ctx.lake.partitions(noiseReadings)).map((p) => p.dt);
  const vanished = (previous?.dts ?? []).filter((dt) => !dts.includes(dt));
  return { dts, vanished, known: dts, watermark };
}

/** the range's partitions (a backfill), and the range's days the state knew that hold no reading any more */
async function rangePlan(ctx: StageContext, range: { from: string; to: string }, previous: NoiseIndicatorsState | undefined): Promise<Plan> {
  const dts = (await ctx.lake.partitions(noiseReadings, { kind: 'dates', ...range })).map((p) => p.dt);
  const vanished = (previous?.dts ?? []).filter((dt) => dt >= range.from && dt <= range.to && !dts.includes(dt));
  return { dts, vanished, known: [...(previous?.dts ?? [])], watermark: previous?.watermark ?? { at: '', seen: [] } };
}

/**
 * The partitions the ingests recorded as changed since the last run, and the days of the sensors whose
 * commune or noise source changed (read from the daily indicators: this happens rarely). A sensor seen
 * for the first time brings its days through the change log already.
 */
async function incrementalPlan(ctx: StageContext, previous: NoiseIndicatorsState, sensorAttributes: Record<string, string>): Promise<Plan> {
  const changes = await ctx.lake.changesSince(noiseReadings, previous.watermark);
  const changed = new Set(changes.dts);
  const moved = Object.keys(previous.sensors).filter((id) => previous.sensors[id] !== sensorAttributes[id]);
  if (moved.length) {
    await ctx.lake.attach([noiseIndicatorsDaily]);
    const dts = await dtsOfSensors(ctx.lake, moved);
    ctx.logger.info(`noise-indicators: ${moved.length} sensor(s) changed commune or noise source; recomputing their ${dts.length} day(s)`);
    for (const dt of dts) changed.add(dt);
  }
  const dts = [...changed].sort();
  return { dts, vanished: [], known: [...new Set([...previous.dts, ...dts])], watermark: changes.watermark };
}

/** the partitions of `d` holding the days and the days the drift check looks back on */
function withDriftReference(d: DatasetDeclaration, dts: readonly string[]): string[] {
  const partitions = new Set<string>();
  for (const dt of dts) {
    const t = Date.parse(`${dt}T00:00:00Z`);
    for (let i = 0; i <= QC_THRESHOLDS.driftReferenceDays; i++) partitions.add(partitionOf(d, new Date(t - i * 86_400_000).toISOString().slice(0, 10)));
  }
  return [...partitions].sort();
}

async function readState(store: ObjectStore): Promise<NoiseIndicatorsState | undefined> {
  let text: string;
  try {
    text = (await store.get(STATE_KEY)).toString('utf8');
  } catch (e) {
    if (e instanceof ObjectNotFoundError) return undefined;
    throw e;
  }
  const state = JSON.parse(text) as Omit<Partial<NoiseIndicatorsState>, 'version'> & { version?: number };
  // an older state (per-file fingerprints) is replaced by a full recompute
  if (state.version === 1) return undefined;
  if (state.version !== 2 || !Array.isArray(state.dts) || typeof state.sensors !== 'object' || typeof state.settings !== 'string' || typeof state.watermark?.at !== 'string') {
    throw new Error(`${STATE_KEY} in ${store.url}: expected a version 2 state with settings, sensors, watermark and dts; delete it to recompute everything`);
  }
  return state as NoiseIndicatorsState;
}

async function readSensorAttributes(lake: Lake): Promise<Record<string, string>> {
  const result = await lake.all(
    `SELECT sensor_id, max_by(commune_insee, last_seen) AS commune_insee, max_by(noise_source, last_seen) AS noise_source,
       max_by(arrondissement_insee, last_seen) AS arrondissement_insee
     FROM sensors GROUP BY sensor_id ORDER BY sensor_id`,
  );
  // a sensor moved to another commune or arrondissement, or given another noise source, has its days recomputed
  return Object.fromEntries(
    result.rows.map((r) => [String(r['sensor_id']), `${(r['commune_insee'] as string | null) ?? ''}|${String(r['noise_source'])}${r['arrondissement_insee'] ? `|${r['arrondissement_insee'] as string}` : ''}`]),
  );
}

async function dtsOfSensors(lake: Lake, ids: readonly string[]): Promise<string[]> {
  const result = await lake.all(`SELECT DISTINCT strftime(day, '%Y-%m-%d') AS dt FROM ${noiseIndicatorsDaily.name} WHERE sensor_id IN (${ids.map(sqlString).join(', ')}) ORDER BY dt`);
  return result.rows.map((r) => String(r['dt']));
}

// ---------------------------------------------------------------------------------------------------
// SQL

interface Computed {
  readonly readings: number;
  /** output dataset name → temp table holding its rows (with a dt column for partitioned ones) */
  readonly tables: Record<string, string>;
  drop(): Promise<void>;
}

const T = {
  readings: 'nid_readings',
  hours: 'nid_hours',
  periods: 'nid_periods',
  conventions: 'nid_conventions',
  limits: 'nid_limits',
  attributes: 'nid_sensor_attributes',
  todo: 'nid_todo',
  hourSums: 'nid_hour_sums',
  monthDays: 'nid_month_days',
  monthly: 'nid_out_monthly',
  quantiles: 'nid_quantiles',
  flagged: 'nid_flagged',
  quality: 'nid_out_quality',
  hourly: 'nid_out_hourly',
  daily: 'nid_out_daily',
  communeDaily: 'nid_out_commune_daily',
  arrondissementDaily: 'nid_out_arrondissement_daily',
  yearly: 'nid_out_yearly',
} as const;

const level = (energy: string, seconds: string) => `10 * log10(${energy} / ${seconds})`;
const energyAverageOf = (column: string) => `10 * log10(avg(pow(10, ${column} / 10)))`;
const ldenOf = (ld: string, le: string, ln: string) =>
  `10 * log10((c.h_day * pow(10, (${ld} + ${LDEN_PENALTY.day}) / 10) + c.h_evening * pow(10, (${le} + ${LDEN_PENALTY.evening}) / 10)` +
  ` + c.h_night * pow(10, (${ln} + ${LDEN_PENALTY.night}) / 10)) / (c.h_day + c.h_evening + c.h_night))`;
const perPeriod = (expr: (period: string) => string) => PERIODS.map(expr).join(',\n    ');
const sqlNumber = (v: number | null) => (v === null ? 'NULL' : String(v));

async function computeIndicators(duck: Lake, job: { years: readonly number[]; dts: readonly string[]; months: readonly string[]; threshold: number }): Promise<Computed> {
  const drop = async () => {
    for (const t of Object.values(T)) await duck.run(`DROP TABLE IF EXISTS ${t}`);
  };
  try {
    await createLookups(duck, job);
    // the view holds the partitions to recompute (attached for that window only); the quality control
    // flags each reading once, for the quality rows and for the readings the indicators keep
    await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.flagged} AS
      SELECT sensor_id, commune_insee, arrondissement_insee, dt, ts_from, ts_to, laeq, qc FROM noise_readings WHERE dt IN (SELECT dt FROM ${T.todo})`);
    await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.quality} AS
      SELECT *, strftime(day, '%Y-%m-%d') AS dt FROM (${qualityDailySql(T.flagged)})`);
    await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.readings} AS
      SELECT sensor_id, commune_insee, arrondissement_insee, dt, epoch_us(ts_from) // ${US_PER_HOUR} AS hk, epoch_us(ts_to) - epoch_us(ts_from) AS dur_us, laeq
      FROM ${T.flagged}
      WHERE laeq IS NOT NULL AND ts_to > ts_from AND qc = 'ok'`);
    await duck.run(`DROP TABLE ${T.flagged}`);
    const readings = Number((await duck.all(`SELECT count(*) AS n FROM ${T.readings}`)).rows[0]?.['n'] ?? 0);

    // per sensor and UTC hour: energy (s·10^(L/10)), covered seconds, samples, and where the readings were
    // taken (the sensor's current place for rows written before the readings carried it: NULL columns)
    await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.hourSums} AS
      SELECT r.sensor_id, r.hk, h.hour_start, h.day, h.local_hour, r.energy, r.covered, r.samples,
        coalesce(r.commune_insee, a.commune_insee) AS commune_insee,
        CASE WHEN coalesce(r.commune_insee, a.commune_insee) = '${PARIS_INSEE}' THEN coalesce(r.arrondissement_insee, a.arrondissement_insee) END AS arrondissement_insee
      FROM (SELECT sensor_id, hk, sum(dur_us * pow(10, laeq / 10)) / 1e6 AS energy, sum(dur_us) / 1e6 AS covered,
              count(*) AS samples, max(commune_insee) AS commune_insee, max(arrondissement_insee) AS arrondissement_insee
            FROM ${T.readings} GROUP BY sensor_id, hk) r
      JOIN ${T.hours} h USING (hk)
      LEFT JOIN ${T.attributes} a USING (sensor_id)`);

    await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.hourly} AS
      SELECT sensor_id, commune_insee, hour_start, local_hour, ${level('energy', 'covered')} AS leq, samples,
        least(covered / 3600, 1) AS coverage, strftime(day, '%Y-%m-%d') AS dt
      FROM ${T.hourSums} WHERE day IN (SELECT day FROM ${T.todo})`);

    await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.quantiles} AS
      SELECT sensor_id, CAST(dt AS DATE) AS day, quantile_cont(laeq, [0.9, 0.5, 0.1]) AS q
      FROM ${T.readings} WHERE dt IN (SELECT dt FROM ${T.todo}) GROUP BY sensor_id, dt`);

    await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.daily} AS ${dailySql(job.threshold)}`);

    await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.communeDaily} AS ${areaDailySql('commune_insee', T.daily)}`);
    // Paris's arrondissements: the same average over the sensors of each arrondissement, each sensor-day in
    // the arrondissement its readings were taken in (a sensor that moved keeps its earlier days where they were)
    await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.arrondissementDaily} AS
      ${areaDailySql(
        'arrondissement_insee',
        `(SELECT d.*, p.arrondissement_insee FROM ${T.daily} d
          JOIN (SELECT sensor_id, day, max(arrondissement_insee) AS arrondissement_insee FROM ${T.hourSums} GROUP BY sensor_id, day) p USING (sensor_id, day))`,
      )}`);

    await computeMonthsAndYears(duck, job);

    return {
      readings,
      tables: {
        [noiseIndicatorsHourly.name]: T.hourly,
        [noiseIndicatorsDaily.name]: T.daily,
        [noiseIndicatorsCommuneDaily.name]: T.communeDaily,
        [noiseIndicatorsArrondissementDaily.name]: T.arrondissementDaily,
        [noiseQualityDaily.name]: T.quality,
        [noiseIndicatorsMonthly.name]: T.monthly,
        [noiseIndicatorsYearly.name]: T.yearly,
      },
      drop,
    };
  } catch (e) {
    await drop();
    throw e;
  }
}

/**
 * The daily rows of the recomputed days, per sensor and period convention: each period's energy and
 * covered seconds from the hourly sums, its length from the day's local hours (23 or 25 on DST days),
 * the quantiles, the coverage verdict at `thr`, and the exceedance flags.
 */
function dailySql(thr: number): string {
  return withExceedanceFlags('lnight', `
      WITH sums AS (
        SELECT s.sensor_id, s.day, p.convention, max(s.commune_insee) AS commune_insee,
          sum(s.energy) AS e, sum(s.covered) AS c, sum(s.samples) AS n,
          ${perPeriod((x) => `sum(s.energy) FILTER (WHERE p.period = '${x}') AS e_${x}, sum(s.covered) FILTER (WHERE p.period = '${x}') AS c_${x}`)}
        FROM ${T.hourSums} s JOIN ${T.periods} p USING (local_hour)
        WHERE s.day IN (SELECT day FROM ${T.todo})
        GROUP BY s.sensor_id, s.day, p.convention),
      lengths AS (
        SELECT h.day, p.convention, count(*) * 3600 AS len,
          ${perPeriod((x) => `count(*) FILTER (WHERE p.period = '${x}') * 3600 AS len_${x}`)}
        FROM ${T.hours} h JOIN ${T.periods} p USING (local_hour)
        WHERE h.day IN (SELECT day FROM ${T.todo})
        GROUP BY h.day, p.convention),
      levels AS (
        SELECT s.*, l.len, l.len_day, l.len_evening, l.len_night, ${level('s.e', 's.c')} AS leq,
          ${level('s.e_day', 's.c_day')} AS lday, ${level('s.e_evening', 's.c_evening')} AS levening, ${level('s.e_night', 's.c_night')} AS lnight
        FROM sums s JOIN lengths l USING (day, convention))
      SELECT v.sensor_id, v.commune_insee, v.day, v.convention, v.leq, v.lday, v.levening, v.lnight,
        ${ldenOf('v.lday', 'v.levening', 'v.lnight')} AS lden,
        q.q[1] AS l10, q.q[2] AS l50, q.q[3] AS l90, v.n AS samples, least(v.c / v.len, 1) AS coverage,
        v.c / v.len >= ${thr} AND ${PERIODS.map((x) => `coalesce(v.c_${x}, 0) / v.len_${x} >= ${thr}`).join(' AND ')} AS coverage_ok,
        ${perPeriod((x) => `v.c_${x} AS covered_${x}_s`)},
        coalesce(a.noise_source, 'unknown') AS noise_source, strftime(v.day, '%Y-%m-%d') AS dt
      FROM levels v
      JOIN ${T.conventions} c USING (convention)
      LEFT JOIN ${T.quantiles} q ON q.sensor_id = v.sensor_id AND q.day = v.day
      LEFT JOIN ${T.attributes} a ON a.sensor_id = v.sensor_id`);
}

/** a period's energy (s·10^(L/10)) from its level and covered seconds */
const energyOf = (levelColumn: string, seconds: string) => `pow(10, ${levelColumn} / 10) * ${seconds}`;

/**
 * The monthly rows of the months touched (their days: those just computed, and the stored daily rows
 * of the month's other days), then the yearly rows (those months, and the stored monthly rows of the
 * year's other months): energies add up, so a month or a year is rebuilt without re-reading its days.
 */
async function computeMonthsAndYears(duck: Lake, job: { dts: readonly string[]; months: readonly string[] }): Promise<void> {
  const months = job.months.map((m) => `DATE '${m}'`).join(', ') || 'NULL';
  const periodColumns = perPeriod((x) => `l${x}, covered_${x}_s`);
  await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.monthDays} AS
    SELECT sensor_id, commune_insee, day, convention, ${periodColumns} FROM ${T.daily}
    UNION ALL
    SELECT sensor_id, commune_insee, day, convention, ${periodColumns} FROM ${noiseIndicatorsDaily.name}
    WHERE date_trunc('month', day) IN (${months}) AND day NOT IN (SELECT day FROM ${T.todo})`);
  const sums = (source: string, span: string) =>
    perPeriod((x) => `sum(${energyOf(`${source}.l${x}`, `${source}.covered_${x}_s`)}) AS e_${x}, sum(${source}.covered_${x}_s) AS c_${x}`) + `, ${span}`;
  await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.monthly} AS
    WITH s AS (
      SELECT sensor_id, CAST(date_trunc('month', day) AS DATE) AS month, convention, max(commune_insee) AS commune_insee,
        ${sums('m', 'count(*) AS days')}
      FROM ${T.monthDays} m GROUP BY ALL)
    SELECT sensor_id, commune_insee, month, convention,
      ${perPeriod((x) => `${level(`e_${x}`, `c_${x}`)} AS l${x}, c_${x} AS covered_${x}_s`)}, CAST(days AS INTEGER) AS days
    FROM s`);
  await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.yearly} AS ${withExceedanceFlags('ln', `
    WITH rows AS (
      SELECT * FROM ${T.monthly}
      UNION ALL BY NAME
      SELECT sensor_id, commune_insee, month, convention, ${periodColumns}, days FROM ${noiseIndicatorsMonthly.name}
      WHERE month NOT IN (${months})),
    sums AS (
      SELECT sensor_id, year(month) AS year, convention, max(commune_insee) AS commune_insee, ${sums('r', 'sum(r.days) AS days')},
        sum(${PERIODS.map((x) => `coalesce(r.covered_${x}_s, 0)`).join(' + ')}) AS c
      FROM rows r GROUP BY ALL),
    lengths AS (SELECT year(day) AS year, count(*) * 3600 AS len FROM ${T.hours} GROUP BY year(day)),
    levels AS (
      SELECT s.*, l.len, ${level('s.e_day', 's.c_day')} AS lday, ${level('s.e_evening', 's.c_evening')} AS levening,
        ${level('s.e_night', 's.c_night')} AS ln
      FROM sums s JOIN lengths l USING (year))
    SELECT v.sensor_id, v.commune_insee, v.year, v.convention, v.lday, v.levening, v.ln,
      ${ldenOf('v.lday', 'v.levening', 'v.ln')} AS lden, CAST(v.days AS INTEGER) AS days, least(v.c / v.len, 1) AS coverage,
      coalesce(a.noise_source, 'unknown') AS noise_source
    FROM levels v
    JOIN ${T.conventions} c USING (convention)
    LEFT JOIN ${T.attributes} a ON a.sensor_id = v.sensor_id`)}`);
}

/** the small tables the SQL joins: local hours, periods, Lden weights, limit values, sensors, days to do */
/** the levels an area's daily row averages: the dB(A) columns of its declaration */
const AREA_LEVELS = noiseIndicatorsCommuneDaily.columns.filter((c) => c.unit === 'dB(A)').map((c) => c.name);

/** an area's daily rows (a commune, an arrondissement): the energy average of its sensors' days that meet the coverage threshold */
function areaDailySql(area: string, days: string): string {
  return `SELECT ${area}, day, convention, ${AREA_LEVELS.map((x) => `${energyAverageOf(x)} AS ${x}`).join(', ')}, count(*) AS sensors, dt
    FROM ${days} WHERE coverage_ok AND ${area} IS NOT NULL
    GROUP BY ${area}, day, convention, dt`;
}

async function createLookups(duck: Lake, job: { years: readonly number[]; dts: readonly string[] }): Promise<void> {
  const first = Math.min(...job.years);
  const last = Math.max(...job.years);
  // every UTC hour of the local years [first, last]: its local day and clock hour (DST-aware, via ICU)
  await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.hours} AS
    SELECT epoch_us(u) // ${US_PER_HOUR} AS hk, u AS hour_start, CAST(l AS DATE) AS day, CAST(hour(l) AS INTEGER) AS local_hour
    FROM (SELECT u, timezone('${PARIS_TZ}', u) AS l
          FROM range(timezone('${PARIS_TZ}', TIMESTAMP '${first}-01-01 00:00:00'), timezone('${PARIS_TZ}', TIMESTAMP '${last + 1}-01-01 00:00:00'), INTERVAL 1 HOUR) t(u))`);
  const periodRows = CONVENTIONS.flatMap((c) => Array.from({ length: 24 }, (_, h) => `('${c}', ${h}, '${periodOf(h, c)}')`));
  await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.periods} AS SELECT * FROM (VALUES ${periodRows.join(', ')}) t(convention, local_hour, period)`);
  const conventionRows = CONVENTIONS.map((c) => {
    const h = PERIOD_CONVENTIONS[c].hours;
    return `('${c}', ${h.day}, ${h.evening}, ${h.night})`;
  });
  await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.conventions} AS SELECT * FROM (VALUES ${conventionRows.join(', ')}) t(convention, h_day, h_evening, h_night)`);
  const limitRows = (Object.keys(WHO_2018) as NoiseSource[]).map(
    (s) =>
      `('${s}', ${sqlNumber(WHO_2018[s].lden)}, ${sqlNumber(WHO_2018[s].lnight)}, ${sqlNumber(FR_LIMITS_2006[s].lden)}, ${sqlNumber(FR_LIMITS_2006[s].lnight)})`,
  );
  await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.limits} AS
    SELECT noise_source, CAST(who_lden AS DOUBLE) AS who_lden, CAST(who_lnight AS DOUBLE) AS who_lnight,
      CAST(fr_lden AS DOUBLE) AS fr_lden, CAST(fr_ln AS DOUBLE) AS fr_ln
    FROM (VALUES ${limitRows.join(', ')}) t(noise_source, who_lden, who_lnight, fr_lden, fr_ln)`);
  await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.attributes} AS
    SELECT sensor_id, max_by(commune_insee, last_seen) AS commune_insee, max_by(noise_source, last_seen) AS noise_source,
      max_by(arrondissement_insee, last_seen) AS arrondissement_insee
    FROM sensors GROUP BY sensor_id`);
  await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.todo} (dt VARCHAR, day DATE)`);
  if (job.dts.length) {
    await duck.run(`INSERT INTO ${T.todo} VALUES ${job.dts.map((dt) => `('${dt}', DATE '${dt}')`).join(', ')}`);
  }
}

/** adds the indicative exceedance flags to a query: level strictly above the limit, NULL when either is NULL */
function withExceedanceFlags(night: string, query: string): string {
  return `SELECT f.*, f.lden > l.who_lden AS who_lden_exceeded, f.${night} > l.who_lnight AS who_lnight_exceeded,
      f.lden > l.fr_lden AS fr_lden_exceeded, f.${night} > l.fr_ln AS fr_ln_exceeded
    FROM (${query}) f LEFT JOIN ${T.limits} l USING (noise_source)`;
}

// ---------------------------------------------------------------------------------------------------
// Output

/** after a full run: deletes indicator files of dts and years that no reading backs any more */
async function deleteUnbacked(store: ObjectStore, dts: readonly string[], years: readonly number[]): Promise<number> {
  const keep = new Set<string>();
  for (const dt of dts) for (const d of DAY_OUTPUTS) keep.add(datasetFileKey(d, PART_NAME, partitionOf(d, dt)));
  for (const y of years) keep.add(datasetFileKey(noiseIndicatorsYearly, String(y)));
  for (const y of years) keep.add(datasetFileKey(noiseIndicatorsMonthly, PART_NAME, String(y)));
  let deleted = 0;
  for (const d of OUTPUTS) {
    for (const o of await listKeys(store, `${d.prefix}/`)) {
      if (!keep.has(o.key)) {
        await store.delete(o.key);
        deleted++;
      }
    }
  }
  return deleted;
}
