import type { Worker } from 'node:worker_threads';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { S3ObjectStore } from '../../functions/lib/adapters/s3-store.ts';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { listKeys, type ObjectStore } from '../../functions/lib/ports/object-store.ts';
import { compactDataset } from '../../functions/lib/stages/compact.ts';
import { ingestNoise, type IngestSummary } from '../../functions/lib/stages/ingest-noise.ts';
import { NoiseIngestPool } from '../../functions/local/ingest-workers/pool.ts';
import { tempLake } from '../support/lake.ts';
import { createTestBucket, S3_ENDPOINT_ENV, swiftClient } from '../support/swift.ts';

// Two ingests of overlapping data, and ingests during compactions, must never lose or duplicate a
// curated reading — on the filesystem store and on a real S3 server (Swift).

const reading = (sensor: string, minute: number, laeq = 55) => ({
  type: 'NoiseLevelObserved',
  refDevice: sensor,
  dateObservedFrom: new Date(Date.UTC(2025, 5, 2, 6) + minute * 60_000).toISOString(),
  dateObservedTo: new Date(Date.UTC(2025, 5, 2, 6) + (minute + 1) * 60_000).toISOString(),
  location: { type: 'Point', coordinates: [2.3522, 48.8566] },
  LAeq: laeq,
});

const stores: [string, () => Promise<ObjectStore>][] = [
  ['filesystem', async () => new FsObjectStore(await mkdtemp(path.join(os.tmpdir(), 'observatory-conc-')))],
  [
    'S3 (Swift)',
    async () => {
      const endpoint = inject('s3Endpoint') ?? process.env[S3_ENDPOINT_ENV];
      if (!endpoint) throw new Error('no S3 test server (see tests/support/global-setup.ts)');
      const client = swiftClient(endpoint);
      return new S3ObjectStore({ client, bucket: await createTestBucket(client, 'concurrency'), prefix: 'lake' });
    },
  ],
];

describe.each(stores)('concurrent ingests and compactions on the %s store', (_name, makeStore) => {
  let lake: Awaited<ReturnType<typeof tempLake>>;
  beforeAll(async () => {
    lake = await tempLake({ now: new Date('2025-06-03T00:00:00Z'), store: await makeStore() });
  });
  afterAll(async () => lake.cleanup());

  async function counts() {
    await lake.lake.attach(DATASETS);
    const r = await lake.lake.all('SELECT count(*)::INT AS n, count(DISTINCT (sensor_id, ts_from, ts_to))::INT AS d, sum(laeq)::DOUBLE AS s FROM noise_readings');
    return r.rows[0] as { n: number; d: number; s: number };
  }

  it('keeps every distinct reading exactly once, with the latest value of a re-sent one', async () => {
    const batches = 16;
    const ingest = (i: number) => async () => {
      // each batch overlaps the previous one by 10 readings, re-sent with a corrected value
      const entities = Array.from({ length: 30 }, (_, k) => reading(`s${k % 3}`, i * 20 + k, k < 10 ? 50 + i : 60));
      await ingestNoise({ ...lake, now: () => new Date(Date.UTC(2025, 5, 3, 0, 0, i)) }, { sourceKind: 'noise-fiware', bytes: Buffer.from(JSON.stringify(entities)), origin: `c${i}.json` });
    };
    const jobs: (() => Promise<unknown>)[] = [];
    for (let i = 0; i < batches; i++) {
      jobs.push(ingest(i));
      if (i % 4 === 3) jobs.push(() => compactDataset(lake));
    }
    await Promise.all(jobs.map((job) => job()));
    const expected = new Map<string, number>();
    for (let i = 0; i < batches; i++) for (let k = 0; k < 30; k++) expected.set(`s${k % 3}|${i * 20 + k}`, k < 10 ? 50 + i : 60);
    const sum = [...expected.values()].reduce((a, b) => a + b, 0);
    expect(await counts()).toEqual({ n: expected.size, d: expected.size, s: sum });
    await compactDataset(lake);
    expect(await counts()).toEqual({ n: expected.size, d: expected.size, s: sum });
    expect(await listKeys(lake.store, 'curated/noise_readings/')).toHaveLength(1);
  });

  it('re-ingesting every file after compaction changes nothing', async () => {
    const before = await counts();
    for (let i = 0; i < 4; i++) {
      const entities = Array.from({ length: 30 }, (_, k) => reading(`s${k % 3}`, i * 20 + k, k < 10 ? 50 + i : 60));
      const s = await ingestNoise(lake, { sourceKind: 'noise-fiware', bytes: Buffer.from(JSON.stringify(entities)), origin: `again${i}.json` });
      expect(s.newRaw).toBe(false);
    }
    expect(await counts()).toEqual(before);
  });
});

describe('ingests in worker threads (the CLI’s --jobs), with compactions in the main thread', () => {
  let lake: Awaited<ReturnType<typeof tempLake>>;
  let pool: NoiseIngestPool;
  beforeAll(async () => {
    lake = await tempLake({ now: new Date('2025-06-03T00:00:00Z') });
    let second = 0;
    pool = await NoiseIngestPool.open({ lakeDir: lake.dir, workers: 2, now: () => new Date(Date.UTC(2025, 5, 10, 0, 0, second++)) });
  });
  afterAll(async () => {
    await pool.close();
    await lake.cleanup();
  });

  it('keeps every distinct reading exactly once, with the latest value of a re-sent one', async () => {
    const batches = 24;
    const jobs: Promise<unknown>[] = [];
    for (let i = 0; i < batches; i++) {
      const entities = Array.from({ length: 300 }, (_, k) => reading(`s${k % 3}`, i * 200 + k, k < 100 ? 50 + i : 60));
      jobs.push(pool.ingest({ sourceKind: 'noise-fiware', bytes: Buffer.from(JSON.stringify(entities)), origin: `w${i}.json` }));
      if (i % 6 === 5) jobs.push(compactDataset(lake));
    }
    const results = await Promise.all(jobs);
    const summaries = results.filter((r): r is IngestSummary => typeof r === 'object' && r !== null && 'curated' in r);
    expect(summaries.map((s) => s.curated)).toEqual(Array(batches).fill(300));
    expect(new Set(summaries.map((s) => s.rawKey)).size).toBe(batches);
    const expected = new Map<string, number>();
    for (let i = 0; i < batches; i++) for (let k = 0; k < 300; k++) expected.set(`s${k % 3}|${i * 200 + k}`, k < 100 ? 50 + i : 60);
    const sum = [...expected.values()].reduce((a, b) => a + b, 0);
    await lake.lake.attach(DATASETS);
    const counts = async () =>
      (await lake.lake.all('SELECT count(*)::INT AS n, count(DISTINCT (sensor_id, ts_from, ts_to))::INT AS d, sum(laeq)::DOUBLE AS s FROM noise_readings')).rows[0];
    expect(await counts()).toEqual({ n: expected.size, d: expected.size, s: sum });
    await compactDataset(lake);
    await lake.lake.attach(DATASETS);
    expect(await counts()).toEqual({ n: expected.size, d: expected.size, s: sum });
  });

  it('fails to open, saying so, when its workers cannot start', async () => {
    await expect(NoiseIngestPool.open({ lakeDir: undefined as unknown as string, workers: 2 })).rejects.toThrow(/ingest worker failed to start/);
  });

  it('when a worker dies: its ingest fails naming the file, and the next ones go to the others (piscina replaces it)', async () => {
    const l = await tempLake({ now: new Date('2025-06-03T00:00:00Z') });
    const p = await NoiseIngestPool.open({ lakeDir: l.dir, workers: 2 });
    try {
      const threads = (p as unknown as { pool: { threads: Worker[] } }).pool.threads;
      const bytes = (k: number) => Buffer.from(JSON.stringify([reading('s1', k), reading('s2', k)]));
      // long enough to be under way when its worker is killed
      const large = Buffer.from(JSON.stringify(Array.from({ length: 20_000 }, (_, k) => reading(`s${k % 5}`, 1000 + k))));
      const doomed = p.ingest({ sourceKind: 'noise-fiware', bytes: large, origin: 'doomed.json' });
      doomed.catch(() => {}); // awaited below
      await Promise.all([...threads].map((t) => t.terminate()));
      await expect(doomed).rejects.toThrow(/^ingest worker crashed during the ingest of doomed\.json: worker exited with code: 1$/);
      expect(p.size).toBe(2);
      const done = await Promise.all([0, 1, 2].map((k) => p.ingest({ sourceKind: 'noise-fiware', bytes: bytes(k), origin: `k${k}.json` })));
      expect(done.map((s) => s.curated)).toEqual([2, 2, 2]);
    } finally {
      await p.close();
      await l.cleanup();
    }
  });

  it('reports a failure of the ingest itself as a rejected promise, and goes on with the next', async () => {
    await expect(pool.ingest({ sourceKind: 'noise-csv', bytes: Buffer.from('ts;laeq\n'), origin: 'no-sensor.csv' })).resolves.toMatchObject({
      unreadable: expect.stringContaining('sensor') as unknown,
    });
    await expect(pool.ingest({ sourceKind: 'noise-nope' as 'noise-csv', bytes: Buffer.from('x'), origin: 'bad-kind' })).rejects.toThrow();
    const ok = await pool.ingest({ sourceKind: 'noise-fiware', bytes: Buffer.from(JSON.stringify([reading('s9', 0)])), origin: 'after.json' });
    expect(ok.curated).toBe(1);
  });
});
