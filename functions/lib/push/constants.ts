// The push endpoint's contract, shared by the local server, the Lambda handler and the API definition.

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
