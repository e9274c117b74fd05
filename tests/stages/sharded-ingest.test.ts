import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { listKeys, type ObjectStore } from '../../functions/lib/ports/object-store.ts';
import { ingestNoise, SHARDED_READ_MIN_BYTES, SHARE_READ_HERE, type IngestSummary, type NoiseShardReaders } from '../../functions/lib/stages/ingest-noise.ts';
import { readFileShared, ShardReaders } from '../../functions/local/ingest-workers/shard-readers.ts';
import { tempLake } from '../support/lake.ts';

// A large FIWARE array is read in parts, on the ingest's thread and on shard reader threads
// (ingest-noise.ts). Whatever the parts, the lake must end up byte for byte as when the array is read
// whole on one thread: rows, their order, quarantine, duplicates counted, sensor sightings.

const MINUTE = 60_000;

function entity(i: number, over: Record<string, unknown> = {}) {
  const sensor = i % 7;
  const t = Date.UTC(2025, 5, 1, 20) + Math.floor(i / 7) * 5 * MINUTE; // over four local days
  return {
    id: `urn:ngsi-ld:NoiseLevelObserved:s${sensor}-${t}`,
    type: 'NoiseLevelObserved',
    refDevice: `urn:ngsi-ld:Device:s${sensor}`,
    name: `sensor ${sensor} seen first at ${i}`,
    dateObservedFrom: new Date(t).toISOString(),
    dateObservedTo: new Date(t + 5 * MINUTE).toISOString(),
    location: { type: 'Point', coordinates: [2.25 + sensor * 0.02, 48.84 + sensor * 0.003] },
    LAeq: 40 + (i % 300) / 10,
    LAmax: 70.5,
    ...over,
  };
}

/** 6 000 entities (about 2 MB): rejected ones everywhere, and readings sent again later in the array */
function batch(): unknown[] {
  const entities: unknown[] = Array.from({ length: 6000 }, (_, i) => entity(i));
  for (const i of [3, 2999, 3001, 4500, 5999]) entities[i] = entity(i, { LAeq: 155 });
  for (const i of [10, 3500]) entities[i] = { ...entity(i), type: 'WeatherObserved' };
  entities[4000] = 42;
  // the readings of entities 0…99 again, corrected, in the last part
  for (let i = 0; i < 100; i++) entities[5800 + i] = entity(i, { LAeq: 99 });
  return entities;
}

type Lake = Awaited<ReturnType<typeof tempLake>>;

async function snapshot(store: ObjectStore) {
  // the change log's records are named after the time they were written, and a replay records its
  // (unchanged) partitions again: compared by the partitions they name
  const objects = await listKeys(store, '');
  const changes = objects.filter((o) => o.key.startsWith('changes/'));
  const said = await Promise.all(changes.map(async (o) => `${o.key.split('/')[1] ?? ''} ${(await store.get(o.key)).toString()}`));
  return [...objects.filter((o) => !o.key.startsWith('changes/')).map((o) => [o.key, o.sha256]), ...[...new Set(said)].sort()];
}

/** the shard readers (one thread, two threads) and the lakes made, each a fresh temporary one */
class ShardedSubject {
  readonly lakes: Lake[] = [];
  readonly now = new Date('2025-06-10T00:00:00Z');

  constructor(
    readonly one: ShardReaders,
    readonly two: ShardReaders,
  ) {}

  async lake(): Promise<Lake> {
    const l = await tempLake({ now: this.now });
    this.lakes.push(l);
    return l;
  }

  /** the same bytes ingested whole and in parts: the same summary and the same objects */
  async compare(bytes: Buffer, expectParts: boolean): Promise<{ expected: IngestSummary; whole: Lake }> {
    const whole = await this.lake();
    const expected = await ingestNoise(whole, { sourceKind: 'noise-fiware', bytes, origin: 'big.json' });
    const results: { summary: IngestSummary; parts: number[] }[] = [];
    for (const readers of [this.one, this.two]) {
      const l = await this.lake();
      const parts: number[] = [];
      const summary = await ingestNoise({ ...l, noiseShards: noting(readers, parts) }, { sourceKind: 'noise-fiware', bytes, origin: 'big.json' });
      expect(summary).toEqual(expected);
      expect(await snapshot(l.store)).toEqual(await snapshot(whole.store));
      results.push({ summary, parts });
    }
    if (expectParts) {
      // one part on the single reader, two on the two readers, sharing what is not read here
      expect(results.map((r) => r.parts.length)).toEqual([1, 2]);
      for (const [k, r] of results.entries()) for (const length of r.parts) expect(length / bytes.length).toBeCloseTo((1 - SHARE_READ_HERE) / (k + 1), 1);
    }
    return { expected, whole };
  }
}

/** the readers, noting the length of the parts they were given, and the parts they could not read */
function noting(readers: NoiseShardReaders, parts: number[], unread: number[] = []): NoiseShardReaders {
  return {
    count: readers.count,
    read: async (part, raw) => {
      const length = part.text.length; // bytes are moved to the reader's thread: their length is 0 afterwards
      parts.push(length);
      const shard = await readers.read(part, raw);
      if (!shard) unread.push(length);
      return shard;
    },
  };
}

async function sameAsWholeRead(subject: ShardedSubject): Promise<void> {
  const bytes = Buffer.from(JSON.stringify(batch()));
  expect(bytes.length).toBeGreaterThan(SHARDED_READ_MIN_BYTES);
  const { expected, whole } = await subject.compare(bytes, true);
  // the 100 readings sent again, but for entities 3 and 10, rejected the first time
  expect(expected).toMatchObject({ records: 6000, curated: 5992, quarantined: 8, duplicatesInFile: 98 });
  expect(expected.days).toEqual(['2025-06-01', '2025-06-02', '2025-06-03', '2025-06-04']);
  // each rejected record as received, found again in its chunk
  await whole.lake.attach(DATASETS);
  const texts = (await whole.lake.all("SELECT record, record_text FROM quarantine WHERE record IN ('3001', '4000', '5999') ORDER BY record")).rows;
  expect(texts).toEqual([
    { record: '3001', record_text: JSON.stringify(entity(3001, { LAeq: 155 })) },
    { record: '4000', record_text: '42' },
    { record: '5999', record_text: JSON.stringify(entity(5999, { LAeq: 155 })) },
  ]);
  const staged = (await listKeys(whole.store, 'staging/sensor-sightings/')).map((o) => o.key);
  expect(staged).toHaveLength(1);
  const sightings = JSON.parse((await whole.store.get(staged[0] ?? '')).toString()) as { sensors: { sensor_id: string; name: string }[] };
  // what each sensor's first row said, the first rows being in the part read here
  // (sensor 3's entities 3 and 10 were rejected: its first row is entity 17)
  expect(sightings.sensors.map((s) => s.name)).toEqual([0, 1, 2, 4, 5, 6, 17].map((i) => `sensor ${i % 7} seen first at ${i}`));
}

async function replayKeepsFirstReceipt(subject: ShardedSubject): Promise<void> {
  // readings up to two days after the first receipt: the ones more than a day ahead of it are rejected,
  // on the first receipt as on the replay received two days later
  const entities = batch().map((e, i) => (i % 1000 === 999 ? entity(i, { dateObservedFrom: '2025-06-11T06:00:00Z', dateObservedTo: '2025-06-11T06:05:00Z' }) : e));
  const bytes = Buffer.from(JSON.stringify(entities));
  const l = await subject.lake();
  const first = await ingestNoise({ ...l, noiseShards: subject.two }, { sourceKind: 'noise-fiware', bytes, origin: 'big.json' });
  // 8 rejected as before, less 2 of them now ahead in time, plus the 6 ahead in time
  expect(first).toMatchObject({ newRaw: true, receivedAt: subject.now.toISOString(), quarantined: 12 });
  expect(first.rejections.filter((r) => r.reason.includes('more than a day in the future')).map((r) => r.record)).toEqual(['999', '1999', '2999', '3999', '4999', '5999']);
  const before = await snapshot(l.store);
  const later = new Date(subject.now.getTime() + 2 * 86_400_000);
  const replay = await ingestNoise({ ...l, now: () => later, noiseShards: subject.two }, { sourceKind: 'noise-fiware', bytes, origin: 'big.json' });
  expect(replay).toEqual({ ...first, newRaw: false });
  expect(await snapshot(l.store)).toEqual(before);
}

async function bytesOrText(subject: ShardedSubject): Promise<void> {
  const forms = async (bytes: Buffer) => {
    const seen: string[] = [];
    const readers: NoiseShardReaders = {
      count: subject.one.count,
      read: (part, raw) => {
        seen.push(typeof part.text === 'string' ? 'text' : 'bytes');
        return subject.one.read(part, raw);
      },
    };
    await ingestNoise({ ...(await subject.lake()), noiseShards: readers }, { sourceKind: 'noise-fiware', bytes, origin: 'big.json' });
    return seen;
  };
  expect(await forms(Buffer.from(JSON.stringify(batch())))).toEqual(['bytes']);
  const accented = batch().map((e, i) => (i % 500 === 0 && typeof e === 'object' ? { ...e, name: `capteur ${i}, place de l’Hôtel-de-Ville` } : e));
  expect(await forms(Buffer.from(JSON.stringify(accented)))).toEqual(['text']);
  await subject.compare(Buffer.from(JSON.stringify(accented)), true);
}

async function sharedBytes(subject: ShardedSubject): Promise<void> {
  const bytes = Buffer.from(JSON.stringify(batch()));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'observatory-shared-'));
  try {
    // the command line's read: the file's bytes in shared memory
    await writeFile(path.join(dir, 'big.json'), bytes);
    const shared = await readFileShared(path.join(dir, 'big.json'));
    expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(shared.equals(bytes)).toBe(true);
    await writeFile(path.join(dir, 'empty.json'), '');
    expect((await readFileShared(path.join(dir, 'empty.json'))).length).toBe(0);
    // the readers get views of it (no copy, nothing moved away from the ingest), and the lake is the same
    const forms: string[] = [];
    const readers: NoiseShardReaders = {
      count: subject.two.count,
      read: (part, raw) => {
        forms.push(typeof part.text === 'string' ? 'text' : part.text.buffer === shared.buffer ? 'shared' : 'copy');
        return subject.two.read(part, raw);
      },
    };
    const l = await subject.lake();
    const summary = await ingestNoise({ ...l, noiseShards: readers }, { sourceKind: 'noise-fiware', bytes: shared, origin: 'big.json' });
    expect(forms).toEqual(['shared', 'shared']);
    expect(shared.equals(bytes)).toBe(true);
    const { expected, whole } = await subject.compare(bytes, true);
    expect(summary).toEqual(expected);
    expect(await snapshot(l.store)).toEqual(await snapshot(whole.store));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function cutInsideAnElement(subject: ShardedSubject): Promise<void> {
  // every entity in the middle ends with "},{" in a text, where the cut is looked for
  const entities = batch().map((e, i) => (i > 2500 && i < 4000 ? { ...(e as object), note: `},{ ${i}` } : e));
  const bytes = Buffer.from(JSON.stringify(entities));
  const { expected } = await subject.compare(bytes, true);
  expect(expected).toMatchObject({ records: 6000, curated: 5992, quarantined: 8 });
  // the reader was given a part that starts inside a text: it could not read it
  const l = await subject.lake();
  const parts: number[] = [];
  const unread: number[] = [];
  expect(await ingestNoise({ ...l, noiseShards: noting(subject.one, parts, unread) }, { sourceKind: 'noise-fiware', bytes, origin: 'big.json' })).toEqual(expected);
  expect(unread).toEqual(parts);
  expect(parts).toHaveLength(1);
}

async function brokenPart(subject: ShardedSubject): Promise<void> {
  const text = JSON.stringify(batch());
  const cases = {
    'a broken element near the end': `${text.slice(0, text.lastIndexOf('"LAeq":99'))}"LAeq":}${text.slice(text.lastIndexOf('"LAeq":99') + 9)}`,
    'a comma after the last element': text.replace(/\]$/, ',]'),
    'text after the array': text + ' x',
    'no closing bracket': text.slice(0, -1),
  };
  for (const [name, broken] of Object.entries(cases)) {
    expect(broken, name).not.toBe(text);
    const { expected } = await subject.compare(Buffer.from(broken), false);
    expect(expected.unreadable, name).toBeTruthy();
    expect(expected.curated, name).toBe(0);
  }
}

async function readerThreadDies(subject: ShardedSubject): Promise<void> {
  const bytes = Buffer.from(JSON.stringify(batch()));
  const whole = await subject.lake();
  await ingestNoise(whole, { sourceKind: 'noise-fiware', bytes, origin: 'big.json' });
  const warnings: string[] = [];
  const readers = await ShardReaders.open({ threads: 1, logger: { info() {}, error() {}, warn: (m) => warnings.push(m) } });
  try {
    const thread = (readers as unknown as { pool: { threads: Worker[] } }).pool.threads[0];
    if (!thread) throw new Error('the shard readers started no thread');
    const l = await subject.lake();
    // the thread dies while the ingest has a part on it
    const ingest = ingestNoise({ ...l, noiseShards: readers }, { sourceKind: 'noise-fiware', bytes, origin: 'big.json' });
    await thread.terminate();
    await ingest;
    expect(await snapshot(l.store)).toEqual(await snapshot(whole.store));
    expect(warnings).toEqual(["a shard reader thread failed (worker exited with code: 1); its part is read on the ingest's thread"]);
    // piscina replaced the thread: the next ingests read on it
    const again = await subject.lake();
    expect(readers.count).toBe(1);
    const parts: number[] = [];
    const unread: number[] = [];
    await ingestNoise({ ...again, noiseShards: noting(readers, parts, unread) }, { sourceKind: 'noise-fiware', bytes, origin: 'big.json' });
    expect({ parts: parts.length > 0, unread }).toEqual({ parts: true, unread: [] });
    expect(await snapshot(again.store)).toEqual(await snapshot(whole.store));
  } finally {
    await readers.close();
  }
}

async function rawNotStored(subject: ShardedSubject): Promise<void> {
  const l = await subject.lake();
  let failures = 1;
  const store = new Proxy(l.store, {
    get(target, name, receiver) {
      if (name === 'putIfAbsent' && failures > 0) {
        failures--;
        return () => Promise.reject(new Error('disk full'));
      }
      const v = Reflect.get(target, name, receiver) as unknown;
      return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(target) : v;
    },
  });
  const bytes = Buffer.from(JSON.stringify(batch()));
  await expect(ingestNoise({ ...l, store, noiseShards: subject.two }, { sourceKind: 'noise-fiware', bytes, origin: 'big.json' })).rejects.toThrow(/disk full/);
  const summary = await ingestNoise({ ...l, store, noiseShards: subject.two }, { sourceKind: 'noise-fiware', bytes, origin: 'big.json' });
  expect(summary).toMatchObject({ curated: 5992, quarantined: 8 });
}

describe('a large FIWARE array read in parts on several threads', () => {
  let subject: ShardedSubject;
  beforeAll(async () => {
    subject = new ShardedSubject(await ShardReaders.open({ threads: 1 }), await ShardReaders.open({ threads: 2 }));
  });
  afterAll(async () => {
    await subject.one.close();
    await subject.two.close();
    for (const l of subject.lakes) await l.cleanup();
  });

  it('gives the lake and the summary of the whole read: rows, quarantine, repeated readings, sightings', () => sameAsWholeRead(subject));

  it('a replay received later keeps the first receipt: the same objects, checked against the first receive time', () => replayKeepsFirstReceipt(subject));

  it('an ASCII array goes to the readers as bytes, one with other characters as text: the same lake either way', () => bytesOrText(subject));

  it('bytes in shared memory (the command line reads a large file there): the readers read their parts where they are, the same lake', () => sharedBytes(subject));

  it('with a byte-order mark, and with pretty-printed JSON', async () => {
    await subject.compare(Buffer.from('\ufeff' + JSON.stringify(batch())), true);
    await subject.compare(Buffer.from(JSON.stringify(batch(), null, 2) + '\n'), true);
  });

  it('when the cut between parts falls inside an element: the array is read here alone, and the lake is the same', () => cutInsideAnElement(subject));

  it('gives the verdict of the whole read when the part a reader gets is not valid JSON', () => brokenPart(subject));

  it("when a reader thread dies, its part is read on the ingest's thread: the same lake, and a warning", () => readerThreadDies(subject));

  it('when the raw file cannot be stored: the ingest fails, and the readers go on with the next one', () => rawNotStored(subject));
});
