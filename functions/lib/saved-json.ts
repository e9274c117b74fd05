// JSON that the pipeline wrote and reads back (state files, manifests, model metadata, sidecars): read
// through a zod schema, so a corrupt or foreign file is an error naming it, never a silent reset.
import { z } from 'zod';

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
