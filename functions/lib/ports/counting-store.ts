import { statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { deleteBatches, type Body, type ListOptions, type ListPage, type ObjectInfo, type ObjectStore, type PutOptions, type StoredObject } from './object-store.ts';

// What a run costs, counted where it is spent: every request the object store serves. On S3 each of
// these is a billed request (GET/HEAD, PUT, LIST, DELETE), so the counters are the run's bill.

export interface StoreCounters {
  /** GET and HEAD requests, and local files handed to the engine to read in place */
  objects_read: number;
  bytes_read: number;
  /** PUT requests (put, putStream, putIfAbsent) */
  objects_written: number;
  bytes_written: number;
  /** pages of a listing: one LIST request each */
  lists: number;
  /** DELETE requests: one per deleted key, or one per batch of up to 1000 keys (DeleteObjects) */
  deletes: number;
}

export const COUNTER_NAMES = ['objects_read', 'bytes_read', 'objects_written', 'bytes_written', 'lists', 'deletes'] as const satisfies readonly (keyof StoreCounters)[];

export function zeroCounters(): StoreCounters {
  return { objects_read: 0, bytes_read: 0, objects_written: 0, bytes_written: 0, lists: 0, deletes: 0 };
}

const byteLength = (body: Body) => (typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);

/** an object store that counts the requests it forwards, and the keys it was asked about */
export class CountingObjectStore implements ObjectStore {
  readonly counters: StoreCounters = zeroCounters();
  /** keys read (GET, HEAD or in place), in order: lets a test say *which* partitions a run read */
  readonly keysRead: string[] = [];
  readonly localPath?: (key: string) => string;

  constructor(private readonly inner: ObjectStore) {
    if (inner.localPath) {
      // a folder store lets the engine read files in place: handing out a path is reading the object
      this.localPath = (key: string) => {
        const p = inner.localPath!(key);
        this.read(key, statSync(p, { throwIfNoEntry: false })?.size ?? 0);
        return p;
      };
    }
  }

  get url(): string {
    return this.inner.url;
  }

  private read(key: string, bytes: number): void {
    this.counters.objects_read++;
    this.counters.bytes_read += bytes;
    this.keysRead.push(key);
  }

  private written(info: ObjectInfo): ObjectInfo {
    this.counters.objects_written++;
    this.counters.bytes_written += info.size;
    return info;
  }

  async put(key: string, body: Body, options?: PutOptions): Promise<ObjectInfo> {
    const info = await this.inner.put(key, body, options);
    this.counters.objects_written++;
    this.counters.bytes_written += byteLength(body);
    return info;
  }

  async putStream(key: string, body: Readable, options?: PutOptions): Promise<ObjectInfo> {
    return this.written(await this.inner.putStream(key, body, options));
  }

  async putIfAbsent(key: string, body: Body, options?: PutOptions): Promise<{ created: boolean; info: ObjectInfo }> {
    const out = await this.inner.putIfAbsent(key, body, options);
    this.counters.objects_written++;
    if (out.created) this.counters.bytes_written += byteLength(body);
    return out;
  }

  // a request is counted even when it fails: a GET of a missing key is served (and billed) too
  async get(key: string): Promise<Buffer> {
    this.read(key, 0);
    const bytes = await this.inner.get(key);
    this.counters.bytes_read += bytes.byteLength;
    return bytes;
  }

  async getStream(key: string): Promise<Readable> {
    this.read(key, 0);
    const stream = await this.inner.getStream(key);
    stream.on('data', (chunk: Buffer) => (this.counters.bytes_read += chunk.byteLength));
    return stream;
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    this.read(key, 0);
    return this.inner.head(key);
  }

  async getWithInfo(key: string): Promise<StoredObject | undefined> {
    this.read(key, 0);
    const out = await this.inner.getWithInfo(key);
    this.counters.bytes_read += out?.bytes.byteLength ?? 0;
    return out;
  }

  async list(prefix: string, options?: ListOptions): Promise<ListPage> {
    this.counters.lists++;
    return this.inner.list(prefix, options);
  }

  async delete(key: string): Promise<void> {
    this.counters.deletes++;
    await this.inner.delete(key);
  }

  /** one request per batch of up to 1000 keys, as S3 bills a DeleteObjects */
  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const batch of deleteBatches(keys)) {
      this.counters.deletes++;
      await this.inner.deleteMany(batch);
    }
  }
}
