import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { RAW_PREFIX } from '../../lib/lake/layout.ts';
import { ingestQueuedPushes } from '../../lib/push/queued.ts';
import type { IngestSummary } from '../../lib/stages/ingest-noise.ts';
import { afterIngest, ingestFile } from '../../lib/stages/ingest-service.ts';
import type { StageContext } from '../../lib/stages/context.ts';
import { emitMetrics, jsonSafe, lakeStore, logger, withStageContext } from '../shared/runtime.ts';
import { IncomingFileError, incomingFileInput, incomingKeysFromEvent, isClimateFileInput, isSqsBatch, type IncomingFileInput } from './file-request.ts';

// A file dropped under incoming/<kind>/ (S3 → EventBridge → SQS → here) → the ingest service (the
// same as `observatory ingest`), then its after-ingest stages once per batch. From SQS it reports the
// failed messages only, which go back to the queue and, after a few tries, to its DLQ.
// The raw files of accepted pushes (raw/… created: S3 → EventBridge → the pushed-raw queue → here)
// are curated together, one batch per invocation (lib/push/queued.ts).

export type FileOutcome =
  | { key: string; status: 'ingested'; summary: IngestSummary }
  | { key: string; status: 'skipped'; reason: string };

async function ingestOne(ctx: StageContext, candidates: readonly string[]): Promise<FileOutcome> {
  let key: string | undefined;
  let metadata: Record<string, string> = {};
  for (const k of candidates) {
    const info = await ctx.store.head(k);
    if (info) {
      key = k;
      metadata = info.metadata ?? {};
      break;
    }
  }
  if (!key) return { key: candidates.join(' or '), status: 'skipped', reason: 'no such object (deleted since the event?)' };
  let input: IncomingFileInput;
  try {
    input = incomingFileInput(key, metadata);
  } catch (e) {
    // a misplaced file will not get better on a retry: log it, do not fail the batch
    if (e instanceof IncomingFileError) return { key, status: 'skipped', reason: e.message };
    throw e;
  }
  const bytes = await ctx.store.get(key);
  const summary = await ingestFile(ctx, { ...input, bytes });
  // ReadingsCurated feeds the noise freshness alarm: the climate sources count apart
  if (isClimateFileInput(input)) emitMetrics({ FilesIngested: 1, ClimateRecordsCurated: summary.curated, ClimateRecordsQuarantined: summary.quarantined });
  else emitMetrics({ FilesIngested: 1, ReadingsCurated: summary.curated, ReadingsQuarantined: summary.quarantined });
  return { key, status: 'ingested', summary };
}

/** the batch of pushes as one: when it fails, each of its messages goes back to the queue */
async function curatePushes(ctx: StageContext, pushes: readonly { messageId: string; key: string }[], failures: { itemIdentifier: string }[]): Promise<void> {
  try {
    const s = await ingestQueuedPushes(ctx, pushes.map((p) => p.key));
    emitMetrics({ PushesCurated: s.pushes, ReadingsCurated: s.curated, ReadingsQuarantined: s.quarantined });
    logger.info('curated queued pushes', { ...s });
  } catch (e) {
    logger.error(`queued pushes failed: ${(e as Error).message}`, { messages: pushes.length });
    for (const id of new Set(pushes.map((p) => p.messageId))) failures.push({ itemIdentifier: id });
  }
}

function log(outcome: FileOutcome): void {
  if (outcome.status === 'skipped') logger.warn(`skipped ${outcome.key}: ${outcome.reason}`);
  else logger.info(`ingested ${outcome.key}`, { rawKey: outcome.summary.rawKey, curated: outcome.summary.curated, quarantined: outcome.summary.quarantined });
}

export async function handler(event: unknown): Promise<{ batchItemFailures: { itemIdentifier: string }[] } | { files: FileOutcome[] }> {
  lakeStore(); // fail on a bad environment before touching anything
  if (isSqsBatch(event)) {
    return withStageContext(async (ctx) => {
      // pushed raw files are curated together after the loop (one readings file a day for the batch);
      // other files one message after the other: they share the invocation's DuckDB
      const pushes: { messageId: string; key: string }[] = [];
      const ingestMessage = async (record: SQSRecord) => {
        try {
          for (const candidates of incomingKeysFromEvent(JSON.parse(record.body))) {
            if (candidates[0]!.startsWith(`${RAW_PREFIX}/`)) pushes.push({ messageId: record.messageId, key: candidates[0]! });
            else log(await ingestOne(ctx, candidates));
          }
        } catch (e) {
          logger.error(`message ${record.messageId} failed: ${(e as Error).message}`, { messageId: record.messageId });
          throw e;
        }
      };
      // a batch that fails whole is reported like any other (every message back to the queue), not thrown
      const response = await processPartialResponse(event as unknown as SQSEvent, ingestMessage, new BatchProcessor(EventType.SQS), {
        processInParallel: false,
        throwOnFullBatchFailure: false,
      });
      const failures = response.batchItemFailures.map((f) => ({ itemIdentifier: f.itemIdentifier }));
      if (pushes.length) await curatePushes(ctx, pushes, failures);
      await afterIngest(ctx);
      return { batchItemFailures: failures };
    });
  }
  const keys = incomingKeysFromEvent(event);
  const files = await withStageContext(async (ctx) => {
    const out: FileOutcome[] = [];
    for (const candidates of keys) {
      const outcome = await ingestOne(ctx, candidates);
      log(outcome);
      out.push(outcome);
    }
    await afterIngest(ctx);
    return out;
  });
  return jsonSafe({ files });
}
