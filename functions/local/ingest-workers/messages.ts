import type { IngestInput, IngestSummary } from '../../lib/stages/ingest-noise.ts';

// What the ingest pool and its workers say to each other.

export interface WorkerSetup {
  /** the lake folder: each worker opens its own store on it and its own DuckDB */
  readonly lakeDir: string;
  /** the pool's scratch folder (DuckDB's temporary files), removed with the pool */
  readonly scratchDir: string;
}

export interface IngestRequest {
  readonly input: IngestInput;
  /** the receive time (ISO 8601), from the main thread's clock */
  readonly receivedAt: string;
}

export type IngestReply =
  | { readonly summary: IngestSummary }
  | { readonly error: { readonly name: string; readonly message: string; readonly code?: string } };
