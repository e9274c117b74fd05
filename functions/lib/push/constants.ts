// The push endpoint's contract, shared by the local server, the Lambda handler and the API definition.

export const PUSH_PATH = '/api/v1/noise';
export const MAX_PUSH_BYTES = 1024 * 1024;
export const PUSH_CONTENT_TYPES = ['application/json', 'application/ld+json', 'application/geo+json'] as const;
