import { SOURCE_DEFAULT_URL } from './source-endpoints.ts';
import { getWithRetry, type HttpDeps, type RetryPolicy } from '../http/fetch.ts';
import type { StageContext } from './context.ts';
import { completeJson } from './poll-checks.ts';
import { ingestVigicrues, type VigicruesIngestSummary } from './ingest-vigicrues.ts';

// The Vigicrues poller (runs after poll-hubeau): the current national bulletin of the official API in
// its detailed JSON-LD form (every section's level, grouped by territory), stored raw and curated like
// a saved file. Vigicrues publishes at least twice a day; an unchanged document has the same bytes and
// is a replay that changes nothing.

export const VIGICRUES_DEFAULT_URL = SOURCE_DEFAULT_URL.vigicrues;
export const INFO_VIGICRU_PATH = '/services/1/InfoVigiCru.jsonld/?TypEntVigiCru=2&mode=detail';

export interface PollVigicruesOptions {
  readonly baseUrl: string;
  readonly retry?: Partial<RetryPolicy>;
  readonly http?: HttpDeps;
  readonly demo?: boolean;
}

export interface PollVigicruesSummary extends VigicruesIngestSummary {
  readonly url: string;
  readonly attempts: number;
}

export async function pollVigicrues(ctx: StageContext, options: PollVigicruesOptions): Promise<PollVigicruesSummary> {
  const url = options.baseUrl.replace(/\/+$/, '') + INFO_VIGICRU_PATH;
  const res = await getWithRetry(url, {
    policy: options.retry,
    deps: options.http,
    onRetry: (e) => ctx.logger.warn(`poll-vigicrues: ${e.reason}; attempt ${e.attempt + 1} in ${e.delayMs} ms`),
    check: completeJson((r) => ingestVigicrues(ctx, { bytes: r.body, origin: url, demo: options.demo })),
  });
  const summary = await ingestVigicrues(ctx, { bytes: res.body, origin: url, demo: options.demo, contentType: res.headers.get('content-type') ?? undefined });
  ctx.logger.info(
    `poll-vigicrues: bulletin ${summary.bulletinAt ?? '(undated)'}: ${summary.records} sections → ${summary.curated} curated + ${summary.quarantined} quarantined` +
      (summary.newRaw ? '' : ' (unchanged)'),
  );
  return { ...summary, url, attempts: res.attempts };
}
