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
  /** Météo-France's point-forecast service (its token: OBSERVATORY_METEOFRANCE_FORECAST_TOKEN) */
  'meteofrance-forecast': 'OBSERVATORY_METEOFRANCE_FORECAST_URL',
} as const;

/** the real services, which the deployed pollers call unless configured otherwise */
export const SOURCE_DEFAULT_URL = {
  hubeau: 'https://hubeau.eaufrance.fr',
  vigicrues: 'https://www.vigicrues.gouv.fr',
  meteofrance: 'https://www.data.gouv.fr',
  'meteofrance-forecast': 'https://webservice.meteofrance.com',
} as const satisfies Record<keyof typeof SOURCE_URL_ENV, string>;

/** the sources configured in the environment (the local runner polls only these) */
export function configuredSources(env: Readonly<Record<string, string | undefined>> = process.env): Partial<Record<keyof typeof SOURCE_URL_ENV, string>> {
  const out: Partial<Record<keyof typeof SOURCE_URL_ENV, string>> = {};
  for (const source of Object.keys(SOURCE_URL_ENV) as (keyof typeof SOURCE_URL_ENV)[]) {
    const url = sourceUrl(source, undefined, env);
    if (url) out[source] = url;
  }
  return out;
}

/** the deployed pollers' sources: the configured ones, else the real services */
export function deployedSources(env: Readonly<Record<string, string | undefined>> = process.env): Record<keyof typeof SOURCE_URL_ENV, string> {
  return {
    hubeau: sourceUrl('hubeau', SOURCE_DEFAULT_URL.hubeau, env)!,
    vigicrues: sourceUrl('vigicrues', SOURCE_DEFAULT_URL.vigicrues, env)!,
    meteofrance: sourceUrl('meteofrance', SOURCE_DEFAULT_URL.meteofrance, env)!,
    'meteofrance-forecast': sourceUrl('meteofrance-forecast', SOURCE_DEFAULT_URL['meteofrance-forecast'], env)!,
  };
}

const httpUrl = z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' });

/** the configured base URL of a source, or `fallback` (undefined: do not poll) */
export function sourceUrl(source: keyof typeof SOURCE_URL_ENV, fallback?: string, env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  return optionalEnv<string | undefined>(SOURCE_URL_ENV[source], httpUrl, fallback, env);
}
