import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_LAKE } from '../../functions/cli/main.ts';
import { athenaEngineFromEnv, duckdbEngine, type EngineName, type QueryEngine } from './engines.ts';
import { executeNotebook, type NotebookRun } from './execute.ts';
import { serializeNotebook } from './notebook.ts';

// npx tsx notebooks/harness/run.ts notebooks/<nb>.ipynb [more.ipynb…] [--lake DIR] [--engine duckdb|athena] [--out DIR]
//
// Executes each notebook and writes the executed copy, with its outputs, to <out>/<name>.ipynb and its
// charts to <out>/<name>/*.svg (default out: notebooks/out/, git-ignored). The committed notebooks stay
// clean. Exit 0 when every notebook ran, 1 when a cell failed, 2 on usage errors.

export const DEFAULT_OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'out');

/** writes the executed copy and its charts; returns the notebook's path */
export async function writeRun(run: NotebookRun, name: string, outDir: string): Promise<string> {
  const file = path.join(outDir, `${name}.ipynb`);
  await mkdir(path.join(outDir, name), { recursive: true });
  await writeFile(file, serializeNotebook(run.notebook));
  for (const c of run.charts) await writeFile(path.join(outDir, name, c.name), c.svg + '\n');
  return file;
}

export function describeFailure(file: string, run: NotebookRun): string {
  const f = run.failure!;
  const where = f.cell < 0 ? 'before its first cell (an import failed)' : `in cell ${f.cell + 1} (id ${run.notebook.cells[f.cell]!.id})`;
  return `${file}: ${where}: ${f.error.name}: ${f.error.message.split('\n')[0]}`;
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('run.ts')
    .description('execute TypeScript notebooks against the lake and write the executed copies')
    .argument('<notebooks...>', '.ipynb files')
    .option('--lake <dir>', 'lake folder (DuckDB engine)', DEFAULT_LAKE)
    .addOption(new Option('--engine <engine>', 'duckdb over the local lake, or athena (OBSERVATORY_ATHENA_WORKGROUP, OBSERVATORY_ATHENA_DATABASE, AWS credentials)').choices(['duckdb', 'athena']).default('duckdb'))
    .option('--out <dir>', 'where the executed notebooks and charts go', DEFAULT_OUT)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  let files: string[];
  let o: { lake: string; engine: EngineName; out: string };
  try {
    program.parse(argv, { from: 'user' });
    files = program.args;
    o = program.opts();
  } catch (e) {
    if (e instanceof CommanderError) return e.code === 'commander.helpDisplayed' ? 0 : 2;
    throw e;
  }
  let engine: QueryEngine;
  try {
    engine = o.engine === 'athena' ? athenaEngineFromEnv() : await duckdbEngine(o.lake);
  } catch (e) {
    process.stderr.write(`run.ts: ${(e as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  let failed = 0;
  try {
    for (const file of files) {
      const started = performance.now();
      const run = await executeNotebook(file, { engine, log: (line) => process.stderr.write(line + '\n') });
      const written = await writeRun(run, path.basename(file, '.ipynb'), o.out);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      if (run.failure) {
        failed++;
        process.stderr.write(`${describeFailure(file, run)}\n  outputs so far: ${written}\n`);
      } else {
        process.stderr.write(`${file}: ${run.queries.length} queries on ${engine.name}, ${run.charts.length} charts, ${seconds} s → ${written}\n`);
      }
    }
  } finally {
    await engine.close();
  }
  return failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
