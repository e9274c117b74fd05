import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { IngestInput, IngestSummary } from '../../lib/stages/ingest-noise.ts';
import type { IngestReply, IngestRequest, WorkerSetup } from './messages.ts';

// Noise ingests side by side on one machine: a pool of worker threads, each running ingestNoise with
// its own store on the lake folder and its own DuckDB. Ingests of different files are independent —
// content-addressed raw files, outputs named after them, duplicates resolved at read time (the
// concurrency tests run them interleaved) — so the workers ingest more records per second, up to the
// machine's cores (two on this 2-core machine: ×1.4, as each record costs more CPU when two run at
// once; see the README's benchmarks). On AWS the same happens across Lambda invocations.

const YOUNG_GENERATION_MB = 96;

interface Pending {
  readonly resolve: (s: IngestSummary) => void;
  readonly reject: (e: Error) => void;
}

class PoolWorker {
  readonly pending = new Map<number, Pending>();
  /** false once the worker has exited: no ingest is sent to it any more */
  alive = true;
  private constructor(readonly worker: Worker) {}

  static async start(setup: WorkerSetup): Promise<PoolWorker> {
    const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
      workerData: setup,
      // a young generation large enough for a batch's short-lived objects (fewer scavenges): with two
      // workers, ~110 000 → ~130 000 records/s on 50 000-entity batches in a quick measurement
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    const w = new PoolWorker(worker);
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(new Error(`ingest worker failed to start: ${e.message}`));
      worker.once('error', onError);
      worker.once('message', (m) => {
        worker.off('error', onError);
        if (m === 'ready') resolve();
        else reject(new Error(`ingest worker: unexpected first message ${JSON.stringify(m)}`));
      });
    });
    worker.on('message', (reply: IngestReply) => {
      const p = w.pending.get(reply.id);
      if (!p) return;
      w.pending.delete(reply.id);
      if ('summary' in reply) p.resolve(reply.summary);
      else p.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name, code: reply.error.code }));
    });
    const failAll = (e: Error) => {
      for (const p of w.pending.values()) p.reject(e);
      w.pending.clear();
    };
    worker.on('error', (e) => failAll(new Error(`ingest worker crashed: ${e.message}`)));
    worker.on('exit', (code) => {
      w.alive = false;
      failAll(new Error(`ingest worker exited (code ${code}) with ingests pending`));
    });
    return w;
  }
}

export class NoiseIngestPool {
  private nextId = 0;

  private constructor(
    private readonly workers: readonly PoolWorker[],
    private readonly now: () => Date,
  ) {}

  /** `workers` defaults to the cores available */
  static async open(options: { lakeDir: string; workers?: number; now?: () => Date }): Promise<NoiseIngestPool> {
    const count = Math.max(1, Math.floor(options.workers ?? os.availableParallelism()));
    const started = await Promise.allSettled(Array.from({ length: count }, () => PoolWorker.start({ lakeDir: options.lakeDir })));
    const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      // no half pool: the workers that did start are stopped, so that nothing keeps the process alive
      await Promise.all(workers.map((w) => w.worker.terminate()));
      throw (failed as PromiseRejectedResult).reason;
    }
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
    const alive = this.workers.filter((w) => w.alive);
    if (!alive.length) return Promise.reject(new Error('no ingest worker left: every worker thread has exited'));
    const w = alive.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = ++this.nextId;
    const request: IngestRequest = { id, input, receivedAt: this.now().toISOString() };
    return new Promise<IngestSummary>((resolve, reject) => {
      w.pending.set(id, { resolve, reject });
      w.worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    await Promise.all(
      this.workers.filter((w) => w.alive).map(
        (w) =>
          new Promise<void>((resolve) => {
            w.worker.once('exit', () => resolve());
            w.worker.postMessage('close');
          }),
      ),
    );
  }
}
