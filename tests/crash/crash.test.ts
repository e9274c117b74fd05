import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DuckLake } from '../../functions/lib/adapters/duck-lake.ts';
import { Duck } from '../../functions/lib/adapters/duckdb.ts';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { mulberry32 } from '../../functions/lib/domain/random.ts';
import { memoryLogger } from '../../functions/lib/ports/logger.ts';
import { CountingObjectStore } from '../../functions/lib/ports/counting-store.ts';
import { listKeys, type ObjectStore } from '../../functions/lib/ports/object-store.ts';
import type { StageContext } from '../../functions/lib/stages/context.ts';
import { ingestNoise } from '../../functions/lib/stages/ingest-noise.ts';
import { noiseIndicators } from '../../functions/lib/stages/noise-indicators.ts';
import { refreshSensors } from '../../functions/lib/stages/sensors.ts';
import { HISTORY_BATCHES, noiseBatch, NOW, openStore, OPERATIONS, runOperation, type Operation, type StoreLocation } from '../support/crash-operations.ts';
import { createTestBucket, S3_ENDPOINT_ENV, swiftClient } from '../support/swift.ts';
import { report } from '../support/report.ts';

// Crash safety: a child process runs an ingest, a compaction or the noise indicators and is killed
// (SIGKILL) right after its k-th completed write (PUT or DELETE); then the same operation runs again,
// and the ones after it, and the curated readings and the indicator tables must equal, row by row,
// those of a run that was never killed — nothing lost, nothing counted twice. k is drawn by a seeded
// generator: the seed is printed, and OBSERVATORY_CRASH_SEED=<seed> replays the same kills.

const CHILD = fileURLToPath(new URL('../support/crash-child.ts', import.meta.url));
/**
 * distinct kill points, drawn among every (operation, k) the clean run has (OBSERVATORY_CRASH_KILLS: more,
 * up to all), at least MIN_KILLS_PER_OPERATION of each operation; each runs on the folder lake and on the
 * S3 server (issue 14: at least 20 distinct k on each)
 */
const KILLS = Number(process.env.OBSERVATORY_CRASH_KILLS ?? 20);
const MIN_KILLS_PER_OPERATION = 3;
/** trials at once (children killed and runs again), each with its own engine */
const TRIALS_AT_ONCE = 3;
const SEED = Number(process.env.OBSERVATORY_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const TABLES = ['noise_readings', 'noise_indicators_hourly', 'noise_indicators_daily', 'noise_indicators_commune_daily', 'noise_indicators_monthly', 'noise_indicators_yearly', 'noise_quality_daily'] as const;
type Tables = Record<(typeof TABLES)[number], string[]>;


let duck: Duck;
const temp: string[] = [];
/** the lake before each operation (folders), and the tables after all of them in a clean run */
const before = new Map<Operation, string>();
const writesOf = new Map<Operation, number>();
let clean: Tables;
let kills: { op: Operation; k: number; stores: StoreLabel[] }[];

function context(store: ObjectStore, engine: Duck = duck): StageContext {
  return { store, lake: new DuckLake(engine, store), logger: memoryLogger(), now: () => NOW };
}

/** the folder of the lake before `op` (the clean run made it) */
function lakeBefore(op: Operation): string {
  const dir = before.get(op);
  if (!dir) throw new Error(`no lake before ${op}: the clean run did not reach it`);
  return dir;
}

async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `observatory-crash-${label}-`));
  temp.push(dir);
  return dir;
}

/** the datasets compared: only these are attached (on the S3 server, each attached dataset is listed and fetched) */
const COMPARED = DATASETS.filter((d) => (TABLES as readonly string[]).includes(d.name));

/** every row of the readings and the indicator tables, as the views show them, in a stable order */
async function tables(ctx: StageContext): Promise<Tables> {
  await ctx.lake.attach(COMPARED);
  const out = {} as Tables;
  for (const t of TABLES) out[t] = (await ctx.lake.all(`SELECT * FROM ${t} ORDER BY ALL`)).rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
  return out;
}

/** the same objects (bytes, content type, metadata) in another store */
async function copyLake(from: string, to: ObjectStore): Promise<void> {
  const source = new FsObjectStore(from);
  const objects = await listKeys(source, '');
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let o = objects.pop(); o; o = objects.pop()) await to.put(o.key, await source.get(o.key), { contentType: o.contentType, metadata: o.metadata });
    }),
  );
}

function runChild(at: StoreLocation, op: Operation, killAfter: number): Promise<{ signal: NodeJS.Signals | null; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ store: at, operation: op, killAfter })], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

/**
 * KILLS distinct kill points in a seeded order: MIN_KILLS_PER_OPERATION of each operation first, then
 * the next ones of the shuffle; each on both stores
 */
function drawKills(all: readonly { op: Operation; k: number }[], random: () => number): { op: Operation; k: number; stores: StoreLabel[] }[] {
  const shuffled = [...all];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j] ?? shuffled[i], shuffled[i] ?? shuffled[j]] as [{ op: Operation; k: number }, { op: Operation; k: number }];
  }
  const first = OPERATIONS.flatMap((op) => shuffled.filter((x) => x.op === op).slice(0, MIN_KILLS_PER_OPERATION));
  const drawn = [...first, ...shuffled.filter((x) => !first.includes(x))].slice(0, KILLS);
  return drawn.map((x) => ({ ...x, stores: [FOLDER, S3] }));
}

beforeAll(async () => {
  if (COMPARED.length !== TABLES.length) throw new Error(`compared datasets: ${COMPARED.map((d) => d.name).join(', ')}; expected ${TABLES.join(', ')}`);
  report(`crash test seed: ${SEED} (OBSERVATORY_CRASH_SEED=${SEED} replays these kills)`);
  duck = await Duck.open({ threads: 1 });
  // the history: a few batches ingested, the sensors merged and the indicators computed once
  const dir = await tempDir('history');
  const history = context(new FsObjectStore(dir));
  for (let b = 0; b < HISTORY_BATCHES; b++) {
    await ingestNoise(history, { sourceKind: 'noise-fiware', bytes: noiseBatch(b), origin: `batch-${b}.json` });
    await refreshSensors(history);
  }
  await noiseIndicators(history);
  // the clean run, each operation from a copy of the lake before it, counting its writes
  for (const op of OPERATIONS) {
    const copy = await tempDir(op);
    await cp(dir, copy, { recursive: true });
    before.set(op, copy);
    const counting = new CountingObjectStore(new FsObjectStore(dir));
    await runOperation(context(counting), op);
    writesOf.set(op, counting.counters.objects_written + counting.counters.deletes);
  }
  clean = await tables(context(new FsObjectStore(dir)));
  // the kill points: a seeded draw among every write of every operation
  const all = OPERATIONS.flatMap((op) => Array.from({ length: writesOf.get(op) ?? 0 }, (_, i) => ({ op, k: i + 1 })));
  if (all.length < KILLS) throw new Error(`the operations make ${all.length} writes in all: fewer than the ${KILLS} kill points asked for`);
  kills = drawKills(all, mulberry32(SEED));
  report(`writes per operation: ${OPERATIONS.map((op) => `${op} ${writesOf.get(op)}`).join(', ')}; kills: ${kills.map((x) => `${x.op}@${x.k}${x.stores.includes(S3) ? ' (+S3)' : ''}`).join(' ')}`);
}, 300_000);

afterAll(async () => {
  await duck?.close();
  for (const dir of temp) await rm(dir, { recursive: true, force: true });
});

describe('the clean run', () => {
  it('holds every valid reading of the batches once, and indicators for each of their days', () => {
    // independently of the pipeline: the distinct (sensor, interval) pairs the batches send
    const distinct = new Set<string>();
    for (let b = 0; b <= HISTORY_BATCHES; b++) {
      for (const e of JSON.parse(noiseBatch(b).toString()) as { refDevice: string; dateObservedFrom: string; LAeq: number }[]) if (e.LAeq <= 150) distinct.add(`${e.refDevice}|${e.dateObservedFrom}`);
    }
    expect(clean.noise_readings).toHaveLength(distinct.size);
    expect(clean.noise_indicators_daily.length).toBeGreaterThan(0);
    expect(clean.noise_indicators_yearly.length).toBeGreaterThan(0);
    expect(kills.length).toBe(KILLS);
    expect(new Set(kills.map((x) => `${x.op}@${x.k}`)).size).toBe(KILLS);
    // the draw covers the three operations on each store
    for (const [label] of stores) expect(new Set(kills.filter((x) => x.stores.includes(label)).map((x) => x.op)).size, label).toBe(3);
  });
});

type Prepare = (trial: number, op: Operation) => Promise<StoreLocation>;
const FOLDER = 'the folder lake';
const S3 = 'the S3 server (Swift)';
type StoreLabel = typeof FOLDER | typeof S3;
const stores: [StoreLabel, Prepare][] = [
  [
    FOLDER,
    async (trial, op) => {
      const dir = await tempDir(`trial-${trial}`);
      await cp(lakeBefore(op), dir, { recursive: true });
      return { kind: 'fs', dir };
    },
  ],
  [
    S3,
    async (trial, op) => {
      const endpoint = inject('s3Endpoint') ?? process.env[S3_ENDPOINT_ENV];
      if (!endpoint) throw new Error('no S3 test server (see tests/support/global-setup.ts)');
      const client = swiftClient(endpoint);
      const at = { kind: 's3', endpoint, bucket: await createTestBucket(client, `crash-${trial}`), prefix: 'lake' } as const;
      await copyLake(lakeBefore(op), await openStore(at));
      return at;
    },
  ],
];

/** one kill and the run again after it: the tables it ends with, or why the child was not killed */
async function trial(n: number, prepare: Prepare, op: Operation, k: number, engine: Duck): Promise<{ failure?: string; tables?: Tables }> {
  const at = await prepare(n, op);
  const child = await runChild(at, op, k);
  if (child.signal !== 'SIGKILL') return { failure: `not killed (exit ${child.code}, signal ${child.signal}): ${child.stderr.slice(-2000)}` };
  // run again: the operation killed, then the ones after it
  const ctx = context(await openStore(at), engine);
  for (const next of OPERATIONS.slice(OPERATIONS.indexOf(op))) await runOperation(ctx, next);
  return { tables: await tables(ctx) };
}

describe('killed after the k-th write, on the folder lake and on the S3 server (Swift)', () => {
  it('a run again after each kill ends with the clean run’s readings and indicators, row by row', async () => {
    const queue = stores.flatMap(([label, prepare]) => kills.filter((x) => x.stores.includes(label)).map(({ op, k }) => ({ label, prepare, op, k })));
    const results: { label: string; op: Operation; k: number; failure?: string; tables?: Tables }[] = [];
    let n = 0;
    await Promise.all(
      Array.from({ length: TRIALS_AT_ONCE }, async () => {
        const engine = await Duck.open({ threads: 1 });
        try {
          for (let next = queue.shift(); next; next = queue.shift()) results.push({ ...next, ...(await trial(n++, next.prepare, next.op, next.k, engine)) });
        } finally {
          await engine.close();
        }
      }),
    );
    expect(results).toHaveLength(kills.reduce((n, x) => n + x.stores.length, 0));
    for (const r of results) {
      const where = `${r.label}: ${r.op} killed after write ${r.k} (seed ${SEED})`;
      expect(r.failure, where).toBeUndefined();
      for (const t of TABLES) expect(r.tables?.[t], `${t}, ${where}`).toEqual(clean[t]);
    }
  }, 900_000);
});
