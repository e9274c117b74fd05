// Character-level readers of ISO 8601 text, shared by the parsers' hot paths: no match arrays, and
// no Date parsing (which rolls 2025-02-30 over to March).

// character codes the parsers compare against
export const SPACE = 32;
export const PLUS = 43;
export const COMMA = 44;
export const DASH = 45;
export const DOT = 46;
export const COLON = 58;

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** the decimal number written by `count` digits at `at`, or -1 */
export function digits(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** `Z` or `±HH[:MM]` ending the text at `i`, in minutes east of UTC */
export function offsetMinutes(text: string, i: number): number | undefined {
  const sign = text.charCodeAt(i);
  if ((sign === 90 /* Z */ || sign === 122 /* z */) && i + 1 === text.length) return 0;
  if (sign !== PLUS && sign !== DASH) return undefined;
  const hours = digits(text, i + 1, 2);
  let j = i + 3;
  if (text.charCodeAt(j) === COLON) j++;
  const minutes = j === text.length ? 0 : digits(text, j, 2);
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || (j !== text.length && j + 2 !== text.length)) return undefined;
  return (sign === DASH ? -1 : 1) * (hours * 60 + minutes);
}

/** days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): Date.UTC without the call */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
