import { z } from 'zod';

// The one way entry points read their environment: required by default, parsed with zod, and an error
// that names the variable, what was expected and what was found.

export class EnvError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'EnvError';
  }
}

const nonEmpty = z.string().trim().min(1);

type Env = Readonly<Record<string, string | undefined>>;

function parse<T>(name: string, raw: string, schema: z.ZodType<T>): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const why = result.error.issues.map((i) => i.message).join('; ');
  throw new EnvError(name, `environment variable ${name}: ${why} (found ${JSON.stringify(raw.length > 80 ? raw.slice(0, 80) + '…' : raw)})`);
}

/** the value of a variable that must be set (and non-empty), parsed with `schema` */
export function requiredEnv(name: string): string;
export function requiredEnv<T>(name: string, schema: z.ZodType<T>, env?: Env): T;
export function requiredEnv<T>(name: string, schema?: z.ZodType<T>, env: Env = process.env): T | string {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') {
    throw new EnvError(name, `environment variable ${name} is required but is not set`);
  }
  return schema ? parse(name, raw, schema) : parse(name, raw, nonEmpty);
}

/** the value of a variable that may be absent: `fallback` then (a set but invalid value still fails) */
export function optionalEnv<T>(name: string, schema: z.ZodType<T>, fallback: T, env: Env = process.env): T {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  return parse(name, raw, schema);
}

/** common schemas for environment values */
export const envSchemas = {
  positiveInt: z.coerce.number().int().positive(),
  /** `file:///absolute/path` or `s3` */
  lakeStore: z.string().regex(/^(file:\/\/\/.+|s3)$/, { message: 'expected file:///<absolute path> or s3' }),
  bucketName: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'expected an S3 bucket name' }),
  /** a JSON object of strings, e.g. {"a1b2c3":"bruitparif"} */
  jsonStringMap: z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected JSON' });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string(), z.string(), { message: 'expected a JSON object of strings' })),
} as const;
