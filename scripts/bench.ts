// `npm run bench`: throughput figures side by side, with ratios. Prints a table on stdout.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Duck, sqlPath, PARQUET_OPTIONS } from '../functions/lib/adapters/duckdb.ts';
import { DuckLake } from '../functions/lib/adapters/duck-lake.ts';
import { FsObjectStore } from '../functions/lib/adapters/fs-store.ts';
import { silentLogger } from '../functions/lib/ports/logger.ts';
import type { StageContext } from '../functions/lib/stages/context.ts';
import { ingestNoise } from '../functions/lib/stages/ingest-noise.ts';
import { NoiseIngestPool } from '../functions/local/ingest-workers/pool.ts';
import { ShardReaders } from '../functions/local/ingest-workers/shard-readers.ts';
import { median } from '../functions/lib/publish/sql.ts';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

const figures: Figure[] = [];
const record = (f: Figure) => {
  figures.push(f);
  process.stderr.write(`${f.name}: ${f.value.toFixed(f.value < 10 ? 2 : 0)} ${f.unit}${f.note ? ` (${f.note})` : ''}\n`);
};

/** a batch of NGSI-v2 keyValues NoiseLevelObserved entities, as sensors push them */
export function ngsiBatch(n: number, offset = 0): string {
  const entities = [];
  for (let i = 0; i < n; i++) {
    const sensor = (offset + i) % 200;
    const t = Date.UTC(2025, 5, 2) + Math.floor((offset + i) / 200) * 60_000;
    entities.push({
      id: `urn:ngsi-ld:NoiseLevelObserved:s${sensor}-${t}`,
      type: 'NoiseLevelObserved',
      refDevice: `urn:ngsi-ld:Device:s${sensor}`,
      dateObservedFrom: new Date(t).toISOString(),
      dateObservedTo: new Date(t + 60_000).toISOString(),
      location: { type: 'Point', coordinates: [2.25 + (sensor % 20) * 0.01, 48.82 + Math.floor(sensor / 20) * 0.008] },
      LAeq: 40 + ((offset + i) % 400) / 10,
      LAmax: 70.5,
      LAS: 55.25,
    });
  }
  return JSON.stringify(entities);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, (performance.now() - t) / 1000];
}

/**
 * Ours against DuckDB on the same NGSI payloads. The three measurements alternate within each round,
 * so that whatever else the machine does weighs on all of them alike; the ratios are the medians of
 * the per-round ratios, the rates the medians of the rounds.
 */
async function benchIngest(parent: string, label: string, entities: number, batches: number, rounds: number) {
  const dir = path.join(parent, label.replace(/\W+/g, '-'));
  await mkdir(dir, { recursive: true });
  const duck = await Duck.open();
  const now = () => new Date('2025-06-10T00:00:00Z');
  const payloads = Array.from({ length: batches }, (_, b) => Buffer.from(ngsiBatch(entities, b * entities)));
  const records = entities * batches;
  // a warm-up batch for each fresh lake and worker (JIT-compiled code, DuckDB), the same for both of ours
  const warm = Buffer.from(ngsiBatch(Math.min(entities, 20_000), 10_000_000));
  const workers = os.availableParallelism();
  const files: string[] = [];
  for (const [b, p] of payloads.entries()) {
    const f = path.join(dir, `p${b}.json`);
    await writeFile(f, p);
    files.push(f);
  }

  // one stream: each batch ingested after the other, in this process (a fresh lake per round); a
  // batch's array is read in parts, here and on the shard readers' threads (one per other core)
  const single = async (round: number) => {
    const ctx: StageContext = { store: new FsObjectStore(path.join(dir, `lake-single-${round}`)), lake: new DuckLake(duck, new FsObjectStore(path.join(dir, `lake-single-${round}`))), logger: silentLogger, now, noiseShards: readers };
    await ingestNoise(ctx, { sourceKind: 'noise-fiware', bytes: warm, origin: 'warm.json' }); // module JIT, DuckDB
    const [, seconds] = await timed(async () => {
      for (const [b, p] of payloads.entries()) await ingestNoise(ctx, { sourceKind: 'noise-fiware', bytes: p, origin: `b${b}.json` });
    });
    return seconds;
  };
  // the batches side by side in worker threads, one per core (`observatory ingest --jobs`)
  const parallel = async (round: number) => {
    const pool = await NoiseIngestPool.open({ lakeDir: path.join(dir, `lake-workers-${round}`), workers, now });
    try {
      await Promise.all(Array.from({ length: workers }, (_, w) => pool.ingest({ sourceKind: 'noise-fiware', bytes: warm, origin: `warm${w}.json` })));
      const [, seconds] = await timed(() => Promise.all(payloads.map((p, b) => pool.ingest({ sourceKind: 'noise-fiware', bytes: p, origin: `b${b}.json` }))));
      return seconds;
    } finally {
      await pool.close();
    }
  };
  // DuckDB's own read_json → Parquet on the same payloads, with all its threads
  const theirs = async () => {
    const [, seconds] = await timed(async () => {
      for (const [b, f] of files.entries()) {
        await duck.run(
          `COPY (SELECT refDevice AS sensor_id, dateObservedFrom::TIMESTAMPTZ AS ts_from, dateObservedTo::TIMESTAMPTZ AS ts_to, LAeq AS laeq, LAmax AS lamax, LAS AS las FROM read_json('${sqlPath(f)}')) TO '${sqlPath(path.join(dir, `duck${b}.parquet`))}' (${PARQUET_OPTIONS})`,
        );
      }
    });
    return seconds;
  };

  const readers = await ShardReaders.open();
  const threads = readers.count + 1; // (read before they are closed)
  const runs: { single: number; parallel: number; duck: number }[] = [];
  try {
    for (let round = 0; round < rounds; round++) runs.push({ duck: await theirs(), single: await single(round), parallel: await parallel(round) });
  } finally {
    await readers.close();
  }
  const note = `${batches} batches × ${entities}, median of ${rounds} rounds`;
  const rate = (pick: (r: (typeof runs)[number]) => number) => median(runs.map((r) => records / pick(r)))!;
  const ratio = (pick: (r: (typeof runs)[number]) => number) => runs.map((r) => r.duck / pick(r));
  const spread = (xs: number[]) => `rounds: ${xs.map((x) => x.toFixed(2)).join(' ')}`;
  const bytes = `${(payloads[0]!.length / 2 ** 20).toFixed(1)} MiB each`;
  record({ name: `${label}: ingest+curate NGSI keyValues, one stream (ours, each array read on ${threads} threads)`, value: rate((r) => r.single), unit: 'records/s', note: `${note}, ${bytes}` });
  record({ name: `${label}: ingest+curate NGSI keyValues, ${workers} worker threads (ours)`, value: rate((r) => r.parallel), unit: 'records/s', note });
  record({ name: `${label}: DuckDB read_json → Parquet (same payloads, ${workers} threads)`, value: rate((r) => r.duck), unit: 'records/s', note });
  record({ name: `${label}: ratio ours / DuckDB, one stream`, value: median(ratio((r) => r.single))!, unit: '×', note: `target ≥ 0.5; ${spread(ratio((r) => r.single))}` });
  record({ name: `${label}: ratio ours / DuckDB, ${workers} worker threads`, value: median(ratio((r) => r.parallel))!, unit: '×', note: `target ≥ 0.5; ${spread(ratio((r) => r.parallel))}` });
  await duck.close();
}

/** a lake of `sensors` × `days` of 1-minute readings, written straight as curated Parquet */
async function syntheticReadings(ctx: StageContext, sensorCount: number, days: number): Promise<number> {
  const dir = ctx.lake.scratch('readings');
  const start = Date.UTC(2025, 2, 24); // spans the 2025-03-30 DST change
  await ctx.lake.run(`COPY (
    SELECT 's' || s AS sensor_id, CASE WHEN s % 7 = 0 THEN NULL ELSE '75056' END AS commune_insee,
      make_timestamptz((${start} + m * 60000) * 1000) AS ts_from, make_timestamptz((${start} + m * 60000 + 60000) * 1000) AS ts_to,
      45 + 15 * sin(m / 229.0) + (hash(s, m) % 100) / 20.0 AS laeq, NULL::DOUBLE AS lamax, NULL::DOUBLE AS las,
      'noise-fiware' AS source_kind, 'raw/bench' AS raw_key, m::INTEGER AS record, make_timestamptz(${start} * 1000) AS received_at,
      strftime(timezone('Europe/Paris', make_timestamptz((${start} + m * 60000) * 1000)), '%Y-%m-%d') AS dt
    FROM range(${sensorCount}) t(s), range(${days * 1440}) u(m)
  ) TO '${sqlPath(dir)}' (${PARQUET_OPTIONS}, PARTITION_BY (dt))`);
  const { readdir, readFile } = await import('node:fs/promises');
  for (const part of await readdir(dir)) {
    for (const f of await readdir(path.join(dir, part))) {
      await ctx.store.put(`curated/noise_readings/${part}/${f}`, await readFile(path.join(dir, part, f)));
    }
  }
  return sensorCount * days * 1440;
}

async function benchIndicators(dir: string, sensorCount: number, days: number) {
  const duck = await Duck.open();
  const ctx: StageContext = { store: new FsObjectStore(path.join(dir, 'indicators-lake')), lake: new DuckLake(duck, new FsObjectStore(path.join(dir, 'indicators-lake'))), logger: silentLogger, now: () => new Date('2025-06-10T00:00:00Z') };
  const readings = await syntheticReadings(ctx, sensorCount, days);
  const { noiseIndicators } = await import('../functions/lib/stages/noise-indicators.ts');
  const [, seconds] = await timed(() => noiseIndicators(ctx, { full: true }));
  record({ name: 'noise indicators (hourly, daily ×2 conventions, commune, yearly)', value: readings / seconds, unit: 'readings/s', note: `${(readings / 1e6).toFixed(1)} M readings in ${seconds.toFixed(1)} s` });
  await duck.close();
}

async function benchPush(dir: string, requests: number, perRequest: number, concurrency: number) {
  const duck = await Duck.open();
  const store = new FsObjectStore(path.join(dir, 'push-lake'));
  const ctx: StageContext = { store, lake: new DuckLake(duck, store), logger: silentLogger, now: () => new Date('2025-06-10T00:00:00Z') };
  const { serveSite, PUSH_PATH } = await import('../functions/local/site-server.ts');
  const { keyHash } = await import('../functions/lib/push/networks.ts');
  const key = 'bench-key-0123456789abcdef';
  const server = await serveSite(store, { port: 0, push: { ctx, networks: [{ network: 'bench', key_sha256: keyHash(key) }] } });
  const url = server.url.replace(/\/$/, '') + PUSH_PATH;
  const bodies = Array.from({ length: requests }, (_, i) => ngsiBatch(perRequest, i * perRequest));
  let next = 0;
  let accepted = 0;
  const [, seconds] = await timed(() =>
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < requests) {
          const body = bodies[next++]!;
          const r = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-api-key': key } });
          accepted += ((await r.json()) as { accepted: number }).accepted;
        }
      }),
    ),
  );
  await server.close();
  record({ name: 'push endpoint (loopback)', value: requests / seconds, unit: 'requests/s', note: `${perRequest} entities each, ${concurrency} concurrent, ${accepted}/${requests * perRequest} accepted` });
  await duck.close();
}

/**
 * The readers of one file, at several sizes: records/s at each and the cost per record of the largest
 * against the smallest (≈ 1 when the time grows linearly with the input; a quadratic step doubles it
 * with each doubling). Replaces the tests that timed one size against a bound in seconds.
 */
async function benchParsers(sizes: number[]) {
  const { parseFiware } = await import('../functions/lib/domain/noise/fiware.ts');
  const { parseNoiseCsv } = await import('../functions/lib/domain/noise/csv.ts');
  const start = Date.UTC(2025, 5, 1);
  const csv = (n: number) =>
    `datetime;LAeq\n${Array.from({ length: n }, (_, i) => `${new Date(start + i * 1000).toISOString().slice(0, 19).replace('T', ' ')};${(50 + (i % 20) / 10).toFixed(1).replace('.', ',')}`).join('\n')}\n`;
  const readers = [
    { name: 'parseFiware (NGSI-v2 keyValues array)', text: (n: number) => ngsiBatch(n), read: (t: string) => parseFiware(t).observations.length },
    { name: 'parseNoiseCsv (semicolon, decimal comma)', text: csv, read: (t: string) => parseNoiseCsv(t, { sensorId: 'bench', tz: 'UTC' }).observations.length },
  ];
  for (const r of readers) {
    const perRecord: number[] = [];
    for (const n of sizes) {
      const text = r.text(n);
      r.read(r.text(Math.min(n, 5_000))); // JIT
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const [read, seconds] = await timed(() => Promise.resolve(r.read(text)));
        if (read !== n) throw new Error(`${r.name}: ${read} observations from ${n} records`);
        times.push(seconds);
      }
      const seconds = median(times)!;
      perRecord.push(seconds / n);
      record({ name: `${r.name}, ${n} records`, value: n / seconds, unit: 'records/s', note: `${seconds.toFixed(3)} s, median of 3` });
    }
    record({ name: `${r.name}: time per record, ${sizes.at(-1)} / ${sizes[0]} records`, value: perRecord.at(-1)! / perRecord[0]!, unit: '×', note: 'linear time: ≈ 1 (a quadratic step: ×' + sizes.at(-1)! / sizes[0]! + ')' });
  }
}

/** the entries, in the order they run: each records its figures, or returns them */
function entries(dir: string): [string, () => Promise<Figure[] | void>][] {
  return [
    [
      'ingest',
      async () => {
        const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
        // what sensors push: batches up to the push endpoint's 1 MiB limit (3 000 entities ≈ 1 MiB)
        await benchIngest(dir, 'push-sized batches', 3_000, 60, rounds);
        // file dumps (BENCH_ENTITIES × BENCH_BATCHES)
        await benchIngest(dir, 'large batches', Number(process.env.BENCH_ENTITIES ?? 50_000), Number(process.env.BENCH_BATCHES ?? 6), rounds);
      },
    ],
    ['indicators', () => benchIndicators(dir, Number(process.env.BENCH_SENSORS ?? 200), Number(process.env.BENCH_DAYS ?? 14))],
    ['push', () => benchPush(dir, Number(process.env.BENCH_REQUESTS ?? 400), 50, 8)],
    ['climate', async () => (await import('./bench-climate.ts')).benchClimate()],
    ['site', async () => (await import('./bench-site.ts')).benchSite()],
    ['scale', async () => (await import('./bench-scale.ts')).benchScale()],
    ['backfill', async () => (await import('./bench-backfill.ts')).benchBackfill()],
    ['parsers', () => benchParsers((process.env.BENCH_PARSER_SIZES ?? '25000,50000,100000,200000').split(',').map(Number))],
    ['cli', async () => (await import('./bench-cli.ts')).benchCli(ngsiBatch)],
    ['models', async () => (await import('./bench-models.ts')).benchModels()],
  ];
}

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'observatory-bench-'));
  try {
    // BENCH_ONLY=ingest,push… runs some of them
    const only = process.env.BENCH_ONLY?.split(',').map((x) => x.trim());
    for (const [name, run] of entries(dir)) {
      if (only && !only.includes(name)) continue;
      for (const f of (await run()) ?? []) record(f);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(figures.map((f) => `${f.name}\t${f.value}\t${f.unit}\t${f.note ?? ''}`).join('\n') + '\n');
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
