// What the flood and heat parsers hand to the ingest stages, in the same shape as the noise parsers:
// records they could read, and records they could not (with the field and the reason).
export { truncateRecord, UnreadableInputError, type RecordRejection } from '../noise/observation.ts';

import { truncateRecord, type RecordRejection } from '../noise/observation.ts';
import { describeValue } from '../../datasets/derive.ts';

export function rejection(record: number | string, field: string, expected: string, found: unknown, reason: string, recordText: string): RecordRejection {
  return { record: String(record), field, expected, found: describeValue(found), reason, recordText: truncateRecord(recordText) };
}

/** an ISO 8601 instant with an explicit offset (`Z` or ±hh:mm), on a real calendar date; undefined otherwise */
export function parseInstant(text: unknown): Date | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = m[1]!.split('-').map(Number) as [number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}
