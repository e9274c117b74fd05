import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statementKinds } from '../../functions/lib/sql/confine.ts';
import { observatory } from '../support/cli.ts';

// Issue 22 item 6: the query command's refusals name the statement kind; empty SQL is a usage error;
// an empty result says what the lake holds.

let dir: string;
let lake: string;

describe('observatory query', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'observatory-query-'));
    lake = path.join(dir, 'lake');
    const f = path.join(dir, 's.csv');
    await writeFile(f, 'timestamp,LAeq\n2025-06-02T10:00:00Z,61.2\n2025-06-02T10:01:00Z,62.4\n');
    const r = await observatory(['--lake', lake, 'ingest', 'noise-csv', f, '--sensor', 'S', '--lon', '2.36', '--lat', '48.93']);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each([
    ['DELETE FROM noise_readings', 1, 'DELETE'],
    ["SELECT 1; UPDATE noise_readings SET laeq = 0", 2, 'UPDATE'],
    ["COPY (SELECT 1) TO 'out.csv'", 1, 'COPY'],
    ['CREATE TABLE t AS SELECT 1', 1, 'CREATE'],
    ["INSERT INTO noise_readings VALUES (1)", 1, 'INSERT'],
  ])('refuses %s naming statement %i as %s (exit 2)', async (sql, n, kind) => {
    const r = await observatory(['--lake', lake, 'query', sql]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`read-only: statement ${n} is ${kind}; only SELECT queries are allowed`);
    expect(r.stderr).not.toMatch(/can only be "read"|Binder Error/);
  });

  it('empty SQL is a usage error', async () => {
    for (const sql of ['', '  ;  ', '/* nothing */']) {
      const r = await observatory(['--lake', lake, 'query', sql]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/empty SQL: give a SELECT query/);
    }
  });

  it('warns on stderr when the result is empty, saying which days and communes exist', async () => {
    const r = await observatory(['--lake', lake, 'query', "SELECT * FROM noise_readings WHERE commune_insee = '99999'"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: the result is empty; noise_readings holds \d+ rows over days 2025-06-02 to 2025-06-02 in 1 commune\(s\), (\d{5}) to \1 /);
  });

  it('statementKinds() skips comments and quoted semicolons', () => {
    expect(statementKinds("SELECT ';DELETE' AS x -- ; DROP\n; /* ; */ select 2")).toEqual(['SELECT', 'SELECT']);
  });
});
