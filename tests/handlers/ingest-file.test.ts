import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listKeys } from '../../functions/lib/ports/object-store.ts';
import { fiwareBatch } from '../support/fiware-batch.ts';
import { tempLake } from '../support/lake.ts';

// The file-ingest Lambda over an SQS batch, in process: Powertools' batch processor reports only the
// messages that failed (they go back to the queue), Powertools' metrics publish one EMF line per file
// without dimensions (the freshness alarm watches ReadingsCurated summed over every function), and the
// logger writes JSON lines. Records and events have the shapes AWS documents.

type Handler = (event: unknown) => Promise<unknown>;

const sqsRecord = (messageId: string, body: string) => ({
  messageId,
  receiptHandle: `AQEB${messageId}`,
  body,
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1765090000000', SenderId: 'AIDAEXAMPLE', ApproximateFirstReceiveTimestamp: '1765090000001' },
  messageAttributes: {},
  md5OfBody: '0123456789abcdef0123456789abcdef',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-west-3:123456789012:incoming',
  awsRegion: 'eu-west-3',
});

const objectCreated = (key: string) => ({
  version: '0',
  id: '17793124-05d4-b198-2fde-7ededc63b103',
  'detail-type': 'Object Created',
  source: 'aws.s3',
  account: '123456789012',
  time: '2026-12-07T05:00:00Z',
  region: 'eu-west-3',
  resources: ['arn:aws:s3:::raw'],
  detail: { version: '0', bucket: { name: 'raw' }, object: { key, size: 10, etag: 'e', sequencer: '00' }, 'request-id': 'r', requester: '123456789012', reason: 'PutObject' },
});

describe('ingest-file handler over an SQS batch', () => {
  let lake: Awaited<ReturnType<typeof tempLake>>;
  let handler: Handler;
  let stdout: string[];
  let stderr: string[];

  beforeAll(async () => {
    lake = await tempLake();
    vi.resetModules();
    vi.stubEnv('LAKE_STORE', pathToFileURL(lake.dir).href);
    vi.stubEnv('AWS_REGION', 'eu-west-3');
    vi.stubEnv('METRICS_NAMESPACE', 'Observatory/test');
    handler = (await import('../../functions/handlers/ingest-file/handler.ts')).handler;
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await lake.cleanup();
  });

  async function run(event: unknown): Promise<unknown> {
    stdout = [];
    stderr = [];
    const capture = (lines: string[]) => (chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    };
    const spies = [vi.spyOn(process.stdout, 'write').mockImplementation(capture(stdout)), vi.spyOn(process.stderr, 'write').mockImplementation(capture(stderr))];
    try {
      return await handler(event);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  }

  it('ingests the good messages, returns only the failed one, and publishes each file’s counts without dimensions', async () => {
    const key = 'incoming/noise-fiware/batch-1.json';
    await lake.store.put(key, fiwareBatch([{ id: 's1', lon: 2.35, lat: 48.85 }], '2026-12-06T10:00:00Z', 6, 600, (_k, i) => 50 + i));
    const out = await run({ Records: [sqsRecord('m-ok', JSON.stringify(objectCreated(key))), sqsRecord('m-bad', '{"cut short')] });
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-bad' }] });
    expect((await listKeys(lake.store, 'raw/noise-fiware/')).length).toBe(1);
    const emf = stdout.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => '_aws' in l);
    expect(emf).toEqual([
      expect.objectContaining({
        _aws: expect.objectContaining({ CloudWatchMetrics: [expect.objectContaining({ Namespace: 'Observatory/test', Dimensions: [[]] })] }) as unknown,
        FilesIngested: 1,
        ReadingsCurated: 6,
        ReadingsQuarantined: 0,
      }),
    ]);
    // Powertools writes info to stdout, warnings and errors to stderr
    const logs = [...stdout, ...stderr].map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => 'level' in l);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'ERROR', message: expect.stringMatching(/^message m-bad failed: /) as unknown, messageId: 'm-bad' }));
    expect(logs).toContainEqual(expect.objectContaining({ level: 'INFO', message: `ingested ${key}`, curated: 6 }));
  });

  it('returns every message of a batch that fails whole, rather than throwing', async () => {
    const out = await run({ Records: [sqsRecord('m-1', 'not json'), sqsRecord('m-2', JSON.stringify({ hello: 1 }))] });
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-2' }] });
  });
});
