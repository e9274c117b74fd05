import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../lib/ports/logger.ts';
import type { NoiseShard, NoiseShardPart, NoiseShardReaders, RawReceipt } from '../../lib/stages/ingest-noise.ts';
import type { ShardReply, ShardRequest } from './shard-messages.ts';

// Shard readers: threads that read parts of a large FIWARE array while the ingest's own thread reads
// the first part (ingest-noise.ts), so that one file at a time uses the machine's cores, as DuckDB's
// read_json does. Each part goes to a thread as text; its rows come back as typed arrays (moved, not
// copied: row objects would cost more to clone than to parse again).

const YOUNG_GENERATION_MB = 96;

interface Pending {
  readonly resolve: (s: NoiseShard | undefined) => void;
  readonly reject: (e: Error) => void;
}

class ShardThread {
  readonly pending = new Map<number, Pending>();
  /** false once the thread has exited: nothing is sent to it any more */
  alive = true;
  private constructor(readonly worker: Worker) {}

  static async start(onExit: (code: number) => void): Promise<ShardThread> {
    const worker = new Worker(new URL('./shard-reader.mjs', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    const t = new ShardThread(worker);
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(new Error(`shard reader failed to start: ${e.message}`));
      worker.once('error', onError);
      worker.once('message', (m) => {
        worker.off('error', onError);
        if (m === 'ready') resolve();
        else reject(new Error(`shard reader: unexpected first message ${JSON.stringify(m)}`));
      });
    });
    worker.on('message', (reply: ShardReply) => {
      const p = t.pending.get(reply.id);
      if (!p) return;
      t.pending.delete(reply.id);
      if ('shard' in reply) p.resolve(reply.shard);
      else if ('error' in reply) p.reject(Object.assign(new Error(`shard reader: ${reply.error.message}`), { name: reply.error.name }));
      else p.resolve(undefined);
    });
    // a thread that dies (out of memory, killed): its parts are read again on the ingest's thread
    // (undefined: the stage reads the whole text), and the others go on without it
    worker.on('error', () => {});
    worker.on('exit', (code) => {
      t.alive = false;
      for (const p of t.pending.values()) p.resolve(undefined);
      t.pending.clear();
      onExit(code);
    });
    return t;
  }

  post(request: ShardRequest): void {
    this.worker.postMessage(request);
  }
}

export class ShardReaders implements NoiseShardReaders {
  private nextId = 0;
  private closing = false;
  private threads: readonly ShardThread[] = [];

  /**
   * `threads` defaults to one less than the cores available (the ingest's own thread reads a part too);
   * `logger` hears of a thread that died
   */
  static async open(options: { threads?: number; logger?: Logger } = {}): Promise<ShardReaders> {
    const count = Math.max(1, Math.floor(options.threads ?? os.availableParallelism() - 1));
    const readers = new ShardReaders();
    const onExit = (code: number) => {
      if (!readers.closing) options.logger?.warn(`a shard reader thread exited (code ${code}); ${readers.count} left`);
    };
    const started = await Promise.allSettled(Array.from({ length: count }, () => ShardThread.start(onExit)));
    const threads = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      // no half pool: the threads that did start are stopped, so that nothing keeps the process alive
      readers.closing = true;
      await Promise.all(threads.map((t) => t.worker.terminate()));
      throw (failed as PromiseRejectedResult).reason;
    }
    readers.threads = threads;
    return readers;
  }

  /** the threads alive */
  get count(): number {
    return this.threads.filter((t) => t.alive).length;
  }

  read(part: NoiseShardPart, raw: RawReceipt): Promise<NoiseShard | undefined> {
    const alive = this.threads.filter((t) => t.alive);
    if (!alive.length) return Promise.resolve(undefined);
    const t = alive.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = ++this.nextId;
    const shard = new Promise<NoiseShard | undefined>((resolve, reject) => t.pending.set(id, { resolve, reject }));
    t.post({ id, part, raw: { key: raw.key, receivedAt: raw.receivedAt.toISOString() } });
    return shard;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.threads.filter((t) => t.alive).map(
        (t) =>
          new Promise<void>((resolve) => {
            t.worker.once('exit', () => resolve());
            t.worker.postMessage('close');
          }),
      ),
    );
  }
}
