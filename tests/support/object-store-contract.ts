import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAll, ObjectNotFoundError, type ObjectInfo, type ObjectStore } from '../../functions/lib/ports/object-store.ts';
import { defined } from './defined.ts';

// What every ObjectStore adapter promises, run against each of them (tests/adapters/*.test.ts).
// All tests share one store and write under their own key prefix, so they don't see each other.

export interface ObjectStoreCapabilities {
  /** concurrent putIfAbsent calls on one key: exactly one reports `created: true` */
  readonly atomicPutIfAbsent: boolean;
  /** rejects keys a folder cannot hold: hidden or dot segments, empty segments, backslashes (the filesystem store) */
  readonly strictKeys: boolean;
  /** how many parts the store has uploaded so far, for stores that upload large streams in parts */
  readonly uploadedParts?: () => number;
}

export interface StoreUnderTest {
  readonly store: ObjectStore;
  cleanup(): Promise<void>;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** every byte value, 0x00 first, then a few more, so text-mode mangling shows */
const BINARY = Buffer.from([...Array.from({ length: 256 }, (_, i) => i), 0, 0, 13, 10, 255]);

/** `size` deterministic pseudo-random bytes in 64 KiB chunks */
function generated(size: number): { stream: Readable; sha256: string } {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let seed = 0x9e3779b9;
  for (let done = 0; done < size; ) {
    const chunk = Buffer.alloc(Math.min(64 * 1024, size - done));
    for (let i = 0; i < chunk.length; i += 4) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      chunk.writeUInt32LE(seed, i);
    }
    hash.update(chunk);
    chunks.push(chunk);
    done += chunk.length;
  }
  return { stream: Readable.from(chunks), sha256: hash.digest('hex') };
}

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function collect(store: ObjectStore, prefix: string, pageSize?: number): Promise<{ keys: string[]; pages: number[] }> {
  const keys: string[] = [];
  const pages: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list(prefix, { cursor, pageSize });
    pages.push(page.items.length);
    keys.push(...page.items.map((i) => i.key));
    cursor = page.cursor;
  } while (cursor);
  return { keys, pages };
}

/** runs `task` over `items`, at most `limit` at a time */
async function inBatches<T>(items: T[], limit: number, task: (item: T) => Promise<unknown>): Promise<void> {
  const queue = items.values(); // one iterator shared by the workers: each item is taken once
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (const item of queue) await task(item);
    }),
  );
}

/** the store a contract run is given, and what that store can promise */
class ContractSubject {
  constructor(
    private readonly underTest: StoreUnderTest,
    readonly capabilities: ObjectStoreCapabilities,
  ) {}

  get store(): ObjectStore {
    return this.underTest.store;
  }

  cleanup(): Promise<void> {
    return this.underTest.cleanup();
  }
}

async function binaryRoundTrip(store: ObjectStore): Promise<void> {
  await store.put('roundtrip/binary.bin', BINARY);
  expect(Buffer.compare(await store.get('roundtrip/binary.bin'), BINARY)).toBe(0);
  expect(Buffer.compare(await drain(await store.getStream('roundtrip/binary.bin')), BINARY)).toBe(0);
  await store.put('roundtrip/text.txt', 'Bruit à Paris — Lden 62 dB\n');
  expect((await store.get('roundtrip/text.txt')).toString('utf8')).toBe('Bruit à Paris — Lden 62 dB\n');
}

async function putAndHeadDescribe(store: ObjectStore): Promise<void> {
  const before = Date.now();
  const written = await store.put('head/readings.csv', BINARY, { contentType: 'text/csv', metadata: { Source: 'bruitparif', 'x-batch': '7' } });
  const info = defined(await store.head('head/readings.csv'), 'head() of head/readings.csv');
  for (const i of [written, info]) {
    expect(i).toMatchObject({
      key: 'head/readings.csv',
      size: BINARY.length,
      contentType: 'text/csv',
      metadata: { source: 'bruitparif', 'x-batch': '7' },
      sha256: sha256(BINARY),
    });
    expect(i.etag).not.toBe('');
    expect(i.lastModified).toBeInstanceOf(Date);
    // S3 keeps seconds only
    expect(i.lastModified.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 5_000);
    expect(i.lastModified.getTime()).toBeLessThanOrEqual(Date.now() + 5_000);
  }
  expect(Object.keys(defined(info.metadata, 'the metadata of head/readings.csv')).sort()).toEqual(['source', 'x-batch']);
}

async function getWithInfoInOneRequest(store: ObjectStore): Promise<void> {
  await store.put('head/with-info.csv', BINARY, { contentType: 'text/csv', metadata: { Origin: 'push', 'received-at': '2026-05-04T10:00:00Z' } });
  const stored = defined(await store.getWithInfo('head/with-info.csv'), 'getWithInfo() of head/with-info.csv');
  expect(Buffer.compare(stored.bytes, BINARY)).toBe(0);
  const { lastModified: _at, ...headed } = defined(await store.head('head/with-info.csv'), 'head() of head/with-info.csv');
  expect(stored.info).toMatchObject({ ...headed, metadata: { origin: 'push', 'received-at': '2026-05-04T10:00:00Z' } });
  expect(await store.getWithInfo('missing/with-info.csv')).toBeUndefined();
}

async function largeViewHashed(store: ObjectStore): Promise<void> {
  const whole = Buffer.alloc(3 * 1024 * 1024 + 17);
  for (let i = 0; i < whole.length; i++) whole[i] = (i * 7919) % 251;
  const view = whole.subarray(1001, whole.length - 1000); // not at offset 0, not to the end
  const put = await store.put('large/view.bin', view);
  expect(put).toMatchObject({ size: view.length, sha256: sha256(view) });
  const once = await store.putIfAbsent('large/view-once.bin', view);
  expect(once.info).toMatchObject({ size: view.length, sha256: sha256(view) });
  expect(sha256(await store.get('large/view-once.bin'))).toBe(sha256(view));
  // a caller that has the hash already (content-addressed raw files) passes it: recorded, not metadata
  const given = await store.putIfAbsent('large/view-given.bin', view, { sha256: sha256(view), metadata: { origin: 'x' } });
  expect(given.info).toMatchObject({ size: view.length, sha256: sha256(view), metadata: { origin: 'x' } });
  expect(Object.keys(given.info.metadata ?? {})).toEqual(['origin']);
}

async function missingKey(store: ObjectStore): Promise<void> {
  await expect(store.get('missing/nothing.csv')).rejects.toBeInstanceOf(ObjectNotFoundError);
  await expect(store.get('missing/nothing.csv')).rejects.toMatchObject({ key: 'missing/nothing.csv' });
  await expect(store.getStream('missing/nothing.csv')).rejects.toBeInstanceOf(ObjectNotFoundError);
  expect(await store.head('missing/nothing.csv')).toBeUndefined();
}

async function overwriteReplacesAll(store: ObjectStore): Promise<void> {
  await store.put('overwrite/a.json', '{"v":1}', { contentType: 'application/json', metadata: { version: '1' } });
  await store.put('overwrite/a.json', 'v2 as text', { contentType: 'text/plain' });
  expect((await store.get('overwrite/a.json')).toString()).toBe('v2 as text');
  const info = await store.head('overwrite/a.json');
  expect(info).toMatchObject({ size: 10, contentType: 'text/plain', metadata: {}, sha256: sha256(Buffer.from('v2 as text')) });
}

async function putIfAbsentOnce(store: ObjectStore): Promise<void> {
  const first = await store.putIfAbsent('once/marker', 'first', { metadata: { writer: 'a' } });
  expect(first.created).toBe(true);
  expect(first.info).toMatchObject({ key: 'once/marker', size: 5, sha256: sha256(Buffer.from('first')), metadata: { writer: 'a' } });
  const second = await store.putIfAbsent('once/marker', 'second', { metadata: { writer: 'b' } });
  expect(second.created).toBe(false);
  expect(second.info).toMatchObject({ key: 'once/marker', size: 5 });
  expect((await store.get('once/marker')).toString()).toBe('first');
  expect(await store.head('once/marker')).toMatchObject({ sha256: sha256(Buffer.from('first')), metadata: { writer: 'a' } });
}

async function atomicRace(store: ObjectStore): Promise<void> {
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.putIfAbsent('race/lock', `writer ${i}`)));
  const winners = results.flatMap((r, i) => (r.created ? [i] : []));
  expect(winners).toHaveLength(1);
  expect((await store.get('race/lock')).toString()).toBe(`writer ${winners[0]}`);
}

async function nonAtomicRace(store: ObjectStore): Promise<void> {
  const bodies = Array.from({ length: 20 }, (_, i) => `writer ${i}`);
  const results = await Promise.all(bodies.map((b) => store.putIfAbsent('race/lock', b)));
  expect(results.filter((r) => r.created).length).toBeGreaterThanOrEqual(1);
  const stored = (await store.get('race/lock')).toString();
  expect(bodies).toContain(stored);
  expect(defined(await store.head('race/lock'), 'head() of race/lock').sha256).toBe(sha256(Buffer.from(stored)));
}

async function listInOrder(store: ObjectStore): Promise<void> {
  for (const key of ['list/b.csv', 'list/a.csv', 'list/c/d.csv', 'listing/e.csv', 'lis.csv']) await store.put(key, key);
  const page = await store.list('list/');
  expect(page.items.map((i) => i.key)).toEqual(['list/a.csv', 'list/b.csv', 'list/c/d.csv']);
  expect(page.cursor).toBeUndefined();
  const first = defined(page.items[0], 'a first item under list/');
  expect(first).toMatchObject({ key: 'list/a.csv', size: 'list/a.csv'.length });
  expect(first.etag).not.toBe('');
  expect(first.lastModified).toBeInstanceOf(Date);
  expect((await store.list('list')).items.map((i) => i.key)).toEqual(['list/a.csv', 'list/b.csv', 'list/c/d.csv', 'listing/e.csv']);
  expect((await store.list('list/c/')).items.map((i) => i.key)).toEqual(['list/c/d.csv']);
  expect((await store.list('list/zzz')).items).toEqual([]);
}

async function listPages(store: ObjectStore): Promise<void> {
  const keys = ['page/1', 'page/2', 'page/3', 'page/4', 'page/5'];
  await Promise.all(keys.map((k) => store.put(k, k)));
  const { keys: listed, pages } = await collect(store, 'page/', 2);
  expect(pages).toEqual([2, 2, 1]);
  expect(listed).toEqual(keys);
}

async function unusualKeysRoundTrip(store: ObjectStore): Promise<void> {
  const keys = ['names/Bois de Vincennes.csv', 'names/Créteil–Échat/été 2025.csv', 'names/北京 station.csv'] as const;
  for (const key of keys) await store.put(key, `bytes of ${key}`, { contentType: 'text/csv' });
  for (const key of keys) {
    expect((await store.get(key)).toString()).toBe(`bytes of ${key}`);
    expect(await store.head(key)).toMatchObject({ key, sha256: sha256(Buffer.from(`bytes of ${key}`)) });
  }
  expect((await store.list('names/')).items.map((i) => i.key)).toEqual([...keys].sort());
  await store.delete(keys[1]);
  expect(await store.head(keys[1])).toBeUndefined();
}

async function deleteOne(store: ObjectStore): Promise<void> {
  await store.put('delete/x.csv', 'x');
  await store.delete('delete/x.csv');
  expect(await store.head('delete/x.csv')).toBeUndefined();
  await expect(store.get('delete/x.csv')).rejects.toBeInstanceOf(ObjectNotFoundError);
  expect((await store.list('delete/')).items).toEqual([]);
  await expect(store.delete('delete/never-there.csv')).resolves.toBeUndefined();
}

async function deleteManyExactly(store: ObjectStore): Promise<void> {
  const doomed = Array.from({ length: 7 }, (_, i) => `batch/doomed/${i}.txt`);
  const kept = ['batch/doomed/kept.txt', 'batch/kept.txt'];
  for (const key of [...doomed, ...kept]) await store.put(key, key);
  await store.deleteMany([...doomed, 'batch/never-there.txt', ...doomed.slice(0, 1)]);
  expect((await collect(store, 'batch/')).keys.sort()).toEqual([...kept].sort());
  await expect(store.deleteMany([])).resolves.toBeUndefined();
}

async function smallStream(store: ObjectStore): Promise<void> {
  const info = await store.putStream('stream/small.ndjson', Readable.from(['{"a":1}\n', '{"a":2}\n']), {
    contentType: 'application/x-ndjson',
    metadata: { Rows: '2' },
  });
  const bytes = Buffer.from('{"a":1}\n{"a":2}\n');
  expect(info).toMatchObject({ size: bytes.length, contentType: 'application/x-ndjson', metadata: { rows: '2' }, sha256: sha256(bytes) });
  expect(await store.get('stream/small.ndjson')).toEqual(bytes);
}

async function bigStream({ store, capabilities }: ContractSubject): Promise<void> {
  const size = 12 * 1024 * 1024;
  const { stream, sha256: expected } = generated(size);
  const partsBefore = capabilities.uploadedParts?.() ?? 0;
  const info = await store.putStream('stream/big.bin', stream, { contentType: 'application/octet-stream', metadata: { kind: 'generated' } });
  expect(info).toMatchObject({ size, sha256: expected, contentType: 'application/octet-stream', metadata: { kind: 'generated' } });
  if (capabilities.uploadedParts) expect(capabilities.uploadedParts() - partsBefore).toBeGreaterThanOrEqual(2);
  expect(await store.head('stream/big.bin')).toMatchObject({ size, sha256: expected });
  const read = createHash('sha256');
  let length = 0;
  for await (const chunk of await store.getStream('stream/big.bin')) {
    read.update(chunk as Buffer);
    length += (chunk as Buffer).length;
  }
  expect(length).toBe(size);
  expect(read.digest('hex')).toBe(expected);
}

async function emptyKeyRejected(store: ObjectStore): Promise<void> {
  await expect(store.put('', 'x')).rejects.toThrow(/invalid object key/);
  await expect(store.putIfAbsent('', 'x')).rejects.toThrow(/invalid object key/);
}

async function keyRejectedOnEveryWrite(store: ObjectStore, key: string): Promise<void> {
  await expect(store.put(key, 'x')).rejects.toThrow(/invalid object key/);
  await expect(store.putStream(key, Readable.from(['x']))).rejects.toThrow(/invalid object key/);
  await expect(store.putIfAbsent(key, 'x')).rejects.toThrow(/invalid object key/);
}

async function manyKeysAcrossPages(store: ObjectStore): Promise<void> {
  const keys = Array.from({ length: 1001 }, (_, i) => `many/${String(i).padStart(4, '0')}.csv`);
  await inBatches(keys, 32, (k) => store.put(k, 'x'));
  const { keys: listed, pages } = await collect(store, 'many/');
  expect(pages).toEqual([1000, 1]);
  expect(listed).toEqual(keys);
  const all: ObjectInfo[] = [];
  for await (const o of listAll(store, 'many/', 400)) all.push(o);
  expect(all.map((o) => o.key)).toEqual(keys);
}

export function objectStoreContract(
  name: string,
  makeStore: () => Promise<StoreUnderTest>,
  capabilities: ObjectStoreCapabilities,
): void {
  describe(`${name} (ObjectStore contract)`, () => {
    let subject: ContractSubject;
    beforeAll(async () => {
      subject = new ContractSubject(await makeStore(), capabilities);
    });
    afterAll(async () => {
      await subject?.cleanup();
    });

    it('put() then get() and getStream() return the same bytes, 0x00 and all', () => binaryRoundTrip(subject.store));
    it('put() returns, and head() reports, size, content type, lower-cased metadata and the sha256 of the bytes', () =>
      putAndHeadDescribe(subject.store));
    it('getWithInfo() gives the bytes and what head() reports, in one request; undefined for a missing key', () =>
      getWithInfoInOneRequest(subject.store));
    it('records the sha256 of a large body given as a view into a bigger buffer, by put() and putIfAbsent()', () => largeViewHashed(subject.store));
    it('a missing key: get() and getStream() throw ObjectNotFoundError, head() is undefined', () => missingKey(subject.store));
    it('put() over an existing key replaces bytes, content type, metadata and sha256', () => overwriteReplacesAll(subject.store));
    it('putIfAbsent() creates once, then leaves the first bytes in place', () => putIfAbsentOnce(subject.store));
    if (capabilities.atomicPutIfAbsent) {
      it('20 concurrent putIfAbsent() on one key: exactly one is created, and its bytes stay', () => atomicRace(subject.store));
    } else {
      it('concurrent putIfAbsent() (not atomic here): at least one is created and the object is one writer’s, whole', () => nonAtomicRace(subject.store));
    }
    it('list() returns the keys under a prefix in lexicographic order', () => listInOrder(subject.store));
    it('list() pages: pageSize 2 over 5 keys gives 2, 2, 1 with nothing lost or repeated', () => listPages(subject.store));
    it('keys with spaces and non-ASCII characters round-trip through put, head, get, list and delete', () => unusualKeysRoundTrip(subject.store));
    it('delete() removes the object; deleting a missing key resolves', () => deleteOne(subject.store));
    it('deleteMany() removes exactly the keys given; missing and repeated keys are fine', () => deleteManyExactly(subject.store));
    it('putStream() of a small stream records content type, metadata and sha256', () => smallStream(subject.store));
    it('putStream() of a 12 MiB stream stores it whole (in parts where the store has multipart) with its sha256; getStream() reads it back', () =>
      bigStream(subject));
    it('rejects an empty key', () => emptyKeyRejected(subject.store));
    if (capabilities.strictKeys) {
      it.each(['/abs.csv', '../escape.csv', 'a/../b.csv', 'a//b.csv', '.hidden.csv', 'dir/.meta/x', 'trailing/', 'back\\slash', 'nul\0byte'])(
        'rejects the key %j on every write',
        (key) => keyRejectedOnEveryWrite(subject.store, key),
      );
    }
    // 1001 keys are enough to cross the default 1000-key page; on Swift each PUT costs ~15 ms of CPU
    it('lists 1001 keys across the default 1000-key page, in order, each once', () => manyKeysAcrossPages(subject.store), 180_000); // ~10 s on an idle 2-core machine against Swift, 30 s or more when the machine is busy
  });
}
