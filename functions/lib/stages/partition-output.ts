import { createHash } from 'node:crypto';
import { fileColumns, type DatasetDeclaration } from '../datasets/declaration.ts';
import { datasetFileKey, dtOfKey, stateKey } from '../lake/layout.ts';
import type { Lake } from '../ports/lake.ts';
import { z } from 'zod';
import { listKeys, type ObjectStore } from '../ports/object-store.ts';
import { readSaved } from '../saved-json.ts';
import { sqlString } from '../sql/literals.ts';
import type { StageContext } from './context.ts';

// What the flood and heat indicator stages share: their inputs are small (a few stations, days and
// sections), so each run recomputes every row in SQL — which keeps rolling windows, episodes and
// carried-over bulletins exact across days — and writes only the dt partitions whose rows changed,
// one file per partition under a fixed name. A run whose inputs (file keys and etags) and settings are
// unchanged stops before computing anything.

export const PART_NAME = 'part-0';

const indicatorStateSchema = z.object({
  version: z.literal(1),
  /** the settings (configuration, algorithm version) the outputs were computed with */
  settings: z.string(),
  /** fingerprint of the input files */
  inputs: z.string(),
  /** dataset name → dt → hash of the partition's rows */
  partitions: z.record(z.string(), z.record(z.string(), z.string())),
});
export type IndicatorState = z.infer<typeof indicatorStateSchema>;

export async function readIndicatorState(store: ObjectStore, stage: string): Promise<IndicatorState | undefined> {
  return readSaved(store, stateKey(stage), indicatorStateSchema, 'delete it to recompute everything');
}

export async function writeIndicatorState(store: ObjectStore, stage: string, state: IndicatorState): Promise<void> {
  await store.put(stateKey(stage), JSON.stringify(state, null, 1), { contentType: 'application/json' });
}

/** sha256 of the sorted keys and etags of the Parquet files under the datasets' prefixes */
export async function inputFingerprint(store: ObjectStore, datasets: readonly DatasetDeclaration[]): Promise<string> {
  const lines: string[] = [];
  for (const d of datasets) for (const o of await listKeys(store, `${d.prefix}/`)) if (o.key.endsWith('.parquet')) lines.push(`${o.key}\t${o.etag}`);
  return createHash('sha256').update(lines.sort().join('\n')).digest('hex');
}

export interface PartitionWrite {
  readonly dataset: DatasetDeclaration;
  /** a table with the dataset's file columns and a `dt` column */
  readonly table: string;
}

export interface PartitionWriteResult {
  readonly partitions: Record<string, Record<string, string>>;
  readonly rows: Record<string, number>;
  /** partitions written (new or changed) and deleted (no row any more), per dataset */
  readonly written: Record<string, number>;
  readonly deleted: Record<string, number>;
}

/** writes the changed dt partitions of each table and deletes the partitions that have no row any more */
export async function writeChangedPartitions(
  ctx: StageContext,
  outputs: readonly PartitionWrite[],
  previous: IndicatorState | undefined,
  rewriteAll: boolean,
): Promise<PartitionWriteResult> {
  const result: PartitionWriteResult = { partitions: {}, rows: {}, written: {}, deleted: {} };
  for (const { dataset: d, table } of outputs) {
    const columns = fileColumns(d);
    const key = d.key!.join(', ');
    const hashes = await ctx.lake.all(
      `SELECT CAST(dt AS VARCHAR) AS dt, count(*) AS n, md5(string_agg(CAST(struct_pack(${columns.map((c) => c.name).join(', ')}) AS VARCHAR), chr(10) ORDER BY ${key})) AS h FROM ${table} GROUP BY ALL ORDER BY 1`,
    );
    const now: Record<string, string> = {};
    let rows = 0;
    for (const r of hashes.rows) {
      now[String(r.dt)] = String(r.h);
      rows += Number(r.n);
    }
    const before = previous?.partitions[d.name] ?? {};
    const existing = new Map<string, string>();
    for (const o of await listKeys(ctx.store, `${d.prefix}/`)) {
      const dt = dtOfKey(o.key);
      if (dt) existing.set(o.key, dt);
    }
    const changed = Object.keys(now).filter((dt) => rewriteAll || before[dt] !== now[dt] || !existing.has(datasetFileKey(d, PART_NAME, dt)));
    if (changed.length) await ctx.lake.writePartitions(d, { table, partitionExpr: 'dt', partitions: changed, keyOf: (dt) => datasetFileKey(d, PART_NAME, dt) });
    // only once the new files are stored: a failed export leaves the previous outputs in place
    let deleted = 0;
    for (const [k, dt] of existing) {
      if (!(dt in now) || k !== datasetFileKey(d, PART_NAME, dt)) {
        await ctx.store.delete(k);
        deleted++;
      }
    }
    result.partitions[d.name] = now;
    result.rows[d.name] = rows;
    result.written[d.name] = changed.length;
    result.deleted[d.name] = deleted;
  }
  return result;
}

/** a VALUES table from rows of literals, typed by the first row's columns */
export async function valuesTable(duck: Pick<Lake, 'run'>, name: string, columns: Record<string, string>, rows: readonly (readonly (string | number | boolean | null)[])[]): Promise<void> {
  const names = Object.keys(columns);
  const lit = (v: string | number | boolean | null) => (v === null ? 'NULL' : typeof v === 'string' ? sqlString(v) : String(v));
  const body = rows.length
    ? `SELECT ${names.map((n) => `CAST(${n} AS ${columns[n]}) AS ${n}`).join(', ')} FROM (VALUES ${rows.map((r) => `(${r.map(lit).join(', ')})`).join(', ')}) t(${names.join(', ')})`
    : `SELECT ${names.map((n) => `CAST(NULL AS ${columns[n]}) AS ${n}`).join(', ')} WHERE false`;
  await duck.run(`CREATE OR REPLACE TEMP TABLE ${name} AS ${body}`);
}
