import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import { S3ObjectStore } from '../../functions/lib/adapters/s3-store.ts';
import { noiseReadings } from '../../functions/lib/datasets/index.ts';
import { CountingObjectStore, COUNTER_NAMES } from '../../functions/lib/ports/counting-store.ts';
import type { ObjectStore } from '../../functions/lib/ports/object-store.ts';
import { ingestFile } from '../../functions/lib/stages/ingest-service.ts';
import { runPipeline, runStage, type StageReport } from '../../functions/lib/stages/pipeline.ts';
import { stagesOf } from '../../functions/lib/stages/registry.ts';
import { countCommands, createTestBucket, S3_ENDPOINT_ENV, swiftClient } from '../support/swift.ts';
import { tempLake } from '../support/lake.ts';
import { fiwareBatch } from '../support/fiware-batch.ts';

// The hourly cadence after one new hour of readings: the stages that read readings read only that
// hour's partition (the change log says which), and what each stage reports having cost is what the
// store served. On the folder lake and on the S3 server (Swift), whose client counts the requests sent.

const SENSORS = [
  { id: 'hr-1', lon: 2.3522, lat: 48.8566 },
  { id: 'hr-2', lon: 2.4417, lat: 48.8638 },
  { id: 'hr-3', lon: 2.3572, lat: 48.9362 },
];
const HISTORY_DAYS = ['2026-05-01', '2026-05-02', '2026-05-03'];
const NEW_HOUR = '2026-05-04T09:00:00Z'; // 11:00 in Paris: partition dt=2026-05-04

/** each sensor, `count` readings of `seconds` each from `start` */
function batch(start: string, count: number, seconds: number): Buffer {
  return fiwareBatch(SENSORS, start, count, seconds, (k, i) => 50 + k + (i % 10) / 2);
}


interface Subject {
  store: ObjectStore;
  /** S3 commands sent, when the store is S3 */
  commands?: Map<string, number>;
}

const subjects: [string, () => Promise<Subject>][] = [
  ['the folder lake', async () => ({ store: new FsObjectStore((await tempLake()).dir) })],
  [
    'the S3 server (Swift)',
    async () => {
      const client = swiftClient(inject('s3Endpoint') ?? process.env[S3_ENDPOINT_ENV]!);
      const commands = countCommands(client);
      return { store: new S3ObjectStore({ client, bucket: await createTestBucket(client, 'hourly-run'), prefix: 'lake' }), commands };
    },
  ],
];

describe.each(subjects)('run --schedule hourly on %s', (_label, make) => {
  let subject: Subject;
  let ctx: Awaited<ReturnType<typeof tempLake>>;
  const reports = new Map<string, StageReport>();
  const keysRead = new Map<string, readonly string[]>();
  const served = new Map<string, Record<string, number>>();

  beforeAll(async () => {
    subject = await make();
    ctx = await tempLake({ store: subject.store, now: new Date('2026-05-04T10:30:00Z') });
    // three days of history at 15-minute resolution, one file a day, through the real ingest
    for (const day of HISTORY_DAYS) await ingestFile(ctx, { sourceKind: 'noise-fiware', bytes: batch(`${day}T00:00:00Z`, 96, 900), origin: `${day}.json` });
    await runPipeline(ctx, { cadence: 'hourly' });
    // then one new hour of 1-minute readings, and the hourly cadence again, stage by stage
    await ingestFile(ctx, { sourceKind: 'noise-fiware', bytes: batch(NEW_HOUR, 60, 60), origin: 'new-hour.json' });
    for (const stage of stagesOf('hourly')) {
      const outer = new CountingObjectStore(subject.store);
      const before = new Map(subject.commands);
      reports.set(stage.name, await runStage({ ...ctx, store: outer, lake: ctx.lake.withStore(outer) }, stage));
      keysRead.set(stage.name, [...outer.keysRead]);
      if (subject.commands) {
        const sent = (name: string) => (subject.commands!.get(name) ?? 0) - (before.get(name) ?? 0);
        served.set(stage.name, {
          objects_read: sent('GetObjectCommand') + sent('HeadObjectCommand'),
          objects_written: sent('PutObjectCommand') + sent('CreateMultipartUploadCommand'),
          lists: sent('ListObjectsV2Command'),
          deletes: sent('DeleteObjectCommand') + sent('DeleteObjectsCommand'),
        });
      }
    }
  }, 600_000);
  afterAll(async () => ctx?.cleanup());

  const readingPartitionsRead = (stage: string) =>
    [...new Set(keysRead.get(stage)!.filter((k) => k.startsWith(`${noiseReadings.prefix}/`)).map((k) => /dt=([^/]+)/.exec(k)![1]!))].sort();

  it('runs the compaction, the noise indicators, the forecasts and the site publication, each with its six counters', () => {
    expect([...reports.keys()]).toEqual(expect.arrayContaining(['compact', 'noise-indicators', 'predict', 'publish-site']));
    for (const [name, r] of reports) for (const c of COUNTER_NAMES) expect(r[c], `${name} ${c}`).toBeTypeOf('number');
    expect(reports.get('noise-indicators')!.objects_written).toBeGreaterThan(0);
    expect(reports.get('publish-site')!.objects_written).toBeGreaterThan(0);
  });

  it('reads only the new hour’s partition of noise_readings in the stages that read what changed', () => {
    // noise-indicators reads the new hour's day only: the drift check's earlier nights are the stored
    // noise_quality_daily rows, not the readings of the days before
    expect(readingPartitionsRead('noise-indicators')).toEqual(['2026-05-04']);
    // the compaction looks at that partition only (it merges its files when there are several)
    for (const stage of ['sensors', 'compact', 'predict']) for (const dt of readingPartitionsRead(stage)) expect(dt, stage).toBe('2026-05-04');
    // the site reads no readings at all (summary datasets only)
    expect(readingPartitionsRead('publish-site')).toEqual([]);
  });

  it('reports the requests the store really served', () => {
    if (!subject.commands) {
      // the folder store: the keys handed to the engine or read are what the stage reports
      for (const [name, r] of reports) expect(r.objects_read, name).toBe(keysRead.get(name)!.length);
      return;
    }
    for (const [name, r] of reports) {
      const s = served.get(name)!;
      expect({ objects_read: r.objects_read, objects_written: r.objects_written, lists: r.lists, deletes: r.deletes }, name).toEqual(s);
    }
  });
});
