import { Duck } from '../../functions/lib/adapters/duckdb.ts';

// Run by tests/adapters/duckdb-spill.test.ts in a working directory no one can write to (as on
// Lambda): a sort larger than DuckDB's memory limit, with the engine's scratch folder given
// (`scratch <dir>`) or with DuckDB's default spill folder, relative to the working directory.
const [mode, dir] = process.argv.slice(2);
const duck = await Duck.open({ threads: 1, memoryLimit: '100MB', ...(mode === 'scratch' ? { scratchDir: dir } : {}) });
if (mode !== 'scratch') await duck.run("SET temp_directory = '.tmp'");
try {
  const r = await duck.all('SELECT count(*) AS n, max(rn) AS d FROM (SELECT row_number() OVER (ORDER BY hash(x)) AS rn FROM range(12000000) t(x))');
  process.stdout.write(JSON.stringify({ ok: true, n: Number(r.rows[0]!.n), d: Number(r.rows[0]!.d) }) + '\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ ok: false, error: (e as Error).message.split('\n')[0] }) + '\n');
} finally {
  await duck.close();
}
