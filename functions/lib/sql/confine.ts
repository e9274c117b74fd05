import path from 'node:path';
import type { Lake, QueryResult } from '../ports/lake.ts';
import { sqlString } from './literals.ts';

// What "read-only" means for researchers' SQL on the local lake (observatory query, the notebooks):
// - statements: only SELECT (and EXPLAIN, DESCRIBE, SHOW, SUMMARIZE, PRAGMA of a read) run —
//   Duck.readOnly() checks each statement's type before running it, so a write in second position
//   never runs; CREATE, INSERT, COPY … TO, EXPORT, ATTACH, INSTALL/LOAD, SET/RESET/PRAGMA x=y, USE,
//   CALL, CHECKPOINT are refused;
// - files: the engine reads the lake's folders and nothing else. File readers (read_parquet,
//   read_csv, read_text, glob…) work inside them and fail outside (`/etc/passwd`, `~/.aws`, URLs), so a
//   query is about the lake and runs the same on Athena, whose tables are the same datasets;
// - configuration: locked, so no later statement can lift these limits.

/** confines an engine, after its views are attached, to reading files under `dirs` */
export async function confineToDirectories(duck: Pick<Lake, 'run'>, dirs: readonly string[]): Promise<void> {
  // a trailing separator so that /lake does not also allow /lake-other
  const allowed = dirs.map((d) => sqlString(path.resolve(d) + path.sep)).join(', ');
  await duck.run(`SET allowed_directories = [${allowed}]`);
  await duck.run('SET enable_external_access = false');
  await duck.run('SET lock_configuration = true');
}

/**
 * Duck.readOnly() on a confined engine, its refusals worded as such: DuckDB stops a file outside the
 * lake (`COPY … TO '/tmp/x'`, `read_text('/etc/passwd')`) when it binds the statement, before the
 * statement's type is checked.
 */
export async function readLake(duck: Pick<Lake, 'readOnly'>, sql: string): Promise<QueryResult> {
  refuseWrites(sql);
  try {
    return await duck.readOnly(sql);
  } catch (e) {
    const m = /Cannot access (?:file|directory) "([^"]*)" - file system operations are disabled by configuration/.exec((e as Error).message);
    if (m) throw new Error(`read-only: only the files under the lake folder can be read; "${m[1]}" is outside it`, { cause: e });
    throw e;
  }
}

/** statement kinds that write or change the engine: refused by name before DuckDB binds them (a DELETE on a view would otherwise be a binder error) */
const WRITES = ['DELETE', 'UPDATE', 'INSERT', 'COPY', 'CREATE', 'DROP', 'ALTER', 'ATTACH', 'DETACH', 'INSTALL', 'LOAD', 'SET', 'RESET', 'EXPORT', 'IMPORT', 'VACUUM', 'CHECKPOINT', 'TRUNCATE', 'MERGE', 'CALL', 'USE'];

/** the leading keyword of each statement (comments and quoted text left out), in order */
export function statementKinds(sql: string): string[] {
  const plain = sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""');
  return plain
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (/^\(*\s*([A-Za-z]+)/.exec(s)?.[1] ?? '').toUpperCase());
}

function refuseWrites(sql: string): void {
  const kinds = statementKinds(sql);
  if (!kinds.length) throw new Error('empty SQL: give a SELECT query');
  kinds.forEach((kind, i) => {
    if (WRITES.includes(kind)) throw new Error(`read-only: statement ${i + 1} is ${kind}; only SELECT queries are allowed`);
  });
}
