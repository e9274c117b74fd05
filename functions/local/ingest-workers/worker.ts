import { parentPort, workerData } from 'node:worker_threads';
import { FsObjectStore } from '../../lib/adapters/fs-store.ts';
import { openContext } from '../../lib/entry/context.ts';
import { silentLogger } from '../../lib/ports/logger.ts';
import { ingestNoise } from '../../lib/stages/ingest-noise.ts';
import type { IngestReply, IngestRequest, WorkerSetup } from './messages.ts';

// One ingest worker: its own object store on the lake folder and its own single-threaded DuckDB; runs
// the same ingestNoise as the main thread, one request at a time.

const setup = workerData as WorkerSetup;
const store = new FsObjectStore(setup.lakeDir);
let receivedAt = new Date();
// its own Lake port (one DuckDB thread) over its own store: nothing shared with the main thread
const open = await openContext({ store, logger: silentLogger, now: () => receivedAt, threads: 1 });
const ctx = open.ctx;

let queue: Promise<unknown> = Promise.resolve();
parentPort!.on('message', (request: IngestRequest | 'close') => {
  if (request === 'close') {
    queue = queue.then(() => open.close()).then(() => parentPort!.close());
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
