import { createRequire } from 'node:module';
import path from 'node:path';
import { DEFAULT_LAKE } from '../../functions/cli/main.ts';
import { duckdbEngine, type QueryEngine } from './engines.ts';
import { HELPERS_GLOBAL, notebookScope } from './execute.ts';
import { KERNEL_PACKAGE_DIR, REPO_DIR } from './kernel.ts';
import type { Output } from './notebook.ts';

// What the Jupyter kernel `observatory-typescript` (kernel.ts installs it) loads before tslab starts
// (through kernel-prelude.ts, which calls installHelpers()): the cells find the harness's helpers in the global `observatory`, as under the Node harness, their
// outputs shown through tslab's display. The lake is OBSERVATORY_LAKE (relative to the repository),
// by default the CLI's `.lake`; DuckDB opens on the first query, read-only and confined to the lake.
// The kernel starts in the notebook's folder: relative paths (sql('sql/x.sql'), load('../…')) are from it.

/** the MIME types tslab shows, richest first: one per output */
const SHOWN = ['text/html', 'image/svg+xml', 'text/markdown', 'text/plain'] as const;

interface TslabDisplay {
  raw(contentType: string, b: string): void;
}

export function lakeFolder(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(REPO_DIR, env.OBSERVATORY_LAKE || DEFAULT_LAKE);
}

/** an output as tslab displays it: the richest of its MIME types */
export function displayed(output: Output): { mime: string; text: string } {
  if (output.output_type === 'stream') return { mime: 'text/plain', text: joined(output.text) };
  if (output.output_type === 'error') return { mime: 'text/plain', text: `${output.ename}: ${output.evalue}` };
  const mime = SHOWN.find((m) => m in output.data) ?? 'text/plain';
  return { mime, text: joined(output.data[mime] as string | string[] | undefined) };
}

const joined = (text: string | string[] | undefined): string => (Array.isArray(text) ? text.join('') : (text ?? ''));

function lazyDuckdb(lakeDir: string): QueryEngine {
  let engine: Promise<QueryEngine> | undefined;
  return {
    name: 'duckdb',
    query: async (sql) => (await (engine ??= duckdbEngine(lakeDir))).query(sql),
    close: async () => (engine ? (await engine).close() : undefined),
  };
}

/** sets the global `observatory` of this process to the helpers, shown through tslab's display */
export function installHelpers(): void {
  const display = (createRequire(path.join(KERNEL_PACKAGE_DIR, 'package.json'))('tslab') as { display: TslabDisplay }).display;
  const folder = process.cwd();
  const scope = notebookScope(
    path.join(folder, process.env.JPY_SESSION_NAME ? path.basename(process.env.JPY_SESSION_NAME) : 'jupyter.ipynb'),
    lazyDuckdb(lakeFolder()),
    {
      emit: (o) => {
        const { mime, text } = displayed(o);
        display.raw(mime, text);
      },
      log: (line) => process.stderr.write(line + '\n'),
      cellNumber: () => 0,
    },
    { queries: [], charts: [] },
  );
  (globalThis as Record<string, unknown>)[HELPERS_GLOBAL] = scope;
}
