import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { DeleteObjectsCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { S3ObjectStore, S3StoreError, type S3ObjectStoreOptions } from '../../functions/lib/adapters/s3-store.ts';
import { ObjectNotFoundError } from '../../functions/lib/ports/object-store.ts';
import { objectStoreContract } from '../support/object-store-contract.ts';
import { countCommands, createTestBucket, deleteTestBucket, S3_ENDPOINT_ENV, SWIFT_CREDENTIALS, swiftClient } from '../support/swift.ts';

// S3ObjectStore against the loopback Swift the global setup starts (tests/support/global-setup.ts),
// plus two servers of our own on 127.0.0.1: a proxy that injects faults in front of Swift (retries) and
// a small in-memory S3 that implements If-None-Match: * (native put-if-absent, which Swift lacks).

function s3Endpoint(): string {
  const endpoint = inject('s3Endpoint') ?? process.env[S3_ENDPOINT_ENV];
  if (!endpoint) throw new Error(`no S3 test server: vitest.config.ts needs globalSetup: ['tests/support/global-setup.ts'], or set ${S3_ENDPOINT_ENV}`);
  return endpoint;
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');


/** a store on a fresh bucket of the test server, with a count of the commands its client sends */
async function withStore(label: string, options: Partial<S3ObjectStoreOptions> = {}) {
  const client = swiftClient(s3Endpoint());
  const counts = countCommands(client);
  const bucket = await createTestBucket(client, label);
  return {
    client,
    bucket,
    counts,
    store: new S3ObjectStore({ client, bucket, ...options }),
    // a server of this run only is deleted whole at teardown; emptying a bucket of 1000 keys takes Swift ~15 s
    cleanup: async () => {
      if (!inject('s3Ephemeral')) await deleteTestBucket(client, bucket);
    },
  };
}

let contractCounts: Map<string, number> = new Map();
objectStoreContract(
  'S3ObjectStore on Swift',
  async () => {
    const subject = await withStore('s3-contract', { prefix: 'lake/v1', multipartThreshold: 5 * 1024 * 1024, partSize: 5 * 1024 * 1024 });
    contractCounts = subject.counts;
    return subject;
  },
  // Swift refuses conditional PUTs: in 'auto' mode the store falls back to HEAD-then-PUT
  { atomicPutIfAbsent: false, strictKeys: false, uploadedParts: () => contractCounts.get('UploadPartCommand') ?? 0 },
);

describe('S3ObjectStore.deleteMany on Swift', () => {
  it('sends one DeleteObjects (with the Content-MD5 Swift demands) per batch of keys, and deletes only those', async () => {
    const s = await withStore('s3-delete-many', { prefix: 'lake', deleteBatchSize: 4 });
    try {
      const keys = Array.from({ length: 10 }, (_, i) => `curated/x/dt=2026-01-01/f${i}.parquet`);
      for (const key of [...keys, 'curated/x/dt=2026-01-01/late.parquet']) await s.store.put(key, key);
      await s.store.deleteMany(keys);
      expect(s.counts.get('DeleteObjectsCommand')).toBe(3); // 4 + 4 + 2
      expect(s.counts.get('DeleteObjectCommand') ?? 0).toBe(0);
      expect((await s.store.list('curated/x/')).items.map((o) => o.key)).toEqual(['curated/x/dt=2026-01-01/late.parquet']);
    } finally {
      await s.cleanup();
    }
  });
});

describe('S3ObjectStore on Swift', () => {
  let s: Awaited<ReturnType<typeof withStore>>;
  beforeAll(async () => {
    s = await withStore('s3-store', { prefix: '/raw/noise/' });
  });
  afterAll(async () => {
    await s?.cleanup();
  });

  it('names itself s3://bucket/prefix and stores keys under the prefix', async () => {
    expect(s.store.url).toBe(`s3://${s.bucket}/raw/noise`);
    await s.store.put('2025/01/01.csv', 'a;b\n');
    const raw = await s.client.send(new ListObjectsV2Command({ Bucket: s.bucket }));
    expect(raw.Contents?.map((o) => o.Key)).toEqual(['raw/noise/2025/01/01.csv']);
    expect((await s.store.list('')).items.map((i) => i.key)).toEqual(['2025/01/01.csv']);
  });

  it('records the sha256 as the user metadata x-amz-meta-sha256', async () => {
    await s.store.put('meta/x.bin', 'payload', { metadata: { station: 'PA07' } });
    const raw = await s.client.send(new HeadObjectCommand({ Bucket: s.bucket, Key: 'raw/noise/meta/x.bin' }));
    expect(raw.Metadata).toEqual({ sha256: sha256('payload'), station: 'PA07' });
  });

  it('putIfAbsent() in auto mode tries If-None-Match once, gets 501 from Swift, then stays on HEAD-then-PUT', async () => {
    const { store, counts, cleanup } = await withStore('s3-auto');
    const conditional = countConditionalPuts(store.client);
    expect(store.atomicPutIfAbsent).toBe(true);
    expect((await store.putIfAbsent('a', 'first')).created).toBe(true);
    expect(store.atomicPutIfAbsent).toBe(false);
    expect((await store.putIfAbsent('a', 'second')).created).toBe(false);
    expect((await store.putIfAbsent('b', 'other')).created).toBe(true);
    expect(conditional()).toBe(1);
    expect(counts.get('PutObjectCommand')).toBe(3); // the refused conditional one, then 'a' and 'b'
    expect((await store.get('a')).toString()).toBe('first');
    await cleanup();
  });

  it("putIfAbsent() in 'native' mode says Swift does not support conditional PUT", async () => {
    const store = new S3ObjectStore({ client: s.client, bucket: s.bucket, conditionalPut: 'native' });
    await expect(store.putIfAbsent('native/a', 'x')).rejects.toThrow(/does not support conditional PUT.*'emulated'/);
    expect(store.atomicPutIfAbsent).toBe(true);
    expect(await store.head('native/a')).toBeUndefined();
  });

  it("putIfAbsent() in 'emulated' mode never sends If-None-Match and says it is not atomic", async () => {
    const store = new S3ObjectStore({ client: s.client, bucket: s.bucket, prefix: 'emulated', conditionalPut: 'emulated' });
    const conditional = countConditionalPuts(s.client);
    expect(store.atomicPutIfAbsent).toBe(false);
    expect((await store.putIfAbsent('k', '1')).created).toBe(true);
    expect((await store.putIfAbsent('k', '2')).created).toBe(false);
    expect(conditional()).toBe(0);
  });

  it('putStream() above 5 GiB records the checksum with a multipart copy (limit lowered to 6 MiB here)', async () => {
    const store = new S3ObjectStore({ client: s.client, bucket: s.bucket, multipartThreshold: 5 << 20, partSize: 5 << 20, singleCopyLimit: 6 << 20 });
    const bytes = Buffer.alloc(12 << 20, 7);
    bytes.write('head of the file', 0);
    bytes.write('tail of the file', bytes.length - 16);
    const before = s.counts.get('UploadPartCopyCommand') ?? 0;
    const info = await store.putStream('copy/big.bin', Readable.from([bytes.subarray(0, 7 << 20), bytes.subarray(7 << 20)]), { contentType: 'application/x-test' });
    expect((s.counts.get('UploadPartCopyCommand') ?? 0) - before).toBeGreaterThanOrEqual(2);
    expect(info).toMatchObject({ size: bytes.length, sha256: sha256(bytes), contentType: 'application/x-test' });
    expect(sha256(await store.get('copy/big.bin'))).toBe(sha256(bytes));
  });

  it('createS3Client() adds the Content-MD5 Swift requires on DeleteObjects', async () => {
    for (const k of ['batch/1', 'batch/2', 'batch/3']) await s.store.put(k, k);
    const out = await s.client.send(
      new DeleteObjectsCommand({ Bucket: s.bucket, Delete: { Objects: ['1', '2', '3'].map((n) => ({ Key: `raw/noise/batch/${n}` })) } }),
    );
    expect(out.Errors ?? []).toEqual([]);
    expect((await s.store.list('batch/')).items).toEqual([]);
  });

  it('get() of a missing key throws ObjectNotFoundError naming the key and the store', async () => {
    await expect(s.store.get('nope.csv')).rejects.toThrow(new ObjectNotFoundError('nope.csv', s.store.url).message);
  });
});

describe('S3ObjectStore retries (a fault-injecting proxy in front of Swift)', () => {
  let s: Awaited<ReturnType<typeof withStore>>;
  let proxy: FaultProxy;
  beforeAll(async () => {
    s = await withStore('s3-retry');
    proxy = await startFaultProxy(new URL(s3Endpoint()));
  });
  afterAll(async () => {
    await proxy?.close();
    await s?.cleanup();
  });
  const viaProxy = (options: Partial<S3ObjectStoreOptions> = {}) =>
    new S3ObjectStore({ endpoint: proxy.endpoint, credentials: SWIFT_CREDENTIALS, bucket: s.bucket, retryBaseDelayMs: 5, ...options });

  it('a PUT answered 503 SlowDown twice is retried and lands whole', async () => {
    const body = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251));
    proxy.plan((req, n) => (req.method === 'PUT' && n <= 2 ? { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' } : undefined));
    const info = await viaProxy().put('slow/down.bin', body);
    expect(proxy.seen('PUT')).toBe(3);
    expect(info.sha256).toBe(sha256(body));
    expect(Buffer.compare(await s.store.get('slow/down.bin'), body)).toBe(0);
    expect((await s.store.head('slow/down.bin'))?.sha256).toBe(sha256(body));
  });

  it('a dropped connection is retried', async () => {
    proxy.plan((req, n) => (req.method === 'GET' && n === 1 ? 'drop' : undefined));
    await s.store.put('drop/a.txt', 'still here');
    expect((await viaProxy().get('drop/a.txt')).toString()).toBe('still here');
    expect(proxy.seen('GET')).toBe(2);
  });

  it('a persistent 500 fails after maxAttempts with an error naming the operation, object, status and attempts', async () => {
    proxy.plan((req) => (req.method === 'PUT' ? { status: 500, code: 'InternalError', message: 'We encountered an internal error.' } : undefined));
    const store = viaProxy({ maxAttempts: 3 });
    const error = await store.put('broken/x.csv', 'x').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(S3StoreError);
    expect((error as S3StoreError).message).toBe(
      `put s3://${s.bucket}/broken/x.csv failed after 3 attempts: InternalError (HTTP 500): We encountered an internal error.`,
    );
    expect(proxy.seen('PUT')).toBe(3);
    expect(await s.store.head('broken/x.csv')).toBeUndefined();
  });

  it('a refused connection is retried, then reported with the attempts made', async () => {
    const closed = createServer();
    const endpoint = await listen(closed);
    await close(closed);
    const store = new S3ObjectStore({ endpoint, credentials: SWIFT_CREDENTIALS, bucket: s.bucket, maxAttempts: 2, retryBaseDelayMs: 5 });
    await expect(store.head('x')).rejects.toThrow(/^head s3:\/\/.*\/x failed after 2 attempts: ECONNREFUSED/);
  });

  it('a 4xx is not retried', async () => {
    proxy.plan((req) => (req.method === 'PUT' ? { status: 403, code: 'AccessDenied', message: 'Access Denied.' } : undefined));
    await expect(viaProxy().put('denied/x.csv', 'x')).rejects.toThrow(/put s3:\/\/.*\/denied\/x\.csv failed: AccessDenied \(HTTP 403\)/);
    expect(proxy.seen('PUT')).toBe(1);
  });
});

describe('S3ObjectStore native put-if-absent (an in-memory S3 that implements If-None-Match: *)', () => {
  let stub: StubS3;
  beforeAll(async () => {
    stub = await startStubS3();
  });
  afterAll(async () => {
    await stub?.close();
  });
  const onStub = (conditionalPut: 'native' | 'auto') =>
    new S3ObjectStore({ endpoint: stub.endpoint, credentials: SWIFT_CREDENTIALS, bucket: 'stub', conditionalPut, retryBaseDelayMs: 5 });

  it('creates once; the second writer gets 412 and created: false, the first bytes stay', async () => {
    const store = onStub('native');
    expect(store.atomicPutIfAbsent).toBe(true);
    const first = await store.putIfAbsent('locks/2025-01-01', 'first', { metadata: { writer: 'a' } });
    expect(first).toMatchObject({ created: true, info: { size: 5, sha256: sha256('first'), metadata: { writer: 'a' } } });
    const second = await store.putIfAbsent('locks/2025-01-01', 'second');
    expect(second).toMatchObject({ created: false, info: { size: 5, sha256: sha256('first') } });
    expect((await store.get('locks/2025-01-01')).toString()).toBe('first');
    expect(stub.preconditionFailures).toBe(1);
  });

  it('20 concurrent writers on one key: exactly one is created', async () => {
    const store = onStub('auto');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.putIfAbsent('locks/race', `writer ${i}`)));
    const winners = results.flatMap((r, i) => (r.created ? [i] : []));
    expect(winners).toHaveLength(1);
    expect((await store.get('locks/race')).toString()).toBe(`writer ${winners[0]}`);
    expect(store.atomicPutIfAbsent).toBe(true);
  });
});

function countConditionalPuts(client: S3Client): () => number {
  let n = 0;
  client.middlewareStack.add(
    (next) => (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
      if (headers['if-none-match'] === '*') n++;
      return next(args);
    },
    { step: 'finalizeRequest', name: `countConditionalPuts${Math.random()}` },
  );
  return () => n;
}

type Fault = { status: number; code: string; message: string } | 'drop' | undefined;

interface FaultProxy {
  readonly endpoint: string;
  /** decides for each request, `n` counting requests of that method since the plan was set, from 1 */
  plan(decide: (req: IncomingMessage, n: number) => Fault): void;
  seen(method: string): number;
  close(): Promise<void>;
}

/** forwards to `upstream` unchanged (Host included, so signatures hold) unless the plan injects a fault */
async function startFaultProxy(upstream: URL): Promise<FaultProxy> {
  let decide: (req: IncomingMessage, n: number) => Fault = () => undefined;
  let seen = new Map<string, number>();
  const server = createServer((req, res) => {
    const n = (seen.get(req.method!) ?? 0) + 1;
    seen.set(req.method!, n);
    const fault = decide(req, n);
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault) {
      req.resume();
      req.on('end', () => {
        res.writeHead(fault.status, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fault.code}</Code><Message>${fault.message}</Message></Error>`);
      });
      return;
    }
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(forward);
  });
  const endpoint = await listen(server);
  return {
    endpoint,
    plan(d) {
      decide = d;
      seen = new Map();
    },
    seen: (method) => seen.get(method) ?? 0,
    close: () => close(server),
  };
}

interface StubS3 {
  readonly endpoint: string;
  readonly preconditionFailures: number;
  close(): Promise<void>;
}

/** PUT (with If-None-Match: *), GET, HEAD and DELETE of path-style /bucket/key; no auth. One event loop, so the existence check and the write are atomic. */
async function startStubS3(): Promise<StubS3> {
  const objects = new Map<string, { body: Buffer; headers: Record<string, string> }>();
  let preconditionFailures = 0;
  const xmlError = (res: ServerResponse, status: number, code: string) => {
    res.writeHead(status, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const key = decodeURIComponent(new URL(req.url!, 'http://stub').pathname);
      const found = objects.get(key);
      if (req.method === 'PUT') {
        if (req.headers['if-none-match'] === '*' && found) {
          preconditionFailures++;
          return xmlError(res, 412, 'PreconditionFailed');
        }
        const body = Buffer.concat(chunks);
        const etag = `"${createHash('md5').update(body).digest('hex')}"`;
        const headers: Record<string, string> = {
          etag,
          'last-modified': new Date().toUTCString(),
          'content-type': req.headers['content-type'] ?? 'application/octet-stream',
        };
        for (const [h, v] of Object.entries(req.headers)) if (h.startsWith('x-amz-meta-')) headers[h] = String(v);
        objects.set(key, { body, headers });
        res.writeHead(200, { etag });
        return res.end();
      }
      if (req.method === 'DELETE') {
        objects.delete(key);
        res.writeHead(204);
        return res.end();
      }
      if (!found) return req.method === 'HEAD' ? (res.writeHead(404), res.end()) : xmlError(res, 404, 'NoSuchKey');
      res.writeHead(200, { ...found.headers, 'content-length': String(found.body.length) });
      res.end(req.method === 'HEAD' ? undefined : found.body);
    });
  });
  const endpoint = await listen(server);
  return { endpoint, get preconditionFailures() { return preconditionFailures; }, close: () => close(server) };
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
