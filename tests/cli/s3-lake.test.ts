import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { S3ObjectStore } from '../../functions/lib/adapters/s3-store.ts';
import { listKeys } from '../../functions/lib/ports/object-store.ts';
import { observatory } from '../support/cli.ts';
import { createTestBucket, S3_ENDPOINT_ENV, SWIFT_CREDENTIALS, swiftClient } from '../support/swift.ts';

// The command line on the deployed lake: --lake s3://bucket/prefix, credentials from the standard AWS
// chain (here the environment), AWS_ENDPOINT_URL for another S3 server — the tests' Swift.

describe('observatory --lake s3://… (against Swift)', () => {
  let dir: string;
  let bucket: string;
  let env: NodeJS.ProcessEnv;
  let lake: string;
  const endpoint = () => inject('s3Endpoint') ?? process.env[S3_ENDPOINT_ENV]!;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'observatory-s3-cli-'));
    bucket = await createTestBucket(swiftClient(endpoint()), 'cli-lake');
    lake = `s3://${bucket}/observatory`;
    env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: SWIFT_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SWIFT_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: endpoint(),
    };
    const entities = ['s3-a', 's3-b'].flatMap((id, k) =>
      Array.from({ length: 24 }, (_, i) => ({
        id: `${id}-${i}`,
        type: 'NoiseLevelObserved',
        refDevice: id,
        location: { type: 'Point', coordinates: [2.35 + k / 10, 48.85] },
        dateObservedFrom: new Date(Date.parse('2026-05-01T22:00:00Z') + i * 3600_000).toISOString(),
        dateObservedTo: new Date(Date.parse('2026-05-01T23:00:00Z') + i * 3600_000).toISOString(),
        // levels that vary, as a street's do (a constant level is a stuck sensor to the quality control)
        LAeq: 55 + k + (i % 5) / 2,
      })),
    );
    await writeFile(path.join(dir, 'batch.json'), JSON.stringify(entities));
  }, 60_000);
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('ingests, runs the hourly cadence and queries the lake on S3 exactly as on a folder', async () => {
    const ingest = await observatory(['--lake', lake, 'ingest', 'noise-fiware', path.join(dir, 'batch.json')], { env });
    expect(ingest.stderr).toContain('48 records → 48 curated, 0 quarantined');
    expect(ingest.code).toBe(0);
    const store = new S3ObjectStore({ client: swiftClient(endpoint()), bucket, prefix: 'observatory/' });
    expect((await listKeys(store, 'curated/noise_readings/')).map((o) => o.key.split('/')[2])).toEqual(['dt=2026-05-02']);

    const run = await observatory(['--lake', lake, 'run', '--schedule', 'hourly', '--format', 'json'], { env, timeoutMs: 300_000 });
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const out = JSON.parse(run.stdout) as { stages: { stage: string; objects_read: number; objects_written: number; lists: number }[] };
    expect(out.stages.map((s) => s.stage)).toEqual(['poll-vigicrues', 'sensors', 'compact', 'noise-indicators', 'predict', 'publish-site']);
    const indicators = out.stages.find((s) => s.stage === 'noise-indicators')!;
    expect(indicators.objects_written).toBeGreaterThan(0);
    expect(indicators.lists).toBeGreaterThan(0);
    expect((await listKeys(store, 'curated/noise_indicators_daily/')).length).toBe(1);
    expect(await store.head('site/index.html')).toBeDefined();

    const query = await observatory(['--lake', lake, 'query', "SELECT sensor_id, count(*) AS n FROM noise_indicators_hourly GROUP BY 1 ORDER BY 1", '--format', 'json'], { env });
    expect(query.code, query.stderr).toBe(0);
    expect(JSON.parse(query.stdout)).toEqual([
      { sensor_id: 's3-a', n: 24 },
      { sensor_id: 's3-b', n: 24 },
    ]);
  }, 400_000);

  it('refuses a lake URL that is not s3://bucket[/prefix], naming it', async () => {
    const r = await observatory(['--lake', 's3://Not_A_Bucket', 'status'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--lake: expected s3://bucket[/prefix], found "s3://Not_A_Bucket"');
  });
});
