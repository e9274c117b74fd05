import { z } from 'zod';
import { optionalEnv } from '../env.ts';

// Where the pollers find their APIs. On AWS the handlers default to the real services; the local
// runner polls only when a URL is given (the demo feed drives the pollers against the fake sources
// itself), so that `observatory run` works offline.

export const SOURCE_URL_ENV = {
  hubeau: 'OBSERVATORY_HUBEAU_URL',
  vigicrues: 'OBSERVATORY_VIGICRUES_URL',
  /** the data.gouv.fr API that lists the Météo-France daily files (the files' URLs come from it) */
  meteofrance: 'OBSERVATORY_METEOFRANCE_URL',
} as const;

const httpUrl = z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' });

/** the configured base URL of a source, or `fallback` (undefined: do not poll) */
export function sourceUrl(source: keyof typeof SOURCE_URL_ENV, fallback?: string, env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  return optionalEnv<string | undefined>(SOURCE_URL_ENV[source], httpUrl, fallback, env);
}
