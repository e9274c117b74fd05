import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckLake } from '../../functions/lib/adapters/duck-lake.ts';
import { Duck } from '../../functions/lib/adapters/duckdb.ts';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { toAthena } from '../../functions/lib/sql/dialect.ts';
import { athenaEngine, duckdbEngine, type QueryEngine } from '../../notebooks/harness/engines.ts';
import { executeNotebook, type NotebookRun } from '../../notebooks/harness/execute.ts';
import { describeFailure, writeRun } from '../../notebooks/harness/run.ts';
import { displayed } from '../../notebooks/harness/jupyter.ts';
import { installKernel, KERNEL_NAME } from '../../notebooks/harness/kernel.ts';
import { cleanNotebook, parseNotebook, serializeNotebook, type Output } from '../../notebooks/harness/notebook.ts';
import { AthenaStub, TRINO_FUNCTIONS_ON_DUCKDB } from '../support/athena-stub.ts';
import { trinoSyntaxErrors } from '../support/trino.ts';
import { defined } from '../support/defined.ts';
import { notebookFiles, notebookLake, sqlFiles } from './support.ts';

// Every shared SQL file and every notebook, run against one demo lake on DuckDB and through the
// Athena engine (the SDK client stubbed by DuckDB), so that a schema change that breaks either fails here.

/** the types the Athena stub can hand back; a query returning others would be typed differently on Athena */
const PORTABLE_TYPES = ['INTEGER', 'BIGINT', 'DOUBLE', 'BOOLEAN', 'DATE', 'VARCHAR', 'TIMESTAMP WITH TIME ZONE'];

// set up once for every describe of this file
let lake: Awaited<ReturnType<typeof notebookLake>>;
let duckdb: QueryEngine;
let stubDuck: Duck;
let athena: QueryEngine;
let stub: AthenaStub;
const ran: string[] = [];

beforeAll(async () => {
  lake = await notebookLake();
  duckdb = await duckdbEngine(lake.dir);
  // the stand-in for Athena: a Trino grammar first (it fails what Trino cannot parse), then the same
  // lake on another engine, with the Trino functions toAthena() introduces emulated as macros
  stubDuck = await Duck.open({ threads: 2 });
  await new DuckLake(stubDuck, lake.store).attach(DATASETS);
  for (const macro of TRINO_FUNCTIONS_ON_DUCKDB) await stubDuck.run(macro);
  stub = new AthenaStub(stubDuck, { pollsBeforeDone: 1, pageSize: 50, bytesScanned: 4242 });
  athena = athenaEngine({ workgroup: 'researchers', database: 'observatory', pollMinMs: 1, pollMaxMs: 1 }, stub);
});
afterAll(async () => {
  await duckdb?.close();
  await stubDuck?.close();
  await lake?.cleanup();
});

const files = sqlFiles();
const runnable = files.filter((f) => f.waitingFor.length === 0);
const notebooks = notebookFiles();
/** each notebook's runs on both engines, for the checks of its executed copy */
const runs = new Map<string, { duckdb: NotebookRun; athena: NotebookRun }>();
const harnessRun = (name: string) => defined(runs.get(name), `a harness run of ${name}`).duckdb;

describe('SQL files on DuckDB and through the Athena engine', () => {
  it('finds every SQL file runnable: each names only declared datasets', () => {
    const waiting = files.filter((f) => f.waitingFor.length > 0).map((f) => `${f.file} (waits for ${f.waitingFor.join(', ')})`);
    expect(waiting).toEqual([]);
    expect(runnable.map((f) => f.file)).toEqual(expect.arrayContaining(['commune_lden_by_month.sql', 'nights_above_who_lnight.sql', 'quarantine_by_reason.sql', 'sensor_coverage.sql']));
  });

  it.each(runnable.map((f) => [f.file, f] as const))('%s runs on DuckDB and returns the same rows through the Athena engine', async (_name, f) => {
    const local = await duckdb.query(f.sql);
    for (const c of local.columns) expect(PORTABLE_TYPES, `${f.file}: column ${c.name}`).toContain(c.type);
    const remote = await athena.query(f.sql);
    expect(remote.columns).toEqual(local.columns);
    expect(remote.rows).toEqual(local.rows);
    expect(remote.bytesScanned).toBe(4242);
    ran.push(f.file);
  });

  it('ran every SQL file through both engines', () => {
    expect([...ran].sort()).toEqual(files.map((f) => f.file).sort());
  });

  it('has rows to check for the noise, flood and heat files (an empty result would prove little)', async () => {
    for (const file of ['nights_above_who_lnight.sql', 'commune_lden_by_month.sql', 'sensor_coverage.sql', 'quarantine_by_reason.sql', 'river_level_exceedances.sql', 'heat_wave_days_by_year.sql']) {
      const f = runnable.find((x) => x.file === file);
      expect(f, `${file} is runnable`).toBeDefined();
      if (!f) continue;
      expect((await duckdb.query(f.sql)).rows.length, file).toBeGreaterThan(0);
    }
  });

  it('sends the SQL files to Athena exactly as infra/ registers them (toAthena leaves them unchanged)', () => {
    for (const f of files) expect(toAthena(f.sql), f.file).toBe(f.sql);
    const sent = stub.calls.filter((c) => c.command === 'StartQueryExecutionCommand').map((c) => c.input.QueryString);
    for (const f of runnable) expect(sent, f.file).toContain(f.sql);
  });
});

describe('notebooks on DuckDB and through the Athena engine', () => {
  it('finds the three notebooks', () => {
    expect(notebooks.map((f) => path.basename(f))).toEqual(['heat-waves-and-tropical-nights.ipynb', 'nights-above-who-limit.ipynb', 'seine-vs-1910.ipynb']);
  });

  it.each(notebooks.map((f) => [path.basename(f), f] as const))('%s runs every cell on DuckDB, and on Athena to the same outputs', async (name, file) => {
    const local = await executeNotebook(file, { engine: duckdb });
    if (local.failure) throw new Error(describeFailure(name, local));
    const logged: string[] = [];
    const remote = await executeNotebook(file, { engine: athena, log: (l) => logged.push(l) });
    if (remote.failure) throw new Error(describeFailure(name, remote));
    runs.set(name, { duckdb: local, athena: remote });

    const code = local.notebook.cells.filter((c) => c.cell_type === 'code');
    expect(code.every((c) => c.execution_count !== null && c.outputs.length > 0), `${name}: every code cell ran and showed something`).toBe(true);
    expect(local.charts.length, name).toBeGreaterThan(0);
    expect(local.queries.length, name).toBeGreaterThan(0);
    expect(remote.notebook.cells).toEqual(local.notebook.cells);
    expect(remote.charts).toEqual(local.charts);
    expect(logged.length, `${name}: bytes scanned reported for each Athena query`).toBe(remote.queries.length);
    expect(logged[0]).toMatch(/4242 bytes scanned/);
  });

  it('sent Athena only SQL a Trino grammar parses (the SQL files and every notebook query)', () => {
    const sent = stub.calls.filter((c) => c.command === 'StartQueryExecutionCommand').map((c) => String(c.input.QueryString));
    expect(sent.length).toBeGreaterThan(runnable.length);
    for (const sql of sent) expect(trinoSyntaxErrors(sql), sql).toEqual([]);
  });
});

describe('notebooks: the executed copy, Jupyter, and a failing cell', () => {
  it('writes the executed copy (outputs, charts) apart from the committed notebook, which stays clean', async () => {
    const out = path.join(lake.dir, 'notebooks-out');
    for (const file of notebooks) {
      const name = path.basename(file, '.ipynb');
      const run = harnessRun(`${name}.ipynb`);
      const written = await writeRun(run, name, out);
      const executed = parseNotebook(await readFile(written, 'utf8'), written);
      expect(executed.cells.some((c) => c.cell_type === 'code' && c.outputs.some((o) => o.output_type === 'display_data' && 'image/svg+xml' in o.data))).toBe(true);
      const svg = await readFile(path.join(out, name, defined(run.charts[0], `a chart of ${name}`).name), 'utf8');
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      const committed = await readFile(file, 'utf8');
      expect(serializeNotebook(cleanNotebook(executed)), `${name}: the executed copy minus its outputs is the committed notebook`).toBe(committed);
    }
    await rm(out, { recursive: true, force: true });
  });

  it('runs each notebook in Jupyter (jupyter nbconvert --execute) with its kernel, to the outputs of the harness', async () => {
    const prefix = await mkdtemp(path.join(tmpdir(), 'observatory-jupyter-'));
    try {
      await installKernel({ prefix });
      const out = path.join(prefix, 'out');
      // one kernel per notebook, as Jupyter runs them; in parallel, as each spends most of its time starting
      await Promise.all(
        notebooks.map((file) =>
          promisify(execFile)('jupyter', ['nbconvert', '--to', 'notebook', '--execute', `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`, '--ExecutePreprocessor.timeout=120', '--output-dir', out, file], {
            env: { ...process.env, JUPYTER_PATH: path.join(prefix, 'share', 'jupyter'), OBSERVATORY_LAKE: lake.dir },
          }),
        ),
      );
      for (const file of notebooks) {
        const name = path.basename(file);
        const executed = parseNotebook(await readFile(path.join(out, name), 'utf8'), name);
        const harness = harnessRun(name).notebook;
        const shown = (outputs: Output[]) => outputs.map(displayed);
        const inJupyter = executed.cells.map((c) => (c.cell_type === 'code' ? shown(c.outputs) : []));
        expect(inJupyter.flat().length, `${name}: Jupyter showed outputs`).toBeGreaterThan(0);
        expect(inJupyter, name).toEqual(harness.cells.map((c) => (c.cell_type === 'code' ? shown(c.outputs) : [])));
      }
    } finally {
      await rm(prefix, { recursive: true, force: true });
    }
  }, 240_000);

  it('records a failing cell as an error output, names it, and leaves the cells after it unrun', async () => {
    const code = (id: string, source: string) => ({ cell_type: 'code' as const, id, metadata: {}, source: [source], outputs: [], execution_count: null });
    const first = defined(notebooks[0], 'a notebook');
    const nb = parseNotebook(await readFile(first, 'utf8'), first);
    const broken = path.join(lake.dir, 'broken.ipynb');
    const helpers = 'const { sql, show } = (globalThis as any).observatory;\n';
    await writeFile(broken, serializeNotebook({ ...nb, cells: [code('before', `${helpers}show(1);`), code('years', "const rows = await sql('SELECT no_such_column FROM heat_indicators_daily');"), code('after', 'show(rows);')] }));
    const run = await executeNotebook(broken, { engine: duckdb });
    expect(run.failure?.cell).toBe(1);
    expect(describeFailure('broken.ipynb', run)).toMatch(/broken.ipynb: in cell 2 \(id years\): .*no_such_column/);
    const [before, failed, after] = run.notebook.cells.map((c) => (c.cell_type === 'code' ? c : undefined));
    expect(before).toMatchObject({ execution_count: 1, outputs: [{ output_type: 'display_data', data: { 'text/plain': ['1'] } }] });
    expect(failed).toMatchObject({ execution_count: 2, outputs: [{ output_type: 'error', evalue: expect.stringMatching(/no_such_column/) as unknown }] });
    expect(after).toMatchObject({ execution_count: null, outputs: [] });

    await writeFile(broken, serializeNotebook({ ...nb, cells: [code('imports', "import { nothing } from './no-such-module.ts';\nshow(nothing);")] }));
    const importFailed = await executeNotebook(broken, { engine: duckdb });
    expect(describeFailure('broken.ipynb', importFailed)).toMatch(/before its first cell \(an import failed\)/);
  });
});
