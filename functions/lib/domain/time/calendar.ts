const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** days in a month of the proleptic Gregorian calendar (Date.UTC would read years 0–99 as 1900–1999) */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** true for a real calendar date `YYYY-MM-DD` (JavaScript Date would roll 2025-02-30 over to March) */
export function isCalendarDate(text: string): boolean {
  const m = DATE_RE.exec(text);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}
