import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { PARQUET_OPTIONS, sqlPath, sqlString, type Duck } from '../adapters/duckdb.ts';
import { fileColumns, type DatasetDeclaration } from '../datasets/declaration.ts';
import { DUCKDB_TYPE } from '../datasets/derive.ts';
import {
  noiseIndicatorsCommuneDaily,
  noiseIndicatorsDaily,
  noiseIndicatorsHourly,
  noiseIndicatorsYearly,
  noiseReadings,
  sensors,
} from '../datasets/index.ts';
import { CONVENTIONS, PERIOD_CONVENTIONS, PERIODS } from '../domain/noise/conventions.ts';
import { LDEN_PENALTY, periodOf } from '../domain/noise/levels.ts';
import { DEFAULT_COVERAGE_THRESHOLD, FR_LIMITS_2006, WHO_2018, type NoiseSource } from '../domain/noise/thresholds.ts';
import { PARIS_TZ } from '../domain/time/paris.ts';
import { datasetFileKey, dtOfKey, stateKey } from '../lake/layout.ts';
import { PARQUET_CONTENT_TYPE } from '../lake/write.ts';
import { listKeys, ObjectNotFoundError, type ObjectStore } from '../ports/object-store.ts';
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
// The local day of a reading is its dt partition (the Europe/Paris date of ts_from, by the
// noise_readings contract) for the quantiles, and the local day of its UTC hour for everything else.
//
// Incremental: the state holds a fingerprint of each dt's reading files (keys and etags); a run
// recomputes the dts whose fingerprint changed, the dts of sensors whose commune or noise source
// changed, and the yearly rows of the years they touch (reading all of those years). A change of
// settings (coverage threshold, ALGORITHM_VERSION) recomputes everything. Each output partition is
// one file with a fixed name, so a recompute replaces it in one put; an emptied one is deleted.

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
  readonly version: 1;
  /** the settings the outputs were computed with; a change recomputes everything */
  readonly settings: string;
  /** sensor_id → "commune|noise_source", to recompute a sensor's days when they change */
  readonly sensors: Record<string, string>;
  /** dt → fingerprint of its reading files */
  readonly dts: Record<string, string>;
}

const STATE_KEY = stateKey('noise-indicators');
/** bump when the computation changes, so that the next run recomputes everything */
const ALGORITHM_VERSION = 1;
const PART_NAME = 'part-0';
const UPLOAD_CONCURRENCY = 8;
const US_PER_HOUR = 3_600_000_000;

const OUTPUTS = [noiseIndicatorsHourly, noiseIndicatorsDaily, noiseIndicatorsCommuneDaily, noiseIndicatorsYearly] as const;

export async function noiseIndicators(ctx: StageContext, options: NoiseIndicatorsOptions = {}): Promise<NoiseIndicatorsSummary> {
  const started = performance.now();
  const threshold = options.coverageThreshold ?? DEFAULT_COVERAGE_THRESHOLD;
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new RangeError(`noise-indicators: coverageThreshold must be a share in [0, 1], found ${threshold}`);
  }
  const settings = JSON.stringify({ algorithm: ALGORITHM_VERSION, coverageThreshold: threshold });
  const previous = await readState(ctx.store);
  const fingerprints = await readingFingerprints(ctx.store);
  await ctx.duck.attachLake(ctx.store, [sensors]);
  const sensorAttributes = await readSensorAttributes(ctx.duck);
  let readingsAttached = false;
  const attachReadings = async () => {
    if (!readingsAttached) await ctx.duck.attachLake(ctx.store, [noiseReadings]);
    readingsAttached = true;
  };

  const fullReason = options.full
    ? 'full option'
    : !previous
      ? 'no previous state'
      : previous.settings !== settings
        ? `settings changed (${previous.settings} → ${settings})`
        : null;
  const changed = new Set<string>();
  const vanished: string[] = [];
  if (fullReason !== null || !previous) {
    for (const dt of Object.keys(fingerprints)) changed.add(dt);
  } else {
    for (const [dt, fp] of Object.entries(fingerprints)) if (previous.dts[dt] !== fp) changed.add(dt);
    for (const dt of Object.keys(previous.dts)) if (!(dt in fingerprints)) vanished.push(dt);
    const ids = new Set([...Object.keys(previous.sensors), ...Object.keys(sensorAttributes)]);
    const moved = [...ids].filter((id) => previous.sensors[id] !== sensorAttributes[id]);
    if (moved.length) {
      await attachReadings();
      const dts = await dtsOfSensors(ctx.duck, moved);
      ctx.logger.info(`noise-indicators: ${moved.length} sensor(s) changed commune or noise source; recomputing their ${dts.length} day(s)`);
      for (const dt of dts) changed.add(dt);
    }
  }
  const dts = [...changed].sort();
  vanished.sort();
  const years = [...new Set([...dts, ...vanished].map((dt) => Number(dt.slice(0, 4))))].sort((a, b) => a - b);

  const rows: Record<string, number> = Object.fromEntries(OUTPUTS.map((d) => [d.name, 0]));
  let readings = 0;
  let deleted = 0;
  if (years.length) {
    await attachReadings();
    const computed = await computeIndicators(ctx.duck, { years, dts, threshold, loadAll: fullReason !== null });
    readings = computed.readings;
    try {
      const touched = [...dts, ...vanished];
      // uploads of one output overlap the COPY of the next
      const uploads: Promise<number>[] = [];
      for (const d of OUTPUTS) {
        const exported =
          d === noiseIndicatorsYearly
            ? await exportPartitions(ctx.duck, d, computed.tables[d.name]!, 'CAST(year AS VARCHAR)', years.map(String), (y) => datasetFileKey(d, y))
            : await exportPartitions(ctx.duck, d, computed.tables[d.name]!, 'dt', touched, (dt) => datasetFileKey(d, PART_NAME, dt));
        rows[d.name] = exported.rows;
        const upload = publishPartitions(ctx.store, exported);
        upload.catch(() => {}); // awaited below; this only keeps an early failure from being reported as unhandled
        uploads.push(upload);
      }
      for (const n of await Promise.all(uploads)) deleted += n;
    } finally {
      await computed.drop();
    }
  }
  if (fullReason) deleted += await deleteUnbacked(ctx.store, Object.keys(fingerprints), years);

  if (fullReason || dts.length || vanished.length || JSON.stringify(previous?.sensors) !== JSON.stringify(sensorAttributes)) {
    const state: NoiseIndicatorsState = { version: 1, settings, sensors: sensorAttributes, dts: sortedRecord(fingerprints) };
    await ctx.store.put(STATE_KEY, JSON.stringify(state, null, 1), { contentType: 'application/json' });
  }
  const seconds = (performance.now() - started) / 1000;
  const summary: NoiseIndicatorsSummary = {
    fullReason,
    dts,
    deletedDts: vanished,
    years,
    readings,
    rows,
    deleted,
    seconds,
    readingsPerSecond: seconds > 0 ? Math.round(readings / seconds) : 0,
  };
  ctx.logger.info(`noise-indicators: ${dts.length} day(s) recomputed, ${vanished.length} removed, ${readings} readings in ${seconds.toFixed(2)} s`, {
    rows,
    fullReason,
  });
  return summary;
}

async function readState(store: ObjectStore): Promise<NoiseIndicatorsState | undefined> {
  let text: string;
  try {
    text = (await store.get(STATE_KEY)).toString('utf8');
  } catch (e) {
    if (e instanceof ObjectNotFoundError) return undefined;
    throw e;
  }
  const state = JSON.parse(text) as Partial<NoiseIndicatorsState>;
  if (state.version !== 1 || typeof state.dts !== 'object' || typeof state.sensors !== 'object' || typeof state.settings !== 'string') {
    throw new Error(`${STATE_KEY} in ${store.url}: expected a version 1 state with settings, sensors and dts; delete it to recompute everything`);
  }
  return state as NoiseIndicatorsState;
}

/** dt → sha256 of its sorted reading file keys and etags */
async function readingFingerprints(store: ObjectStore): Promise<Record<string, string>> {
  const byDt = new Map<string, string[]>();
  for (const o of await listKeys(store, `${noiseReadings.prefix}/`)) {
    const dt = dtOfKey(o.key);
    if (!dt || !o.key.endsWith('.parquet')) continue;
    let lines = byDt.get(dt);
    if (!lines) byDt.set(dt, (lines = []));
    lines.push(`${o.key}\t${o.etag}`);
  }
  const out: Record<string, string> = {};
  for (const [dt, lines] of byDt) out[dt] = createHash('sha256').update(lines.sort().join('\n')).digest('hex');
  return out;
}

async function readSensorAttributes(duck: Duck): Promise<Record<string, string>> {
  const result = await duck.all(
    'SELECT sensor_id, max_by(commune_insee, last_seen) AS commune_insee, max_by(noise_source, last_seen) AS noise_source FROM sensors GROUP BY sensor_id ORDER BY sensor_id',
  );
  return Object.fromEntries(result.rows.map((r) => [String(r['sensor_id']), `${(r['commune_insee'] as string | null) ?? ''}|${String(r['noise_source'])}`]));
}

async function dtsOfSensors(duck: Duck, ids: readonly string[]): Promise<string[]> {
  const result = await duck.all(`SELECT DISTINCT dt FROM noise_readings WHERE sensor_id IN (${ids.map(sqlString).join(', ')}) ORDER BY dt`);
  return result.rows.map((r) => String(r['dt']));
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
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
  quantiles: 'nid_quantiles',
  hourly: 'nid_out_hourly',
  daily: 'nid_out_daily',
  communeDaily: 'nid_out_commune_daily',
  yearly: 'nid_out_yearly',
} as const;

const level = (energy: string, seconds: string) => `10 * log10(${energy} / ${seconds})`;
const energyAverageOf = (column: string) => `10 * log10(avg(pow(10, ${column} / 10)))`;
const ldenOf = (ld: string, le: string, ln: string) =>
  `10 * log10((c.h_day * pow(10, (${ld} + ${LDEN_PENALTY.day}) / 10) + c.h_evening * pow(10, (${le} + ${LDEN_PENALTY.evening}) / 10)` +
  ` + c.h_night * pow(10, (${ln} + ${LDEN_PENALTY.night}) / 10)) / (c.h_day + c.h_evening + c.h_night))`;
const perPeriod = (expr: (period: string) => string) => PERIODS.map(expr).join(',\n    ');
const sqlNumber = (v: number | null) => (v === null ? 'NULL' : String(v));

async function computeIndicators(
  duck: Duck,
  job: { years: readonly number[]; dts: readonly string[]; threshold: number; loadAll: boolean },
): Promise<Computed> {
  const drop = async () => {
    for (const t of Object.values(T)) await duck.run(`DROP TABLE IF EXISTS ${t}`);
  };
  try {
    await createLookups(duck, job);
    const yearFilter = job.loadAll
      ? ''
      : `AND (${job.years.map((y) => `dt BETWEEN '${y}-01-01' AND '${y}-12-31'`).join(' OR ')})`;
    await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.readings} AS
      SELECT sensor_id, commune_insee, dt, epoch_us(ts_from) // ${US_PER_HOUR} AS hk, epoch_us(ts_to) - epoch_us(ts_from) AS dur_us, laeq
      FROM noise_readings
      WHERE laeq IS NOT NULL AND ts_to > ts_from ${yearFilter}`);
    const readings = Number((await duck.all(`SELECT count(*) AS n FROM ${T.readings}`)).rows[0]!['n']);

    // per sensor and UTC hour: energy (s·10^(L/10)), covered seconds, samples
    await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.hourSums} AS
      SELECT r.sensor_id, r.hk, h.hour_start, h.day, h.local_hour, r.energy, r.covered, r.samples,
        coalesce(a.commune_insee, r.commune_insee) AS commune_insee
      FROM (SELECT sensor_id, hk, sum(dur_us * pow(10, laeq / 10)) / 1e6 AS energy, sum(dur_us) / 1e6 AS covered,
              count(*) AS samples, max(commune_insee) AS commune_insee
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

    const thr = job.threshold;
    await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.daily} AS ${withExceedanceFlags('lnight', `
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
        coalesce(a.noise_source, 'unknown') AS noise_source, strftime(v.day, '%Y-%m-%d') AS dt
      FROM levels v
      JOIN ${T.conventions} c USING (convention)
      LEFT JOIN ${T.quantiles} q ON q.sensor_id = v.sensor_id AND q.day = v.day
      LEFT JOIN ${T.attributes} a ON a.sensor_id = v.sensor_id`)}`);

    await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.communeDaily} AS
      SELECT commune_insee, day, convention, ${['leq', 'lday', 'levening', 'lnight', 'lden'].map((x) => `${energyAverageOf(x)} AS ${x}`).join(', ')},
        count(*) AS sensors, dt
      FROM ${T.daily} WHERE coverage_ok AND commune_insee IS NOT NULL
      GROUP BY commune_insee, day, convention, dt`);

    await duck.run(`CREATE OR REPLACE TEMP TABLE ${T.yearly} AS ${withExceedanceFlags('ln', `
      WITH sums AS (
        SELECT s.sensor_id, year(s.day) AS year, p.convention, max(s.commune_insee) AS commune_insee,
          sum(s.covered) AS c, count(DISTINCT s.day) AS days,
          ${perPeriod((x) => `sum(s.energy) FILTER (WHERE p.period = '${x}') AS e_${x}, sum(s.covered) FILTER (WHERE p.period = '${x}') AS c_${x}`)}
        FROM ${T.hourSums} s JOIN ${T.periods} p USING (local_hour)
        GROUP BY s.sensor_id, year(s.day), p.convention),
      lengths AS (SELECT year(day) AS year, count(*) * 3600 AS len FROM ${T.hours} GROUP BY year(day)),
      levels AS (
        SELECT s.*, l.len, ${level('s.e_day', 's.c_day')} AS lday, ${level('s.e_evening', 's.c_evening')} AS levening,
          ${level('s.e_night', 's.c_night')} AS ln
        FROM sums s JOIN lengths l USING (year))
      SELECT v.sensor_id, v.commune_insee, v.year, v.convention, v.lday, v.levening, v.ln,
        ${ldenOf('v.lday', 'v.levening', 'v.ln')} AS lden, v.days, least(v.c / v.len, 1) AS coverage,
        coalesce(a.noise_source, 'unknown') AS noise_source
      FROM levels v
      JOIN ${T.conventions} c USING (convention)
      LEFT JOIN ${T.attributes} a ON a.sensor_id = v.sensor_id`)}`);

    return {
      readings,
      tables: {
        [noiseIndicatorsHourly.name]: T.hourly,
        [noiseIndicatorsDaily.name]: T.daily,
        [noiseIndicatorsCommuneDaily.name]: T.communeDaily,
        [noiseIndicatorsYearly.name]: T.yearly,
      },
      drop,
    };
  } catch (e) {
    await drop();
    throw e;
  }
}

/** the small tables the SQL joins: local hours, periods, Lden weights, limit values, sensors, days to do */
async function createLookups(duck: Duck, job: { years: readonly number[]; dts: readonly string[] }): Promise<void> {
  const first = job.years[0]!;
  const last = job.years[job.years.length - 1]!;
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
    SELECT sensor_id, max_by(commune_insee, last_seen) AS commune_insee, max_by(noise_source, last_seen) AS noise_source
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

interface ExportedPartitions {
  readonly dataset: string;
  readonly rows: number;
  /** the scratch folder holding the files */
  readonly dir: string;
  /** object key → local file, or undefined when the partition has no row (its object is deleted) */
  readonly files: ReadonlyMap<string, string | undefined>;
}

/**
 * Writes a temp table as one Parquet file per partition, in one COPY … PARTITION_BY into a scratch
 * folder; the files then go to the store with one put each, so any store works.
 */
async function exportPartitions(
  duck: Duck,
  d: DatasetDeclaration,
  table: string,
  partitionExpr: string,
  partitions: readonly string[],
  keyOf: (partition: string) => string,
): Promise<ExportedPartitions> {
  const rows = Number((await duck.all(`SELECT count(*) AS n FROM ${table}`)).rows[0]!['n']);
  const dir = duck.scratch(d.name);
  const columns = fileColumns(d).map((c) => `CAST(${c.name} AS ${DUCKDB_TYPE[c.type]}) AS ${c.name}`);
  if (rows > 0) {
    await duck.run(
      `COPY (SELECT ${columns.join(', ')}, ${partitionExpr} AS nid_part FROM ${table} ORDER BY ${d.key!.join(', ')})
       TO '${sqlPath(dir)}' (${PARQUET_OPTIONS}, PARTITION_BY (nid_part), FILENAME_PATTERN 'part')`,
    );
  }
  const files = new Map<string, string | undefined>();
  for (const p of partitions) {
    const partDir = path.join(dir, `nid_part=${p}`);
    const names = await readdir(partDir).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [];
      throw e;
    });
    if (names.length > 1) throw new Error(`${d.name}: DuckDB wrote ${names.length} files for partition ${p} (${names.join(', ')}); expected one`);
    files.set(keyOf(p), names[0] === undefined ? undefined : path.join(partDir, names[0]));
  }
  return { dataset: d.name, rows, dir, files };
}

/** puts each exported file under its fixed key (replacing the previous one), deletes emptied ones; returns how many were deleted */
async function publishPartitions(store: ObjectStore, exported: ExportedPartitions): Promise<number> {
  let deleted = 0;
  try {
    await forEachLimited([...exported.files], UPLOAD_CONCURRENCY, async ([key, file]) => {
      if (file) {
        await store.put(key, await readFile(file), { contentType: PARQUET_CONTENT_TYPE });
      } else if (await store.head(key)) {
        await store.delete(key);
        deleted++;
      }
    });
  } finally {
    await rm(exported.dir, { recursive: true, force: true });
  }
  return deleted;
}

/** after a full run: deletes indicator files of dts and years that no reading backs any more */
async function deleteUnbacked(store: ObjectStore, dts: readonly string[], years: readonly number[]): Promise<number> {
  const keep = new Set<string>();
  for (const dt of dts) for (const d of OUTPUTS.slice(0, 3)) keep.add(datasetFileKey(d, PART_NAME, dt));
  for (const y of years) keep.add(datasetFileKey(noiseIndicatorsYearly, String(y)));
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

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
