import { move, transferableSymbol, valueSymbol } from 'piscina';
import { transferablesOf } from '../../lib/datasets/encoded-rows.ts';
import { AsciiChars, FiwareArrayReader } from '../../lib/domain/noise/fiware.ts';
import { NoiseShardBuilder, readChunks } from '../../lib/stages/ingest-noise.ts';
import type { ShardReply, ShardRequest } from './shard-messages.ts';
import { PROBE } from './threads.ts';

// One shard reader thread (a piscina thread): reads its part of a FIWARE array a chunk at a time,
// checks and encodes the rows, and hands them back (the typed arrays moved, not copied). No store, no
// DuckDB: the stage's thread writes.

async function read({ part, raw }: ShardRequest): Promise<ShardReply> {
  // the part's elements, cut between elements of the whole array (ingest-noise.ts): ASCII bytes read where they are
  const chars = typeof part.text === 'string' ? part.text : new AsciiChars(part.text);
  // at least one element: the part follows a comma of the whole array
  if (chars.length === 0) return { invalid: true };
  const reader = new FiwareArrayReader(chars, 0, chars.length, 0, part.options);
  const shard = await readChunks(reader, new NoiseShardBuilder(part.sourceKind, { key: raw.key, receivedAt: new Date(raw.receivedAt) }, part.placement), false);
  return shard ? { shard } : { invalid: true };
}

export default async function readShard(request: ShardRequest | typeof PROBE): Promise<unknown> {
  if (request === PROBE) return PROBE;
  let reply: ShardReply;
  try {
    reply = await read(request);
  } catch (e) {
    reply = { error: { name: (e as Error).name, message: (e as Error).message } };
  }
  if (!('shard' in reply)) return reply;
  return move({ [transferableSymbol]: transferablesOf(reply.shard.rows), [valueSymbol]: reply });
}
