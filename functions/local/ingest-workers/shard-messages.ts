import type { NoiseShard, NoiseShardPart } from '../../lib/stages/ingest-noise.ts';

// What the shard readers and their threads say to each other (shard-readers.ts).

export interface ShardRequest {
  readonly part: NoiseShardPart;
  /** the raw file the rows come from, and its receive time (ISO 8601) */
  readonly raw: { readonly key: string; readonly receivedAt: string };
}

export type ShardReply =
  | { readonly shard: NoiseShard }
  /** the part is not the elements of a JSON array, at least one: the stage reads the whole input instead */
  | { readonly invalid: true }
  | { readonly error: { readonly name: string; readonly message: string } };
