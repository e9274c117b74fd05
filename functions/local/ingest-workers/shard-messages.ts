import type { NoiseShard, NoiseShardPart } from '../../lib/stages/ingest-noise.ts';

// What the shard readers and their threads say to each other (shard-readers.ts).

export interface ShardRequest {
  readonly id: number;
  readonly part: NoiseShardPart;
  /** the raw file the rows come from, and its receive time (ISO 8601) */
  readonly raw: { readonly key: string; readonly receivedAt: string };
}

export type ShardReply =
  | { readonly id: number; readonly shard: NoiseShard }
  /** the part is not a JSON array of at least one element: the stage reads the whole text instead */
  | { readonly id: number; readonly invalid: true }
  | { readonly id: number; readonly error: { readonly name: string; readonly message: string } };
