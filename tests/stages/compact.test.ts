import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import { S3ObjectStore } from '../../functions/lib/adapters/s3-store.ts';
import { DATASETS, noiseReadings } from '../../functions/lib/datasets/index.ts';
import { CountingObjectStore } from '../../functions/lib/ports/counting-store.ts';
import { listKeys, type ObjectStore } from '../../functions/lib/ports/object-store.ts';
import { compactLake, filesToMerge } from '../../functions/lib/stages/compact.ts';
import { ingestNoise } from '../../functions/lib/stages/ingest-noise.ts';
import { COMPACTION_LIMITS, STAGES, stagesOf, CADENCES } from '../../functions/lib/stages/registry.ts';
import { refreshSensors, SIGHTINGS_PREFIX } from '../../functions/lib/stages/sensors.ts';
import { tempLake } from '../support/lake.ts';
import { countCommands, createTestBucket, S3_ENDPOINT_ENV, swiftClient } from '../support/swift.ts';

// The compact stage keeps every partition within its declared number of files, before the stages that
// read them, while ingests keep writing: every reading stays present exactly once. On the folder lake
// and on the S3 server (Swift), with ingests running concurrently with compactions.

const T0 = Date.UTC(2025, 5, 2, 6); // 08:00 in Paris: dt=2025-06-02 (and +1 day: dt=2025-06-03)

const reading = (sensor: string, minute: number, laeq: number) => ({
  type: 'NoiseLevelObserved',
  refDevice: sensor,
  name: `${sensor} seen at ${minute}`,
  dateObservedFrom: new Date(T0 + minute * 60_000).toISOString(),
  dateObservedTo: new Date(T0 + (minute + 1) * 60_000).toISOString(),
  location: { type: 'Point', coordinates: [2.3522 + Number(sensor.slice(1)) / 100, 48.8566] },
  LAeq: laeq,
});

/** batch i: 12 readings over two days (minute i·10 … and the same a day later), 2 of them re-sent from batch i-1 with a new value */
function batch(i: number): { entities: object[]; readings: Map<string, number> } {
  const readings = new Map<string, number>();
  const entities: object[] = [];
  for (let k = -2; k < 10; k++) {
    for (const dayOffset of [0, 1440]) {
      if (i === 0 && k < 0) continue;
      const sensor = `s${(i + k + 10) % 4}`;
      const minute = dayOffset + i * 10 + k;
      const laeq = 40 + ((i * 7 + k * 3) % 30);
      entities.push(reading(sensor, minute, laeq));
      readings.set(`${sensor}|${minute}`, laeq);
    }
  }
  return { entities, readings };
}

function expectedAfter(batches: number): Map<string, number> {
  const all = new Map<string, number>();
  // later batches win: they are received later (the duplicate rule)
  for (let i = 0; i < batches; i++) for (const [k, v] of batch(i).readings) all.set(k, v);
  return all;
}

const stores: [string, () => Promise<{ store: ObjectStore; commands?: Map<string, number> }>][] = [
  ['the folder lake', async () => ({ store: new FsObjectStore(await mkdtemp(path.join(os.tmpdir(), 'observatory-compact-'))) })],
  [
    'the S3 server (Swift)',
    async () => {
      const endpoint = inject('s3Endpoint') ?? process.env[S3_ENDPOINT_ENV];
      if (!endpoint) throw new Error('no S3 test server (see tests/support/global-setup.ts)');
      const client = swiftClient(endpoint);
      const commands = countCommands(client);
      return { store: new S3ObjectStore({ client, bucket: await createTestBucket(client, 'compact'), prefix: 'lake' }), commands };
    },
  ],
];

describe('the registry', () => {
  it('runs compact in the cadences that write the compacted datasets, after their writers and before their readers', () => {
    const compacted: readonly string[] = COMPACTION_LIMITS.map((l) => l.dataset);
    for (const cadence of ['hourly', 'daily'] as const) expect(stagesOf(cadence).map((s) => s.name), cadence).toContain('compact');
    for (const cadence of CADENCES) {
      const stages = stagesOf(cadence);
      const at = stages.findIndex((s) => s.name === 'compact');
      if (at < 0) continue;
      for (const [i, stage] of stages.entries()) {
        if (stage.name === 'compact') continue;
        const reads = stage.inputs.some((input) => compacted.includes(input.dataset));
        // the quarantine is written by every stage that reads a source, the forecast poller after the
        // compaction (it reads the compacted weather_daily): what they leave is merged at the next
        // hourly run, and no stage of these cadences reads the quarantine
        const writes = stage.outputs.some((o) => compacted.includes(o) && o !== 'quarantine');
        if (stage.inputs.some((input) => input.dataset === 'quarantine')) expect(stage.name, `${cadence}: reads the quarantine`).toBe('compact');
        if (reads && !writes) expect(at, `${cadence}: compact runs before ${stage.name}`).toBeLessThan(i);
        if (writes && !reads) expect(i, `${cadence}: ${stage.name} writes before compact`).toBeLessThan(at);
      }
    }
    expect(STAGES.find((s) => s.name === 'compact')?.inputs.map((i) => i.dataset)).toEqual(['noise_readings', 'river_observations', 'flood_vigilance', 'weather_daily', 'quarantine']);
  });

  it('merges small files into one more compacted file while the limit allows, everything otherwise', () => {
    const small = (n: number) => Array.from({ length: n }, (_, i) => `p/dt=2025-06-02/${i}abc.parquet`);
    const compacted = (n: number) => Array.from({ length: n }, (_, i) => `p/dt=2025-06-02/compact-${i}.parquet`);
    expect(filesToMerge({ keys: small(4) }, 4)).toBeUndefined();
    expect(filesToMerge({ keys: small(5) }, 4)).toEqual(small(5).sort());
    expect(filesToMerge({ keys: [...compacted(3), ...small(3)] }, 4)).toEqual(small(3).sort());
    expect(filesToMerge({ keys: [...compacted(4), ...small(1)] }, 4)).toHaveLength(5);
    expect(filesToMerge({ keys: [...compacted(1), ...small(1)] }, 1)).toHaveLength(2);
  });
});

/** one lake under test: its store's command counts (S3), the batches ingested so far */
class CompactionSubject {
  ingested = 0;
  readonly limit: number;

  constructor(
    readonly lake: Awaited<ReturnType<typeof tempLake>>,
    readonly commands: Map<string, number> | undefined,
  ) {
    const declared = COMPACTION_LIMITS.find((l) => l.dataset === 'noise_readings');
    if (!declared) throw new Error('noise_readings has no compaction limit');
    this.limit = declared.maxFilesPerPartition;
  }

  ingest(i: number): Promise<unknown> {
    return ingestNoise(
      { ...this.lake, now: () => new Date(Date.UTC(2025, 5, 4, 0, 0, i)) },
      { sourceKind: 'noise-fiware', bytes: Buffer.from(JSON.stringify(batch(i).entities)), origin: `b${i}.json` },
    );
  }

  async readings(): Promise<{ rows: { key: string; laeq: number }[]; files: Map<string, number> }> {
    const { lake } = this.lake;
    await lake.attach(DATASETS);
    const rows = (
      await lake.all(
        `SELECT sensor_id || '|' || CAST(date_diff('minute', TIMESTAMPTZ '2025-06-02 06:00:00+00', ts_from) AS VARCHAR) AS key, laeq FROM noise_readings ORDER BY key`,
      )
    ).rows as { key: string; laeq: number }[];
    const files = new Map<string, number>();
    for (const p of await lake.partitions(noiseReadings)) files.set(p.dt, p.files);
    return { rows, files };
  }
}

function expectExactlyOnce(rows: { key: string; laeq: number }[], expected: Map<string, number>): void {
  expect(rows.length).toBe(new Set(rows.map((r) => r.key)).size);
  expect(new Map(rows.map((r) => [r.key, r.laeq]))).toEqual(expected);
}

async function ingestsDuringCompactions(subject: CompactionSubject): Promise<void> {
  const { lake, limit } = subject;
  const jobs: Promise<unknown>[] = [];
  for (let i = 0; i < 18; i++) {
    jobs.push(subject.ingest(i));
    // compactions start while ingests are in flight
    if (i % 3 === 2) jobs.push(compactLake(lake, COMPACTION_LIMITS));
  }
  await Promise.all(jobs);
  subject.ingested = 18;
  expectExactlyOnce((await subject.readings()).rows, expectedAfter(subject.ingested));
  await compactLake(lake, COMPACTION_LIMITS);
  const after = await subject.readings();
  expectExactlyOnce(after.rows, expectedAfter(subject.ingested));
  expect([...after.files.keys()]).toEqual(['2025-06-02', '2025-06-03']);
  for (const [dt, files] of after.files) expect(files, dt).toBeLessThanOrEqual(limit);
}

/** one hour: a new batch, then a compaction counted; whether it merged */
async function oneHourCompacted(subject: CompactionSubject, hour: number): Promise<boolean> {
  const { lake, limit, commands } = subject;
  await subject.ingest(subject.ingested++);
  const filesBefore = (await subject.readings()).files;
  const counting = new CountingObjectStore(lake.store);
  const sent = commands ? new Map(commands) : undefined;
  const summary = (await compactLake({ ...lake, store: counting, lake: lake.lake.withStore(counting) }, COMPACTION_LIMITS)).noise_readings;
  if (!summary) throw new Error('compact wrote no summary for noise_readings');
  const over = [...filesBefore.values()].filter((n) => n > limit).length;
  expect(summary.partitions, `hour ${hour}`).toBe(over);
  // the merged files of the run go in one DeleteObjects, none one by one
  expect(counting.counters.deletes).toBe(summary.partitions ? 1 : 0);
  if (commands && sent) {
    expect((commands.get('DeleteObjectsCommand') ?? 0) - (sent.get('DeleteObjectsCommand') ?? 0)).toBe(summary.partitions ? 1 : 0);
    expect((commands.get('DeleteObjectCommand') ?? 0) - (sent.get('DeleteObjectCommand') ?? 0)).toBe(0);
  }
  const now = await subject.readings();
  expectExactlyOnce(now.rows, expectedAfter(subject.ingested));
  for (const [dt, files] of now.files) {
    expect(files, dt).toBeLessThanOrEqual(limit);
    // a day over the limit is brought under it by one more compacted file, not rewritten into one
    const before = filesBefore.get(dt) ?? 0;
    if (before > limit && before < 2 * limit) expect(files, dt).toBeGreaterThan(1);
  }
  return summary.partitions > 0;
}

async function sightingsMerged(subject: CompactionSubject): Promise<void> {
  const { lake } = subject;
  const first = await refreshSensors(lake);
  expect(first.staged).toBeGreaterThan(1);
  await lake.lake.attach(DATASETS);
  const sensorsAfterFirst = (await lake.lake.all('SELECT * FROM sensors ORDER BY sensor_id')).rows;
  expect(sensorsAfterFirst.map((s) => s.sensor_id)).toEqual(['s0', 's1', 's2', 's3']);
  expect(await listKeys(lake.store, SIGHTINGS_PREFIX)).toHaveLength(1);

  await subject.ingest(subject.ingested++);
  await subject.ingest(subject.ingested++);
  const counting = new CountingObjectStore(lake.store);
  const second = await refreshSensors({ ...lake, store: counting, lake: lake.lake.withStore(counting) });
  // the merge and the two new files; one batch deletes them
  expect(second).toMatchObject({ staged: 3, merged: 3 });
  expect(counting.counters.objects_read).toBe(3);
  expect(counting.counters.deletes).toBe(1);
  await lake.lake.attach(DATASETS);
  const sensorsNow = (await lake.lake.all('SELECT sensor_id, first_seen, last_seen FROM sensors ORDER BY sensor_id')).rows;
  const span = (await lake.lake.all('SELECT sensor_id, min(ts_from) AS first_seen, max(ts_to) AS last_seen FROM noise_readings GROUP BY 1 ORDER BY 1')).rows;
  expect(sensorsNow).toEqual(span);
}

describe.each(stores)('compaction with ingests interleaved, on %s', (_label, make) => {
  let subject: CompactionSubject;

  beforeAll(async () => {
    const made = await make();
    subject = new CompactionSubject(await tempLake({ now: new Date('2025-06-04T00:00:00Z'), store: made.store }), made.commands);
  });
  afterAll(async () => subject?.lake.cleanup());

  it('ingests running while the compact stage runs lose nothing and count nothing twice; the stage then holds each day to its limit', () =>
    ingestsDuringCompactions(subject));

  it('hour after hour, a day stays within its limit, merging the new files rather than rewriting the day, deleting in one batch', async () => {
    let merges = 0;
    for (let hour = 0; hour < 8; hour++) if (await oneHourCompacted(subject, hour)) merges++;
    expect(merges).toBeGreaterThanOrEqual(2);
  });

  it('a second run with nothing new looks at no partition', async () => {
    const summary = await compactLake(subject.lake, COMPACTION_LIMITS);
    expect(summary.noise_readings).toMatchObject({ partitionsChecked: 0, filesMerged: 0 });
  });

  it('the sensors stage merges the staged sightings and deletes them, so its next run reads the merge and what came since', () =>
    sightingsMerged(subject));
});
