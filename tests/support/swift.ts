import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createS3Client } from '../../functions/lib/adapters/s3-store.ts';

// Starts and stops a loopback OpenStack Swift (s3api) with scripts/swift-up.sh and swift-down.sh.
// Each start gets its own folder under the system temp dir and its own free ports, so two test runs on
// one machine don't collide; a run that died without its teardown is cleaned up by the next start.

const run = promisify(execFile);
const SCRIPTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts');
const DIR_PREFIX = 'observatory-swift-';
const OWNER_FILE = 'owner.pid';

/** tempauth account:user and key configured by swift-up.sh */
export const SWIFT_CREDENTIALS = { accessKeyId: 'test:tester', secretAccessKey: 'testing' } as const;
/** set to an S3 endpoint to use a server already running instead of starting one */
export const S3_ENDPOINT_ENV = 'OBSERVATORY_TEST_S3_ENDPOINT';

export interface SwiftServer {
  readonly endpoint: string;
  readonly dir: string;
  readonly portBase: number;
  stop(): Promise<void>;
}

export function swiftInstalled(): boolean {
  return ['swift-proxy-server', 'swift-object-server', 'memcached'].every((bin) =>
    (process.env.PATH ?? '').split(path.delimiter).some((d) => d && existsSync(path.join(d, bin))),
  );
}

export async function startSwift(options: { portBase?: number } = {}): Promise<SwiftServer> {
  await stopAbandonedRuns();
  const portBase = options.portBase ?? (await freePortBase());
  const dir = await mkdtemp(path.join(os.tmpdir(), DIR_PREFIX));
  await chmod(dir, 0o755); // the workers run as 'swift' and must reach $DIR/node
  await writeFile(path.join(dir, OWNER_FILE), String(process.pid));
  try {
    await run('bash', [path.join(SCRIPTS, 'swift-up.sh')], { env: { ...process.env, DIR: dir, SWIFT_PORT_BASE: String(portBase) } });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    await rm(dir, { recursive: true, force: true });
    throw new Error(`scripts/swift-up.sh failed (ports ${portBase}-${portBase + 4}):\n${err.stderr || err.stdout || err.message}`, { cause: e });
  }
  const endpoint = (await readFile(path.join(dir, 'run', 'endpoint'), 'utf8')).trim();
  return { endpoint, dir, portBase, stop: () => stopSwift(dir) };
}

export async function stopSwift(dir: string): Promise<void> {
  await run('bash', [path.join(SCRIPTS, 'swift-down.sh')], { env: { ...process.env, DIR: dir } });
  await rm(dir, { recursive: true, force: true });
}

/** servers left by a test run whose process is gone (killed before its teardown) */
async function stopAbandonedRuns(): Promise<void> {
  const tmp = os.tmpdir();
  for (const name of await readdir(tmp)) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = path.join(tmp, name);
    const owner = Number(await readFile(path.join(dir, OWNER_FILE), 'utf8').catch(() => 'NaN'));
    if (Number.isInteger(owner) && processAlive(owner)) continue;
    await stopSwift(dir).catch(() => {});
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** a base port with the 5 ports from it free on 127.0.0.1 (proxy, object, container, account, memcached) */
async function freePortBase(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const base = 20_000 + 5 * Math.floor(Math.random() * 2_000);
    const free = await Promise.all([0, 1, 2, 3, 4].map((i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no 5 consecutive free ports found between 20000 and 30000 on 127.0.0.1');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** an S3 client for the test server, configured like the store's own */
export function swiftClient(endpoint: string, options: { maxAttempts?: number; retryBaseDelayMs?: number } = {}): S3Client {
  return createS3Client({ endpoint, credentials: SWIFT_CREDENTIALS, ...options });
}

let bucketCount = 0;

/** a fresh bucket named after the suite, e.g. `s3-store-1a2b3c-1` */
export async function createTestBucket(client: S3Client, label: string): Promise<string> {
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 30);
  const bucket = `${slug}-${process.pid.toString(36)}-${Date.now().toString(36)}-${++bucketCount}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

export async function deleteTestBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/** the S3 commands a client sends, by name (counted as they are sent, retries included) */
export function countCommands(client: S3Client): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => (args) => {
      counts.set(context.commandName ?? '?', (counts.get(context.commandName ?? '?') ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: `countCommands${Math.random()}` },
  );
  return counts;
}
