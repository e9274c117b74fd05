import { Piscina } from 'piscina';

/** a young generation large enough for a batch's short-lived objects (fewer scavenges): with two
 * workers, ~110 000 → ~130 000 records/s on 50 000-entity batches in a quick measurement */
export const YOUNG_GENERATION_MB = 96;

/** the task a worker answers with itself once its module has loaded (`startPool` sends one to each) */
export const PROBE = 'probe';

// What the two thread pools of the local ingest share (pool.ts: whole files; shard-readers.ts: parts of
// one file): a piscina pool of a fixed number of threads, started whole (each thread's module loaded
// and answering) or not at all. Piscina queues the tasks, gives each to a free thread, and replaces a
// thread that dies (the task it was running fails).

export interface PoolOptions {
  /** the worker module (its default export answers the tasks, and PROBE with PROBE) */
  readonly url: URL;
  readonly threads: number;
  /** how the threads are named in errors */
  readonly name: string;
  readonly workerData?: unknown;
  /** a thread that failed outside a task (e.g. a replacement that could not start) */
  readonly onError: (e: Error) => void;
}

export async function startPool<Task, Reply>(options: PoolOptions): Promise<Piscina<Task | typeof PROBE, Reply | typeof PROBE>> {
  const pool = new Piscina<Task | typeof PROBE, Reply | typeof PROBE>({
    filename: options.url.href,
    minThreads: options.threads,
    maxThreads: options.threads,
    idleTimeout: Infinity,
    workerData: options.workerData,
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });
  pool.on('error', options.onError);
  try {
    // one probe per thread: each thread takes one task at a time, so each gets one
    const answers = await Promise.all(Array.from({ length: options.threads }, () => pool.run(PROBE)));
    if (answers.some((a) => a !== PROBE)) throw new Error(`unexpected answer ${JSON.stringify(answers.find((a) => a !== PROBE))} to a probe`);
  } catch (e) {
    await pool.destroy();
    throw new Error(`${options.name} failed to start: ${(e as Error).message}`, { cause: e });
  }
  return pool;
}
