import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { daySql, daysOfPartition, fileColumns, granularityOf, isPartitioned, partitionOf, type DatasetDeclaration } from '../datasets/declaration.ts';
import { DUCKDB_TYPE, duckdbViewSql } from '../datasets/derive.ts';
import type { EncodedRows } from '../datasets/encoded-rows.ts';
import { changeLogPrefix, dtOfKey, partitionPrefix } from '../lake/layout.ts';
import { PARQUET_CONTENT_TYPE } from '../lake/write.ts';
import {
  ALL_PARTITIONS,
  PARQUET_OPTIONS,
  type AttachSummary,
  type ChangeSet,
  type ChangeWatermark,
  type Lake,
  type PartitionInfo,
  type PartitionSpec,
  type PartitionWindow,
  type AttachOptions,
  type PartitionWriteSummary,
  type QueryResult,
} from '../ports/lake.ts';
import { listAll, ObjectNotFoundError, type ObjectInfo, type ObjectStore } from '../ports/object-store.ts';
import { sqlPath, sqlString } from '../sql/literals.ts';
import type { Duck } from './duckdb.ts';

// The Lake port over DuckDB and an object store. A window's objects are found by listing only the
// window's part of the dataset's prefix (keys sort by dt), read in place on a folder store and
// fetched concurrently (a bounded number at a time) into the scratch folder otherwise. Writes go
// through a scratch file and one put per object, so any store works.

/** objects fetched at once from a remote store */
export const FETCH_CONCURRENCY = 16;
/** a change record written less than this before a reader listed may still appear after it (clock skew, slow puts) */
export const CHANGE_OVERLAP_MS = 15 * 60_000;
/** how far before `near` a `latest` window looks before listing the whole dataset */
const LATEST_LOOKBACK_DAYS = 45;

export class DuckLake implements Lake {
  /** keys already fetched into the scratch folder, with their etag */
  private readonly fetched = new Map<string, string>();

  constructor(
    private readonly duck: Duck,
    private readonly store: ObjectStore,
  ) {}

  /** the same engine over another store (e.g. one that counts a stage's requests) */
  withStore(store: ObjectStore): DuckLake {
    return new DuckLake(this.duck, store);
  }

  async attach(datasets: readonly DatasetDeclaration[], window: PartitionWindow = ALL_PARTITIONS, options: AttachOptions = {}): Promise<AttachSummary> {
    let files = 0;
    const partitions = new Set<string>();
    for (const d of datasets) {
      const objects = (await this.objects(d, window)).filter((o) => o.key.endsWith('.parquet'));
      const local = objects.length ? await this.localFiles(objects) : undefined;
      await this.duck.run(duckdbViewSql(d, local, { reference: options.reference, absent: local && (await this.absentColumns(d, local)) }));
      files += objects.length;
      for (const o of objects) partitions.add(`${d.name}/${dtOfKey(o.key) ?? ''}`);
    }
    return { files, partitions: partitions.size };
  }

  async attachObjects(view: string, d: DatasetDeclaration, keys: readonly string[]): Promise<void> {
    const infos = keys.map((key) => ({ key, etag: '', size: 0, lastModified: new Date(0) }));
    const files = await this.localFiles(infos);
    // files written before a column was declared (e.g. noise_readings' arrondissement_insee): NULL there
    const absent = await this.absentColumns(d, files);
    const columns = fileColumns(d).map((c) => `CAST(${absent.has(c.name) ? 'NULL' : c.name} AS ${DUCKDB_TYPE[c.type]}) AS ${c.name}`).join(', ');
    await this.duck.run(
      `CREATE OR REPLACE TEMP VIEW ${view} AS SELECT ${columns} FROM read_parquet([${files.map((f) => sqlString(f)).join(', ')}], hive_partitioning = false, union_by_name = true)`,
    );
  }

  async partitions(d: DatasetDeclaration, window: PartitionWindow = ALL_PARTITIONS): Promise<PartitionInfo[]> {
    const byDt = new Map<string, { files: number; bytes: number; lastModified: Date; keys: string[] }>();
    for (const o of await this.objects(d, window)) {
      const dt = dtOfKey(o.key);
      if (!dt || !o.key.endsWith('.parquet')) continue;
      const p = byDt.get(dt) ?? { files: 0, bytes: 0, lastModified: new Date(0), keys: [] };
      byDt.set(dt, { files: p.files + 1, bytes: p.bytes + o.size, lastModified: o.lastModified > p.lastModified ? o.lastModified : p.lastModified, keys: [...p.keys, o.key] });
    }
    return [...byDt].sort(([a], [b]) => (a < b ? -1 : 1)).map(([dt, p]) => ({ dt, ...p }));
  }

  async currentWatermark(d: DatasetDeclaration): Promise<ChangeWatermark> {
    // the records of the overlap window are known to the caller already: it is about to read everything
    const prefix = changeLogPrefix(d);
    const at = new Date();
    const from = new Date(at.getTime() - CHANGE_OVERLAP_MS).toISOString();
    const seen: string[] = [];
    for await (const o of listAll(this.store, prefix, undefined, prefix + from)) seen.push(o.key);
    return { at: at.toISOString(), seen };
  }

  async recordChange(d: DatasetDeclaration, dts: readonly string[], id: string): Promise<void> {
    if (!dts.length) return;
    const key = `${changeLogPrefix(d)}${new Date().toISOString()}-${id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64)}.json`;
    await this.store.put(key, JSON.stringify({ dts: [...new Set(dts)].sort() }), { contentType: 'application/json' });
  }

  async changesSince(d: DatasetDeclaration, since: ChangeWatermark | undefined): Promise<ChangeSet> {
    const prefix = changeLogPrefix(d);
    const listedAt = new Date();
    const from = since ? new Date(Date.parse(since.at) - CHANGE_OVERLAP_MS).toISOString() : undefined;
    const seenBefore = new Set(since?.seen ?? []);
    const dts = new Set<string>();
    const seen: string[] = [];
    let records = 0;
    const overlapFrom = new Date(listedAt.getTime() - CHANGE_OVERLAP_MS).toISOString();
    const fresh: string[] = [];
    for await (const o of listAll(this.store, prefix, undefined, from && prefix + from)) {
      const name = o.key.slice(prefix.length);
      if (name >= overlapFrom) seen.push(o.key);
      if (!seenBefore.has(o.key)) fresh.push(o.key);
    }
    await forEachLimited(fresh, FETCH_CONCURRENCY, async (key) => {
      let body: Buffer;
      try {
        body = await this.store.get(key);
      } catch (e) {
        if (e instanceof ObjectNotFoundError) return; // cleaned up meanwhile: its partitions were handled by then
        throw e;
      }
      const parsed = JSON.parse(body.toString('utf8')) as { dts?: unknown };
      if (!Array.isArray(parsed.dts)) throw new Error(`${key} in ${this.store.url}: expected {"dts": [...]}, found ${body.toString('utf8').slice(0, 80)}`);
      for (const dt of parsed.dts) dts.add(String(dt));
      records++;
    });
    return { dts: [...dts].sort(), watermark: { at: listedAt.toISOString(), seen }, records };
  }

  run(sql: string): Promise<void> {
    return this.duck.run(sql);
  }

  all(sql: string): Promise<QueryResult> {
    return this.duck.all(sql);
  }

  readOnly(sql: string): Promise<QueryResult> {
    return this.duck.readOnly(sql);
  }

  scratch(name: string): string {
    return this.duck.scratch(name);
  }

  async writeRows(d: DatasetDeclaration, rows: readonly object[] | EncodedRows, key: string): Promise<void> {
    const file = this.duck.scratch('out.parquet');
    try {
      await this.duck.writeParquet(d, rows as readonly Record<string, unknown>[] | EncodedRows, file);
      await this.store.put(key, await readFile(file), { contentType: PARQUET_CONTENT_TYPE });
    } finally {
      await rm(file, { force: true });
    }
  }

  async writeRowsByPartition(d: DatasetDeclaration, rows: EncodedRows, keyOf: (dt: string) => string): Promise<string[]> {
    const withDt: DatasetDeclaration = { ...d, columns: [...fileColumns(d), { name: 'dt', type: 'string', description: 'partition' }] };
    const connection = await this.duck.instance.connect();
    const dir = this.duck.scratch(`${d.name}-parts`);
    try {
      const loaded = await this.duck.loadRows(withDt, rows, connection);
      try {
        // dt is the partition: renamed so that it is not also written as a column
        const columns = loaded.columns.map((c) => `${c.sql} AS ${c.name === 'dt' ? 'out_part' : c.name}`);
        await connection.run(`COPY (SELECT ${columns.join(', ')} FROM ${loaded.table}) TO '${sqlPath(dir)}' (${PARQUET_OPTIONS}, PARTITION_BY (out_part), FILENAME_PATTERN 'part')`);
      } finally {
        await connection.run(`DROP TABLE IF EXISTS ${loaded.table}`);
      }
      const dts: string[] = [];
      for (const part of await readdir(dir)) {
        const dt = part.replace(/^out_part=/, '');
        await this.store.put(keyOf(dt), await readFile(await this.oneFile(path.join(dir, part), d.key ?? [])), { contentType: PARQUET_CONTENT_TYPE });
        dts.push(dt);
      }
      return dts;
    } finally {
      connection.closeSync();
      await rm(dir, { recursive: true, force: true });
    }
  }

  async writeQuery(d: DatasetDeclaration, sql: string, key: string): Promise<number> {
    const file = this.duck.scratch(`${d.name}.parquet`);
    try {
      await this.duck.run(`COPY (${sql}) TO '${sqlPath(file)}' (${PARQUET_OPTIONS})`);
      const rows = Number((await this.duck.all(`SELECT count(*) AS n FROM read_parquet('${sqlPath(file)}')`)).rows[0]?.['n'] ?? 0);
      await this.store.put(key, await readFile(file), { contentType: PARQUET_CONTENT_TYPE });
      return rows;
    } finally {
      await rm(file, { force: true });
    }
  }

  async writePartitions(d: DatasetDeclaration, spec: PartitionSpec): Promise<PartitionWriteSummary> {
    const rows = Number((await this.duck.all(`SELECT count(*) AS n FROM ${spec.table}`)).rows[0]?.['n'] ?? 0);
    const dir = this.duck.scratch(d.name);
    const wanted = new Set(spec.partitions);
    const columns = fileColumns(d).map((c) => `CAST(${c.name} AS ${DUCKDB_TYPE[c.type]}) AS ${c.name}`);
    const order = spec.orderBy ?? d.key ?? [];
    const kept = spec.days && granularityOf(d) !== 'day' ? await this.keptRows(d, [...wanted], spec.days) : undefined;
    try {
      const fresh = `SELECT ${columns.join(', ')}, CAST(${spec.partitionExpr} AS VARCHAR) AS out_part FROM ${spec.table}
                 WHERE CAST(${spec.partitionExpr} AS VARCHAR) IN (${[...wanted].map(sqlString).join(', ')})`;
      if ((rows > 0 || kept) && wanted.size) {
        await this.duck.run(
          `COPY (SELECT * FROM (${fresh}${kept ? ` UNION ALL ${kept}` : ''}) ${order.length ? `ORDER BY ${order.join(', ')}` : ''})
           TO '${sqlPath(dir)}' (${PARQUET_OPTIONS}, PARTITION_BY (out_part), FILENAME_PATTERN 'part')`,
        );
      }
      let written = 0;
      let deleted = 0;
      await forEachLimited([...wanted], FETCH_CONCURRENCY / 2, async (p) => {
        const key = spec.keyOf(p);
        const names = await readdir(path.join(dir, `out_part=${p}`)).catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'ENOENT') return [] as string[];
          throw e;
        });
        if (names.length) {
          await this.store.put(key, await readFile(await this.oneFile(path.join(dir, `out_part=${p}`), order)), { contentType: PARQUET_CONTENT_TYPE });
          written++;
        } else if (await this.store.head(key)) {
          await this.store.delete(key);
          deleted++;
        }
      });
      return { rows, written, deleted };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** the stored rows of these partitions outside `days`, with their partition as out_part (undefined: none stored) */
  private async keptRows(d: DatasetDeclaration, partitions: readonly string[], days: readonly string[]): Promise<string | undefined> {
    const columns = fileColumns(d).map((c) => `CAST(${c.name} AS ${DUCKDB_TYPE[c.type]}) AS ${c.name}`).join(', ');
    const parts: string[] = [];
    for (const p of partitions) {
      const objects = (await collect(listAll(this.store, partitionPrefix(d, p)))).filter((o) => o.key.endsWith('.parquet'));
      if (!objects.length) continue;
      const files = await this.localFiles(objects);
      parts.push(
        `SELECT ${columns}, ${sqlString(p)} AS out_part FROM read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = false, union_by_name = true)
         WHERE ${days.length ? `${daySql(d)} NOT IN (${days.map((day) => `DATE ${sqlString(day)}`).join(', ')})` : 'true'}`,
      );
    }
    return parts.length ? parts.join(' UNION ALL ') : undefined;
  }

  async exportToFile(sql: string, file: string, format: 'parquet' | 'csv'): Promise<number> {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    const options = format === 'parquet' ? PARQUET_OPTIONS : 'FORMAT csv, HEADER true';
    const copied = await this.duck.all(`COPY (${sql}) TO '${sqlPath(file)}' (${options})`);
    return Number(copied.rows[0]?.Count ?? 0);
  }

  /** the objects of a dataset in a window, listing only that part of its prefix */
  private async objects(d: DatasetDeclaration, window: PartitionWindow): Promise<ObjectInfo[]> {
    const prefix = `${d.prefix}/`;
    if (!isPartitioned(d) || window.kind === 'all') return collect(listAll(this.store, prefix));
    if (window.kind === 'partitions') {
      const out: ObjectInfo[] = [];
      for (const dt of [...new Set(window.dts)].sort()) out.push(...(await collect(listAll(this.store, `${prefix}dt=${dt}/`))));
      return out;
    }
    // a window of days reads the partitions holding them (a month or a year for coarser datasets)
    if (window.kind === 'dates') return this.between(prefix, partitionOf(d, window.from), partitionOf(d, window.to));
    // latest: list from a little before `near`; the whole dataset only when nothing lies there
    const start = partitionOf(d, addDays(window.near, -LATEST_LOOKBACK_DAYS));
    let objects = await this.between(prefix, start, '9999');
    if (!objects.length) objects = await collect(listAll(this.store, prefix));
    const last = objects.map((o) => dtOfKey(o.key)).filter((x): x is string => !!x).sort().pop();
    if (!last) return [];
    const first = partitionOf(d, addDays(daysOfPartition(d, last).to, 1 - window.days));
    return objects.filter((o) => {
      const dt = dtOfKey(o.key);
      return !!dt && dt >= first && dt <= last;
    });
  }

  /** the objects whose dt lies in [from, to] (dt values): one listing that starts before `from` and stops after `to` */
  private async between(prefix: string, from: string, to: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    // `dt=<from>` sorts just before the keys of partition `from` (a key of it is longer)
    for await (const o of listAll(this.store, prefix, undefined, `${prefix}dt=${from}`)) {
      const dt = dtOfKey(o.key);
      if (!dt) continue;
      if (dt > to) break;
      if (dt >= from) out.push(o);
    }
    return out;
  }

  /** local paths of objects: in place on a folder store, fetched into the scratch folder otherwise */
  /**
   * The one file of a partition DuckDB wrote in `dir`. A large partitioned COPY may write a partition in
   * several files (it closes files when too many partitions are open at once, and opens new ones): they
   * are merged into one, in `order`, since each partition is stored as one object.
   */
  private async oneFile(dir: string, order: readonly string[]): Promise<string> {
    const files = (await readdir(dir)).sort().map((n) => path.join(dir, n));
    const [only] = files;
    if (files.length === 1 && only !== undefined) return only;
    const merged = `${dir}.merged.parquet`;
    await this.duck.run(
      `COPY (SELECT * FROM read_parquet([${files.map(sqlString).join(', ')}]) ${order.length ? `ORDER BY ${order.join(', ')}` : ''}) TO '${sqlPath(merged)}' (${PARQUET_OPTIONS})`,
    );
    return merged;
  }

  /** the declared file columns none of `files` holds (written before the column was declared) */
  private async absentColumns(d: DatasetDeclaration, files: readonly string[]): Promise<Set<string>> {
    const held = await this.duck.all(`SELECT DISTINCT name FROM parquet_schema([${files.map(sqlString).join(', ')}])`);
    const names = new Set(held.rows.map((r) => String(r['name'])));
    return new Set(fileColumns(d).filter((c) => !names.has(c.name)).map((c) => c.name));
  }

  private async localFiles(objects: readonly ObjectInfo[]): Promise<string[]> {
    const localPath = this.store.localPath?.bind(this.store);
    if (localPath) return objects.map((o) => localPath(o.key));
    const mirror = path.join(this.duck.scratchRoot, 'mirror');
    const local = objects.map((o) => ({ o, file: path.join(mirror, ...o.key.split('/')) }));
    await forEachLimited(
      local,
      FETCH_CONCURRENCY,
      async ({ o, file }) => {
        if (o.etag && this.fetched.get(o.key) === o.etag) return;
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, await this.store.get(o.key));
        if (o.etag) this.fetched.set(o.key, o.etag);
      },
    );
    return local.map((l) => l.file);
  }
}

/** a calendar date moved by whole days */
function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}



async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let item = items[next++]; item !== undefined; item = items[next++]) await fn(item);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
}
