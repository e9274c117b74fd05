import { open, readFile } from 'node:fs/promises';
import os from 'node:os';
import type { Piscina } from 'piscina';
import type { Logger } from '../../lib/ports/logger.ts';
import type { NoiseShard, NoiseShardPart, NoiseShardReaders, RawReceipt } from '../../lib/stages/ingest-noise.ts';
import type { ShardReply, ShardRequest } from './shard-messages.ts';
import { type PROBE, startPool } from './threads.ts';

// Shard readers: threads that read parts of a large FIWARE array while the ingest's own thread reads
// the first part (ingest-noise.ts), so that one file at a time uses the machine's cores, as DuckDB's
// read_json does. Each part goes to a thread as ASCII bytes (shared, or moved; as text when the input
// is not ASCII); its rows come back as typed arrays (moved, not copied: row objects would cost more to
// clone than to parse again).

export class ShardReaders implements NoiseShardReaders {
  private constructor(
    private readonly pool: Piscina<ShardRequest | typeof PROBE, ShardReply | typeof PROBE>,
    private readonly logger: Logger | undefined,
  ) {}

  /**
   * `threads` defaults to one less than the cores available (the ingest's own thread reads a part too);
   * `logger` hears of a thread that died
   */
  static async open(options: { threads?: number; logger?: Logger } = {}): Promise<ShardReaders> {
    const threads = threadCount(options.threads);
    const pool = await startPool<ShardRequest, ShardReply>({
      url: new URL('./shard-reader.mjs', import.meta.url),
      threads,
      name: 'shard reader',
      onError: (e) => options.logger?.warn(`a shard reader thread failed: ${e.message}`),
    });
    return new ShardReaders(pool, options.logger);
  }

  /** the threads alive (piscina replaces one that dies) */
  get count(): number {
    return this.pool.threads.length;
  }

  async read(part: NoiseShardPart, raw: RawReceipt): Promise<NoiseShard | undefined> {
    if (this.count === 0) return undefined;
    const request: ShardRequest = { part, raw: { key: raw.key, receivedAt: raw.receivedAt.toISOString() } };
    let reply: ShardReply | typeof PROBE;
    try {
      // a part's bytes move to the thread (the stage copied them for it), or are shared with it
      const moved = typeof part.text !== 'string' && part.text.buffer instanceof ArrayBuffer ? [part.text.buffer] : [];
      reply = await this.pool.run(request, { transferList: moved });
    } catch (e) {
      // a thread that dies (out of memory, killed): its part is read again on the ingest's thread
      // (undefined: the stage reads the whole text), and piscina starts another thread
      this.logger?.warn(`a shard reader thread failed (${(e as Error).message}); its part is read on the ingest's thread`);
      return undefined;
    }
    if (reply === 'probe') throw new Error('shard reader answered a part as a probe');
    if ('shard' in reply) return reply.shard;
    if ('error' in reply) throw Object.assign(new Error(`shard reader: ${reply.error.message}`), { name: reply.error.name });
    return undefined;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function threadCount(requested?: number): number {
  return Math.max(1, Math.floor(requested ?? os.availableParallelism() - 1));
}

/**
 * Shard readers usable at once: their threads start meanwhile (while the lake opens and the file is
 * read), and a part given before they are up waits for them. A failure to start fails the read of the
 * part, hence the ingest, as ShardReaders.open would.
 */
export function startShardReaders(options: { threads?: number; logger?: Logger } = {}): NoiseShardReaders & { close(): Promise<void> } {
  const opening = ShardReaders.open(options);
  let opened: ShardReaders | undefined;
  opening.then((r) => (opened = r), () => undefined); // its failure is the reads' (below)
  const threads = threadCount(options.threads);
  return {
    get count() {
      return opened?.count ?? threads;
    },
    read: async (part, raw) => (await opening).read(part, raw),
    close: () => opening.then((r) => r.close(), () => undefined),
  };
}

/**
 * A file's bytes in shared memory: the shard readers read their parts of a large FIWARE array where
 * they are, instead of a copy of each part moved to their thread (ingest-noise.ts, partOf).
 */
export async function readFileShared(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    // a file whose size is not known beforehand (a pipe, /proc): read as usual
    if (size === 0) return await readFile(handle);
    const bytes = Buffer.from(new SharedArrayBuffer(size));
    let at = 0;
    for (;;) {
      const { bytesRead } = await handle.read(bytes, at, size - at, at);
      if (bytesRead === 0 || (at += bytesRead) === size) break;
    }
    // a file cut short while it was read: the bytes there were
    return at === size ? bytes : bytes.subarray(0, at);
  } finally {
    await handle.close();
  }
}
