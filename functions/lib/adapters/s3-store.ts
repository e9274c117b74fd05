import { createHash } from 'node:crypto';
import { sha256Hex } from '../hash.ts';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCopyCommand,
  AbortMultipartUploadCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { StandardRetryStrategy } from '@smithy/core/retry';
import {
  DELETE_BATCH_SIZE,
  deleteBatches,
  ObjectNotFoundError,
  type Body,
  type ListOptions,
  type ListPage,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type StoredObject,
} from '../ports/object-store.ts';

// The object store on S3, or on any S3-compatible server (the tests run it against OpenStack Swift's
// s3api). Keys live under an optional prefix of one bucket.
//
// Every object written carries the sha256 of its bytes as the user metadata `sha256` (x-amz-meta-sha256),
// which head() returns as `sha256`. Single PUTs also send it as ChecksumSHA256 and send Content-MD5, so
// the server verifies the bytes: AWS checks both; Swift ignores the x-amz-checksum-* header (a wrong
// value is accepted) but does check Content-MD5.
//
// putStream buffers up to `multipartThreshold` bytes; a body that ends before is one PUT with the
// checksum known up front. A longer one is a multipart upload (lib-storage `Upload`) hashed as it
// streams; its metadata is fixed when the upload starts, so once the upload completes the object is
// copied onto itself with the sha256 added (CopyObject up to 5 GiB, a multipart copy above). Between the
// two steps a reader can see the object without its `sha256`.

export type ConditionalPutMode = 'auto' | 'native' | 'emulated';

export interface S3ObjectStoreOptions {
  /**
   * a configured client; when absent one is built with createS3Client() from endpoint, region,
   * credentials, forcePathStyle, maxAttempts and retryBaseDelayMs, which a given client ignores
   */
  readonly client?: S3Client;
  readonly bucket: string;
  /** keys are stored under `prefix/`; leading and trailing slashes are ignored */
  readonly prefix?: string;
  /** an S3-compatible server, e.g. `http://127.0.0.1:18480`; absent on AWS */
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials?: S3ClientConfig['credentials'];
  /** path-style URLs (`endpoint/bucket/key`); default true with an endpoint, false on AWS */
  readonly forcePathStyle?: boolean;
  /**
   * how putIfAbsent writes. 'native': PutObject with If-None-Match: * (atomic; AWS S3 since 2024).
   * 'emulated': HEAD then PUT (not atomic). 'auto' (default): native until the server answers
   * 501 NotImplemented (Swift does), emulated from then on.
   */
  readonly conditionalPut?: ConditionalPutMode;
  /** attempts per request, the first included (default 5) */
  readonly maxAttempts?: number;
  /** first retry of a transient error waits up to this many ms, doubling each retry, with full jitter (default 100); throttling starts from the SDK's 1 s */
  readonly retryBaseDelayMs?: number;
  /** putStream bodies longer than this go up in parts (default 8 MiB) */
  readonly multipartThreshold?: number;
  /** part size of multipart uploads (default 8 MiB, at least 5 MiB: the S3 minimum) */
  readonly partSize?: number;
  /** keys per DeleteObjects request (default and S3 maximum: 1000); lowered only by tests */
  readonly deleteBatchSize?: number;
  /** objects larger than this get their checksum recorded by a multipart copy (default and S3 maximum: 5 GiB); lowered only by tests */
  readonly singleCopyLimit?: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const MIN_PART_SIZE = 5 * MiB;
const CHECKSUM_KEY = 'sha256';

/** errors from the server or the network, with the operation, the object and the attempts made */
export class S3StoreError extends Error {
  constructor(
    readonly operation: string,
    readonly location: string,
    readonly code: string,
    readonly status: number | undefined,
    readonly attempts: number | undefined,
    options?: { cause?: unknown },
  ) {
    const where = `${operation} ${location}`;
    const what = status ? `${code} (HTTP ${status})` : code;
    const tries = attempts && attempts > 1 ? ` after ${attempts} attempts` : '';
    const detail = options?.cause instanceof Error && options.cause.message && options.cause.message !== code ? `: ${options.cause.message}` : '';
    super(`${where} failed${tries}: ${what}${detail}`, options);
    this.name = 'S3StoreError';
  }
}

/**
 * An S3 client set up for this store: retries with exponential backoff and jitter on throttling,
 * 5xx and network errors; against a custom endpoint, checksums only where an operation requires them
 * (Swift rejects the SDK's default aws-chunked streaming checksums with 501) and Content-MD5 on
 * DeleteObjects (Swift requires it, the SDK now sends a CRC32 instead).
 */
export function createS3Client(options: Omit<S3ObjectStoreOptions, 'client' | 'bucket'> = {}): S3Client {
  const maxAttempts = options.maxAttempts ?? 5;
  const custom = options.endpoint !== undefined;
  const client = new S3Client({
    endpoint: options.endpoint,
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    credentials: options.credentials,
    forcePathStyle: options.forcePathStyle ?? custom,
    requestChecksumCalculation: custom ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
    responseChecksumValidation: custom ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
    maxAttempts,
    // the SDK's standard strategy: throttling and transient errors (500, 502, 503, 504, timeouts, reset
    // or refused connections) retried up to maxAttempts with full-jitter exponential backoff (throttling
    // from a 1 s base), within a retry quota; other errors, 501 NotImplemented among them, fail at once.
    // Not retried by any strategy: a PUT whose body is a stream, which is why this store sends buffers and parts.
    retryStrategy: new StandardRetryStrategy({ maxAttempts, baseDelay: options.retryBaseDelayMs ?? 100 }),
    // without timeouts a stalled server hangs the caller: no connection in 10 s or no response headers
    // in 2 min is a TimeoutError, retried like any network error (the body of a response may take longer)
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000, throwOnRequestTimeout: true },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { body?: unknown; headers?: Record<string, string> } | undefined;
      if (context.commandName === 'DeleteObjectsCommand' && request?.headers && (typeof request.body === 'string' || request.body instanceof Uint8Array)) {
        request.headers['content-md5'] = createHash('md5').update(request.body).digest('base64');
      }
      return next(args);
    },
    { step: 'build', name: 'contentMd5ForDeleteObjects' },
  );
  return client;
}

export class S3ObjectStore implements ObjectStore {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly client: S3Client;
  private readonly multipartThreshold: number;
  private readonly partSize: number;
  private readonly singleCopyLimit: number;
  private readonly deleteBatchSize: number;
  private conditionalPut: 'native' | 'emulated';
  private readonly conditionalPutMode: ConditionalPutMode;

  constructor(options: S3ObjectStoreOptions) {
    if (!options.bucket) throw new Error('S3ObjectStore: bucket is required');
    this.bucket = options.bucket;
    const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.prefix = prefix ? `${prefix}/` : '';
    this.url = `s3://${this.bucket}${prefix ? `/${prefix}` : ''}`;
    this.client = options.client ?? createS3Client(options);
    this.partSize = Math.max(MIN_PART_SIZE, options.partSize ?? 8 * MiB);
    this.multipartThreshold = options.multipartThreshold ?? 8 * MiB;
    this.singleCopyLimit = options.singleCopyLimit ?? 5 * GiB;
    this.deleteBatchSize = Math.min(DELETE_BATCH_SIZE, options.deleteBatchSize ?? DELETE_BATCH_SIZE);
    this.conditionalPutMode = options.conditionalPut ?? 'auto';
    this.conditionalPut = this.conditionalPutMode === 'emulated' ? 'emulated' : 'native';
  }

  /**
   * whether putIfAbsent is atomic: two writers racing on one key cannot both get `created: true`.
   * In 'auto' mode it is true until the server has answered a conditional PUT with 501, false after.
   */
  get atomicPutIfAbsent(): boolean {
    return this.conditionalPut === 'native';
  }

  private fullKey(key: string): string {
    checkS3Key(key, this.prefix);
    return this.prefix + key;
  }

  private where(key: string): string {
    return `${this.url}/${key}`;
  }

  /**
   * One PutObject: what it returns is known from the request and its answer (the ETag), so no HEAD
   * follows — on S3 every request is billed, and a HEAD after each PUT would double the cost of writing.
   * lastModified is the time the answer came (S3's own is within the same second or so).
   */
  async put(key: string, body: Body, options?: PutOptions): Promise<ObjectInfo> {
    const bytes = toBytes(body);
    const { etag, sha256 } = await this.putBytes(key, bytes, options, false);
    return { key, size: bytes.length, etag, lastModified: new Date(), contentType: options?.contentType, metadata: lower(options?.metadata) ?? {}, sha256 };
  }

  /** one PutObject with the checksum; `ifAbsent` adds If-None-Match: * */
  private async putBytes(key: string, bytes: Uint8Array, options: PutOptions | undefined, ifAbsent: boolean): Promise<{ etag: string; sha256: string }> {
    const Key = this.fullKey(key);
    const digest = Buffer.from(options?.sha256 ?? (await sha256Hex(bytes)), 'hex');
    const out = await this.send('put', key, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key,
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: options?.contentType,
          ContentMD5: createHash('md5').update(bytes).digest('base64'),
          ChecksumSHA256: digest.toString('base64'),
          Metadata: withChecksum(options?.metadata, digest.toString('hex')),
          IfNoneMatch: ifAbsent ? '*' : undefined,
        }),
      ),
    );
    return { etag: unquote(out.ETag), sha256: digest.toString('hex') };
  }

  async putStream(key: string, body: Readable, options?: PutOptions): Promise<ObjectInfo> {
    const fullKey = this.fullKey(key);
    const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
    const first: Buffer[] = [];
    let buffered = 0;
    while (buffered <= this.multipartThreshold) {
      const next = await chunks.next();
      if (next.done) return this.put(key, Buffer.concat(first), options);
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      first.push(chunk);
      buffered += chunk.length;
    }

    const hash = createHash('sha256');
    let size = 0;
    async function* hashed(): AsyncGenerator<Buffer> {
      const pass = (chunk: Buffer | string) => {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        hash.update(bytes);
        size += bytes.length;
        return bytes;
      };
      for (const chunk of first) yield pass(chunk);
      first.length = 0;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield pass(next.value);
    }
    const upload = new Upload({
      client: this.client,
      partSize: this.partSize,
      queueSize: 4,
      params: {
        Bucket: this.bucket,
        Key: fullKey,
        Body: Readable.from(hashed()),
        ContentType: options?.contentType,
        Metadata: lower(options?.metadata),
      },
    });
    try {
      await this.send('multipart upload', key, () => upload.done());
    } catch (e) {
      body.destroy();
      throw e;
    }
    await this.recordChecksum(key, size, hash.digest('hex'), options);
    return this.headAfterWrite(key);
  }

  /** copies the object onto itself with the sha256 added to its metadata */
  private async recordChecksum(key: string, size: number, sha256: string, options: PutOptions | undefined): Promise<void> {
    const Key = this.fullKey(key);
    const CopySource = `${this.bucket}/${encodeKey(Key)}`;
    const Metadata = withChecksum(options?.metadata, sha256);
    if (size <= this.singleCopyLimit) {
      await this.send('record checksum of', key, () =>
        this.client.send(
          new CopyObjectCommand({ Bucket: this.bucket, Key, CopySource, MetadataDirective: 'REPLACE', ContentType: options?.contentType, Metadata }),
        ),
      );
      return;
    }
    // above 5 GiB CopyObject is refused: copy the object in ranges into a new multipart upload
    const { UploadId } = await this.send('record checksum of', key, () =>
      this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key, ContentType: options?.contentType, Metadata })),
    );
    try {
      const partSize = Math.max(MIN_PART_SIZE, Math.min(GiB, Math.ceil(size / 8)));
      const parts: { PartNumber: number; ETag: string | undefined }[] = [];
      for (let start = 0, PartNumber = 1; start < size; start += partSize, PartNumber++) {
        const range = `bytes=${start}-${Math.min(size, start + partSize) - 1}`;
        const part = await this.send('record checksum of', key, () =>
          this.client.send(new UploadPartCopyCommand({ Bucket: this.bucket, Key, UploadId, PartNumber, CopySource, CopySourceRange: range })),
        );
        parts.push({ PartNumber, ETag: part.CopyPartResult?.ETag });
      }
      await this.send('record checksum of', key, () =>
        this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId, MultipartUpload: { Parts: parts } })),
      );
    } catch (e) {
      const abort = await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId })).then(
        () => undefined,
        (a: unknown) => a as Error,
      );
      if (!abort) throw e;
      throw new AggregateError([e, abort], `${(e as Error).message}; aborting multipart upload ${UploadId} of ${Key} failed too (${abort.message}): the bucket's lifecycle rule removes incomplete uploads`, { cause: e });
    }
  }

  async putIfAbsent(key: string, body: Body, options?: PutOptions): Promise<{ created: boolean; info: ObjectInfo }> {
    const bytes = toBytes(body);
    for (let conflicts = 0; this.conditionalPut === 'native'; conflicts++) {
      try {
        await this.putBytes(key, bytes, options, true);
        return { created: true, info: await this.headAfterWrite(key) };
      } catch (e) {
        const status = e instanceof S3StoreError ? e.status : undefined;
        if (status === 412) return { created: false, info: await this.headAfterWrite(key) };
        // 409 ConditionalRequestConflict: another conditional write on this key was in flight; trying again settles it
        if (status === 409 && conflicts < 3) continue;
        if (status !== 501) throw e;
        if (this.conditionalPutMode === 'native') {
          throw new Error(`${this.url} does not support conditional PUT (If-None-Match: *); use conditionalPut 'auto' or 'emulated'`, { cause: e });
        }
        this.conditionalPut = 'emulated';
      }
    }
    // Emulated: HEAD, then PUT when absent. NOT atomic: two writers can both see the key missing and
    // both write it; the last PUT wins and both report `created: true`. Callers that need exactly one
    // winner must check `atomicPutIfAbsent` (false here) and serialize the writers themselves.
    const existing = await this.head(key);
    if (existing) return { created: false, info: existing };
    await this.putBytes(key, bytes, options, false);
    return { created: true, info: await this.headAfterWrite(key) };
  }

  async get(key: string): Promise<Buffer> {
    const stream = await this.getStream(key);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async getStream(key: string): Promise<Readable> {
    const Key = this.fullKey(key);
    try {
      const out = await this.send('get', key, () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key })));
      if (!(out.Body instanceof Readable)) throw new Error(`get ${this.where(key)}: the response has no body stream`);
      return out.Body;
    } catch (e) {
      if (e instanceof S3StoreError && e.status === 404) throw new ObjectNotFoundError(key, this.url);
      throw e;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const Key = this.fullKey(key);
    const out = await orMissing(this.send('head', key, () => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }))));
    return out && infoOf(key, out);
  }

  /** one GetObject: its answer carries what a HEAD would (metadata, type, ETag, size) */
  async getWithInfo(key: string): Promise<StoredObject | undefined> {
    const Key = this.fullKey(key);
    const out = await orMissing(this.send('get', key, () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }))));
    if (!out) return undefined;
    if (!(out.Body instanceof Readable)) throw new Error(`get ${this.where(key)}: the response has no body stream`);
    const chunks: Buffer[] = [];
    for await (const chunk of out.Body) chunks.push(chunk as Buffer);
    return { bytes: Buffer.concat(chunks), info: infoOf(key, out) };
  }

  private async headAfterWrite(key: string): Promise<ObjectInfo> {
    const info = await this.head(key);
    if (!info) throw new Error(`${this.where(key)} was written but HEAD does not find it (deleted meanwhile?)`);
    return info;
  }

  /**
   * One page of ListObjectsV2. Items carry key, size, etag and lastModified only: S3 listings have no
   * content type, user metadata or sha256 — head() each key for those. Pages hold at most 1000 keys,
   * whatever pageSize asks; the cursor is S3's continuation token.
   */
  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const out = await this.send('list', `${prefix}*`, () =>
      this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.prefix + prefix,
          MaxKeys: options.pageSize ?? 1000,
          ContinuationToken: options.cursor,
          StartAfter: options.cursor || !options.startAfter ? undefined : this.prefix + options.startAfter,
        }),
      ),
    );
    const items: ObjectInfo[] = (out.Contents ?? []).map((o) => ({
      key: (o.Key ?? '').slice(this.prefix.length),
      size: o.Size ?? 0,
      etag: unquote(o.ETag),
      lastModified: o.LastModified ?? new Date(0),
    }));
    return { items, cursor: out.IsTruncated ? out.NextContinuationToken : undefined };
  }

  async delete(key: string): Promise<void> {
    const Key = this.fullKey(key);
    try {
      await this.send('delete', key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })));
    } catch (e) {
      if (!(e instanceof S3StoreError && e.status === 404)) throw e;
    }
  }

  /**
   * One DeleteObjects per 1000 keys (quiet: the answer lists only the keys that failed). Swift's s3api
   * demands Content-MD5, which createS3Client's middleware adds (the SDK sends a CRC32 instead).
   */
  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const batch of deleteBatches(keys, this.deleteBatchSize)) {
      const out = await this.send('delete objects', `${batch[0]} (+${batch.length - 1} more)`, () =>
        this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((key) => ({ Key: this.fullKey(key) })), Quiet: true } }),
        ),
      );
      // a missing key is deleted already (S3 says so without an error; some servers say NoSuchKey)
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length) {
        const first = failed[0]!;
        throw new S3StoreError('delete objects', this.where((first.Key ?? '').slice(this.prefix.length)), first.Code ?? 'Error', undefined, undefined, {
          cause: new Error(`${failed.length} of ${batch.length} keys not deleted; first: ${first.Message ?? first.Code}`),
        });
      }
    }
  }

  /** runs one request, turning SDK errors into S3StoreError (what, where, status, attempts) */
  private async send<T>(operation: string, key: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (e) {
      if (e instanceof S3StoreError) throw e;
      const err = e as { name?: string; code?: string; $metadata?: { httpStatusCode?: number; attempts?: number } };
      const status = err.$metadata?.httpStatusCode;
      const code = err.name && err.name !== 'Error' && err.name !== 'UnknownError' ? err.name : (err.code ?? (status ? httpReason(status) : 'Error'));
      throw new S3StoreError(operation, this.where(key), code, status, err.$metadata?.attempts, { cause: e });
    }
  }
}

/** S3 accepts any UTF-8 key up to 1024 bytes; these are the ones no store here can hold */
function checkS3Key(key: string, prefix: string): void {
  if (!key || key.startsWith('/') || key.includes('\0') || Buffer.byteLength(prefix + key) > 1024) {
    throw new Error(`invalid object key "${key}": expected a non-empty key, not starting with "/", without NUL, at most 1024 UTF-8 bytes with the prefix`);
  }
}

function toBytes(body: Body): Uint8Array {
  return typeof body === 'string' ? Buffer.from(body) : body;
}

function lower(m: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
}

function withChecksum(metadata: Record<string, string> | undefined, sha256: string): Record<string, string> {
  return { ...lower(metadata), [CHECKSUM_KEY]: sha256 };
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

/** CopySource is `bucket/key` with the key URL-encoded, slashes kept */
function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

function httpReason(status: number): string {
  return status === 404 ? 'NotFound' : status === 412 ? 'PreconditionFailed' : status >= 500 ? 'ServerError' : 'ClientError';
}

/** what an answer to HeadObject or GetObject says of the object */
function infoOf(
  key: string,
  out: { Metadata?: Record<string, string>; ContentLength?: number; ETag?: string; LastModified?: Date; ContentType?: string },
): ObjectInfo {
  const { [CHECKSUM_KEY]: sha256, ...metadata } = out.Metadata ?? {};
  return {
    key,
    size: out.ContentLength ?? 0,
    etag: unquote(out.ETag),
    lastModified: out.LastModified ?? new Date(0),
    contentType: out.ContentType,
    metadata,
    sha256,
  };
}

/** the answer, or undefined when the server says the key does not exist (404) */
async function orMissing<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (e) {
    if (e instanceof S3StoreError && e.status === 404) return undefined;
    throw e;
  }
}
