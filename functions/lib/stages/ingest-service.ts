import type { StageContext } from './context.ts';
import { ingestClimateFile } from './ingest-climate.ts';
import { ingestNoise, type IngestInput, type IngestSummary } from './ingest-noise.ts';
import { runStage, type StageReport } from './pipeline.ts';
import { STAGES, stagesOf } from './registry.ts';
import { isClimateSourceKind, type ClimateSourceKind } from './source-kinds.ts';

// The one ingest path of files: the command line (`observatory ingest`) and the ingest-file Lambda
// both hand each file to ingestFile, then run the registry's after-ingest stages (the sensors merge)
// once, so that the sensors seen in the files are on the map without waiting for the hourly run.

export type FileToIngest = IngestInput | { readonly sourceKind: ClimateSourceKind; readonly bytes: Buffer; readonly origin: string };

export function ingestFile(ctx: StageContext, input: FileToIngest): Promise<IngestSummary> {
  if (isClimateSourceKind(input.sourceKind)) {
    return ingestClimateFile(ctx, input.sourceKind, { bytes: input.bytes, origin: input.origin });
  }
  return ingestNoise(ctx, input as IngestInput);
}

/** the stages that follow every ingest, in the registry's order */
export async function afterIngest(ctx: StageContext): Promise<StageReport[]> {
  const reports: StageReport[] = [];
  for (const stage of stagesOf('after-ingest', STAGES)) reports.push(await runStage(ctx, stage));
  return reports;
}
