import { workerData } from 'node:worker_threads';
import { FsObjectStore } from '../../lib/adapters/fs-store.ts';
import { openContext } from '../../lib/entry/context.ts';
import { silentLogger } from '../../lib/ports/logger.ts';
import { ingestNoise } from '../../lib/stages/ingest-noise.ts';
import type { IngestReply, IngestRequest, WorkerSetup } from './messages.ts';
import { PROBE } from './threads.ts';

// One ingest worker (a piscina thread, one task at a time): its own object store on the lake folder and
// its own single-threaded DuckDB; runs the same ingestNoise as the main thread.

const setup = workerData as WorkerSetup;
const store = new FsObjectStore(setup.lakeDir);
let receivedAt = new Date();
// its own Lake port (one DuckDB thread) over its own store: nothing shared with the main thread
const { ctx } = await openContext({ store, logger: silentLogger, now: () => receivedAt, threads: 1, scratchDir: setup.scratchDir });

export default async function ingest(request: IngestRequest | typeof PROBE): Promise<IngestReply | typeof PROBE> {
  if (request === PROBE) return PROBE;
  try {
    receivedAt = new Date(request.receivedAt);
    return { summary: await ingestNoise(ctx, request.input) };
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    return { error: { name: error.name, message: error.message, ...(error.code ? { code: error.code } : {}) } };
  }
}
