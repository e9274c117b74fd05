import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import { S3ObjectStore } from '../../functions/lib/adapters/s3-store.ts';
import { encodeRows } from '../../functions/lib/datasets/encoded-rows.ts';
import { noiseReadings, quarantine } from '../../functions/lib/datasets/index.ts';
import { listKeys, type ObjectStore } from '../../functions/lib/ports/object-store.ts';
import { compactLake } from '../../functions/lib/stages/compact.ts';
import { encodedColumns, storeCurated } from '../../functions/lib/stages/curate.ts';
import { ingestNoise, type IngestSummary } from '../../functions/lib/stages/ingest-noise.ts';
import { COMPACTION_LIMITS } from '../../functions/lib/stages/registry.ts';
import { tempLake } from '../support/lake.ts';
import { createTestBucket, S3_ENDPOINT_ENV, swiftClient } from '../support/swift.ts';

// The quarantine is compacted like the readings (issue 14), and a replay still gives the raw file's
// verdict: the same bytes change nothing; a verdict that changed (new code, other options) replaces the
// earlier one, even once that one was merged into a file of many. Folder lake and S3 server (Swift).

const T0 = Date.UTC(2025, 5, 2, 6);
const LIMIT = COMPACTION_LIMITS.find((l) => l.dataset === 'quarantine')!.maxFilesPerPartition;

/** file i: one good reading, and one entity without any acoustic measurand (rejected) */
function file(i: number): Buffer {
  const at = (m: number) => new Date(T0 + (i * 10 + m) * 60_000).toISOString();
  const entity = (m: number, extra: object) => ({
    type: 'NoiseLevelObserved',
    refDevice: `q${i}`,
    dateObservedFrom: at(m),
    dateObservedTo: at(m + 1),
    location: { type: 'Point', coordinates: [2.3522, 48.8566] },
    ...extra,
  });
  return Buffer.from(JSON.stringify([entity(0, { LAeq: 55 + i }), entity(1, {})]));
}

const stores: [string, () => Promise<ObjectStore>][] = [
  ['the folder lake', async () => new FsObjectStore(await mkdtemp(path.join(os.tmpdir(), 'observatory-quarantine-')))],
  [
    'the S3 server (Swift)',
    async () => {
      const endpoint = inject('s3Endpoint') ?? process.env[S3_ENDPOINT_ENV];
      if (!endpoint) throw new Error('no S3 test server (see tests/support/global-setup.ts)');
      const client = swiftClient(endpoint);
      return new S3ObjectStore({ client, bucket: await createTestBucket(client, 'quarantine'), prefix: 'lake' });
    },
  ],
];

describe.each(stores)('quarantine verdicts and compaction on %s', (_, makeStore) => {
  const lakes: Awaited<ReturnType<typeof tempLake>>[] = [];
  afterAll(async () => {
    for (const l of lakes) await l.cleanup();
  });

  it('merges the quarantine files, keeps every verdict, and lets a replay replace a merged verdict', async () => {
    const lake = await tempLake({ store: await makeStore(), now: new Date('2025-06-02T12:00:00Z') });
    lakes.push(lake);
    const files = 7;
    const ingested: IngestSummary[] = [];
    for (let i = 0; i < files; i++) ingested.push(await ingestNoise(lake, { sourceKind: 'noise-fiware', bytes: file(i), origin: `f${i}.json` }));
    expect(ingested.map((s) => s.quarantined)).toEqual(Array(files).fill(1));

    const quarantineFiles = async () => (await listKeys(lake.store, `${quarantine.prefix}/`)).filter((o) => o.key.endsWith('.parquet'));
    const verdicts = async () => {
      await lake.lake.attach([quarantine]);
      const r = await lake.lake.all(`SELECT raw_key, record, field, reason FROM ${quarantine.name} ORDER BY raw_key, record`);
      return r.rows.map((x) => `${String(x['raw_key'])} #${String(x['record'])} ${String(x['field'])}: ${String(x['reason'])}`);
    };
    expect(await quarantineFiles()).toHaveLength(files);
    const before = await verdicts();
    expect(before).toHaveLength(files);
    expect(before.every((v) => v.includes('#1 LAeq'))).toBe(true);

    const summary = await compactLake(lake, COMPACTION_LIMITS);
    expect(summary['quarantine']!.filesMerged).toBe(files);
    expect((await quarantineFiles()).length).toBeLessThanOrEqual(LIMIT);
    expect(await verdicts()).toEqual(before);

    // the same bytes again, two days later: nothing in the quarantine changes
    const stored = (await quarantineFiles()).map((o) => `${o.key} ${o.etag}`);
    const again = await ingestNoise({ ...lake, now: () => new Date('2025-06-04T12:00:00Z') }, { sourceKind: 'noise-fiware', bytes: file(0), origin: 'f0.json' });
    expect(again.newRaw).toBe(false);
    expect((await quarantineFiles()).map((o) => `${o.key} ${o.etag}`)).toEqual(stored);

    // a replay whose verdict changed (as after a code change that accepts the record): the earlier
    // verdict, merged into the compacted file, is replaced — first by none, then by another rejection
    const replay = (rejections: Parameters<typeof storeCurated>[1]['rejections']) =>
      storeCurated(
        { ...lake, now: () => new Date('2025-06-05T12:00:00Z') },
        {
          dataset: noiseReadings,
          sourceKind: 'noise-fiware',
          raw: { key: ingested[0]!.rawKey, receivedAt: new Date(ingested[0]!.receivedAt), created: false },
          origin: 'f0.json',
          rows: encodeRows(encodedColumns(noiseReadings), []),
          rejections,
          records: 2,
        },
      );
    await replay([]);
    const withoutFirst = before.filter((v) => !v.startsWith(`${ingested[0]!.rawKey} `));
    expect(await verdicts()).toEqual(withoutFirst);
    await compactLake(lake, COMPACTION_LIMITS);
    expect(await verdicts()).toEqual(withoutFirst);

    await replay([{ record: '0', field: 'LAeq', expected: '≤ 130', found: '140', reason: 'a stricter check', recordText: null }]);
    expect(await verdicts()).toEqual([`${ingested[0]!.rawKey} #0 LAeq: a stricter check`, ...withoutFirst].sort());
    await compactLake(lake, COMPACTION_LIMITS);
    expect(await verdicts()).toEqual([`${ingested[0]!.rawKey} #0 LAeq: a stricter check`, ...withoutFirst].sort());
    expect((await quarantineFiles()).length).toBeLessThanOrEqual(LIMIT);
  }, 300_000);
});
