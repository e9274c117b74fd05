import { envSchemas, requiredEnv } from '../../lib/env.ts';
import { ingestNoise } from '../../lib/stages/ingest-noise.ts';
import { once } from '../shared/routed-store.ts';
import { emitMetrics, jsonSafe, logger, withStageContext } from '../shared/runtime.ts';
import { pushRequestFromEvent, PushRequestError, type PushEvent, type PushRequest } from './push-request.ts';

// POST /readings from a sensor network (API Gateway, API key per network) → ingestNoise.

export interface PushResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const settings = once(() => ({
  maxBytes: requiredEnv('MAX_PUSH_BYTES', envSchemas.positiveInt),
  /** API key id → network id, written by infra/ from the usage plans */
  networks: requiredEnv('PUSH_NETWORKS', envSchemas.jsonStringMap),
}));

const respond = (statusCode: number, body: unknown): PushResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(jsonSafe(body)),
});

export async function handler(event: PushEvent): Promise<PushResponse> {
  const { maxBytes, networks } = settings();
  let request: PushRequest;
  try {
    request = pushRequestFromEvent(event, { maxBytes, networkOf: (id) => networks[id] });
  } catch (e) {
    if (e instanceof PushRequestError) return respond(e.statusCode, { error: e.message });
    throw e;
  }
  const summary = await withStageContext((ctx) => ingestNoise(ctx, request.input));
  emitMetrics({ PushRequests: 1, ReadingsCurated: summary.curated, ReadingsQuarantined: summary.quarantined });
  logger.info('push ingested', { network: request.network, requestId: request.requestId, rawKey: summary.rawKey, curated: summary.curated, quarantined: summary.quarantined });
  return respond(summary.unreadable ? 422 : 200, summary);
}
