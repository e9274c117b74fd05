import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Lake, QueryResult } from '../ports/lake.ts';
import { sqlString } from './literals.ts';
import { closing, isSymbol, isWord, previous, text, tokenize, type Token } from './tokens.ts';

// What "read-only" means for researchers' SQL on the local lake (observatory query, the notebooks):
// - statements: only SELECT (and EXPLAIN, DESCRIBE, SHOW, SUMMARIZE, PRAGMA of a read) run —
//   Duck.readOnly() checks each statement's type before running it, so a write in second position
//   never runs; CREATE, INSERT, COPY … TO, EXPORT, ATTACH, INSTALL/LOAD, SET/RESET/PRAGMA x=y, USE,
//   CALL, CHECKPOINT are refused;
// - files: the engine reads the lake's folders and nothing else. File readers (read_parquet,
//   read_csv, read_text, glob…) work inside them and fail outside (`/etc/passwd`, `~/.aws`, URLs), so a
//   query is about the lake and runs the same on Athena, whose tables are the same datasets;
// - configuration: locked, so no later statement can lift these limits;
// - relative paths: a file named by a relative path (`FROM 'site/x.parquet'`, `read_csv('x.csv')`) is
//   looked for in the current folder, then in the lake folder, so that a file downloaded under the lake's
//   site/ can be read as `site/…` from anywhere; either way only files under the lake can be read.

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
export async function readLake(duck: Pick<Lake, 'readOnly'>, sql: string, folders?: RelativeFolders): Promise<QueryResult> {
  refuseWrites(sql);
  try {
    return await duck.readOnly(folders ? resolveRelativePaths(sql, folders) : sql);
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

/** where a relative file path in SQL is looked for: the current folder first, then the lake */
export interface RelativeFolders {
  readonly cwd: string;
  readonly lake: string;
}

/** DuckDB's table functions that read files: their first argument is a path, a glob or a list of them */
const FILE_FUNCTIONS = [
  'read_parquet', 'parquet_scan', 'parquet_metadata', 'parquet_schema', 'parquet_file_metadata', 'parquet_kv_metadata',
  'read_csv', 'read_csv_auto', 'sniff_csv', 'read_json', 'read_json_auto', 'read_ndjson', 'read_ndjson_auto', 'read_json_objects',
  'read_text', 'read_blob', 'glob',
];

/**
 * The SQL with each relative file path made absolute: against `cwd` when something is there (the
 * folder holding a glob's first wildcard), else against the lake. Only the paths in file positions
 * change — a file function's first argument, or a string after FROM or JOIN — never other literals.
 */
export function resolveRelativePaths(sql: string, folders: RelativeFolders): string {
  const tokens = tokenize(sql);
  const out = tokens.map((t, i) => (t.kind === 'string' && isFilePosition(tokens, i) ? absoluteLiteral(t, folders) : t));
  return text(out);
}

function isFilePosition(tokens: readonly Token[], i: number): boolean {
  const before = previous(tokens, i);
  if (isWord(tokens[before], 'from', 'join')) return true;
  // the first argument of a file function, alone or in a list
  let open = before;
  if (isSymbol(tokens[open], '[') || isSymbol(tokens[open], ',')) {
    open = enclosingBracket(tokens, i);
    if (open < 0 || !isSymbol(tokens[open], '[')) return false;
    open = previous(tokens, open);
  }
  if (!isSymbol(tokens[open], '(')) return false;
  return isWord(tokens[previous(tokens, open)], ...FILE_FUNCTIONS);
}

/** the index of the innermost bracket still open at i, or -1 */
function enclosingBracket(tokens: readonly Token[], i: number): number {
  for (let j = previous(tokens, i); j >= 0; j = previous(tokens, j)) {
    if (isSymbol(tokens[j], '[') || isSymbol(tokens[j], '(')) {
      const end = closing(tokens, j);
      if (end < 0 || end > i) return j;
    }
  }
  return -1;
}

function absoluteLiteral(token: Token, folders: RelativeFolders): Token {
  const value = token.text.slice(1, -1).replace(/''/g, "'");
  if (!isRelativePath(value)) return token;
  const inCwd = path.resolve(folders.cwd, value);
  return { kind: 'string', text: sqlString(existsSync(globBase(inCwd)) ? inCwd : path.resolve(folders.lake, value)) };
}

const isRelativePath = (value: string): boolean => value.length > 0 && !path.isAbsolute(value) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !value.startsWith('~');

/** the part of a path before its first wildcard: the folder a glob starts from */
function globBase(p: string): string {
  const wild = p.search(/[*?[{]/);
  return wild < 0 ? p : path.dirname(p.slice(0, wild) + 'x');
}
