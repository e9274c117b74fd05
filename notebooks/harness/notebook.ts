import { readFile } from 'node:fs/promises';
import { z } from 'zod';

// Jupyter notebooks (nbformat 4.5) as the harness reads and writes them: the schema of the parts we use,
// and one canonical serialisation, so that a committed notebook is byte-for-byte what the harness
// would write (sources as lists of lines, one-space indent as Jupyter writes it, no outputs).

const multiline = z.union([z.string(), z.array(z.string())]);

const output = z.discriminatedUnion('output_type', [
  z.object({ output_type: z.literal('stream'), name: z.enum(['stdout', 'stderr']), text: multiline }),
  z.object({ output_type: z.literal('display_data'), data: z.record(z.string(), z.unknown()), metadata: z.record(z.string(), z.unknown()) }),
  z.object({
    output_type: z.literal('execute_result'),
    execution_count: z.number().int().nullable(),
    data: z.record(z.string(), z.unknown()),
    metadata: z.record(z.string(), z.unknown()),
  }),
  z.object({ output_type: z.literal('error'), ename: z.string(), evalue: z.string(), traceback: z.array(z.string()) }),
]);

const cellId = z.string().regex(/^[a-zA-Z0-9-_]{1,64}$/, { message: 'a cell id of 1–64 letters, digits, - or _ (nbformat 4.5)' });
const metadata = z.record(z.string(), z.unknown());

const markdownCell = z.object({ cell_type: z.literal('markdown'), id: cellId, metadata, source: multiline });
const codeCell = z.object({
  cell_type: z.literal('code'),
  id: cellId,
  metadata,
  source: multiline,
  outputs: z.array(output),
  execution_count: z.number().int().nullable(),
});
const rawCell = z.object({ cell_type: z.literal('raw'), id: cellId, metadata, source: multiline });

export const notebookSchema = z.object({
  nbformat: z.literal(4),
  nbformat_minor: z.number().int().min(5),
  metadata: z.looseObject({
    kernelspec: z.looseObject({ name: z.string(), display_name: z.string(), language: z.literal('typescript') }),
    language_info: z.looseObject({ name: z.literal('typescript') }),
  }),
  cells: z.array(z.discriminatedUnion('cell_type', [markdownCell, codeCell, rawCell])),
});

export type Notebook = z.infer<typeof notebookSchema>;
export type Cell = Notebook['cells'][number];
export type CodeCell = z.infer<typeof codeCell>;
export type Output = z.infer<typeof output>;

export class NotebookError extends Error {}

export function parseNotebook(json: string, file: string): Notebook {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw new NotebookError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  const r = notebookSchema.safeParse(value);
  if (!r.success) {
    throw new NotebookError(`${file}: not a TypeScript notebook (nbformat 4.5): ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const ids = r.data.cells.map((c) => c.id);
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated) throw new NotebookError(`${file}: cell id "${repeated}" is used twice`);
  return r.data;
}

export async function readNotebook(file: string): Promise<Notebook> {
  return parseNotebook(await readFile(file, 'utf8'), file);
}

/** a cell's source as one string */
export const sourceText = (cell: Cell): string => (Array.isArray(cell.source) ? cell.source.join('') : cell.source);

/** text as nbformat stores it: lines keeping their '\n', the last without */
export function lines(text: string): string[] {
  return text.split(/(?<=\n)/).filter((l) => l !== '');
}

/** the notebook without outputs or execution counts: what is committed */
export function cleanNotebook(nb: Notebook): Notebook {
  return {
    ...nb,
    cells: nb.cells.map((c) => (c.cell_type === 'code' ? { ...c, source: lines(sourceText(c)), outputs: [], execution_count: null } : { ...c, source: lines(sourceText(c)) })),
  };
}

const sortKeys = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(sortKeys)
    : value !== null && typeof value === 'object'
      ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]))
      : value;

/** Jupyter's own layout (nbformat writes sorted keys, a one-space indent), and a final newline */
export function serializeNotebook(nb: Notebook): string {
  return JSON.stringify(sortKeys(nb), null, 1) + '\n';
}
