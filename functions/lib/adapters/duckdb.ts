import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  BIGINT,
  BOOLEAN,
  DATE,
  DOUBLE,
  DuckDBConnection,
  DuckDBDataChunk,
  type DuckDBDoubleVector,
  type DuckDBIntegerVector,
  DuckDBInstance,
  INTEGER,
  StatementType,
  TIMESTAMPTZ,
  VARCHAR,
  dateValue,
  type DuckDBType,
  type DuckDBValue,
  type DuckDBVector,
} from '@duckdb/node-api';
import { fileColumns, type ColumnType, type DatasetDeclaration } from '../datasets/declaration.ts';
import { DUCKDB_TYPE } from '../datasets/derive.ts';
import { sqlPath, sqlString } from '../sql/literals.ts';
import { encodeRows, type EncodedColumn, type EncodedRows } from '../datasets/encoded-rows.ts';

// DuckDB: the SQL engine on one machine, and the Parquet writer of every stage.

import type { QueryResult } from '../ports/lake.ts';
export type { QueryResult };

import { PARQUET_OPTIONS } from '../ports/lake.ts';
export { PARQUET_OPTIONS };

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

  /**
   * `scratchDir`: a writable folder for this engine's scratch files and for DuckDB's spill files
   * (`temp_directory`) — /tmp on Lambda, whose working directory is read-only; without it a sort or
   * join larger than `memory_limit` fails instead of spilling. `memoryLimit`: DuckDB's own cap (e.g.
   * `1.2GB`; on Lambda, DUCKDB_MEMORY_LIMIT, which infra/ derives from the function's memory).
   */
  static async open(options: { threads?: number; memoryLimit?: string; scratchDir?: string } = {}): Promise<Duck> {
    const tmpDir = await mkdtemp(path.join(options.scratchDir ?? os.tmpdir(), 'observatory-duck-'));
    const memoryLimit = options.memoryLimit;
    const instance = await DuckDBInstance.create(':memory:', {
      threads: String(options.threads ?? Math.max(1, os.cpus().length)),
      temp_directory: path.join(tmpDir, 'spill'),
      ...(memoryLimit ? { memory_limit: memoryLimit } : {}),
    });
    const connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
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
    return { columns: names.map((name, i) => ({ name, type: types[i] ?? '' })), rows: reader.getRowObjectsJS() };
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
      result = { columns: names.map((name, j) => ({ name, type: types[j] ?? '' })), rows: reader.getRowObjectsJS() };
    }
    if (!result) throw new Error('empty query');
    return result;
  }

  /** a fresh file path in this engine's scratch folder */
  scratch(name: string): string {
    return path.join(this.tmpDir, `${++tableCounter}-${name}`);
  }

  /** writes rows of a dataset (its file columns) to a local Parquet file; the rows as objects or already encoded */
  async writeParquet(d: DatasetDeclaration, rows: readonly Record<string, unknown>[] | EncodedRows, file: string): Promise<void> {
    const connection = await this.instance.connect();
    try {
      const loaded = await this.loadRows(d, rows, connection);
      try {
        await mkdir(path.dirname(file), { recursive: true });
        await connection.run(`COPY (SELECT ${loaded.columns.map((c) => `${c.sql} AS ${c.name}`).join(', ')} FROM ${loaded.table}) TO '${sqlPath(file)}' (${PARQUET_OPTIONS})`);
      } finally {
        await connection.run(`DROP TABLE IF EXISTS ${loaded.table}`);
      }
    } finally {
      connection.closeSync();
    }
  }

  /**
   * Loads rows into a scratch table; returns its name and, per file column of the dataset, the SQL
   * expression that reads the column back with its declared type. Rows given as objects are encoded
   * first (encoded-rows.ts): only numbers cross into DuckDB, and text columns travel as codes into a
   * dictionary (a list literal in the select) or as one constant.
   */
  async loadRows(d: DatasetDeclaration, rows: readonly Record<string, unknown>[] | EncodedRows, connection?: DuckDBConnection): Promise<LoadedRows> {
    if (!connection) return this.exclusive(() => this.loadRows(d, rows, this.connection));
    const columns = fileColumns(d);
    const encoded = Array.isArray(rows) ? encodeRows(columns, rows) : (rows as EncodedRows);
    const encodings = columns.map((c) => encodingOf(c.name, c.type, encoded.columns[c.name] ?? { kind: 'constant', value: null }));
    const loadedColumns = encodings.flatMap((e) => (e.load ? [{ name: e.name, ...e.load }] : []));
    const table = `tmp_${d.name}_${++tableCounter}`;
    await connection.run(
      `CREATE TABLE ${table} (${loadedColumns.length ? loadedColumns.map((e) => `${e.name} ${e.sqlType}`).join(', ') : 'unused INTEGER'})`,
    );
    const appender = await connection.createAppender(table);
    const types = loadedColumns.length ? loadedColumns.map((e) => e.duckType) : [INTEGER];
    // one chunk and its vectors for all the rows (the appender copies what it is given): a vector
    // made costs a native copy of its data, ~1/3 of the load when made afresh for every chunk
    const chunk = DuckDBDataChunk.create(types, Math.min(CHUNK_ROWS, encoded.count));
    /** per loaded column, whether its vector holds nulls from the chunk before */
    const withNulls = loadedColumns.map(() => false);
    for (let offset = 0; offset < encoded.count; offset += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, encoded.count - offset);
      // the last, shorter chunk: its vectors made afresh, over the same native ones (nulls included)
      if (chunk.rowCount !== count) chunk.rowCount = count;
      if (!loadedColumns.length) chunk.setColumnValues(0, new Array<null>(count).fill(null));
      for (const [j, column] of loadedColumns.entries()) {
        const vector = chunk.getColumnVector(j);
        withNulls[j] = column.fill(vector, offset, count, withNulls[j] === true);
        vector.flush();
      }
      appender.appendDataChunk(chunk);
    }
    appender.closeSync();
    return { table, columns: encodings.map((e) => ({ name: e.name, sql: `CAST(${e.select} AS ${DUCKDB_TYPE[e.type]})` })) };
  }

  /** the folder of this engine's scratch files */
  get scratchRoot(): string {
    return this.tmpDir;
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
    await rm(this.tmpDir, { recursive: true, force: true });
  }
}

const CHUNK_ROWS = 2048;

/** a scratch table of loaded rows, and the expressions that read it back as the dataset's file columns */
export interface LoadedRows {
  readonly table: string;
  readonly columns: readonly { readonly name: string; readonly sql: string }[];
}

interface ColumnEncoding {
  readonly name: string;
  readonly type: ColumnType;
  /** the SQL that reads the column back (before the cast to its declared type) */
  readonly select: string;
  /** how the column is loaded; undefined when the select holds it all (a constant) */
  readonly load?: {
    readonly sqlType: string;
    readonly duckType: DuckDBType;
    /**
     * sets rows offset … offset + count - 1 into the vector (one loop per kind of column: no value boxed
     * on the way); `hadNulls`: the vector holds null items of an earlier fill. Returns whether it now does.
     */
    readonly fill: Fill;
  };
}

type Fill = (vector: DuckDBVector, offset: number, count: number, hadNulls: boolean) => boolean;

/** how an encoded column is loaded and read back */
function encodingOf(name: string, type: ColumnType, column: EncodedColumn): ColumnEncoding {
  const loaded = (sqlType: string, duckType: DuckDBType, fill: Fill, select = name): ColumnEncoding => ({
    name,
    type,
    select,
    load: { sqlType, duckType, fill },
  });
  switch (column.kind) {
    case 'constant':
      return { name, type, select: column.value === null ? 'NULL' : sqlString(column.value) };
    case 'codes': {
      const { codes } = column;
      return loaded('INTEGER', INTEGER, (vector, offset, count, hadNulls) => fillTyped(vector as DuckDBIntegerVector, codes, null, { offset, count, hadNulls }), `([${column.dictionary.map(sqlString).join(', ')}])[${name}]`);
    }
    case 'numbers': {
      const { values, nulls } = column;
      // epoch milliseconds as a double (exact for dates): a typed-array copy instead of a BigInt per value
      const select = type === 'timestamp' ? `make_timestamptz(CAST(${name} AS BIGINT) * 1000)` : name;
      return loaded('DOUBLE', DOUBLE, (vector, offset, count, hadNulls) => fillTyped(vector as DuckDBDoubleVector, values, nulls, { offset, count, hadNulls }), select);
    }
    case 'values': {
      const convert = VALUE_CONVERSION[type];
      const { values } = column;
      // every item set, valid or null: nothing of an earlier fill remains
      return loaded(type === 'string' ? 'VARCHAR' : DUCKDB_TYPE[type], DUCK_TYPE[type], (vector, offset, count) => {
        let nulls = false;
        for (let i = 0; i < count; i++) {
          const v = values[offset + i];
          nulls ||= v === null || v === undefined;
          vector.setItem(i, v === null || v === undefined ? null : convert(v));
        }
        return nulls;
      });
    }
  }
}

/**
 * Copies a slice of typed values into a vector at once; only the null rows are set one by one (null
 * codes are 0), and, in a vector that held nulls before (`hadNulls`), the valid ones too. Each setItem
 * would otherwise also touch the validity mask, with BigInt arithmetic once the mask exists. Returns
 * whether the slice has nulls.
 */
function fillTyped(
  vector: DuckDBIntegerVector | DuckDBDoubleVector,
  values: Int32Array | Float64Array,
  nulls: Uint8Array | null,
  { offset, count, hadNulls }: { offset: number; count: number; hadNulls: boolean },
): boolean {
  // the vector's own array (not in the typings): set item by item where a version of the library has none
  const items = (vector as unknown as { items?: unknown }).items;
  const copied = items instanceof values.constructor && (items as Int32Array | Float64Array).length >= count;
  if (copied) (items as Float64Array).set(values.subarray(offset, offset + count));
  const codes = !nulls && values instanceof Int32Array;
  let any = false;
  for (let i = 0; i < count; i++) {
    const isNull = nulls ? nulls[offset + i] === 1 : codes && values[offset + i] === 0;
    any ||= isNull;
    if (isNull) vector.setItem(i, null);
    else if (!copied || hadNulls) vector.setItem(i, values[offset + i] ?? 0);
  }
  return any;
}

const VALUE_CONVERSION: Record<ColumnType, (v: unknown) => DuckDBValue> = {
  string: (v) => String(v),
  bigint: (v) => BigInt(v as number),
  date: (v) => dateValue(Math.round(Date.parse(`${String(v)}T00:00:00Z`) / 86_400_000)),
  double: (v) => v as number,
  integer: (v) => v as number,
  boolean: (v) => v as boolean,
  timestamp: (v) => v as DuckDBValue,
};

const DUCK_TYPE: Record<ColumnType, DuckDBType> = {
  string: VARCHAR,
  double: DOUBLE,
  integer: INTEGER,
  bigint: BIGINT,
  boolean: BOOLEAN,
  timestamp: TIMESTAMPTZ,
  date: DATE,
};

export { sqlPath, sqlString } from '../sql/literals.ts';

