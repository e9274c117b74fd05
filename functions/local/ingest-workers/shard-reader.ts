import { parentPort } from 'node:worker_threads';
import { transferablesOf } from '../../lib/datasets/encoded-rows.ts';
import { arraySpan, FiwareArrayReader } from '../../lib/domain/noise/fiware.ts';
import { NoiseShardBuilder, readChunks } from '../../lib/stages/ingest-noise.ts';
import type { ShardReply, ShardRequest } from './shard-messages.ts';

// One shard reader thread: reads its part of a FIWARE array a chunk at a time, checks and encodes the
// rows, and hands them back (the typed arrays moved, not copied). No store, no DuckDB: the stage's
// thread writes.

const reply = (message: ShardReply) => parentPort!.postMessage(message, 'shard' in message ? transferablesOf(message.shard.rows) : []);

async function read({ id, part, raw }: ShardRequest): Promise<ShardReply> {
  const span = arraySpan(part.text);
  // at least one element: the part follows a comma of the whole array
  if (!span || span.from >= span.to) return { id, invalid: true };
  const reader = new FiwareArrayReader(part.text, span.from, span.to, 0, part.options);
  const shard = await readChunks(reader, new NoiseShardBuilder(part.sourceKind, { key: raw.key, receivedAt: new Date(raw.receivedAt) }, part.placement), false);
  return shard ? { id, shard } : { id, invalid: true };
}

parentPort!.on('message', (m: ShardRequest | 'close') => {
  if (m === 'close') {
    parentPort!.close();
    return;
  }
  read(m).then(reply, (e: Error) => reply({ id: m.id, error: { name: e.name, message: e.message } }));
});

parentPort!.postMessage('ready');
