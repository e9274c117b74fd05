import type { NoiseShard, NoiseShardPart } from '../../lib/stages/ingest-noise.ts';

// What the shard readers and their threads say to each other (shard-readers.ts).

export type ShardRequest =
  | { readonly type: 'read'; readonly id: number; readonly part: NoiseShardPart }
  /** the raw file is stored: the rows can be made and checked */
  | { readonly type: 'raw'; readonly id: number; readonly key: string; readonly receivedAt: string }
  /** the raw file could not be stored: the ingest has failed, the part is dropped */
  | { readonly type: 'cancel'; readonly id: number };

export type ShardReply =
  | { readonly id: number; readonly shard: NoiseShard }
  /** an element is not valid JSON: the stage reads the whole text instead */
  | { readonly id: number; readonly invalid: true }
  | { readonly id: number; readonly cancelled: true }
  | { readonly id: number; readonly error: { readonly name: string; readonly message: string } };
