import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { CountingObjectStore } from '../../functions/lib/ports/counting-store.ts';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import { listKeys } from '../../functions/lib/ports/object-store.ts';
import { keyHash } from '../../functions/lib/push/networks.ts';
import { acceptPush, ingestQueuedPushes } from '../../functions/lib/push/queued.ts';
import { handlePush, type PushRequest, type PushResponse } from '../../functions/lib/push/service.ts';
import type { StageContext } from '../../functions/lib/stages/context.ts';
import { ingestNoise } from '../../functions/lib/stages/ingest-noise.ts';
import { REGISTRY_KEY } from '../../functions/lib/stages/sensor-registry.ts';
import { refreshSensors } from '../../functions/lib/stages/sensors.ts';
import { fiwareBatch } from '../support/fiware-batch.ts';
import { tempLake } from '../support/lake.ts';

// The push API on AWS answers from the raw file and queues the curation (functions/lib/push/queued.ts).
// Against the immediate ingest the local server runs, on the same pushes: the same answers, and after
// the queued batch the same readings, quarantine and sensors, row by row; one object written per push
// instead of four; a batch delivered again, or split otherwise, changes nothing.

const KEY = 'queued-push-test-key-0123456789';
const NETWORKS = [{ network: 'demo-network', key_sha256: keyHash(KEY) }];
const NOW = new Date('2026-01-15T12:00:00Z');
const SENSORS = Array.from({ length: 6 }, (_, k) => ({ id: `q-sensor-${k}`, lon: 2.30 + k * 0.01, lat: 48.85 + k * 0.005 }));

/** one push per sensor per quarter hour of 10:00–10:45 UTC; one with a reading out of range; one unreadable; one replay */
function pushes(): { body: Buffer; requestId: string }[] {
  const out: { body: Buffer; requestId: string }[] = [];
  for (let q = 0; q < 3; q++) {
    for (const [k, s] of SENSORS.entries()) {
      const start = new Date(Date.parse('2026-01-15T10:00:00Z') + q * 900_000).toISOString();
      out.push({ body: fiwareBatch([s], start, 15, 60, (_k, i) => 50 + k + i / 10 + q), requestId: `r-${q}-${k}` });
    }
  }
  const bad = JSON.parse(fiwareBatch([SENSORS[0]!], '2026-01-15T11:00:00Z', 3, 60, () => 55).toString('utf8')) as { LAeq: number }[];
  bad[1]!.LAeq = 400;
  out.push({ body: Buffer.from(JSON.stringify(bad)), requestId: 'r-bad' });
  out.push({ body: Buffer.from('{"not": "an array'), requestId: 'r-unreadable' });
  out.push({ body: out[0]!.body, requestId: 'r-replay' });
  return out;
}

const request = (p: { body: Buffer; requestId: string }): PushRequest => ({
  method: 'POST',
  headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
  body: p.body,
  requestId: p.requestId,
});

async function tables(ctx: StageContext): Promise<Record<string, unknown[]>> {
  await ctx.lake.attach(DATASETS);
  const out: Record<string, unknown[]> = {};
  for (const t of ['noise_readings', 'quarantine', 'sensors']) {
    out[t] = (await ctx.lake.all(`SELECT * FROM ${t} ORDER BY ALL`)).rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
  }
  return out;
}

describe('pushes accepted on AWS, curated from the queue in batches', () => {
  let immediate: Awaited<ReturnType<typeof tempLake>>;
  let queued: Awaited<ReturnType<typeof tempLake>>;
  let counting: CountingObjectStore;
  const answers: { immediate: PushResponse[]; queued: PushResponse[] } = { immediate: [], queued: [] };
  const perPushWrites: number[] = [];
  const created: string[] = [];

  beforeAll(async () => {
    immediate = await tempLake({ now: NOW });
    counting = new CountingObjectStore(new FsObjectStore(await mkdtemp(path.join(os.tmpdir(), 'observatory-queued-'))));
    queued = await tempLake({ now: NOW, store: counting });
    for (const p of pushes()) {
      answers.immediate.push(await handlePush(immediate, NETWORKS, request(p)));
      const before = counting.counters.objects_written;
      const answer = await handlePush(queued, NETWORKS, request(p), acceptPush);
      answers.queued.push(answer);
      perPushWrites.push(counting.counters.objects_written - before);
      // S3 sends an Object Created event only for a raw file the push created (not for a replay)
      if (answer.body.raw_key && answer.body.replay === false) created.push(answer.body.raw_key as string);
    }
  }, 60_000);
  afterAll(async () => {
    await immediate.cleanup();
    await queued.cleanup();
    await rm(counting.url.replace(/^file:\/\//, ''), { recursive: true, force: true });
  });

  it('answers every push as the immediate ingest does, status and body', () => {
    expect(answers.queued.map((a) => a.status)).toEqual([...Array<number>(18).fill(200), 200, 400, 200]);
    expect(answers.queued).toEqual(answers.immediate);
    expect(answers.queued[18]!.body).toMatchObject({ accepted: 2, rejected: 1 });
    expect(answers.queued[20]!.body).toMatchObject({ replay: true });
  });

  it('writes one object per push before answering: its raw file', async () => {
    // the replay's conditional PUT too (S3 bills the refused If-None-Match request), creating nothing
    expect(perPushWrites).toEqual(Array(21).fill(1));
    const keys = (await listKeys(queued.store, '')).map((o) => o.key);
    expect(keys.filter((k) => !k.startsWith('raw/'))).toEqual([]);
    expect(created).toHaveLength(20);
  });

  it('curates a batch of them into the same readings, quarantine and sensors as the immediate ingest', async () => {
    const before = { ...counting.counters };
    const summary = await ingestQueuedPushes(queued, created);
    const writes = counting.counters.objects_written - before.objects_written;
    expect(summary).toMatchObject({ pushes: 20, skipped: 0, curated: 18 * 15 + 2, quarantined: 1, days: ['2026-01-15'] });
    // one readings file for the day, one change record, one sightings file, and the quarantine files of
    // the two pushes with rejections with their change records — for 20 pushes (the immediate ingest: 4 per push)
    expect(writes).toBe(1 + 1 + 1 + 2 * 2);
    // one GET per push (its answer carries the metadata), and the sensor registry once for the batch
    const reads = counting.keysRead.slice(before.objects_read);
    expect(reads.filter((k) => k.startsWith('raw/')).sort()).toEqual([...created].sort());
    expect(reads.filter((k) => k === REGISTRY_KEY)).toEqual([REGISTRY_KEY]);
    await refreshSensors(immediate);
    await refreshSensors(queued);
    const expected = await tables(immediate);
    expect(expected.noise_readings).toHaveLength(18 * 15 + 2);
    expect(expected.quarantine).toHaveLength(2);
    expect(expected.sensors).toHaveLength(SENSORS.length);
    expect(await tables(queued)).toEqual(expected);
  });

  it('changes nothing when a batch is delivered again, or its messages come in other batches', async () => {
    const expected = await tables(immediate);
    await ingestQueuedPushes(queued, created);
    await ingestQueuedPushes(queued, created.slice(0, 7));
    await ingestQueuedPushes(queued, created.slice(5));
    await refreshSensors(queued);
    expect(await tables(queued)).toEqual(expected);
  });

  it('leaves alone the raw files the file ingest curated itself (not marked queued)', async () => {
    const file = await ingestNoise(queued, { sourceKind: 'noise-fiware', bytes: fiwareBatch([SENSORS[1]!], '2026-01-14T10:00:00Z', 4, 60, () => 60), origin: 'incoming/noise-fiware/day.json' });
    const before = counting.counters.objects_written;
    expect(await ingestQueuedPushes(queued, [file.rawKey])).toMatchObject({ pushes: 0, skipped: 1 });
    expect(counting.counters.objects_written).toBe(before);
    await expect(ingestQueuedPushes(queued, ['incoming/noise-fiware/day.json'])).rejects.toThrow('expected a key under raw/noise-fiware/');
  });
});
