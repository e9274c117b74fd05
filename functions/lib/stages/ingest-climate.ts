import type { StageContext } from './context.ts';
import { ingestHubeau } from './ingest-hubeau.ts';
import { ingestHubeauDaily } from './ingest-hubeau-daily.ts';
import { ingestMeteoFranceForecast } from './ingest-meteofrance-forecast.ts';
import { ingestMeteoFrance } from './ingest-meteofrance.ts';
import { ingestVigicrues } from './ingest-vigicrues.ts';
import type { IngestSummary } from './ingest-noise.ts';
import type { ClimateSourceKind } from './source-kinds.ts';

// One entry for the command line (and any file-driven ingest): a saved file of a climate source kind
// goes to the ingest of its kind — the same code the pollers use for what they fetch.

export async function ingestClimateFile(
  ctx: StageContext,
  kind: ClimateSourceKind,
  input: { readonly bytes: Uint8Array; readonly origin: string; readonly demo?: boolean },
): Promise<IngestSummary> {
  switch (kind) {
    case 'hubeau':
      return ingestHubeau(ctx, input);
    case 'vigicrues':
      return ingestVigicrues(ctx, input);
    case 'meteofrance':
      return ingestMeteoFrance(ctx, input);
    case 'hubeau-daily':
      return ingestHubeauDaily(ctx, input);
    case 'meteofrance-forecast':
      return ingestMeteoFranceForecast(ctx, input);
  }
}
