import type { IngestInput } from '../../lib/stages/ingest-noise.ts';

// A sensor network pushing FIWARE readings: from the HTTP request (an API Gateway REST proxy event, or
// the same shape built by the local push server) to the ingest input. Pure: no I/O, no environment.

/** the part of an API Gateway (REST, proxy integration) event this reads */
export interface PushEvent {
  readonly httpMethod?: string;
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly requestContext?: {
    readonly requestId?: string;
    /** API Gateway fills these when the method requires an API key */
    readonly identity?: { readonly apiKeyId?: string | null; readonly sourceIp?: string | null } | null;
  } | null;
}

export interface PushOptions {
  /** bodies above this are refused (413) */
  readonly maxBytes: number;
  /** the network an API key belongs to, by API key id; undefined: not a known network (403) */
  readonly networkOf: (apiKeyId: string) => string | undefined;
}

export interface PushRequest {
  readonly network: string;
  readonly requestId: string;
  readonly input: IngestInput;
}

export class PushRequestError extends Error {
  constructor(
    readonly statusCode: 400 | 403 | 405 | 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = 'PushRequestError';
  }
}

/** FIWARE NGSI v2 payloads are application/json, NGSI-LD ones application/ld+json */
export const PUSH_CONTENT_TYPES = ['application/json', 'application/ld+json'] as const;

function header(event: PushEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  const found = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return found === undefined ? undefined : (headers[found] ?? undefined);
}

export function pushRequestFromEvent(event: PushEvent, options: PushOptions): PushRequest {
  const method = (event.httpMethod ?? 'POST').toUpperCase();
  if (method !== 'POST') throw new PushRequestError(405, `method ${method} not allowed: POST the readings`);

  const apiKeyId = event.requestContext?.identity?.apiKeyId;
  const network = apiKeyId ? options.networkOf(apiKeyId) : undefined;
  if (!network) throw new PushRequestError(403, 'this API key belongs to no sensor network');

  const contentType = header(event, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (!contentType || !(PUSH_CONTENT_TYPES as readonly string[]).includes(contentType)) {
    throw new PushRequestError(415, `content-type ${contentType ?? 'missing'}: expected ${PUSH_CONTENT_TYPES.join(' or ')} (FIWARE NoiseLevelObserved entities)`);
  }

  if (!event.body) throw new PushRequestError(400, 'empty body: expected FIWARE NoiseLevelObserved entities');
  // refuse before decoding a huge body: UTF-8 takes at least a byte per UTF-16 unit, base64 4 chars per 3 bytes
  const encodedLimit = event.isBase64Encoded ? Math.ceil(options.maxBytes / 3) * 4 : options.maxBytes;
  if (event.body.length > encodedLimit) throw tooLarge(options.maxBytes);
  const bytes = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (bytes.length > options.maxBytes) throw tooLarge(options.maxBytes);

  const requestId = event.requestContext?.requestId ?? 'unknown-request';
  return {
    network,
    requestId,
    input: { sourceKind: 'noise-fiware', bytes, origin: `push:${network}:${requestId}`, contentType },
  };
}

function tooLarge(maxBytes: number): PushRequestError {
  return new PushRequestError(413, `body larger than ${maxBytes} bytes: split the readings into several requests`);
}
