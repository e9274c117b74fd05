import type { StageContext } from './context.ts';
import { storeRaw } from './ingest-noise.ts';
import { CLIMATE_SOURCE_FORMATS, type ClimateSourceKind } from './source-kinds.ts';

// The first step of every climate ingest: the bytes as received kept under raw/<kind>/, content-addressed,
// before anything is parsed (an unreadable page is kept too, and quarantined by its curation).

export interface ClimateRawInput {
  readonly bytes: Uint8Array;
  readonly origin: string;
  /** the content type the source answered with (default: the format's) */
  readonly contentType?: string;
  readonly demo?: boolean;
}

/** stores a climate source's raw bytes with its format's extension and content type */
export function storeClimateRaw(ctx: StageContext, sourceKind: ClimateSourceKind, input: ClimateRawInput): ReturnType<typeof storeRaw> {
  const format = CLIMATE_SOURCE_FORMATS[sourceKind];
  return storeRaw(
    ctx.store,
    { sourceKind, bytes: input.bytes, origin: input.origin, contentType: input.contentType ?? format.contentType, demo: input.demo, extension: format.extension },
    ctx.now(),
  );
}
