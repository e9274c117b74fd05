import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SITE_PREFIX } from '../lib/lake/layout.ts';
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

export async function serveSite(store: ObjectStore, options: { port?: number; host?: string } = {}): Promise<RunningServer> {
  const server = http.createServer(async (req, res) => {
    const securityHeaders = {
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
    };
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
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...securityHeaders }).end('not found');
      } else {
        res.writeHead(500, securityHeaders).end('error');
      }
    }
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
