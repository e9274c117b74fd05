import { envSchemas, requiredEnv } from '../../lib/env.ts';
import { keyHash, type PushNetworks } from '../../lib/push/networks.ts';
import { acceptPushes } from '../../lib/push/queued.ts';
import { apiKeyOf, handlePush, PUSH_ERRORS, type PushResponse } from '../../lib/push/service.ts';
import { once } from '../shared/routed-store.ts';
import { emitMetrics, logger, withStageContext } from '../shared/runtime.ts';
import { apiKeyIdOf, proxyResult, pushRequestFromEvent, type ProxyResult, type PushEvent } from './push-request.ts';

// POST /api/v1/noise from a sensor network → the push service (the one the local server runs).
// API Gateway has already checked the key against the network's usage plan; the key's id tells which
// network it is, so the service is handed that one network with the presented key. The push is
// accepted (raw file stored, answer computed) and curated in batches by ingest-file (lib/push/queued.ts).

/** API key id → network id, written by infra/ from the usage plans */
const networksByKeyId = once(() => requiredEnv('PUSH_NETWORKS', envSchemas.jsonStringMap));

/** the pushes this warm function accepts, each read against the sensor registry it holds (REGISTRY_TTL_MS) */
const acceptPush = acceptPushes();

export async function handler(event: PushEvent): Promise<ProxyResult> {
  const byKeyId = networksByKeyId();
  const request = pushRequestFromEvent(event);
  const keyId = apiKeyIdOf(event);
  const network = keyId ? byKeyId[keyId] : undefined;
  const key = apiKeyOf(request.headers);
  const networks: PushNetworks = network && key ? [{ network, key_sha256: keyHash(key) }] : [];
  const response = await withStageContext((ctx) => handlePush(ctx, networks, request, acceptPush)).catch((e: unknown): PushResponse => {
    // as the local server: a 500 that tells the sender to send again (API Gateway would say 502, no advice)
    logger.error('push failed', { network, requestId: request.requestId, error: (e as Error).message });
    return { status: 500, body: { error: PUSH_ERRORS.internal } };
  });
  const accepted = Number(response.body.accepted ?? 0);
  const rejected = Number(response.body.rejected ?? 0);
  // curated (ReadingsCurated, the freshness alarm's metric) by the queued curation, which counts them
  emitMetrics({ PushRequests: 1, ReadingsAccepted: accepted, ReadingsRejected: rejected });
  logger.info('push', { status: response.status, network, requestId: request.requestId, rawKey: response.body.raw_key, accepted, rejected });
  return proxyResult(response);
}
