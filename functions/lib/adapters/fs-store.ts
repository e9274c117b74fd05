import { createHash, randomUUID } from 'node:crypto';
import { sha256Hex } from '../hash.ts';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { parseSaved } from '../saved-json.ts';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  ObjectNotFoundError,
  type Body,
  type ListOptions,
  type ListPage,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type StoredObject,
} from '../ports/object-store.ts';

// The embedded object store: one folder, keys are relative paths. Writes go to a temporary file and
// are renamed into place (atomic on one filesystem); put-if-absent uses link(2), which fails if the
// target exists, so two writers racing on one key cannot both win. Content type, user metadata and
// the sha256 of each object live in a sidecar under `.meta/`, out of the way of DuckDB's globs.

const META_DIR = '.meta';
const TMP_DIR = '.tmp';

const sidecarSchema = z.object({
  contentType: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, { message: 'expected a hex sha256' }),
});
type Sidecar = z.infer<typeof sidecarSchema>;

export function checkKey(key: string): void {
  if (
    !key ||
    key.startsWith('/') ||
    key.endsWith('/') ||
    key.split('/').some((s) => s === '' || s === '.' || s === '..' || s.startsWith('.')) ||
    key.includes('\\') ||
    key.includes('\0')
  ) {
    throw new Error(`invalid object key "${key}": expected slash-separated names, no empty, hidden, "." or ".." segment`);
  }
}

export class FsObjectStore implements ObjectStore {
  readonly root: string;
  readonly url: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.url = `file://${this.root}`;
  }

  localPath(key: string): string {
    checkKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  private metaPath(key: string): string {
    return path.join(this.root, META_DIR, ...key.split('/')) + '.json';
  }

  private async tmpFile(): Promise<string> {
    const dir = path.join(this.root, TMP_DIR);
    await mkdir(dir, { recursive: true });
    return path.join(dir, randomUUID());
  }

  private async writeTmp(body: Body | Readable, knownSha256?: string): Promise<{ tmp: string; sha256: string; size: number }> {
    const tmp = await this.tmpFile();
    if (!(body instanceof Readable)) {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      const [sha256] = await Promise.all([knownSha256 ?? sha256Hex(bytes), writeFile(tmp, bytes)]);
      return { tmp, sha256, size: bytes.length };
    }
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    await pipeline(body, tap, createWriteStream(tmp));
    return { tmp, sha256: hash.digest('hex'), size };
  }

  private async writeSidecar(key: string, sidecar: Sidecar): Promise<void> {
    const meta = this.metaPath(key);
    await mkdir(path.dirname(meta), { recursive: true });
    const tmp = await this.tmpFile();
    await writeFile(tmp, JSON.stringify(sidecar));
    await rename(tmp, meta);
  }

  private async commit(key: string, written: { tmp: string; sha256: string }, options: PutOptions | undefined): Promise<ObjectInfo> {
    const target = this.localPath(key);
    await mkdir(path.dirname(target), { recursive: true });
    await this.writeSidecar(key, { contentType: options?.contentType, metadata: lower(options?.metadata), sha256: written.sha256 });
    await rename(written.tmp, target);
    return this.written(key);
  }

  /** the info of an object just written; its absence means another process deleted it meanwhile */
  private async written(key: string): Promise<ObjectInfo> {
    const info = await this.head(key);
    if (!info) throw new Error(`object "${key}" was deleted by another process right after it was written in ${this.url}`);
    return info;
  }

  async put(key: string, body: Body, options?: PutOptions): Promise<ObjectInfo> {
    checkKey(key);
    return this.commit(key, await this.writeTmp(body, options?.sha256), options);
  }

  async putStream(key: string, body: Readable, options?: PutOptions): Promise<ObjectInfo> {
    checkKey(key);
    return this.commit(key, await this.writeTmp(body), options);
  }

  async putIfAbsent(key: string, body: Body, options?: PutOptions): Promise<{ created: boolean; info: ObjectInfo }> {
    checkKey(key);
    const existing = await this.head(key);
    if (existing) return { created: false, info: existing };
    const written = await this.writeTmp(body, options?.sha256);
    const target = this.localPath(key);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      await link(written.tmp, target);
    } catch (e) {
      await rm(written.tmp, { force: true });
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { created: false, info: await this.written(key) };
      throw e;
    }
    await unlink(written.tmp);
    await this.writeSidecar(key, { contentType: options?.contentType, metadata: lower(options?.metadata), sha256: written.sha256 });
    return { created: true, info: await this.written(key) };
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.localPath(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR') {
        throw new ObjectNotFoundError(key, this.url);
      }
      throw e;
    }
  }

  async getStream(key: string): Promise<Readable> {
    if (!(await this.head(key))) throw new ObjectNotFoundError(key, this.url);
    return createReadStream(this.localPath(key));
  }

  /** bytes and size from one open file (a write replaces the file by a rename, so they agree) */
  async getWithInfo(key: string): Promise<StoredObject | undefined> {
    let file;
    try {
      file = await open(this.localPath(key), 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      const s = await file.stat();
      if (!s.isFile()) return undefined;
      return { bytes: await file.readFile(), info: await this.infoOf(key, s) };
    } finally {
      await file.close();
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    let s;
    try {
      s = await stat(this.localPath(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    if (!s.isFile()) return undefined;
    return this.infoOf(key, s);
  }

  private async infoOf(key: string, s: { size: number; mtimeMs: number; mtime: Date }): Promise<ObjectInfo> {
    const sidecar = await this.readSidecar(key);
    return {
      key,
      size: s.size,
      etag: sidecar?.sha256 ?? `${s.size}-${s.mtimeMs}`,
      lastModified: s.mtime,
      contentType: sidecar?.contentType,
      metadata: sidecar?.metadata ?? {},
      sha256: sidecar?.sha256,
    };
  }

  /** the recorded metadata; none when the object was put by hand or put-if-absent has not written it yet */
  private async readSidecar(key: string): Promise<Sidecar | undefined> {
    const file = this.metaPath(key);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    return parseSaved(sidecarSchema, text, `metadata sidecar ${file} of object "${key}"`, 'restore it, or delete it to keep the object without recorded metadata');
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const pageSize = options.pageSize ?? 1000;
    const after = options.cursor ?? options.startAfter;
    const keys = (await this.walk(prefix)).filter((k) => k.startsWith(prefix) && (!after || k > after)).sort();
    const pageKeys = keys.slice(0, pageSize);
    const items: ObjectInfo[] = [];
    for (const k of pageKeys) {
      const info = await this.head(k);
      if (info) items.push(info);
    }
    return { items, cursor: keys.length > pageSize ? pageKeys[pageKeys.length - 1] : undefined };
  }

  /** keys under the deepest folder the prefix names */
  private async walk(prefix: string): Promise<string[]> {
    const slash = prefix.lastIndexOf('/');
    const baseKey = slash >= 0 ? prefix.slice(0, slash) : '';
    const baseDir = baseKey ? path.join(this.root, ...baseKey.split('/')) : this.root;
    const out: string[] = [];
    const visit = async (dir: string, keyPrefix: string) => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw e;
      }
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        const key = keyPrefix ? `${keyPrefix}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (prefix.startsWith(key + '/') || key.startsWith(prefix) || (prefix + '/').startsWith(key + '/')) await visit(path.join(dir, entry.name), key);
        } else if (entry.isFile()) out.push(key);
      }
    };
    await visit(baseDir, baseKey);
    return out;
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const key of new Set(keys)) await this.delete(key);
  }

  async delete(key: string): Promise<void> {
    await rm(this.localPath(key), { force: true });
    await rm(this.metaPath(key), { force: true });
  }
}

function lower(m: Record<string, string> | undefined): Record<string, string> | undefined {
  return m && Object.fromEntries(Object.entries(m).map(([k, v]) => [k.toLowerCase(), v]));
}
