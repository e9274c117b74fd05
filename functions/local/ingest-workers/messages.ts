import type { IngestInput, IngestSummary } from '../../lib/stages/ingest-noise.ts';

// What the ingest pool and its workers say to each other.

export interface WorkerSetup {
  /** the lake folder: each worker opens its own store on it and its own DuckDB */
  readonly lakeDir: string;
}

export interface IngestRequest {
  readonly id: number;
  readonly input: IngestInput;
  /** the receive time (ISO 8601), from the main thread's clock */
  readonly receivedAt: string;
}

export type IngestReply =
  | { readonly id: number; readonly summary: IngestSummary }
  | { readonly id: number; readonly error: { readonly name: string; readonly message: string; readonly code?: string } };
