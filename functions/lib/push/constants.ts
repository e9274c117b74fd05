// The push endpoint's contract, shared by the local server, the Lambda handler and the API definition.

import { RAW_PREFIX } from '../lake/layout.ts';

export const PUSH_PATH = '/api/v1/noise';
export const MAX_PUSH_BYTES = 1024 * 1024;
export const PUSH_CONTENT_TYPES = ['application/json', 'application/ld+json', 'application/geo+json'] as const;

/** what the endpoint answers when it refuses a request, wherever the refusal happens (API Gateway or the service) */
export const PUSH_ERRORS = {
  method: 'use POST',
  unauthorized: 'missing or unknown API key (send it as "x-api-key" or "Authorization: ApiKey …")',
  tooLarge: `payload larger than ${MAX_PUSH_BYTES} bytes; split the batch`,
  internal: 'internal error; nothing was acknowledged, send again',
  throttled: 'too many requests for this network: wait for the Retry-After seconds, then send again',
  quota: "this network's daily request quota is used up: send again after the Retry-After seconds (the quota resets at 00:00 UTC)",
} as const;

/** where the raw files (lib/push/queued.ts) of pushes are created (their creation events feed the queue on AWS) */
export const PUSHED_RAW_PREFIX = `${RAW_PREFIX}/noise-fiware/`;

/**
 * The queue's batches on AWS (SQS → Lambda): up to this many pushes, gathered for up to this long. A
 * quarter hour's pushes of the fleet arrive within a minute; a batch's S3 events are ~1.5 kB, so 1 000
 * of them stay well under Lambda's 6 MB payload.
 */
export const PUSH_BATCH = { maxPushes: 1000, windowSeconds: 60 } as const;

