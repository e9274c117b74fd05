import type { FiwareOptions } from '../domain/noise/fiware.ts';
import type { StageContext } from '../stages/context.ts';
import { ingestNoise, type IngestInput, type IngestSummary } from '../stages/ingest-noise.ts';
import { fiwareOptionsOf, pushNetworkForKey, type PushNetworks } from './networks.ts';

// The sensor push endpoint, independent of how the request arrived (API Gateway / function URL event
// on AWS, node:http locally): authenticate, check size and content type, ingest, and tell the sender
// how many records were accepted and why the others were rejected.

import { apiKeyOf } from './api-key.ts';
import { MAX_PUSH_BYTES, PUSH_CONTENT_TYPES, PUSH_ERRORS } from './constants.ts';

export { apiKeyOf } from './api-key.ts';
export { MAX_PUSH_BYTES, PUSH_CONTENT_TYPES, PUSH_ERRORS, PUSH_PATH } from './constants.ts';

export interface PushRequest {
  readonly method: string;
  /** header names in lower case */
  readonly headers: Record<string, string | undefined>;
  readonly body: Uint8Array;
  readonly requestId: string;
}

export interface PushResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

const error = (status: number, message: string, extra: Record<string, unknown> = {}): PushResponse => ({ status, body: { error: message, ...extra } });

const withOptions = (fiware: FiwareOptions) => (Object.keys(fiware).length ? { fiware } : {});

/**
 * what a push's bytes go through: the ingest itself (locally), or on AWS acceptPush (raw file stored,
 * curation queued: functions/lib/push/queued.ts), which reports the same
 */
export type PushIngest = (ctx: StageContext, input: IngestInput) => Promise<IngestSummary>;

export async function handlePush(ctx: StageContext, networks: PushNetworks, request: PushRequest, ingest: PushIngest = ingestNoise): Promise<PushResponse> {
  if (request.method !== 'POST') return error(405, PUSH_ERRORS.method);
  const config = pushNetworkForKey(networks, apiKeyOf(request.headers));
  const network = config?.network;
  if (!config) return error(401, PUSH_ERRORS.unauthorized);
  if (request.body.length > MAX_PUSH_BYTES) return error(413, PUSH_ERRORS.tooLarge);
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!(PUSH_CONTENT_TYPES as readonly string[]).includes(contentType)) {
    return error(415, `content type must be one of ${PUSH_CONTENT_TYPES.join(', ')}; got "${contentType || 'none'}"`);
  }
  if (request.body.length === 0) return error(400, 'empty body');
  const s = await ingest(ctx, {
    sourceKind: 'noise-fiware',
    bytes: request.body,
    origin: `push:${network}:${request.requestId}`,
    contentType,
    ...withOptions(fiwareOptionsOf(config)),
  });
  const body = {
    network,
    raw_key: s.rawKey,
    replay: !s.newRaw,
    records: s.records,
    accepted: s.curated,
    rejected: s.quarantined,
    rejections: s.rejections.map((r) => ({ record: r.record, field: r.field, expected: r.expected, found: r.found, reason: r.reason })),
  };
  if (s.unreadable) return { status: 400, body: { ...body, error: s.unreadable } };
  if (s.records > 0 && s.curated === 0) return { status: 422, body: { ...body, error: 'no record was accepted' } };
  return { status: 200, body };
}
