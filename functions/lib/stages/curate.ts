import { encodeRows, repeatedKeys, valueAt, type EncodedColumn, type EncodedColumnSpec, type EncodedRows } from '../datasets/encoded-rows.ts';
import { validateRow } from '../datasets/derive.ts';
import { fileColumns, isPartitioned, partitionOf, type CheckFailure, type DatasetDeclaration } from '../datasets/declaration.ts';
import { NO_REJECTION, quarantine } from '../datasets/index.ts';
import { truncateRecord, type RecordRejection } from '../domain/noise/observation.ts';
import { parisDate } from '../domain/time/paris.ts';
import { datasetFileKey, rawSha } from '../lake/layout.ts';
import { writeDataset } from '../lake/write.ts';
import { sqlString } from '../sql/literals.ts';
import type { StageContext } from './context.ts';
import type { IngestSummary } from './ingest-noise.ts';

// The second half of every climate ingest, the same steps as the noise ingest: the parser's rows are
// validated against their dataset's declaration; valid rows go to curated/<dataset>/dt=…/<sha>.parquet
// and rejected records to quarantine/dt=<receive day>/<kind>-<sha>.parquet — both named after the raw
// file, so re-ingesting the same bytes rewrites the same files with the same rows.

export interface Candidate<Row> {
  /** the record's position in its raw file */
  readonly record: number;
  readonly recordText: string;
  readonly row: Row;
}

export interface CurateInput<Row> {
  readonly dataset: DatasetDeclaration;
  readonly sourceKind: string;
  readonly raw: { readonly key: string; readonly receivedAt: Date; readonly created: boolean };
  readonly origin: string;
  readonly candidates: readonly Candidate<Row>[];
  /** records the parser could not read */
  readonly rejections: readonly RecordRejection[];
  /** the whole input could not be read: the reason (one quarantine row with record = "file") */
  readonly unreadable?: { readonly message: string; readonly expected: string; readonly found: string };
  /** file-level notes that do not reject a record (e.g. a truncated gzip stream): quarantined with record = "file" */
  readonly fileNotes?: readonly RecordRejection[];
}

export interface CurateResult<Row> extends IngestSummary {
  /** the rows curated (the candidates that passed, in their order), for callers that need them (e.g. the poller’s watermark) */
  readonly rows: readonly Row[];
}

function fromFailures(record: number, recordText: string, failures: CheckFailure[]): RecordRejection {
  const first = failures[0]!;
  return {
    record: String(record),
    field: first.field,
    expected: first.expected,
    found: first.found,
    reason: failures.map((f) => `${f.field}: ${f.reason}`).join('; '),
    recordText: truncateRecord(recordText),
  };
}

export async function curate<Row extends object>(ctx: StageContext, input: CurateInput<Row>): Promise<CurateResult<Row>> {
  const { rows, rejections } = validateCandidates<Row, Candidate<Row>>(input.dataset, input.candidates, input.raw.receivedAt, (c) => c.recordText);
  const encoded = encodeRows(encodedColumns(input.dataset), rows as unknown as readonly Record<string, unknown>[]);
  const summary = await storeCurated(ctx, {
    ...input,
    rows: encoded,
    rejections: [...input.rejections, ...rejections],
    records: input.candidates.length + input.rejections.length,
  });
  return { ...summary, rows };
}

/**
 * The candidates that pass their dataset's checks (in order), and a rejection for each of the others,
 * with its record text (`textOf`: looked up only for a rejected record).
 */
export function validateCandidates<Row extends object, C extends { readonly record: number; readonly row: Row }>(
  d: DatasetDeclaration,
  candidates: readonly C[],
  receivedAt: Date,
  textOf: (candidate: C) => string,
): { rows: Row[]; rejections: RecordRejection[] } {
  const rejections: RecordRejection[] = [];
  const rows: Row[] = [];
  const checkContext = { now: receivedAt };
  for (const c of candidates) {
    const failures = validateRow(d, c.row as unknown as Record<string, unknown>, checkContext);
    if (failures.length) rejections.push(fromFailures(c.record, textOf(c), failures));
    else rows.push(c.row);
  }
  return { rows, rejections };
}

/** the columns curated rows are encoded with: the file columns, and the partition (dt) that places them */
export function encodedColumns(d: DatasetDeclaration): readonly EncodedColumnSpec[] {
  return isPartitioned(d) ? [...fileColumns(d), { name: 'dt', type: 'string' }] : fileColumns(d);
}

export interface CuratedBatch {
  readonly dataset: DatasetDeclaration;
  readonly sourceKind: string;
  readonly raw: { readonly key: string; readonly receivedAt: Date; readonly created: boolean };
  readonly origin: string;
  /** the rows that passed, encoded with `encodedColumns(dataset)`, in the order of their records */
  readonly rows: EncodedRows;
  /** every record rejected (the parser's, then the checks'), in that order */
  readonly rejections: readonly RecordRejection[];
  /** records found in the input */
  readonly records: number;
  readonly unreadable?: CurateInput<object>['unreadable'];
  readonly fileNotes?: readonly RecordRejection[];
}

/**
 * Writes a batch of validated rows and its rejections: the rows per local day to
 * curated/<dataset>/dt=…/<sha>.parquet, the rejections to quarantine/dt=<receive month>/<kind>-<sha>.parquet.
 */
export async function storeCurated(ctx: StageContext, input: CuratedBatch): Promise<IngestSummary> {
  const { dataset: d, raw, rows } = input;
  const sha = rawSha(raw.key);
  const partitioned = isPartitioned(d);
  const days = partitionsOf(d, rows);
  if (days.length > 1) {
    // one COPY … PARTITION_BY: a page of a month of observations is one statement, not thirty
    await ctx.lake.writeRowsByPartition(d, rows, (dt) => datasetFileKey(d, sha, dt));
  } else if (days.length === 1) {
    await writeDataset(ctx, d, rows, datasetFileKey(d, sha, partitioned ? days[0] : undefined));
  }
  // after the data: a reader of the change log that sees the record finds the files
  if (partitioned) await ctx.lake.recordChange(d, days, sha.slice(0, 16));

  const all = quarantinedOf(input);
  await storeVerdict(ctx, input.sourceKind, raw, all);

  return summaryOf(input);
}

/** the partitions a batch's rows fall in, in order of first appearance ('' for an unpartitioned dataset) */
export function partitionsOf(d: DatasetDeclaration, rows: EncodedRows): string[] {
  return isPartitioned(d) ? daysOf(rows.columns.dt!, rows.count) : rows.count ? [''] : [];
}

/** every record of a batch that goes to the quarantine: the rejected ones, then the file-level notes */
function quarantinedOf(input: CuratedBatch): RecordRejection[] {
  const fileRows: RecordRejection[] = [...(input.fileNotes ?? [])];
  if (input.unreadable) {
    fileRows.push({ record: 'file', field: null, expected: input.unreadable.expected, found: input.unreadable.found, reason: input.unreadable.message, recordText: null });
  }
  return [...input.rejections, ...fileRows.map((r) => ({ ...r, record: 'file' }))];
}

/** what storing a batch reports (also what the push API answers before its queued curation stores it) */
export function summaryOf(input: CuratedBatch): IngestSummary {
  const { dataset: d, raw, rows } = input;
  const partitioned = isPartitioned(d);
  return {
    rawKey: raw.key,
    origin: input.origin,
    newRaw: raw.created,
    receivedAt: raw.receivedAt.toISOString(),
    records: input.records,
    curated: rows.count,
    quarantined: input.rejections.length,
    // records of the file a later record with the same key supersedes (the key declared by the dataset)
    duplicatesInFile: rows.count && d.key?.length ? repeatedKeys(rows, d.key) : 0,
    unreadable: input.unreadable?.message,
    days: partitioned ? partitionsOf(d, rows).sort() : [],
    rejections: quarantinedOf(input).slice(0, 20),
  };
}

/**
 * Stores the rejections of a raw file: on its first receipt, as they are; on a replay, only when they
 * differ from the earlier verdict, as a newer verdict that replaces it (the quarantine view shows each raw
 * file's latest), even where the compaction merged the earlier one into a file of many. A replay that
 * now rejects nothing stores a marker row saying so. Re-ingesting the same bytes thus changes nothing.
 */
async function storeVerdict(ctx: StageContext, sourceKind: string, raw: CuratedBatch['raw'], rejections: readonly RecordRejection[]): Promise<void> {
  const sha = rawSha(raw.key);
  const receivedDt = partitionOf(quarantine, parisDate(raw.receivedAt));
  if (!raw.created && sameVerdict(await earlierVerdict(ctx, receivedDt, raw.key), rejections)) return;
  const verdict = rejections.length || raw.created ? rejections : [{ record: NO_REJECTION, field: null, expected: null, found: null, reason: 'no record rejected on this replay', recordText: null }];
  if (!verdict.length) return;
  const checkedAt = raw.created ? raw.receivedAt : verdictTime(ctx, raw.receivedAt);
  await writeDataset(
    ctx,
    quarantine,
    verdict.map((r) => ({
      received_at: raw.receivedAt,
      checked_at: checkedAt,
      source_kind: sourceKind,
      raw_key: raw.key,
      record: r.record,
      field: r.field,
      expected: r.expected,
      found: r.found,
      reason: r.reason,
      record_text: r.recordText,
      dt: receivedDt,
    })),
    datasetFileKey(quarantine, `${sourceKind}-${sha}`, receivedDt),
  );
  // after the data: the compaction finds the partition through the change log
  await ctx.lake.recordChange(quarantine, [receivedDt], sha.slice(0, 16));
}

/** the latest verdict stored on a raw file (rows of its receive month's quarantine partition) */
async function earlierVerdict(ctx: StageContext, dt: string, rawKey: string): Promise<RecordRejection[]> {
  await ctx.lake.attach([quarantine], { kind: 'partitions', dts: [dt] });
  const r = await ctx.lake.all(`SELECT record, field, expected, found, reason, record_text FROM ${quarantine.name} WHERE raw_key = ${sqlString(rawKey)}`);
  return r.rows.map((x) => ({
    record: String(x['record']),
    field: x['field'] as string | null,
    expected: x['expected'] as string | null,
    found: x['found'] as string | null,
    reason: String(x['reason']),
    recordText: x['record_text'] as string | null,
  }));
}

function sameVerdict(a: readonly RecordRejection[], b: readonly RecordRejection[]): boolean {
  const canonical = (rows: readonly RecordRejection[]) => rows.map((r) => JSON.stringify([r.record, r.field, r.expected, r.found, r.reason, r.recordText])).sort();
  const [x, y] = [canonical(a), canonical(b)];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** a replay's verdict time: now, and always after the first receipt's (clocks of tests and of other machines included) */
function verdictTime(ctx: StageContext, receivedAt: Date): Date {
  return new Date(Math.max(ctx.now().getTime(), receivedAt.getTime() + 1));
}

/** the partitions of the rows, in order of first appearance */
function daysOf(dt: EncodedColumn, count: number): string[] {
  if (count === 0) return [];
  if (dt.kind === 'constant') return [String(dt.value)];
  if (dt.kind === 'codes') {
    const seen = new Uint8Array(dt.dictionary.length + 1);
    const days: string[] = [];
    for (let i = 0; i < count; i++) {
      const code = dt.codes[i]!;
      if (!seen[code]) {
        seen[code] = 1;
        days.push(code ? dt.dictionary[code - 1]! : 'null');
      }
    }
    return days;
  }
  const days = new Set<string>();
  for (let i = 0; i < count; i++) days.add(String(valueAt(dt, i)));
  return [...days];
}
