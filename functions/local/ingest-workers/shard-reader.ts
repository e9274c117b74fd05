import { parentPort } from 'node:worker_threads';
import { transferablesOf } from '../../lib/adapters/encoded-rows.ts';
import { arraySpan, FiwareArrayReader } from '../../lib/domain/noise/fiware.ts';
import type { ParseResult } from '../../lib/domain/noise/observation.ts';
import { curateNoiseShard, type NoiseShardPart } from '../../lib/stages/ingest-noise.ts';
import type { ShardReply, ShardRequest } from './shard-messages.ts';

// One shard reader thread: parses its part of a FIWARE array as soon as it arrives, then, once the
// stage says where the raw file is stored, makes the rows, checks and encodes them, and hands them
// back (the typed arrays moved, not copied). No store, no DuckDB: the stage's thread writes.

const parsed = new Map<number, { part: NoiseShardPart; result: ParseResult }>();
const raws = new Map<number, { key: string; receivedAt: Date }>();
// parts answered before their raw message (invalid JSON, a failure): the stage sends one raw or cancel
// message for every part, which then needs no answer
const answered = new Set<number>();

const reply = (message: ShardReply) => parentPort!.postMessage(message, 'shard' in message ? transferablesOf(message.shard.rows) : []);

function attempt(m: ShardRequest, work: () => void): void {
  try {
    work();
  } catch (e) {
    const id = m.id;
    parsed.delete(id);
    raws.delete(id);
    if (m.type === 'read') answered.add(id);
    reply({ id, error: { name: (e as Error).name, message: (e as Error).message } });
  }
}

function finish(id: number): void {
  const read = parsed.get(id);
  const raw = raws.get(id);
  if (!read || !raw) return;
  parsed.delete(id);
  raws.delete(id);
  reply({ id, shard: curateNoiseShard(read.result, read.part.sourceKind, raw) });
}

parentPort!.on('message', (m: ShardRequest | 'close') => {
  if (m === 'close') {
    parentPort!.close();
    return;
  }
  attempt(m, () => {
    switch (m.type) {
      case 'read': {
        // at least one element: the part follows a comma of the whole array
        const span = arraySpan(m.part.text);
        const reader = span && new FiwareArrayReader(m.part.text, span.from, span.to, 0);
        const result = reader?.read(Infinity) === 'done' && reader.count > 0 ? reader : undefined;
        if (!result) {
          answered.add(m.id);
          reply({ id: m.id, invalid: true });
          return;
        }
        parsed.set(m.id, { part: m.part, result });
        finish(m.id);
        return;
      }
      case 'raw':
        if (answered.delete(m.id)) return;
        raws.set(m.id, { key: m.key, receivedAt: new Date(m.receivedAt) });
        finish(m.id);
        return;
      case 'cancel':
        if (answered.delete(m.id)) return;
        parsed.delete(m.id);
        raws.delete(m.id);
        reply({ id: m.id, cancelled: true });
    }
  });
});

parentPort!.postMessage('ready');
