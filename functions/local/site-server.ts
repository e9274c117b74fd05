import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
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
    p = decodeURIComponent(urlPath.split('?')[0]!);
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

export async function serveSite(store: ObjectStore, options: ServeOptions = {}): Promise<RunningServer> {
  const server = http.createServer(async (req, res) => {
    const securityHeaders = {
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
    };
    if (options.push && (req.url ?? '').split('?')[0] === PUSH_PATH) {
      const body = req.method === 'POST' ? await readBody(req, MAX_PUSH_BYTES) : Buffer.alloc(0);
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', ...securityHeaders }).end(JSON.stringify(payload));
      };
      if (body === undefined) return reply(413, { error: `payload larger than ${MAX_PUSH_BYTES} bytes; split the batch` });
      try {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
        const r = await handlePush(options.push.ctx, options.push.networks, { method: req.method ?? 'GET', headers, body, requestId: randomUUID() });
        return reply(r.status, r.body);
      } catch (e) {
        options.push.ctx.logger.error(`push failed: ${(e as Error).message}`);
        return reply(500, { error: 'internal error; nothing was acknowledged, send again' });
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', ...securityHeaders }).end();
      return;
    }
    let key = siteKey(req.url ?? '/');
    if (!key) {
      res.writeHead(400, securityHeaders).end('bad path');
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
      const body = await store.get(key);
      res.writeHead(200, {
        'content-type': TYPES[ext] ?? info.contentType ?? 'application/octet-stream',
        'content-length': body.length,
        'cache-control': ext === '.json' || ext === '.html' ? 'no-cache' : 'max-age=3600',
        ...securityHeaders,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (e) {
      if (e instanceof ObjectNotFoundError) {
        // as CloudFront does: the site's own 404 page, in English under /en/
        const page = (req.url ?? '/').startsWith('/en/') ? `${SITE_PREFIX}/en/404.html` : `${SITE_PREFIX}/404.html`;
        const published = await store.head(page);
        const body = published ? await store.get(page) : Buffer.from('not found');
        res.writeHead(404, { 'content-type': published ? TYPES['.html']! : 'text/plain; charset=utf-8', 'cache-control': 'no-cache', ...securityHeaders });
        res.end(req.method === 'HEAD' ? undefined : body);
      } else {
        res.writeHead(500, securityHeaders).end('error');
      }
    }
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
