import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cellText, formatResult, jsonValue } from '../../functions/cli/format.ts';
import { chartSvg, escapeXml, type ChartSpec } from './chart.ts';
import type { QueryEngine } from './engines.ts';
import { lines, readNotebook, sourceText, type Notebook, type Output } from './notebook.ts';

// Runs a notebook's TypeScript cells in order, in one shared scope: the cells are joined into one
// module (a marker call between cells says which cell is running), written next to the executed
// outputs (<notebook folder>/out/.run, deleted after the run), and imported through the TypeScript loader
// the harness itself runs under (tsx, or vitest).
// The helpers are the global `observatory` while the notebook runs; its first code cell takes them:
//   const { sql, table, chart, md, show, load } = (globalThis as any).observatory;
//   sql(text | 'sql/file.sql')   rows of a read-only query on the engine (DuckDB over the lake, or Athena)
//   table(rows, { limit })      a table output (text and HTML)
//   chart(spec)                 an SVG chart output (see chart.ts)
//   md(text)                    a Markdown output, for prose computed from the data
//   show(value)                 a text output
//   load(path)                  a module of the project, its path relative to the notebook's folder
//   notebook                    { engine, file }
// The same global is what the Jupyter kernel (jupyter.ts) gives the cells, so a notebook runs unchanged
// in both: a Jupyter kernel type-checks each cell alone and cannot compile the project's modules, hence
// load() rather than `import` for them.
// console.log goes to the cell's output too.

/** rows as sql() returns them: BIGINTs as numbers, dates as Date, and the column types alongside */
export type Rows = Record<string, unknown>[] & { columns: { name: string; type: string }[] };

export interface NotebookScope {
  sql(query: string): Promise<Rows>;
  table(rows: readonly Record<string, unknown>[], options?: { limit?: number }): void;
  chart(spec: ChartSpec): void;
  md(text: string): void;
  show(value: unknown): void;
  load(modulePath: string): Promise<Record<string, unknown>>;
  readonly notebook: { readonly engine: QueryEngine['name']; readonly file: string };
}

/** where the helpers' outputs go */
export interface ScopeSinks {
  emit(output: Output): void;
  /** notes that are not results (bytes scanned on Athena) */
  log(line: string): void;
  /** the 1-based number of the running cell, for the notes */
  cellNumber(): number;
}

/** the global the cells take their helpers from */
export const HELPERS_GLOBAL = 'observatory';

export interface NotebookRun {
  /** the executed notebook: outputs and execution counts filled in */
  readonly notebook: Notebook;
  readonly charts: readonly { readonly name: string; readonly svg: string }[];
  /** the cell (index among all cells) that threw, and its error; the cells after it did not run */
  readonly failure?: { readonly cell: number; readonly error: Error };
  readonly queries: readonly string[];
}

export interface ExecuteOptions {
  readonly engine: QueryEngine;
  /** notes that are not results (bytes scanned on Athena): stderr, never the outputs */
  readonly log?: (line: string) => void;
}

const RUNS = Symbol.for('observatory.notebook.runs');
type Registry = Map<string, { cell: (i: number) => void }>;
const registry = (): Registry => ((globalThis as Record<symbol, unknown>)[RUNS] ??= new Map()) as Registry;

const DEFAULT_TABLE_ROWS = 20;

function toRows(result: { columns: { name: string; type: string }[]; rows: Record<string, unknown>[] }): Rows {
  const rows = result.rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' && Number.isSafeInteger(Number(v)) ? Number(v) : v])),
  ) as Rows;
  rows.columns = result.columns;
  return rows;
}

function columnsOf(rows: readonly Record<string, unknown>[]): { name: string; type: string }[] {
  const typed = (rows as Partial<Rows>).columns;
  return typed ?? Object.keys(rows[0] ?? {}).map((name) => ({ name, type: 'VARCHAR' }));
}

function htmlTable(columns: { name: string; type: string }[], rows: readonly Record<string, unknown>[], more: number): string {
  const cell = (v: unknown, type: string) => {
    const j = jsonValue(v, type);
    return j === null ? '' : escapeXml(cellText(j));
  };
  const numeric = (type: string) => /INT|DOUBLE|DECIMAL|FLOAT|REAL/.test(type);
  return [
    '<table>',
    `<thead><tr>${columns.map((c) => `<th>${escapeXml(c.name)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((r) => `<tr>${columns.map((c) => `<td${numeric(c.type) ? ' style="text-align:right"' : ''}>${cell(r[c.name], c.type)}</td>`).join('')}</tr>`),
    '</tbody>',
    '</table>',
    ...(more > 0 ? [`<p>… ${more} more rows</p>`] : []),
  ].join('\n');
}

/** relative import specifiers of the cells, made absolute so that the module runs from anywhere */
function absoluteImports(code: string, dir: string): string {
  return code.replace(/(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\2/g, (_m, lead: string, q: string, spec: string) => `${lead}${q}${path.resolve(dir, spec)}${q}`);
}

const display = (data: Record<string, unknown>): Output => ({ output_type: 'display_data', data, metadata: {} });

/**
 * The helpers a notebook's cells see, for the notebook `file` (relative paths are from its folder):
 * outputs go to `sinks`; the queries sent and the charts drawn are added to `record`.
 */
export function notebookScope(file: string, engine: QueryEngine, sinks: ScopeSinks, record: { queries: string[]; charts: { name: string; svg: string }[] }): NotebookScope {
  const dir = path.dirname(path.resolve(file));
  const name = path.basename(file, '.ipynb');
  const { queries, charts } = record;
  return {
    async sql(query) {
      const trimmed = query.trim();
      const sqlText = /^[\w./-]+\.sql$/.test(trimmed) ? await readFile(path.resolve(dir, trimmed), 'utf8') : query;
      queries.push(sqlText);
      const r = await engine.query(sqlText);
      if (r.bytesScanned !== undefined) sinks.log(`${name}: cell ${sinks.cellNumber()}: ${engine.name}: ${r.bytesScanned} bytes scanned`);
      return toRows(r);
    },
    table(rows, o = {}) {
      const limit = o.limit ?? DEFAULT_TABLE_ROWS;
      const columns = columnsOf(rows);
      const shown = rows.slice(0, limit);
      const more = rows.length - shown.length;
      const plain = formatResult({ columns, rows: shown }, 'table') + (more > 0 ? `… ${more} more rows\n` : '');
      sinks.emit(display({ 'text/plain': lines(plain), 'text/html': lines(htmlTable(columns, shown, more)) }));
    },
    chart(spec) {
      const svg = chartSvg(spec);
      const slug = spec.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 48);
      charts.push({ name: `${name}-${charts.length + 1}-${slug}.svg`, svg });
      sinks.emit(display({ 'image/svg+xml': lines(svg), 'text/plain': [`[chart] ${spec.title}`] }));
    },
    md(markdown) {
      sinks.emit(display({ 'text/markdown': lines(markdown), 'text/plain': lines(markdown) }));
    },
    show(value) {
      sinks.emit(display({ 'text/plain': lines(textOf(value)) }));
    },
    load(modulePath) {
      return import(path.resolve(dir, modulePath)) as Promise<Record<string, unknown>>;
    },
    notebook: { engine: engine.name, file: path.resolve(file) },
  };
}

const textOf = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(jsonValue(v), null, 2));

export async function executeNotebook(file: string, options: ExecuteOptions): Promise<NotebookRun> {
  const nb = await readNotebook(file);
  const globals = globalThis as Record<string, unknown>;
  if (globals[HELPERS_GLOBAL] !== undefined) throw new Error(`${file}: another notebook is running in this process (the global \`${HELPERS_GLOBAL}\` is taken): run one at a time`);
  const dir = path.dirname(path.resolve(file));
  const name = path.basename(file, '.ipynb');
  const outputs: Output[][] = nb.cells.map(() => []);
  const charts: { name: string; svg: string }[] = [];
  const queries: string[] = [];
  const log = options.log ?? (() => undefined);
  let current = -1;
  const emit = (o: Output) => {
    if (current < 0) throw new Error('a notebook helper was called outside of a cell');
    outputs[current]!.push(o);
  };

  const scope = notebookScope(file, options.engine, { emit, log, cellNumber: () => current + 1 }, { queries, charts });

  const runId = randomUUID();
  const code = [
    // a run leaves nothing behind; if it is killed, the leftover under out/.run (a hidden, git-ignored
    // folder tsc skips) must not fail the linter either
    '/* eslint-disable */',
    `const __run = (globalThis as any)[Symbol.for('observatory.notebook.runs')].get('${runId}');`,
    ...nb.cells.flatMap((c, i) => (c.cell_type === 'code' ? [`__run.cell(${i});`, absoluteImports(sourceText(c), dir), ';'] : [])),
    'export {};',
  ].join('\n');
  const workDir = path.join(dir, 'out', '.run');
  await mkdir(workDir, { recursive: true });
  const module = path.join(workDir, `${name}-${runId}.ts`);
  await writeFile(module, code);

  const captured = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  const stream = (streamName: 'stdout' | 'stderr') => (...args: unknown[]) => emit({ output_type: 'stream', name: streamName, text: lines(args.map(textOf).join(' ') + '\n') });
  globals[HELPERS_GLOBAL] = scope;
  registry().set(runId, { cell: (i) => (current = i) });
  console.log = console.info = stream('stdout');
  console.warn = console.error = stream('stderr');
  let failure: NotebookRun['failure'];
  try {
    await import(module);
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    failure = { cell: current, error };
    if (current >= 0) outputs[current]!.push({ output_type: 'error', ename: error.name, evalue: error.message, traceback: [`${error.name}: ${error.message}`] });
  } finally {
    Object.assign(console, captured);
    registry().delete(runId);
    delete globals[HELPERS_GLOBAL];
    await rm(module, { force: true });
  }

  let count = 0;
  const ran = (i: number) => failure === undefined || i <= failure.cell;
  const executed: Notebook = {
    ...nb,
    cells: nb.cells.map((c, i) => (c.cell_type === 'code' ? { ...c, outputs: outputs[i]!, execution_count: ran(i) ? ++count : null } : c)),
  };
  return { notebook: executed, charts, failure, queries };
}
