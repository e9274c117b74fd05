import { AthenaEngine, athenaSettingsFromEnv, type AthenaSettings } from '../../functions/lib/adapters/athena.ts';
import { Duck, type QueryResult } from '../../functions/lib/adapters/duckdb.ts';
import { DuckLake } from '../../functions/lib/adapters/duck-lake.ts';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { confineToDirectories, readLake } from '../../functions/lib/sql/confine.ts';
import { toAthena } from '../../functions/lib/sql/dialect.ts';

// Where a notebook's SQL runs: DuckDB over a local lake folder (read-only, confined to the lake), or
// Athena over the Glue tables, with the SQL passed through toAthena() — the same adapters as
// `observatory query`.

export type EngineName = 'duckdb' | 'athena';

export interface QueryEngine {
  readonly name: EngineName;
  query(sql: string): Promise<QueryResult & { bytesScanned?: number }>;
  close(): Promise<void>;
}

export async function duckdbEngine(lakeDir: string): Promise<QueryEngine> {
  const duck = await Duck.open();
  const lake = new DuckLake(duck, new FsObjectStore(lakeDir));
  await lake.attach(DATASETS);
  await confineToDirectories(lake, [lakeDir]);
  return { name: 'duckdb', query: (sql) => readLake(lake, sql, { cwd: process.cwd(), lake: lakeDir }), close: () => duck.close() };
}

/** `client` stands in for the AWS SDK client in tests */
export function athenaEngine(settings: AthenaSettings, client?: ConstructorParameters<typeof AthenaEngine>[1]): QueryEngine {
  const engine = new AthenaEngine(settings, client);
  return { name: 'athena', query: (sql) => engine.query(toAthena(sql)), close: () => Promise.resolve() };
}

export function athenaEngineFromEnv(env: NodeJS.ProcessEnv = process.env): QueryEngine {
  return athenaEngine(athenaSettingsFromEnv(env));
}
