// What the flood and heat parsers hand to the ingest stages, in the same shape as the noise parsers:
// records they could read, and records they could not (with the field and the reason).
export { truncateRecord, UnreadableInputError, type RecordRejection } from '../noise/observation.ts';

import { truncateRecord, type RecordRejection } from '../noise/observation.ts';
import { describeValue } from '../../datasets/derive.ts';

export function rejection(record: number | string, field: string, expected: string, found: unknown, reason: string, recordText: string): RecordRejection {
  return { record: String(record), field, expected, found: describeValue(found), reason, recordText: truncateRecord(recordText) };
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** an ISO 8601 instant with an explicit offset (`Z`, ±hh:mm or ±hhmm as Vigicrues writes it), on a real calendar date; undefined otherwise */
export function parseInstant(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  // ±hhmm → ±hh:mm: the form Date.parse reads everywhere
  const text = /[+-]\d{4}$/.test(value) ? `${value.slice(0, -2)}:${value.slice(-2)}` : value;
  const m = INSTANT.exec(text);
  if (!m) return undefined;
  const y = +m[1]!;
  const mo = +m[2]!;
  const d = +m[3]!;
  // Date would roll 2026-02-30 over to 2 March: check the calendar date first
  if (mo < 1 || mo > 12 || d < 1 || d > (mo === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(mo) ? 30 : 31)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}
