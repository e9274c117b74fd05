import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Piscina } from 'piscina';
import type { IngestInput, IngestSummary } from '../../lib/stages/ingest-noise.ts';
import type { IngestReply, IngestRequest, WorkerSetup } from './messages.ts';
import { type PROBE, startPool } from './threads.ts';

// Noise ingests side by side on one machine: a pool of worker threads, each running ingestNoise with
// its own store on the lake folder and its own DuckDB. Ingests of different files are independent —
// content-addressed raw files, outputs named after them, duplicates resolved at read time (the
// concurrency tests run them interleaved) — so the workers ingest more records per second, up to the
// machine's cores (two on this 2-core machine: ×1.4, as each record costs more CPU when two run at
// once; see the README's benchmarks). On AWS the same happens across Lambda invocations.

export class NoiseIngestPool {
  /** the last failure of a thread outside an ingest (a replacement that could not start) */
  private lastFailure?: Error;

  private constructor(
    private readonly pool: Piscina<IngestRequest | typeof PROBE, IngestReply | typeof PROBE>,
    private readonly scratchDir: string,
    private readonly now: () => Date,
  ) {}

  /** `workers` defaults to the cores available */
  static async open(options: { lakeDir: string; workers?: number; now?: () => Date }): Promise<NoiseIngestPool> {
    const threads = Math.max(1, Math.floor(options.workers ?? os.availableParallelism()));
    const scratchDir = await mkdtemp(path.join(os.tmpdir(), 'observatory-ingest-workers-'));
    let opened: NoiseIngestPool | undefined;
    const setup: WorkerSetup = { lakeDir: options.lakeDir, scratchDir };
    try {
      const pool = await startPool<IngestRequest, IngestReply>({
        url: new URL('./worker.mjs', import.meta.url),
        threads,
        name: 'ingest worker',
        workerData: setup,
        onError: (e) => opened && (opened.lastFailure = e),
      });
      opened = new NoiseIngestPool(pool, scratchDir, options.now ?? (() => new Date()));
      return opened;
    } catch (e) {
      await rm(scratchDir, { recursive: true, force: true });
      throw e;
    }
  }

  /** the workers alive (piscina replaces one that dies) */
  get size(): number {
    return this.pool.threads.length;
  }

  /**
   * ingests one input on a free worker (its bytes are copied there); resolves with ingestNoise's
   * summary. An ingest on a worker that dies fails; the next ones go to the others and its replacement.
   */
  async ingest(input: IngestInput): Promise<IngestSummary> {
    if (this.size === 0) throw new Error(`no ingest worker left: every worker thread has exited${this.lastFailure ? ` (${this.lastFailure.message})` : ''}`);
    const request: IngestRequest = { input, receivedAt: this.now().toISOString() };
    const reply = await this.pool.run(request).catch((e: Error) => {
      throw new Error(`ingest worker crashed during the ingest of ${input.origin}: ${e.message}`, { cause: e });
    });
    if (reply === 'probe') throw new Error('ingest worker answered an ingest as a probe');
    if ('summary' in reply) return reply.summary;
    throw Object.assign(new Error(reply.error.message), { name: reply.error.name, code: reply.error.code });
  }

  /** waits for the ingests under way, stops the workers and removes their scratch folder */
  async close(): Promise<void> {
    await this.pool.close();
    await rm(this.scratchDir, { recursive: true, force: true });
  }
}
