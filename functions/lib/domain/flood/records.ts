// What the flood and heat parsers hand to the ingest stages, in the same shape as the noise parsers:
// records they could read, and records they could not (with the field and the reason).
export { truncateRecord, UnreadableInputError, type RecordRejection } from '../noise/observation.ts';

import { truncateRecord, type RecordRejection } from '../noise/observation.ts';
import { describeValue } from '../../datasets/derive.ts';
import { parseRfc3339 } from '../time/instant.ts';

export function rejection(record: number | string, field: string, expected: string, found: unknown, reason: string, recordText: string): RecordRejection {
  return { record: String(record), field, expected, found: describeValue(found), reason, recordText: truncateRecord(recordText) };
}

/** an ISO 8601 instant with an explicit offset (`Z`, ±hh:mm or ±hhmm as Vigicrues writes it), on a real calendar date; undefined otherwise */
export function parseInstant(value: unknown): Date | undefined {
  const ms = parseRfc3339(value);
  return ms === undefined ? undefined : new Date(ms);
}
