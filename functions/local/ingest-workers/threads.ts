import { Worker, type WorkerOptions } from 'node:worker_threads';

/** a young generation large enough for a batch's short-lived objects (fewer scavenges): with two
 * workers, ~110 000 → ~130 000 records/s on 50 000-entity batches in a quick measurement */
export const YOUNG_GENERATION_MB = 96;

// What the two thread pools of the local ingest share (pool.ts: whole files; shard-readers.ts: parts of
// one file): a worker thread that says 'ready', then answers requests by id; a pool started whole or
// not at all; the least busy thread alive; a close that waits for every thread to exit.

export interface Pending<Result> {
  readonly resolve: (r: Result) => void;
  readonly reject: (e: Error) => void;
}

export class RequestThread<Result> {
  readonly pending = new Map<number, Pending<Result>>();
  /** false once the thread has exited: nothing is sent to it any more */
  alive = true;
  private constructor(readonly worker: Worker) {}

  /**
   * Starts the thread and waits for its 'ready'. `settle` answers a pending request from a reply;
   * `exited` answers the requests still pending when the thread exits.
   */
  static async start<Reply extends { readonly id: number }, Result>(options: {
    url: URL;
    worker?: WorkerOptions;
    /** how the thread is named in errors */
    name: string;
    settle: (reply: Reply, pending: Pending<Result>) => void;
    /** `error`: the exception the thread did not catch, when that is why it exited */
    exited: (code: number, pending: Pending<Result>, error?: Error) => void;
    onExit?: (code: number) => void;
  }): Promise<RequestThread<Result>> {
    const worker = new Worker(options.url, options.worker);
    const t = new RequestThread<Result>(worker);
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(new Error(`${options.name} failed to start: ${e.message}`));
      worker.once('error', onError);
      worker.once('message', (m) => {
        worker.off('error', onError);
        if (m === 'ready') resolve();
        else reject(new Error(`${options.name}: unexpected first message ${JSON.stringify(m)}`));
      });
    });
    worker.on('message', (reply: Reply) => {
      const p = t.pending.get(reply.id);
      if (!p) return;
      t.pending.delete(reply.id);
      options.settle(reply, p);
    });
    // an 'error' (an exception the thread did not catch) is followed by its 'exit'
    let error: Error | undefined;
    worker.on('error', (e) => (error = e));
    worker.on('exit', (code) => {
      t.alive = false;
      for (const p of t.pending.values()) options.exited(code, p, error);
      t.pending.clear();
      options.onExit?.(code);
    });
    return t;
  }

  /** sends a request; resolves with what `settle` makes of the reply */
  request(id: number, message: unknown): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(message);
    });
  }
}

/** `count` threads started, or none: the ones that did start are stopped if another fails, so that nothing keeps the process alive */
export async function startAll<Result>(count: number, start: () => Promise<RequestThread<Result>>, beforeStop?: () => void): Promise<RequestThread<Result>[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, start));
  const threads = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    beforeStop?.();
    await Promise.all(threads.map((t) => t.worker.terminate()));
    throw (failed as PromiseRejectedResult).reason;
  }
  return threads;
}

/** the thread alive with the fewest requests pending; undefined when none is alive */
export function leastBusy<Result>(threads: readonly RequestThread<Result>[]): RequestThread<Result> | undefined {
  return threads.filter((t) => t.alive).reduce<RequestThread<Result> | undefined>((a, b) => (!a || b.pending.size < a.pending.size ? b : a), undefined);
}

/** asks every thread alive to close, and waits until they have exited */
export async function closeAll<Result>(threads: readonly RequestThread<Result>[]): Promise<void> {
  await Promise.all(
    threads
      .filter((t) => t.alive)
      .map(
        (t) =>
          new Promise<void>((resolve) => {
            t.worker.once('exit', () => resolve());
            t.worker.postMessage('close');
          }),
      ),
  );
}
