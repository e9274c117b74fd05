// Time formats and durations as written on a command line or in a payload: no dependency, so that the
// command line can check its flags without loading the parsers.

export type FormatToken = { kind: 'Y' | 'm' | 'd' | 'H' | 'M' | 'S' | 'f' } | { kind: 'literal'; text: string };

const DIRECTIVES = new Set(['Y', 'm', 'd', 'H', 'M', 'S', 'f']);

/** the tokens of a time format; throws (naming the directive) for one outside %Y %m %d %H %M %S %f, or a format without a date */
export function parseTimeFormat(format: string): FormatToken[] {
  const tokens: FormatToken[] = [];
  let literal = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%') {
      literal += c;
      continue;
    }
    const d = format[++i];
    if (d === '%') {
      literal += '%';
      continue;
    }
    if (d === undefined || !DIRECTIVES.has(d)) throw new Error(`time format ${JSON.stringify(format)}: unknown directive %${d ?? ''}; use %Y %m %d %H %M %S %f`);
    if (literal) tokens.push({ kind: 'literal', text: literal });
    literal = '';
    tokens.push({ kind: d as 'Y' });
  }
  if (literal) tokens.push({ kind: 'literal', text: literal });
  for (const needed of ['Y', 'm', 'd', 'H']) {
    if (!tokens.some((t) => t.kind === needed)) throw new Error(`time format ${JSON.stringify(format)}: %${needed} is missing (a reading needs a date and an hour)`);
  }
  return tokens;
}

/**
 * Milliseconds of an ISO 8601 duration of days and clock time (`PT1M`, `PT15M`, `PT0.5S`, `P1DT2H`), or
 * undefined: years, months and weeks have no fixed length and are not integration times.
 */
export function isoDurationMillis(text: string): number | undefined {
  const m = /^P(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return undefined;
  const n = (s: string | undefined) => (s ? Number(s.replace(',', '.')) : 0);
  return Math.round(((n(m[1]) * 24 + n(m[2])) * 60 + n(m[3])) * 60_000 + n(m[4]) * 1000);
}

const INTERVAL_UNITS: Record<string, number> = { '': 1, s: 1, sec: 1, min: 60, h: 3600 };

/**
 * Seconds of an integration interval written on a command line or in a configuration: a bare number
 * (seconds) or a number with a unit s, min or h (`60s`, `1min`, `15min`, `1h`); undefined otherwise.
 */
export function parseIntervalSeconds(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|sec|min|h|)\s*$/.exec(text);
  if (!m) return undefined;
  const seconds = Number(m[1]) * INTERVAL_UNITS[m[2]!]!;
  return seconds > 0 && Number.isFinite(seconds) ? seconds : undefined;
}
