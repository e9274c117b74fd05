// `npm run bench` entry `scale` (issue 14): what the hourly run costs after 7, 90 and 365 days of
// history, on the folder lake and on the S3 server (Swift) behind a proxy that adds ~20 ms per request.
//
// Each lake holds a network of BENCH_SCALE_SENSORS sensors at 15-minute resolution, ingested through
// the real ingest in daily files and kept up by the hourly cadence (the S3 lakes are copies of the
// folder lakes, object for object). Then, round after round, each lake
// gets one new hour of 1-minute readings and `observatory run --schedule hourly` runs as a whole
// process; the lakes alternate within a round, and the figures are medians of BENCH_SCALE_ROUNDS.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CHANGE_OVERLAP_MS, DuckLake } from '../functions/lib/adapters/duck-lake.ts';
import { Duck } from '../functions/lib/adapters/duckdb.ts';
import { FsObjectStore } from '../functions/lib/adapters/fs-store.ts';
import { S3ObjectStore } from '../functions/lib/adapters/s3-store.ts';
import { COUNTER_NAMES, type StoreCounters } from '../functions/lib/ports/counting-store.ts';
import { silentLogger } from '../functions/lib/ports/logger.ts';
import { listKeys, type ObjectStore } from '../functions/lib/ports/object-store.ts';
import type { StageContext } from '../functions/lib/stages/context.ts';
import { ingestFile } from '../functions/lib/stages/ingest-service.ts';
import { noiseIndicators } from '../functions/lib/stages/noise-indicators.ts';
import { runPipeline } from '../functions/lib/stages/pipeline.ts';
import { median } from '../functions/lib/publish/sql.ts';
import { defined } from '../tests/support/defined.ts';
import { createTestBucket, startSwift, SWIFT_CREDENTIALS, swiftClient, swiftInstalled } from '../tests/support/swift.ts';
import type { Figure } from './bench.ts';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const BIN = path.join(REPO, 'bin', 'observatory.cjs');
export const LAST_DAY = '2026-11-30';
/** the new hours, one per round, on the day after the history (UTC) */
const newHour = (round: number) => new Date(Date.parse(`${LAST_DAY}T23:00:00Z`) + (round + 1) * 3_600_000);

interface Subject {
  readonly label: string;
  readonly days: number;
  readonly ctx: StageContext;
  /** the --lake argument and the environment of the measured process */
  readonly lakeArg: string;
  readonly env: NodeJS.ProcessEnv;
}

/** a FIWARE keyValues array: each sensor, `count` readings of `seconds` each from `start` */
export function batch(sensors: number, start: Date, count: number, seconds: number): Buffer {
  const entities: object[] = [];
  for (let s = 0; s < sensors; s++) {
    for (let i = 0; i < count; i++) {
      const from = new Date(start.getTime() + i * seconds * 1000);
      entities.push({
        id: `urn:ngsi-ld:NoiseLevelObserved:sc-${s}-${from.getTime()}`,
        type: 'NoiseLevelObserved',
        refDevice: `sc-${s}`,
        location: { type: 'Point', coordinates: [2.25 + (s % 20) * 0.012, 48.8 + Math.floor(s / 20) * 0.007] },
        dateObservedFrom: from.toISOString(),
        dateObservedTo: new Date(from.getTime() + seconds * 1000).toISOString(),
        LAeq: 45 + (s % 15) + ((i * 7) % 11) / 2,
      });
    }
  }
  return Buffer.from(JSON.stringify(entities));
}

/** ingests `days` days of history ending on LAST_DAY, one file a day, keeping up with the hourly cadence every 30 days */
export async function buildHistory(ctx: StageContext, sensors: number, days: number): Promise<number> {
  const end = Date.parse(`${LAST_DAY}T00:00:00+01:00`);
  let readings = 0;
  const started = performance.now();
  for (let i = days - 1; i >= 0; i--) {
    const start = new Date(end - i * 86_400_000);
    await ingestFile(ctx, { sourceKind: 'noise-fiware', bytes: batch(sensors, start, 96, 900), origin: `day-${i}.json` });
    readings += sensors * 96;
    if (i % 30 === 0) {
      await runPipeline(ctx, { cadence: 'hourly' });
      process.stderr.write(`scale: ${days - i}/${days} days ingested, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    }
  }
  await runPipeline(ctx, { cadence: 'hourly' });
  return readings;
}

/**
 * the S3 lake of a history: the folder lake's objects (built through the real ingest) put into the
 * bucket with their content type and metadata, so both stores hold the same lake
 */
async function copyLake(from: ObjectStore, to: ObjectStore): Promise<number> {
  const objects = await listKeys(from, '');
  for (let i = 0; i < objects.length; i += 32) {
    await Promise.all(
      objects.slice(i, i + 32).map(async (o) => {
        const info = await from.head(o.key);
        await to.put(o.key, await from.get(o.key), { contentType: info?.contentType, metadata: info?.metadata });
      }),
    );
  }
  return objects.length;
}

/** a proxy in front of the S3 server that holds each request ~`delayMs` before forwarding it */
async function latencyProxy(target: string, delayMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    setTimeout(() => {
      const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', (e) => res.destroy(e));
      req.pipe(forward);
    }, delayMs);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** `observatory run --schedule hourly` as a whole process: its wall time and the stages' counters, summed */
async function hourlyProcess(subject: Subject): Promise<{ seconds: number; counters: StoreCounters }> {
  const started = performance.now();
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--quiet', '--lake', subject.lakeArg, 'run', '--schedule', 'hourly', '--format', 'json'], { env: subject.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`run --schedule hourly on ${subject.label} exited ${code}: ${stderr.slice(-2000)}`))));
  });
  const seconds = (performance.now() - started) / 1000;
  const stages = (JSON.parse(out.trim().split('\n').pop() ?? '') as { stages: StoreCounters[] }).stages;
  const counters = Object.fromEntries(COUNTER_NAMES.map((c) => [c, stages.reduce((n, s) => n + s[c], 0)])) as unknown as StoreCounters;
  return { seconds, counters };
}

/**
 * Waits until the change-log window of the last build write has passed, then runs one hour through
 * every lake, not measured. A lake built in minutes holds its whole history's change records within
 * CHANGE_OVERLAP_MS of its last run, which the next run lists again; in operation that window holds
 * the last 15 minutes' ingests whatever the history. After the wait and this round, every lake's window
 * holds the rounds' records only, as in operation (and the S3 copies' first compaction, which checks
 * every partition once because the copy gave each object a new modification time, is behind them).
 */
async function settle(subjects: readonly Subject[], sensors: number, builtAt: number): Promise<void> {
  const windowMs = Number(process.env.BENCH_SCALE_SETTLE_S ?? (CHANGE_OVERLAP_MS + 10_000) / 1000) * 1000;
  const waitMs = Math.max(0, builtAt + windowMs - Date.now());
  process.stderr.write(`scale: waiting ${(waitMs / 1000).toFixed(0)} s for the build's change records to leave the ${CHANGE_OVERLAP_MS / 60_000}-minute window, then a round not measured\n`);
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  for (const s of subjects) {
    await ingestFile(s.ctx, { sourceKind: 'noise-fiware', bytes: batch(sensors, newHour(0), 60, 60), origin: 'settling-hour.json' });
    await hourlyProcess(s);
  }
}

async function measure(subjects: readonly Subject[], sensors: number, rounds: number, record: (f: Figure) => void): Promise<void> {
  const runs = subjects.map(() => [] as { seconds: number; counters: StoreCounters }[]);
  for (let round = 1; round <= rounds; round++) {
    for (const [i, s] of subjects.entries()) {
      await ingestFile(s.ctx, { sourceKind: 'noise-fiware', bytes: batch(sensors, newHour(round), 60, 60), origin: `new-hour-${round}.json` });
      const run = await hourlyProcess(s);
      runs[i]?.push(run);
      process.stderr.write(`scale: round ${round}, ${s.days} days (${s.label}): ${run.seconds.toFixed(1)} s, ${COUNTER_NAMES.map((c) => `${c} ${run.counters[c]}`).join(', ')}\n`);
    }
  }
  const medianSeconds = (i: number) => defined(median((runs[i] ?? []).map((x) => x.seconds)), `a run of ${subjects[i]?.label ?? i}`);
  for (const [i, s] of subjects.entries()) {
    // the reference: the shortest history on the same store
    const reference = subjects.reduce((best, t, j) => (t.label === s.label && t.days < (subjects[best]?.days ?? Infinity) ? j : best), i);
    const seconds = medianSeconds(i);
    const ratio = seconds / medianSeconds(reference);
    const counters = COUNTER_NAMES.map((c) => `${c} ${median((runs[i] ?? []).map((x) => x.counters[c])) ?? '?'}`).join(', ');
    record({ name: `scale: hourly run after ${s.days} days (${s.label})`, value: seconds, unit: 's', note: `${ratio.toFixed(2)}× the ${subjects[reference]?.days ?? '?'}-day lake; ${counters}` });
  }
}

export async function benchScale(): Promise<Figure[]> {
  const figures: Figure[] = [];
  const record = (f: Figure) => {
    figures.push(f);
    process.stderr.write(`${f.name}: ${f.value.toFixed(2)} ${f.unit}${f.note ? ` (${f.note})` : ''}\n`);
  };
  const sensors = Number(process.env.BENCH_SCALE_SENSORS ?? 300);
  const histories = (process.env.BENCH_SCALE_DAYS ?? '7,90,365').split(',').map(Number);
  const rounds = Number(process.env.BENCH_SCALE_ROUNDS ?? 5);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'observatory-bench-scale-'));
  const duck = await Duck.open();
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const subjects: Subject[] = [];
    /** when the last folder lake was built: its change records are dated up to then */
    let builtAt = Date.now();
    const open = (store: ObjectStore): StageContext => ({ store, lake: new DuckLake(duck, store), logger: silentLogger, now: () => new Date(`${LAST_DAY}T23:30:00Z`) });
    for (const days of histories) {
      const lakeDir = path.join(dir, `fs-${days}`);
      const ctx = open(new FsObjectStore(lakeDir));
      const t = performance.now();
      const readings = await buildHistory(ctx, sensors, days);
      builtAt = Date.now();
      process.stderr.write(`scale: folder lake with ${days} days (${readings} readings) built in ${((performance.now() - t) / 1000).toFixed(0)} s\n`);
      subjects.push({ label: 'folder lake', days, ctx, lakeArg: lakeDir, env: process.env });
    }
    if (swiftInstalled() && process.env.BENCH_SCALE_S3 !== '0') {
      const swift = await startSwift();
      cleanups.push(() => swift.stop());
      const proxy = await latencyProxy(swift.endpoint, Number(process.env.BENCH_SCALE_LATENCY_MS ?? 20));
      cleanups.push(() => proxy.close());
      const client = swiftClient(swift.endpoint);
      for (const days of histories) {
        const bucket = await createTestBucket(client, `scale-${days}`);
        const ctx = open(new S3ObjectStore({ client, bucket, prefix: 'lake/' }));
        const t = performance.now();
        const folder = defined(subjects.find((s) => s.label === 'folder lake' && s.days === days), `a folder lake of ${days} days`);
        const copied = await copyLake(folder.ctx.store, ctx.store);
        process.stderr.write(`scale: S3 lake with ${days} days (${copied} objects of the folder lake) copied in ${((performance.now() - t) / 1000).toFixed(0)} s\n`);
        subjects.push({
          label: 'S3 server +20 ms/request',
          days,
          ctx,
          lakeArg: `s3://${bucket}/lake`,
          env: { ...process.env, AWS_ENDPOINT_URL_S3: proxy.url, AWS_ACCESS_KEY_ID: SWIFT_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: SWIFT_CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1' },
        });
      }
    } else {
      process.stderr.write('scale: the S3 server (Swift) is not installed here (scripts/install-swift.sh): folder lake only\n');
    }
    await settle(subjects, sensors, builtAt);
    await measure(subjects, sensors, rounds, record);

    // the registry's cadences for 500 sensors, from the counts scripts/cost.ts measured (the AWS cost table's)
    const { monthlyS3Requests, readCounts } = await import('./cost.ts');
    const monthly = monthlyS3Requests(await readCounts());
    const total = monthly.put + monthly.get + monthly.list + monthly.delete;
    record({ name: 'scale: projected S3 requests a month, 500 sensors', value: total, unit: 'requests', note: `PUT ${Math.round(monthly.put)}, GET ${Math.round(monthly.get)}, LIST ${Math.round(monthly.list)}, DELETE ${Math.round(monthly.delete)} (scripts/cost-counts.json)` });

    // a backfill through the noise indicators: every day of the longest folder lake recomputed
    const longest = defined(subjects.filter((s) => s.label === 'folder lake').sort((a, b) => b.days - a.days)[0], 'a folder lake');
    const threads = Number((await duck.all("SELECT current_setting('threads') AS t")).rows[0]?.['t'] ?? 1);
    const full = await noiseIndicators(longest.ctx, { full: true });
    record({ name: 'scale: backfill through the noise indicators', value: full.readings / full.seconds / threads, unit: 'readings/s per DuckDB thread', note: `${full.readings} readings of ${longest.days} days in ${full.seconds.toFixed(1)} s on ${threads} threads` });
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await duck.close();
    await rm(dir, { recursive: true, force: true });
  }
  return figures;
}
