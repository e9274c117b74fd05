import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { SITE_PREFIX } from '../lib/lake/layout.ts';
import type { PushNetworks } from '../lib/push/networks.ts';
import { MAX_PUSH_BYTES, PUSH_PATH } from '../lib/push/constants.ts';
import { handlePush } from '../lib/push/service.ts';
import type { StageContext } from '../lib/stages/context.ts';
import { ObjectNotFoundError, type ObjectStore } from '../lib/ports/object-store.ts';

// The local stand-in for S3 + CloudFront: serves the lake's site/ folder, read-only.

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.csv': 'text/csv; charset=utf-8',
  '.parquet': 'application/vnd.apache.parquet',
  '.geojson': 'application/geo+json',
  '.xml': 'application/atom+xml',
  '.atom': 'application/atom+xml; charset=utf-8',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

export function siteKey(urlPath: string): string | undefined {
  let p: string;
  try {
    p = decodeURIComponent(urlPath.split('?')[0] ?? '');
  } catch {
    return undefined;
  }
  if (p.includes('\0') || p.split('/').some((s) => s === '..' || s.startsWith('.'))) return undefined;
  if (p.endsWith('/')) p += 'index.html';
  return `${SITE_PREFIX}${p}`;
}

export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

export { PUSH_PATH };

export interface ServeOptions {
  port?: number;
  host?: string;
  /** enables the sensor push endpoint at POST /api/v1/noise */
  push?: { ctx: StageContext; networks: PushNetworks };
}

/** reads a request body, giving up (undefined) past `limit` bytes */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
};

/** the push endpoint: a batch of readings from a network, acknowledged once in the lake */
async function servePush(push: NonNullable<ServeOptions['push']>, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const body = req.method === 'POST' ? await readBody(req, MAX_PUSH_BYTES) : Buffer.alloc(0);
  const reply = (status: number, payload: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', ...SECURITY_HEADERS }).end(JSON.stringify(payload));
  };
  if (body === undefined) return reply(413, { error: `payload larger than ${MAX_PUSH_BYTES} bytes; split the batch` });
  try {
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
    const r = await handlePush(push.ctx, push.networks, { method: req.method ?? 'GET', headers, body, requestId: randomUUID() });
    reply(r.status, r.body);
  } catch (e) {
    push.ctx.logger.error(`push failed: ${(e as Error).message}`);
    reply(500, { error: 'internal error; nothing was acknowledged, send again' });
  }
}

/** a published object of site/ (a folder's index.html for a path without extension), or the site's 404 page */
async function serveFile(store: ObjectStore, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', ...SECURITY_HEADERS }).end();
    return;
  }
  let key = siteKey(req.url ?? '/');
  if (!key) {
    res.writeHead(400, SECURITY_HEADERS).end('bad path');
    return;
  }
  try {
    let info = await store.head(key);
    if (!info && !key.endsWith('.html') && !/\.[a-z0-9]+$/i.test(key)) {
      key = `${key}/index.html`;
      info = await store.head(key);
    }
    if (!info) throw new ObjectNotFoundError(key, store.url);
    const ext = key.slice(key.lastIndexOf('.'));
    const type = TYPES[ext] ?? info.contentType ?? 'application/octet-stream';
    const { body, encoding } = asServed(await store.get(key), type, req.headers['accept-encoding']);
    res.writeHead(200, {
      'content-type': type,
      'content-length': body.length,
      'cache-control': ext === '.json' || ext === '.html' ? 'no-cache' : 'max-age=3600',
      vary: 'accept-encoding',
      ...(encoding ? { 'content-encoding': encoding } : {}),
      ...SECURITY_HEADERS,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch (e) {
    if (e instanceof ObjectNotFoundError) await serveNotFound(store, req, res);
    else res.writeHead(500, SECURITY_HEADERS).end('error');
  }
}

// CloudFront's automatic compression (`compress: true` in infra/stacks/site-stack.ts): text types of 1 000 bytes
// to 10 MB, gzip when the browser accepts it. Serving them uncompressed here would make the local figures
// (Lighthouse's simulated slow 4G) those of a site nobody gets.
const COMPRESSIBLE = /^(text\/|application\/(json|javascript)|image\/svg\+xml)/;

export function asServed(body: Buffer, type: string, acceptEncoding: string | string[] | undefined): { body: Buffer; encoding?: 'gzip' } {
  const offers = [acceptEncoding ?? ''].flat().join(',').split(',').map((e) => e.trim().split(/\s*;\s*q=/));
  const gzip = offers.some(([name, q]) => name === 'gzip' && (q === undefined || Number(q) > 0));
  if (!gzip || !COMPRESSIBLE.test(type) || body.length < 1000 || body.length > 10_000_000) return { body };
  return { body: gzipSync(body), encoding: 'gzip' };
}

/** as CloudFront does: the site's own 404 page, in English under /en/ */
async function serveNotFound(store: ObjectStore, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const page = (req.url ?? '/').startsWith('/en/') ? `${SITE_PREFIX}/en/404.html` : `${SITE_PREFIX}/404.html`;
  const published = await store.head(page);
  const body = published ? await store.get(page) : Buffer.from('not found');
  res.writeHead(404, { 'content-type': published ? (TYPES['.html'] ?? 'text/html') : 'text/plain; charset=utf-8', 'cache-control': 'no-cache', ...SECURITY_HEADERS });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export async function serveSite(store: ObjectStore, options: ServeOptions = {}): Promise<RunningServer> {
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (options.push && (req.url ?? '').split('?')[0] === PUSH_PATH) await servePush(options.push, req, res);
    else await serveFile(store, req, res);
  };
  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      // a failure after the headers were sent (the client went away): the connection is closed
      if (!res.headersSent) res.writeHead(500, SECURITY_HEADERS).end('error');
      else res.destroy(e instanceof Error ? e : new Error(String(e)));
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => resolve());
    server.requestTimeout = 30_000;
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
