import { DATASETS, granularityOf, isPartitionValue, noiseReadings, partitionOf, sensors, type DatasetDeclaration } from '../datasets/index.ts';
import { arrondissementOf, PARIS_INSEE } from '../domain/geo/arrondissements.ts';
import { communeAt } from '../domain/geo/communes.ts';
import { datasetFileKey, dtOfKey } from '../lake/layout.ts';
import { listAll, type ObjectInfo } from '../ports/object-store.ts';
import { sqlString } from '../sql/literals.ts';
import type { StageContext } from './context.ts';
import { loadRegistry } from './sensor-registry.ts';

// `observatory migrate`: moves a lake written with daily partitions everywhere to each dataset's
// declared partitioning (issue 14: readings by day, small daily series by month or year).
//
// A file `dt=<day>/<name>.parquet` of a dataset now partitioned by month or year joins the file of the
// same name in the partition holding that day: every writer names its file after what it stores (the
// raw file's sha, `part-0` for the indicators), so the merged file is the one that writer would have
// written. Crash-safe and idempotent: a target is written from all of its source files before any of
// them is deleted, and a target that exists already is taken as complete (it was written from all of
// them, or by a writer of the new layout from the same input); running it again finishes the deletes.
//
// Then the readings written before they carried arrondissement_insee (issue 15: a sensor that moves
// keeps its Paris history where it was) get it, file by file, in place: see placeReadings.

export interface MigrationSummary {
  readonly datasets: readonly { readonly dataset: string; readonly granularity: string; readonly filesMoved: number; readonly partitionsWritten: number; readonly targetsKept: number }[];
  readonly filesMoved: number;
}

/** a target file and the old-layout files it is made of */
interface Move {
  readonly target: string;
  readonly partition: string;
  readonly sources: string[];
}

export async function migrateLake(ctx: StageContext, datasets: readonly DatasetDeclaration[] = DATASETS): Promise<MigrationSummary> {
  const out: MigrationSummary['datasets'][number][] = [];
  for (const d of datasets.filter((x) => granularityOf(x) !== 'day' && x.columns.some((c) => c.partition))) {
    const moves = await plannedMoves(ctx, d);
    let written = 0;
    let kept = 0;
    for (const move of moves) {
      if (await ctx.store.head(move.target)) kept++;
      else {
        await ctx.lake.attachObjects('migrate_sources', d, move.sources);
        await ctx.lake.writeQuery(d, 'SELECT * FROM migrate_sources', move.target);
        written++;
      }
      for (const key of move.sources) await ctx.store.delete(key);
    }
    // readers that follow the change log (compaction, the site) see the partitions as changed
    if (moves.length) await ctx.lake.recordChange(d, [...new Set(moves.map((m) => m.partition))], 'migrate');
    const filesMoved = moves.reduce((n, m) => n + m.sources.length, 0);
    ctx.logger.info(`migrate: ${d.name}: ${filesMoved} file(s) into ${moves.length} ${granularityOf(d)} file(s) (${written} written, ${kept} already there)`);
    out.push({ dataset: d.name, granularity: granularityOf(d), filesMoved, partitionsWritten: written, targetsKept: kept });
  }
  const placed = await placeReadings(ctx);
  out.push({ dataset: noiseReadings.name, granularity: granularityOf(noiseReadings), filesMoved: 0, partitionsWritten: placed.rewritten, targetsKept: placed.kept });
  return { datasets: out, filesMoved: out.reduce((n, x) => n + x.filesMoved, 0) };
}

const PLACES = 'migrate_places';

/**
 * Gives the Paris readings without arrondissement_insee (files written before the column) the
 * arrondissement of their sensor's registered position valid at the reading's start, else of its
 * current position (the sensors dataset): a reading's own position is not stored, so for an unregistered
 * sensor that moved this is the best known, and what the indicators used before. Each file is rewritten
 * in place (one put replaces it) only when one of its rows changes, so that a second run writes
 * nothing; the days rewritten go to the change log, for the indicators to recompute them.
 */
export async function placeReadings(ctx: StageContext): Promise<{ rewritten: number; kept: number }> {
  await placesTable(ctx);
  let rewritten = 0;
  let kept = 0;
  const dts = new Set<string>();
  for await (const o of listAll(ctx.store, `${noiseReadings.prefix}/`)) {
    if (!o.key.endsWith('.parquet')) continue;
    await ctx.lake.attachObjects('migrate_readings', noiseReadings, [o.key]);
    await ctx.lake.run(`CREATE OR REPLACE TEMP TABLE migrate_placed AS ${placedReadingsSql('migrate_readings')}`);
    const changed = await ctx.lake.all('SELECT count(*) AS n FROM migrate_placed WHERE arrondissement_insee IS DISTINCT FROM migrate_stored');
    if (Number(changed.rows[0]?.['n'] ?? 0) === 0) {
      kept++;
      continue;
    }
    await ctx.lake.writeQuery(noiseReadings, 'SELECT * EXCLUDE (migrate_row, migrate_stored) FROM migrate_placed ORDER BY migrate_row', o.key);
    rewritten++;
    const dt = dtOfKey(o.key);
    if (dt) dts.add(dt);
  }
  await ctx.lake.run('DROP TABLE IF EXISTS migrate_placed');
  await ctx.lake.recordChange(noiseReadings, [...dts], 'migrate-arrondissements');
  ctx.logger.info(`migrate: ${noiseReadings.name}: ${rewritten} file(s) given the arrondissement of their Paris readings, ${kept} already had it`);
  return { rewritten, kept };
}

/**
 * SQL: the rows of `readings` (in their order: migrate_row), each Paris reading with its own
 * arrondissement, else its sensor's place at its start (the first of its places that holds it); NULL
 * elsewhere. migrate_stored: the arrondissement the row had.
 */
function placedReadingsSql(readings: string): string {
  return `SELECT r.* EXCLUDE (migrate_row) REPLACE (CASE WHEN r.commune_insee = '${PARIS_INSEE}' THEN coalesce(r.arrondissement_insee, p.place) END AS arrondissement_insee),
      r.arrondissement_insee AS migrate_stored, r.migrate_row
    FROM (SELECT *, row_number() OVER () AS migrate_row FROM ${readings}) r
    LEFT JOIN ${PLACES} p ON p.sensor_id = r.sensor_id AND (p.valid_from IS NULL OR p.valid_from <= r.ts_from) AND (p.valid_to IS NULL OR r.ts_from < p.valid_to)
    QUALIFY row_number() OVER (PARTITION BY r.migrate_row ORDER BY p.period) = 1`;
}

/**
 * the temp table of where each sensor stood: its registered periods in the registry's order (the first
 * that holds a time wins, as at ingest), then its current position as the sensors dataset has it
 */
async function placesTable(ctx: StageContext): Promise<void> {
  const registry = await loadRegistry(ctx.store);
  const arrondissement = (lon: number, lat: number) => arrondissementOf(communeAt(lon, lat)?.commune_insee ?? null, lon, lat);
  const ts = (d: Date | null) => (d ? `TIMESTAMP ${sqlString(d.toISOString().replace('T', ' ').replace('Z', ''))}` : 'NULL');
  const text = (v: string | null) => (v === null ? 'NULL' : sqlString(v));
  const rows = registry.map((r, i) => `(${sqlString(r.sensor_id)}, ${ts(r.valid_from)}, ${ts(r.valid_to)}, ${i}, ${text(arrondissement(r.lon, r.lat))})`);
  await ctx.lake.attach([sensors]);
  await ctx.lake.run(`CREATE OR REPLACE TEMP TABLE ${PLACES} AS
    SELECT * FROM (VALUES ${[...rows, `(NULL, NULL, NULL, NULL, NULL)`].join(', ')}) t(sensor_id, valid_from, valid_to, period, place) WHERE sensor_id IS NOT NULL
    UNION ALL
    SELECT sensor_id, NULL, NULL, ${registry.length}, max_by(arrondissement_insee, last_seen) FROM ${sensors.name} GROUP BY sensor_id`);
}

/** the dataset's files in a partition of another shape, grouped by the file they move into */
async function plannedMoves(ctx: StageContext, d: DatasetDeclaration): Promise<Move[]> {
  const moves = new Map<string, Move>();
  for await (const o of listAll(ctx.store, `${d.prefix}/`)) {
    const dt = dtOfKey(o.key);
    if (!dt || !o.key.endsWith('.parquet') || isPartitionValue(d, dt)) continue;
    const move = moveOf(d, o, dt);
    const m = moves.get(move.target) ?? { ...move, sources: [] };
    m.sources.push(o.key);
    moves.set(move.target, m);
  }
  return [...moves.values()];
}

function moveOf(d: DatasetDeclaration, o: ObjectInfo, dt: string): Omit<Move, 'sources'> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(dt)) {
    throw new Error(
      `migrate: ${o.key}: dt ${dt} is neither a day nor a ${granularityOf(d)} of ${d.name}; only daily partitions move into coarser ones. Move the file by hand or re-ingest its raw file`,
    );
  }
  const partition = partitionOf(d, dt);
  const name = o.key.slice(o.key.lastIndexOf('/') + 1).replace(/\.parquet$/, '');
  return { partition, target: datasetFileKey(d, name, partition) };
}
