// What a noise parser hands to the ingest stage: observations it could read, and records it could not.

export interface NoiseObservation {
  /** entity index (0-based) in a JSON payload, or 1-based line number in a CSV file */
  readonly record: number;
  /** the record as received, for the quarantine */
  readonly recordText: string;
  readonly sensorId: string;
  readonly name?: string | null;
  readonly lon?: number | null;
  readonly lat?: number | null;
  readonly tsFrom: Date;
  readonly tsTo: Date;
  readonly laeq: number | null;
  readonly lamax: number | null;
  readonly las: number | null;
  /** road | rail | air | industry | mixed | unknown */
  readonly noiseSource?: string;
  readonly sonometerClass?: string | null;
}

export interface RecordRejection {
  /** entity index, CSV line number, or 'file' */
  readonly record: string;
  readonly field: string | null;
  readonly expected: string | null;
  readonly found: string | null;
  readonly reason: string;
  readonly recordText: string | null;
}

export interface ParseResult {
  readonly observations: NoiseObservation[];
  readonly rejections: RecordRejection[];
}

/** why one field of one record cannot be read: the rejection, before the record's number and text are added */
export class FieldProblem {
  constructor(
    readonly field: string | null,
    readonly expected: string,
    readonly found: string,
    readonly reason: string,
  ) {}
}

/** the whole input could not be read (not JSON, not CSV, wrong encoding…): the file goes to quarantine */
export class UnreadableInputError extends Error {
  constructor(
    message: string,
    readonly expected: string,
    readonly found: string,
  ) {
    super(message);
    this.name = 'UnreadableInputError';
  }
}

export function truncateRecord(text: string, max = 4096): string {
  return text.length > max ? text.slice(0, max) + '…' : text;
}
