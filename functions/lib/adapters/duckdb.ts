import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  BIGINT,
  BOOLEAN,
  DATE,
  DOUBLE,
  DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  INTEGER,
  StatementType,
  TIMESTAMPTZ,
  VARCHAR,
  dateValue,
  timestampTZValue,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { fileColumns, type ColumnType, type DatasetDeclaration } from '../datasets/declaration.ts';
import { DUCKDB_TYPE, duckdbViewSql } from '../datasets/derive.ts';
import { listKeys, type ObjectStore } from '../ports/object-store.ts';

// DuckDB: the SQL engine on one machine, and the Parquet writer of every stage.

export interface QueryResult {
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
}

export const PARQUET_OPTIONS = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880";

let tableCounter = 0;

export class Duck {
  // one DuckDB connection runs one statement at a time: statements on the shared connection queue up
  // here, and each Parquet write takes a connection of its own so that concurrent ingests can overlap
  private queue: Promise<unknown> = Promise.resolve();

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private constructor(
    readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    private readonly tmpDir: string,
  ) {}

  static async open(options: { threads?: number; memoryLimit?: string } = {}): Promise<Duck> {
    const instance = await DuckDBInstance.create(':memory:', {
      threads: String(options.threads ?? Math.max(1, os.cpus().length)),
      ...(options.memoryLimit ? { memory_limit: options.memoryLimit } : {}),
    });
    const connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    const tmpDir = await mkdtemp(path.join(os.tmpdir(), 'observatory-duck-'));
    return new Duck(instance, connection, tmpDir);
  }

  async run(sql: string): Promise<void> {
    await this.exclusive(() => this.connection.run(sql));
  }

  async all(sql: string): Promise<QueryResult> {
    return this.exclusive(() => this.allUnlocked(sql));
  }

  private async allUnlocked(sql: string): Promise<QueryResult> {
    const reader = await this.connection.runAndReadAll(sql);
    const names = reader.columnNames();
    const types = reader.columnTypes().map((t) => t.toString());
    return { columns: names.map((name, i) => ({ name, type: types[i]! })), rows: reader.getRowObjectsJS() as Record<string, unknown>[] };
  }

  /** rejects anything but a read: SELECT, WITH … SELECT, EXPLAIN, DESCRIBE, SHOW, SUMMARIZE */
  async readOnly(sql: string): Promise<QueryResult> {
    return this.exclusive(() => this.readOnlyUnlocked(sql));
  }

  private async readOnlyUnlocked(sql: string): Promise<QueryResult> {
    const extracted = await this.connection.extractStatements(sql);
    const count = extracted.count;
    if (count === 0) throw new Error('empty query');
    let result: QueryResult | undefined;
    for (let i = 0; i < count; i++) {
      const prepared = await extracted.prepare(i);
      const type = prepared.statementType;
      if (type !== StatementType.SELECT && type !== StatementType.EXPLAIN) {
        throw new Error(`read-only: statement ${i + 1} is ${StatementType[type] ?? type}; only SELECT queries are allowed`);
      }
      const reader = await prepared.runAndReadAll();
      const names = reader.columnNames();
      const types = reader.columnTypes().map((t) => t.toString());
      result = { columns: names.map((name, j) => ({ name, type: types[j]! })), rows: reader.getRowObjectsJS() as Record<string, unknown>[] };
    }
    return result!;
  }

  /** a fresh file path in this engine's scratch folder */
  scratch(name: string): string {
    return path.join(this.tmpDir, `${++tableCounter}-${name}`);
  }

  /** writes rows of a dataset (its file columns) to a local Parquet file */
  async writeParquet(d: DatasetDeclaration, rows: readonly Record<string, unknown>[], file: string): Promise<void> {
    const connection = await this.instance.connect();
    try {
      const table = await this.loadRows(d, rows, connection);
      try {
        await mkdir(path.dirname(file), { recursive: true });
        await connection.run(`COPY (SELECT * FROM ${table}) TO '${sqlPath(file)}' (${PARQUET_OPTIONS})`);
      } finally {
        await connection.run(`DROP TABLE IF EXISTS ${table}`);
      }
    } finally {
      connection.closeSync();
    }
  }

  /** loads rows into a table with the dataset's file columns; returns its name */
  async loadRows(d: DatasetDeclaration, rows: readonly Record<string, unknown>[], connection?: DuckDBConnection): Promise<string> {
    if (!connection) return this.exclusive(() => this.loadRows(d, rows, this.connection));
    const columns = fileColumns(d);
    const table = `tmp_${d.name}_${++tableCounter}`;
    await connection.run(`CREATE TABLE ${table} (${columns.map((c) => `${c.name} ${DUCKDB_TYPE[c.type]}`).join(', ')})`);
    const appender = await connection.createAppender(table);
    // columnar appends, one data chunk of up to 2048 rows at a time: ~2× faster than value by value
    const types = columns.map((c) => DUCK_TYPE[c.type]);
    const convert = columns.map((c) => toDuck(c.type));
    for (let offset = 0; offset < rows.length; offset += CHUNK_ROWS) {
      const part = rows.slice(offset, offset + CHUNK_ROWS);
      const chunk = DuckDBDataChunk.create(types, part.length);
      for (let j = 0; j < columns.length; j++) {
        const name = columns[j]!.name;
        const f = convert[j]!;
        chunk.setColumnValues(j, part.map((row) => {
          const v = row[name];
          return v === null || v === undefined ? null : f(v);
        }));
      }
      appender.appendDataChunk(chunk);
    }
    appender.closeSync();
    return table;
  }

  /** creates one view per dataset over the lake's Parquet files (an empty view where there is none) */
  async attachLake(store: ObjectStore, datasets: readonly DatasetDeclaration[]): Promise<void> {
    for (const d of datasets) {
      const glob = await this.datasetGlob(store, d);
      await this.run(duckdbViewSql(d, glob));
    }
  }

  private async datasetGlob(store: ObjectStore, d: DatasetDeclaration): Promise<string | undefined> {
    const objects = (await listKeys(store, d.prefix + '/')).filter((o) => o.key.endsWith('.parquet'));
    if (objects.length === 0) return undefined;
    if (store.localPath) return path.join(store.localPath(d.prefix), '**', '*.parquet');
    // a remote store: mirror the files into the scratch folder, keeping the Hive layout
    const mirror = path.join(this.tmpDir, 'mirror');
    for (const o of objects) {
      const local = path.join(mirror, ...o.key.split('/'));
      await mkdir(path.dirname(local), { recursive: true });
      await writeFile(local, await store.get(o.key));
    }
    return path.join(mirror, ...d.prefix.split('/'), '**', '*.parquet');
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
    await rm(this.tmpDir, { recursive: true, force: true });
  }
}

const CHUNK_ROWS = 2048;

const DUCK_TYPE: Record<ColumnType, DuckDBType> = {
  string: VARCHAR,
  double: DOUBLE,
  integer: INTEGER,
  bigint: BIGINT,
  boolean: BOOLEAN,
  timestamp: TIMESTAMPTZ,
  date: DATE,
};

function toDuck(type: ColumnType): (v: unknown) => DuckDBValue {
  switch (type) {
    case 'string':
      return (v) => String(v);
    case 'bigint':
      return (v) => BigInt(v as number);
    case 'timestamp':
      return (v) => timestampTZValue(BigInt(v instanceof Date ? v.getTime() : Number(v)) * 1000n);
    case 'date':
      return (v) => dateValue(Math.round(Date.parse(`${String(v)}T00:00:00Z`) / 86_400_000));
    default:
      return (v) => v as DuckDBValue;
  }
}

export function sqlPath(p: string): string {
  return p.replaceAll("'", "''");
}

export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
