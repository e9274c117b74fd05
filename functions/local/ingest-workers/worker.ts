import { parentPort, workerData } from 'node:worker_threads';
import { Duck } from '../../lib/adapters/duckdb.ts';
import { FsObjectStore } from '../../lib/adapters/fs-store.ts';
import { silentLogger } from '../../lib/ports/logger.ts';
import { ingestNoise } from '../../lib/stages/ingest-noise.ts';
import type { IngestReply, IngestRequest, WorkerSetup } from './messages.ts';

// One ingest worker: its own object store on the lake folder and its own single-threaded DuckDB; runs
// the same ingestNoise as the main thread, one request at a time.

const setup = workerData as WorkerSetup;
const store = new FsObjectStore(setup.lakeDir);
const duck = await Duck.open({ threads: 1 });
let receivedAt = new Date();
const ctx = { store, duck, logger: silentLogger, now: () => receivedAt };

let queue: Promise<unknown> = Promise.resolve();
parentPort!.on('message', (request: IngestRequest | 'close') => {
  if (request === 'close') {
    queue = queue.then(() => duck.close()).then(() => parentPort!.close());
    return;
  }
  queue = queue.then(() => handle(request));
});

async function handle({ id, input, receivedAt: at }: IngestRequest): Promise<void> {
  let reply: IngestReply;
  try {
    receivedAt = new Date(at);
    reply = { id, summary: await ingestNoise(ctx, input) };
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    reply = { id, error: { name: error.name, message: error.message, ...(error.code ? { code: error.code } : {}) } };
  }
  parentPort!.postMessage(reply);
}

parentPort!.postMessage('ready');
