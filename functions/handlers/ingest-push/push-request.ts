import type { PushRequest, PushResponse } from '../../lib/push/service.ts';

// The push endpoint on AWS: an API Gateway REST proxy event (or a function URL / HTTP API event) to the
// request the shared push service takes, and its response back. Pure: no I/O, no environment.

/** the part of a proxy event this reads */
export interface PushEvent {
  readonly httpMethod?: string;
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly requestContext?: {
    readonly requestId?: string;
    /** function URLs and HTTP APIs (payload 2.0) */
    readonly http?: { readonly method?: string } | null;
    /** REST APIs: set when the method requires an API key */
    readonly identity?: { readonly apiKeyId?: string | null } | null;
  } | null;
}

export interface ProxyResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function pushRequestFromEvent(event: PushEvent): PushRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const body = event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : new Uint8Array(0);
  return {
    method: (event.httpMethod ?? event.requestContext?.http?.method ?? 'POST').toUpperCase(),
    headers,
    body,
    requestId: event.requestContext?.requestId ?? 'unknown-request',
  };
}

/** the API Gateway id of the key the request came with (API Gateway has checked the key itself) */
export function apiKeyIdOf(event: PushEvent): string | undefined {
  return event.requestContext?.identity?.apiKeyId ?? undefined;
}

export function proxyResult(response: PushResponse): ProxyResult {
  return {
    statusCode: response.status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(response.body),
  };
}
