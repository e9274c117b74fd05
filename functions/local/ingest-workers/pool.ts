import os from 'node:os';
import type { IngestInput, IngestSummary } from '../../lib/stages/ingest-noise.ts';
import type { IngestReply, IngestRequest, WorkerSetup } from './messages.ts';
import { closeAll, leastBusy, RequestThread, startAll, YOUNG_GENERATION_MB } from './threads.ts';

// Noise ingests side by side on one machine: a pool of worker threads, each running ingestNoise with
// its own store on the lake folder and its own DuckDB. Ingests of different files are independent —
// content-addressed raw files, outputs named after them, duplicates resolved at read time (the
// concurrency tests run them interleaved) — so the workers ingest more records per second, up to the
// machine's cores (two on this 2-core machine: ×1.4, as each record costs more CPU when two run at
// once; see the README's benchmarks). On AWS the same happens across Lambda invocations.

function startWorker(setup: WorkerSetup): Promise<RequestThread<IngestSummary>> {
  return RequestThread.start<IngestReply, IngestSummary>({
    url: new URL('./worker.mjs', import.meta.url),
    worker: {
      workerData: setup,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    },
    name: 'ingest worker',
    settle: (reply, p) => {
      if ('summary' in reply) p.resolve(reply.summary);
      else p.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name, code: reply.error.code }));
    },
    // an ingest on a worker that dies fails; the next ones go to the others
    exited: (code, p, error) => p.reject(new Error(error ? `ingest worker crashed: ${error.message}` : `ingest worker exited (code ${code}) with ingests pending`)),
  });
}

export class NoiseIngestPool {
  private nextId = 0;

  private constructor(
    private readonly workers: readonly RequestThread<IngestSummary>[],
    private readonly now: () => Date,
  ) {}

  /** `workers` defaults to the cores available */
  static async open(options: { lakeDir: string; workers?: number; now?: () => Date }): Promise<NoiseIngestPool> {
    const count = Math.max(1, Math.floor(options.workers ?? os.availableParallelism()));
    const workers = await startAll(count, () => startWorker({ lakeDir: options.lakeDir }));
    return new NoiseIngestPool(workers, options.now ?? (() => new Date()));
  }

  /** the workers alive */
  get size(): number {
    return this.workers.filter((w) => w.alive).length;
  }

  /**
   * ingests one input on the least busy worker alive (its bytes are copied there); resolves with
   * ingestNoise's summary. An ingest on a worker that dies fails; the next ones go to the others.
   */
  ingest(input: IngestInput): Promise<IngestSummary> {
    const w = leastBusy(this.workers);
    if (!w) return Promise.reject(new Error('no ingest worker left: every worker thread has exited'));
    const id = ++this.nextId;
    const request: IngestRequest = { id, input, receivedAt: this.now().toISOString() };
    return w.request(id, request);
  }

  close(): Promise<void> {
    return closeAll(this.workers);
  }
}
