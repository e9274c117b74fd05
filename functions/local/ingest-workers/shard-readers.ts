import os from 'node:os';
import type { Logger } from '../../lib/ports/logger.ts';
import type { NoiseShard, NoiseShardPart, NoiseShardReaders, RawReceipt } from '../../lib/stages/ingest-noise.ts';
import type { ShardReply, ShardRequest } from './shard-messages.ts';
import { closeAll, leastBusy, RequestThread, startAll, YOUNG_GENERATION_MB } from './threads.ts';

// Shard readers: threads that read parts of a large FIWARE array while the ingest's own thread reads
// the first part (ingest-noise.ts), so that one file at a time uses the machine's cores, as DuckDB's
// read_json does. Each part goes to a thread as text; its rows come back as typed arrays (moved, not
// copied: row objects would cost more to clone than to parse again).

export class ShardReaders implements NoiseShardReaders {
  private nextId = 0;
  private closing = false;
  private threads: readonly RequestThread<NoiseShard | undefined>[] = [];

  /**
   * `threads` defaults to one less than the cores available (the ingest's own thread reads a part too);
   * `logger` hears of a thread that died
   */
  static async open(options: { threads?: number; logger?: Logger } = {}): Promise<ShardReaders> {
    const count = Math.max(1, Math.floor(options.threads ?? os.availableParallelism() - 1));
    const readers = new ShardReaders();
    const start = () =>
      RequestThread.start<ShardReply, NoiseShard | undefined>({
        url: new URL('./shard-reader.mjs', import.meta.url),
        worker: { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } },
        name: 'shard reader',
        settle: (reply, p) => {
          if ('shard' in reply) p.resolve(reply.shard);
          else if ('error' in reply) p.reject(Object.assign(new Error(`shard reader: ${reply.error.message}`), { name: reply.error.name }));
          else p.resolve(undefined);
        },
        // a thread that dies (out of memory, killed): its parts are read again on the ingest's thread
        // (undefined: the stage reads the whole text), and the others go on without it
        exited: (_code, p) => p.resolve(undefined),
        onExit: (code) => {
          if (!readers.closing) options.logger?.warn(`a shard reader thread exited (code ${code}); ${readers.count} left`);
        },
      });
    readers.threads = await startAll(count, start, () => (readers.closing = true));
    return readers;
  }

  /** the threads alive */
  get count(): number {
    return this.threads.filter((t) => t.alive).length;
  }

  read(part: NoiseShardPart, raw: RawReceipt): Promise<NoiseShard | undefined> {
    const t = leastBusy(this.threads);
    if (!t) return Promise.resolve(undefined);
    const id = ++this.nextId;
    const request: ShardRequest = { id, part, raw: { key: raw.key, receivedAt: raw.receivedAt.toISOString() } };
    return t.request(id, request);
  }

  close(): Promise<void> {
    this.closing = true;
    return closeAll(this.threads);
  }
}
