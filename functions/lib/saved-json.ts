// JSON that the pipeline wrote and reads back (state files, manifests, model metadata, sidecars): read
// through a zod schema, so a corrupt or foreign file is an error naming it, never a silent reset.
import { z } from 'zod';
import { ObjectNotFoundError, type ObjectStore } from './ports/object-store.ts';

/** a saved file that cannot be read as what it should hold */
export class CorruptFileError extends Error {
  constructor(
    readonly file: string,
    readonly why: string,
    fix: string,
  ) {
    super(`${file} is corrupt: ${why}; ${fix}`);
    this.name = 'CorruptFileError';
  }
}

/** each issue as `path: message` */
export function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/**
 * The value of a saved JSON text, checked against its schema. `fix` tells the reader what to do (the
 * end of the message): restore the file from a backup, delete it to start over, …
 */
export function parseSaved<S extends z.ZodType>(schema: S, text: string | Uint8Array, file: string, fix: string): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'));
  } catch (e) {
    throw new CorruptFileError(file, `it is not JSON (${(e as Error).message})`, fix);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new CorruptFileError(file, issuesText(parsed.error), fix);
  return parsed.data;
}

/** the saved JSON object `key`, checked against its schema; undefined when there is none yet */
export async function readSaved<S extends z.ZodType>(store: Pick<ObjectStore, 'get'>, key: string, schema: S, fix: string): Promise<z.infer<S> | undefined> {
  let bytes: Buffer;
  try {
    bytes = await store.get(key);
  } catch (e) {
    if (e instanceof ObjectNotFoundError) return undefined;
    throw e;
  }
  return parseSaved(schema, bytes, key, fix);
}
