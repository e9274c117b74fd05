import type { Readable } from 'node:stream';

// The object store the stages read and write through: a folder on one machine, S3 on AWS.

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
  readonly contentType?: string;
  /** user metadata (S3 x-amz-meta-*), lower-case keys */
  readonly metadata?: Record<string, string>;
  /** sha256 of the bytes, hex, recorded when the object was written */
  readonly sha256?: string;
}

export interface StoredObject {
  readonly bytes: Buffer;
  readonly info: ObjectInfo;
}

export interface PutOptions {
  readonly contentType?: string;
  readonly metadata?: Record<string, string>;
  /**
   * the sha256 (hex) of the body when the caller already computed it (a content-addressed key): the
   * store records it instead of hashing the bytes again (S3 still verifies it, as ChecksumSHA256)
   */
  readonly sha256?: string;
}

export interface ListPage {
  readonly items: ObjectInfo[];
  /** pass back to get the next page; undefined on the last page */
  readonly cursor?: string;
}

export type Body = Uint8Array | string;

export interface ListOptions {
  readonly cursor?: string;
  readonly pageSize?: number;
  /** only keys after this one (ignored with a cursor, which already says where to go on) */
  readonly startAfter?: string;
}

export interface ObjectStore {
  /** a human-readable location, e.g. `file:///…/lake` or `s3://bucket/prefix` */
  readonly url: string;
  put(key: string, body: Body, options?: PutOptions): Promise<ObjectInfo>;
  putStream(key: string, body: Readable, options?: PutOptions): Promise<ObjectInfo>;
  /**
   * writes only when the key does not exist yet; `created: false` leaves the existing object untouched.
   * Atomic where the store supports a conditional write; see each adapter for the fallback.
   */
  putIfAbsent(key: string, body: Body, options?: PutOptions): Promise<{ created: boolean; info: ObjectInfo }>;
  get(key: string): Promise<Buffer>;
  getStream(key: string): Promise<Readable>;
  /**
   * the bytes and what head() would say of them, in one request (S3: GetObject answers with the
   * metadata); undefined when the key does not exist
   */
  getWithInfo(key: string): Promise<StoredObject | undefined>;
  /** undefined when the key does not exist */
  head(key: string): Promise<ObjectInfo | undefined>;
  /**
   * one page of keys under a prefix, in lexicographic order; `startAfter` skips the keys up to it (a
   * listing that starts in the middle of a prefix costs only what follows)
   */
  list(prefix: string, options?: ListOptions): Promise<ListPage>;
  /** deleting a missing key is not an error */
  delete(key: string): Promise<void>;
  /**
   * deletes these keys, in as few requests as the store allows (S3 DeleteObjects: up to
   * DELETE_BATCH_SIZE keys a request); missing keys are not an error; fails if any key could not be deleted
   */
  deleteMany(keys: readonly string[]): Promise<void>;
  /** the local file path of a key when the store is a folder (lets DuckDB read it in place) */
  localPath?(key: string): string;
}

/** keys per DeleteObjects request: the S3 maximum */
export const DELETE_BATCH_SIZE = 1000;

/** the keys in batches of at most `size`, duplicates removed */
export function deleteBatches(keys: readonly string[], size = DELETE_BATCH_SIZE): string[][] {
  const unique = [...new Set(keys)];
  const out: string[][] = [];
  for (let i = 0; i < unique.length; i += size) out.push(unique.slice(i, i + size));
  return out;
}

export class ObjectNotFoundError extends Error {
  constructor(readonly key: string, readonly store: string) {
    super(`no object "${key}" in ${store}`);
    this.name = 'ObjectNotFoundError';
  }
}

/** every object under a prefix, following the pages */
export async function* listAll(store: ObjectStore, prefix: string, pageSize?: number, startAfter?: string): AsyncGenerator<ObjectInfo> {
  let cursor: string | undefined;
  do {
    const page = await store.list(prefix, cursor ? { cursor, pageSize } : { pageSize, startAfter });
    yield* page.items;
    cursor = page.cursor;
  } while (cursor);
}

export async function listKeys(store: ObjectStore, prefix: string): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const o of listAll(store, prefix)) out.push(o);
  return out;
}
