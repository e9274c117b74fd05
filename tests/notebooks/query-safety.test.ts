import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setAthenaEngineFactory } from '../../functions/cli/main.ts';
import { AthenaEngine } from '../../functions/lib/adapters/athena.ts';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { resolveRelativePaths } from '../../functions/lib/sql/confine.ts';
import { AthenaStub } from '../support/athena-stub.ts';
import { tempLake, writeNoiseMinutes } from '../support/lake.ts';
import { observatoryInProcess } from './in-process.ts';

// What `observatory query` lets a researcher do to the local lake: read it, and nothing else.

const cli = observatoryInProcess;

// set up once for every describe of this file
let lake: Awaited<ReturnType<typeof tempLake>>;
let outside: string;
const query = (sql: string, ...more: string[]) => cli(['--lake', lake.dir, 'query', sql, '--format', 'json', ...more]);

beforeAll(async () => {
  lake = await tempLake();
  await writeNoiseMinutes(lake, 30, (i) => ({ sensor_id: `s${i % 3}`, commune_insee: '75056', laeq: 50 + i / 10, lamax: null }));
  // a readable file right next to the lake, outside it
  outside = `${lake.dir}-outside.csv`;
  await writeFile(outside, 'secret\n42\n');
});
afterAll(async () => lake.cleanup());

describe('observatory query: no writes, no files outside the lake', () => {
  it.each([
    ['a write in second position', 'SELECT 1; CREATE TABLE t AS SELECT 1', /statement 2 is CREATE/],
    ['CREATE', 'CREATE TABLE t AS SELECT 1', /statement 1 is CREATE/],
    ['DROP', 'DROP VIEW noise_readings', /statement 1 is DROP/],
    ['ATTACH', "ATTACH ':memory:' AS other", /ATTACH/],
    ['DETACH', 'DETACH memory', /DETACH/],
    ['INSTALL', 'INSTALL httpfs', /statement 1 is INSTALL; only SELECT queries are allowed/],
    ['LOAD', 'LOAD httpfs', /LOAD/],
    ['SET', 'SET threads = 1', /SET/],
    ['RESET', 'RESET threads', /SET/],
    ['a PRAGMA that sets', 'PRAGMA threads = 1', /SET/],
    ['USE', 'USE memory', /statement 1 is USE; only SELECT queries are allowed/],
    ['CALL', 'CALL pragma_version()', /CALL/],
    ['CHECKPOINT', 'CHECKPOINT', /statement 1 is CHECKPOINT; only SELECT queries are allowed/],
    // a statement that writes files is refused by its kind, before its target is even looked at
    ['EXPORT DATABASE', "EXPORT DATABASE '/tmp/observatory-export'", /statement 1 is EXPORT; only SELECT queries are allowed/],
  ])('refuses %s and exits 2', async (_name, sql, reason) => {
    const r = await query(sql);
    expect(r.code, sql).toBe(2);
    expect(r.stderr).toMatch(/^observatory: read-only: /);
    expect(r.stderr).toMatch(reason);
    expect(r.stdout).toBe('');
  });

  it('never runs a COPY … TO, even after a SELECT', async () => {
    const target = `${lake.dir}-copied.csv`;
    for (const sql of [`COPY (SELECT * FROM noise_readings) TO '${target}'`, `SELECT 1; COPY (SELECT 1) TO '${target}'`]) {
      const r = await query(sql);
      expect(r.code, sql).toBe(2);
      // refused by its kind (issue 22: a COPY … TO is a write, not a read of a file outside the lake)
      expect(r.stderr).toMatch(/read-only: statement \d is COPY; only SELECT queries are allowed/);
    }
    expect(existsSync(target)).toBe(false);
    // inside the lake folder the files are readable, and still not writable: the statement type decides
    const inside = path.join(lake.dir, 'copied.csv');
    const r = await query(`SELECT 1; COPY (SELECT * FROM noise_readings) TO '${inside}'`);
    expect(r.stderr).toMatch(/read-only: statement 2 is COPY; only SELECT queries are allowed/);
    expect(existsSync(inside)).toBe(false);
  });

  it('reads files under the lake folder only', async () => {
    for (const sql of ["SELECT * FROM read_text('/etc/passwd')", `SELECT * FROM read_csv('${outside}')`, "SELECT * FROM glob('/etc/*')", "SELECT * FROM read_csv('https://example.org/x.csv')", `SELECT * FROM read_text('${lake.dir}/../${path.basename(outside)}')`]) {
      const r = await query(sql);
      expect(r.code, sql).toBe(2);
      expect(r.stderr, sql).toMatch(/read-only: only the files under the lake folder can be read; ".*" is outside it/);
    }
    const own = await query(`SELECT count(*) AS n FROM read_parquet('${lake.dir}/curated/noise_readings/**/*.parquet')`);
    expect(own.code).toBe(0);
    expect(JSON.parse(own.stdout)).toEqual([{ n: 30 }]);
  });

  it('looks for a relative path in the current folder, then in the lake: a download under site/ reads as site/…; outside the lake stays refused', async () => {
    await mkdir(path.join(lake.dir, 'site', 'donnees'), { recursive: true });
    await writeFile(path.join(lake.dir, 'site', 'donnees', 'extract.csv'), 'commune_insee,n\n93066,7\n');
    expect(existsSync(path.resolve('site/donnees/extract.csv')), 'the test runs from a folder without it').toBe(false);
    for (const sql of ["SELECT n FROM 'site/donnees/extract.csv'", "SELECT n FROM read_csv('site/donnees/*.csv')", "SELECT n FROM read_csv(['site/donnees/extract.csv'], header = true)"]) {
      const r = await query(sql);
      expect(r.stderr, sql).toBe('');
      expect(JSON.parse(r.stdout), sql).toEqual([{ n: 7 }]);
    }
    // package.json is in the current folder (the repository), outside the lake: found there, and refused
    const here = await query("SELECT * FROM read_text('package.json')");
    expect(here.code).toBe(2);
    expect(here.stderr).toContain(`"${path.resolve('package.json')}" is outside it`);
    // a literal that is not a file stays as written
    expect(JSON.parse((await query("SELECT 'site/donnees/extract.csv' AS s")).stdout)).toEqual([{ s: 'site/donnees/extract.csv' }]);
  });

  it('resolveRelativePaths() rewrites file positions only: a file function’s first argument or list, a string after FROM or JOIN', () => {
    const folders = { cwd: '/nowhere-here', lake: '/lake' };
    expect(resolveRelativePaths("SELECT 'a.csv' AS f, x FROM 'a.csv' JOIN read_parquet(['b/*.parquet', 'c.parquet'], union_by_name = true) USING (k) WHERE k = 'd.csv' AND v IN (SELECT * FROM glob('e/*'))", folders)).toBe(
      "SELECT 'a.csv' AS f, x FROM '/lake/a.csv' JOIN read_parquet(['/lake/b/*.parquet', '/lake/c.parquet'], union_by_name = true) USING (k) WHERE k = 'd.csv' AND v IN (SELECT * FROM glob('/lake/e/*'))",
    );
    expect(resolveRelativePaths("SELECT * FROM read_csv('/abs.csv', delim = ',') , read_csv('s3://b/k.csv'), read_text('it''s.txt')", folders)).toBe(
      "SELECT * FROM read_csv('/abs.csv', delim = ',') , read_csv('s3://b/k.csv'), read_text('/lake/it''s.txt')",
    );
  });
});

describe('observatory query: reads, row limit, --file, Athena', () => {
  it('runs reads: SELECT, WITH, EXPLAIN, DESCRIBE, and the configuration it runs under is locked', async () => {
    for (const sql of ['WITH s AS (SELECT sensor_id FROM noise_readings) SELECT count(*) FROM s', 'EXPLAIN SELECT * FROM noise_readings', 'DESCRIBE noise_readings']) {
      expect((await query(sql)).code, sql).toBe(0);
    }
    const settings = await query("SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', 'lock_configuration') ORDER BY name");
    expect(JSON.parse(settings.stdout)).toEqual([
      { name: 'enable_external_access', value: 'false' },
      { name: 'lock_configuration', value: 'true' },
    ]);
  });

  it('stops at --max-rows (10 000 by default) with a warning on stderr', async () => {
    const limited = await query('SELECT * FROM range(25) t(i)', '--max-rows', '10');
    expect(JSON.parse(limited.stdout)).toHaveLength(10);
    expect(limited.stderr).toMatch(/25 rows, showing the first 10 \(--max-rows\)/);
    const byDefault = await query('SELECT * FROM range(10005) t(i)');
    expect(JSON.parse(byDefault.stdout)).toHaveLength(10_000);
    expect(byDefault.stderr).toMatch(/10005 rows, showing the first 10000/);
  });

  it('reads the SQL from --file (a shared query starts with a comment), and wants the SQL one way only', async () => {
    const file = `${lake.dir}-query.sql`;
    await writeFile(file, '-- sensors\n-- Question: which?\nSELECT DISTINCT sensor_id FROM noise_readings ORDER BY sensor_id\n');
    const r = await cli(['--lake', lake.dir, 'query', '--file', file, '--format', 'csv']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('sensor_id\ns0\ns1\ns2\n');
    expect((await cli(['--lake', lake.dir, 'query'])).code).toBe(2);
    expect((await cli(['--lake', lake.dir, 'query', 'SELECT 1', '--file', file])).stderr).toMatch(/as an argument or with --file/);
    expect((await cli(['--lake', lake.dir, 'query', '--file', `${file}.missing`])).stderr).toMatch(/--file: cannot read .*ENOENT/);
  });

  describe('--engine athena', () => {
    let stub: AthenaStub;
    beforeAll(async () => {
      await lake.lake.attach(DATASETS);
      stub = new AthenaStub(lake.lake, { bytesScanned: 777 });
      setAthenaEngineFactory((s) => new AthenaEngine({ ...s, pollMinMs: 1 }, stub));
    });

    it('sends the SQL through toAthena() and reports the bytes scanned', async () => {
      const r = await cli(['--lake', lake.dir, 'query', 'SELECT count(*)::INT AS n FROM noise_readings;', '--format', 'json', '--engine', 'athena', '--workgroup', 'w', '--database', 'd']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([{ n: 30 }]);
      expect(r.stderr).toMatch(/777 bytes scanned/);
      expect(stub.calls.find((c) => c.command === 'StartQueryExecutionCommand')?.input.QueryString).toBe('SELECT CAST(count(*) AS INTEGER) AS n FROM noise_readings');
    });

    it('refuses what Athena cannot run, naming the line and what to write instead, before sending anything', async () => {
      const before = stub.calls.length;
      const r = await cli(['--lake', lake.dir, 'query', 'SELECT *\nFROM noise_readings\nQUALIFY row_number() OVER (PARTITION BY sensor_id ORDER BY ts_from) = 1', '--engine', 'athena', '--workgroup', 'w', '--database', 'd']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/line 3, column 1: QUALIFY — filter the window in a subquery/);
      expect(stub.calls.length).toBe(before);
    });
  });
});
