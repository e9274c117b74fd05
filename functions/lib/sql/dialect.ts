import {
  closing,
  isSignificant,
  isSymbol,
  isWord,
  next,
  opening,
  position,
  previous,
  quote,
  splitArguments,
  text,
  tokenize,
  unquote,
  type Token,
} from './tokens.ts';

// DuckDB SQL → Athena (Trino) SQL: the one place the two dialects meet.
//
// The project's SQL files (notebooks/sql/*.sql) are written in the subset both engines accept and pass
// through toAthena() unchanged; infra/ registers them as they are. toAthena() is for the SQL people
// write by hand against the local lake (`observatory query --engine athena`, a notebook's `sql()` on
// Athena): it rewrites the DuckDB spellings that have a Trino equivalent (RULES) and refuses, naming the
// construct and what to write instead, those that have none (REFUSALS). Trino SQL goes through unchanged.
//
// What no rewrite can see, because it depends on types (docs/researchers.md, "Writing SQL for both"):
// - `a / b` on integers is a DOUBLE in DuckDB and an integer division in Trino: CAST one side AS DOUBLE;
// - `date_trunc('month', d)` on a DATE is a TIMESTAMP in DuckDB and a DATE in Trino: CAST(… AS DATE);
// - `sum()` of integers is a HUGEINT in DuckDB and a BIGINT in Trino: CAST(sum(…) AS BIGINT), or count(*) FILTER;
// - regexp_replace replaces the first match in DuckDB and every match in Trino.

export interface DialectProblem {
  readonly line: number;
  readonly column: number;
  readonly construct: string;
  readonly instead: string;
}

export class DialectError extends Error {
  constructor(readonly problems: readonly DialectProblem[]) {
    super(
      `this SQL cannot run on Athena as written:\n` +
        problems.map((p) => `  line ${p.line}, column ${p.column}: ${p.construct} — ${p.instead}`).join('\n'),
    );
    this.name = 'DialectError';
  }
}

type Report = (at: number, construct: string, instead: string) => void;

export interface DialectRule {
  readonly name: string;
  /** what DuckDB writes and what Athena wants instead */
  readonly why: string;
  /** one rewrite (the first match), or undefined when nothing matches */
  readonly apply: (tokens: Token[], report: Report) => Token[] | undefined;
}

export interface DialectRefusal {
  readonly construct: string;
  readonly instead: string;
  /** the token indexes where the construct starts */
  readonly find: (tokens: readonly Token[]) => number[];
}

const replace = (tokens: readonly Token[], from: number, to: number, replacement: string): Token[] => [
  ...tokens.slice(0, from),
  { kind: 'word', text: replacement },
  ...tokens.slice(to + 1),
];

const lower = (t: Token | undefined) => t?.text.toLowerCase() ?? '';

/** the same SQL up to letter case and white space */
const same = (a: string, b: string) => a.replace(/\s+/g, '').toLowerCase() === b.replace(/\s+/g, '').toLowerCase();

interface Call {
  readonly name: number;
  readonly open: number;
  readonly close: number;
}

/** calls of the named functions (not `x.name(…)` member calls), in order */
function calls(tokens: readonly Token[], names: readonly string[]): Call[] {
  const out: Call[] = [];
  tokens.forEach((t, i) => {
    if (!isWord(t, ...names)) return;
    const open = next(tokens, i);
    if (!isSymbol(tokens[open], '(') || isSymbol(tokens[previous(tokens, i)], '.')) return;
    const close = closing(tokens, open);
    if (close > 0) out.push({ name: i, open, close });
  });
  return out;
}

const argText = (arg: readonly Token[]) => text(arg).trim();

// ---------------------------------------------------------------------------------------------------
// types

/** DuckDB type names and aliases → the Trino type; null: Trino has no such type */
const TYPES: Readonly<Record<string, string | null>> = {
  integer: 'INTEGER', int: 'INTEGER', int4: 'INTEGER', int32: 'INTEGER', signed: 'INTEGER',
  bigint: 'BIGINT', int8: 'BIGINT', int64: 'BIGINT', long: 'BIGINT',
  smallint: 'SMALLINT', int2: 'SMALLINT', int16: 'SMALLINT', short: 'SMALLINT',
  tinyint: 'TINYINT', int1: 'TINYINT',
  double: 'DOUBLE', float8: 'DOUBLE', 'double precision': 'DOUBLE',
  float: 'REAL', float4: 'REAL', real: 'REAL',
  varchar: 'VARCHAR', text: 'VARCHAR', string: 'VARCHAR', char: 'VARCHAR', bpchar: 'VARCHAR', 'character varying': 'VARCHAR',
  boolean: 'BOOLEAN', bool: 'BOOLEAN', logical: 'BOOLEAN',
  date: 'DATE', time: 'TIME',
  timestamp: 'TIMESTAMP', datetime: 'TIMESTAMP',
  timestamptz: 'TIMESTAMP WITH TIME ZONE', 'timestamp with time zone': 'TIMESTAMP WITH TIME ZONE',
  decimal: 'DECIMAL', numeric: 'DECIMAL',
  json: 'JSON', uuid: 'UUID', blob: 'VARBINARY', bytea: 'VARBINARY', varbinary: 'VARBINARY',
  hugeint: null, uhugeint: null, ubigint: null, uinteger: null, usmallint: null, utinyint: null,
  timestamp_s: null, timestamp_ms: null, timestamp_ns: null,
  list: null, struct: null, union: null, bit: null, bitstring: null,
};

const typeOf = (name: string) => (Object.hasOwn(TYPES, name) ? TYPES[name] : undefined);

const MULTIWORD = ['timestamp with time zone', 'double precision', 'character varying'];

interface ParsedType {
  /** last token index of the type */
  readonly end: number;
  readonly name: string;
  readonly params: string;
  readonly array: boolean;
}

function parseType(tokens: readonly Token[], start: number): ParsedType | undefined {
  if (!isWord(tokens[start])) return undefined;
  let end = start;
  let name = lower(tokens[start]);
  for (const phrase of MULTIWORD) {
    const words = phrase.split(' ');
    if (words[0] !== name) continue;
    let j = start;
    const ok = words.slice(1).every((w) => {
      j = next(tokens, j);
      return isWord(tokens[j], w);
    });
    if (ok) {
      end = j;
      name = phrase;
      break;
    }
  }
  let params = '';
  const open = next(tokens, end);
  if (isSymbol(tokens[open], '(')) {
    const close = closing(tokens, open);
    if (close < 0) return undefined;
    params = text(tokens.slice(open, close + 1));
    end = close;
  }
  const bracket = next(tokens, end);
  const array = isSymbol(tokens[bracket], '[');
  return { end, name, params, array };
}

/** the Trino spelling of a DuckDB type; undefined when it is not a DuckDB name (kept as written) */
function trinoType(t: ParsedType): string | undefined {
  const mapped = typeOf(t.name);
  return mapped ? mapped + t.params : undefined;
}

/** where the type of each cast starts: after `::`, and after the AS of CAST(… AS type) / TRY_CAST */
function castTypeStarts(tokens: readonly Token[]): number[] {
  const starts = indexesOf(tokens, (t) => isSymbol(t, '::')).map((i) => next(tokens, i));
  for (const c of calls(tokens, ['cast', 'try_cast'])) {
    let as = -1;
    let depth = 0;
    for (let j = c.open; j < c.close; j++) {
      if (isSymbol(tokens[j], '(') || isSymbol(tokens[j], '[')) depth++;
      else if (isSymbol(tokens[j], ')') || isSymbol(tokens[j], ']')) depth--;
      else if (depth === 1 && isWord(tokens[j], 'as')) as = j;
    }
    if (as >= 0) starts.push(next(tokens, as));
  }
  return starts.sort((a, b) => a - b);
}

const indexesOf = (tokens: readonly Token[], test: (t: Token, i: number) => boolean) => tokens.flatMap((t, i) => (test(t, i) ? [i] : []));

// ---------------------------------------------------------------------------------------------------
// the cast operator

/** words that may stand before a parenthesis without being a function name */
const NOT_A_FUNCTION = new Set([
  'select', 'and', 'or', 'not', 'in', 'where', 'on', 'by', 'then', 'else', 'when', 'from', 'join', 'as', 'exists',
  'having', 'with', 'union', 'all', 'distinct', 'any', 'some', 'between', 'like', 'is', 'case', 'values', 'using', 'over', 'filter',
]);
const TYPED_LITERAL = new Set(['date', 'timestamp', 'timestamptz', 'time', 'interval']);

function chainStart(tokens: readonly Token[], j: number): number {
  for (;;) {
    const dot = previous(tokens, j);
    const before = previous(tokens, dot);
    if (!isSymbol(tokens[dot], '.') || !(tokens[before]?.kind === 'word' || tokens[before]?.kind === 'quoted')) return j;
    j = before;
  }
}

/** the start of `f(…)` (a call, the function's name and what it is chained to) or of a parenthesised group ending at j */
function callOrGroupStart(tokens: readonly Token[], j: number): number {
  const open = opening(tokens, j);
  const p = previous(tokens, open);
  if (isWord(tokens[p]) && !NOT_A_FUNCTION.has(lower(tokens[p]))) return chainStart(tokens, p);
  return open;
}

/** the start of `x[…]` (a subscript of the operand before it) or of a list literal ending at j */
function subscriptStart(tokens: readonly Token[], j: number): number {
  const open = opening(tokens, j);
  const p = previous(tokens, open);
  const before = tokens[p];
  const subscript = before && (before.kind === 'quoted' || isSymbol(before, ')') || isSymbol(before, ']') || (before.kind === 'word' && !NOT_A_FUNCTION.has(lower(before))));
  return subscript ? operandStart(tokens, p) : open;
}

/** the CASE of the END at j (nested CASEs counted), or -1 */
function caseStart(tokens: readonly Token[], j: number): number {
  let depth = 0;
  for (let k = j; k >= 0; k--) {
    if (isWord(tokens[k], 'end')) depth++;
    else if (isWord(tokens[k], 'case') && --depth === 0) return k;
  }
  return -1;
}

/** the index where the operand ending at j starts, or -1 */
function operandStart(tokens: readonly Token[], j: number): number {
  const t = tokens[j];
  if (!t) return -1;
  if (isSymbol(t, ')')) return callOrGroupStart(tokens, j);
  if (isSymbol(t, ']')) return subscriptStart(tokens, j);
  if (isWord(t, 'end')) return caseStart(tokens, j);
  if (t.kind === 'word' || t.kind === 'quoted') return chainStart(tokens, j);
  if (t.kind === 'string') {
    const p = previous(tokens, j);
    return isWord(tokens[p]) && TYPED_LITERAL.has(lower(tokens[p])) ? p : j;
  }
  if (t.kind === 'number') return j;
  return -1;
}

const castOperator: DialectRule = {
  name: 'cast-operator',
  why: 'DuckDB (like PostgreSQL) casts with `x::TYPE`; Trino knows only CAST(x AS TYPE), with its own type names.',
  apply(tokens, report) {
    const at = tokens.findIndex((t) => isSymbol(t, '::'));
    if (at < 0) return undefined;
    const start = operandStart(tokens, previous(tokens, at));
    const type = parseType(tokens, next(tokens, at));
    if (start < 0 || !type) {
      report(at, 'a `::` cast the rewrite cannot delimit', 'write CAST(<expression> AS <type>)');
      return replace(tokens, at, at, ' ');
    }
    const mapped = trinoType(type) ?? text(tokens.slice(next(tokens, at), type.end + 1));
    return replace(tokens, start, type.end, `CAST(${text(tokens.slice(start, previous(tokens, at) + 1))} AS ${mapped})`);
  },
};

const castTypes: DialectRule = {
  name: 'type-names',
  why: 'DuckDB accepts aliases (INT, TEXT, STRING, FLOAT, TIMESTAMPTZ…) Trino does not know, and FLOAT is 4 bytes in DuckDB (Trino REAL).',
  apply(tokens) {
    for (const start of castTypeStarts(tokens)) {
      if (isSymbol(tokens[previous(tokens, start)], '::')) continue;
      const type = parseType(tokens, start);
      const mapped = type && trinoType(type);
      if (mapped && !same(mapped, text(tokens.slice(start, type.end + 1)))) return replace(tokens, start, type.end, mapped);
    }
    return undefined;
  },
};

// ---------------------------------------------------------------------------------------------------
// functions

const RENAMES: Readonly<Record<string, { readonly trino: string }>> = {
  epoch: { trino: 'to_unixtime' },
  list: { trino: 'array_agg' },
  regexp_matches: { trino: 'regexp_like' },
};

const renames: DialectRule = {
  name: 'function-names',
  why: 'Same function, another name: epoch → to_unixtime, list → array_agg, regexp_matches → regexp_like.',
  apply(tokens) {
    const c = calls(tokens, Object.keys(RENAMES))[0];
    return c ? replace(tokens, c.name, c.name, RENAMES[lower(tokens[c.name])]!.trino) : undefined;
  },
};

const percentiles: DialectRule = {
  name: 'percentiles',
  why: 'Trino has no exact median or quantile: median(x) and quantile_cont/quantile_disc/quantile/approx_quantile(x, p) become approx_percentile(x, p), an approximation (a few tenths of a percent of rank).',
  apply(tokens, report) {
    const c = calls(tokens, ['median', 'quantile_cont', 'quantile_disc', 'quantile', 'approx_quantile'])[0];
    if (!c) return undefined;
    const args = splitArguments(tokens, c.open, c.close).map(argText);
    const median = isWord(tokens[c.name], 'median');
    if (args.length !== (median ? 1 : 2)) {
      report(c.name, `${tokens[c.name]!.text} with ${args.length} arguments`, 'write approx_percentile(x, p)');
      return replace(tokens, c.name, c.close, 'NULL');
    }
    const p = median ? '0.5' : args[1]!.startsWith('[') ? `ARRAY${args[1]}` : args[1]!;
    return replace(tokens, c.name, c.close, `approx_percentile(${args[0]}, ${p})`);
  },
};

/** DuckDB strftime specifiers → Trino date_format (MySQL) specifiers */
const STRFTIME_TO_TRINO: Readonly<Record<string, string>> = {
  Y: '%Y', y: '%y', m: '%m', d: '%d', H: '%H', I: '%h', M: '%i', S: '%s', p: '%p', j: '%j', a: '%a', A: '%W', b: '%b', B: '%M', '%': '%%',
};

function trinoFormat(format: string, at: number, report: Report): string {
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const spec = format[++i] ?? '';
    const mapped = STRFTIME_TO_TRINO[spec];
    if (mapped) out += mapped;
    else report(at, `the strftime specifier %${spec}`, `Athena's date_format has no equivalent; supported: ${Object.keys(STRFTIME_TO_TRINO).map((s) => '%' + s).join(' ')}`);
  }
  return out;
}

const strftime: DialectRule = {
  name: 'strftime',
  why: "DuckDB formats dates with strftime(x, '%Y-%m'); Trino with date_format(x, '%Y-%m'), whose specifiers differ for minutes (%i), seconds (%s), month and weekday names (%M, %W) and 12-hour clock (%h).",
  apply(tokens, report) {
    const c = calls(tokens, ['strftime'])[0];
    if (!c) return undefined;
    const args = splitArguments(tokens, c.open, c.close);
    const literal = (arg: Token[] | undefined) => arg && arg.filter(isSignificant).length === 1 && arg.find(isSignificant)!.kind === 'string';
    const [value, format] = literal(args[1]) ? [args[0], args[1]] : literal(args[0]) ? [args[1], args[0]] : [undefined, undefined];
    if (args.length !== 2 || !value || !format) {
      report(c.name, 'strftime with a format that is not a string literal', "write date_format(x, '<Trino format>')");
      return replace(tokens, c.name, c.close, 'NULL');
    }
    const pattern = unquote(format.find(isSignificant)!.text);
    return replace(tokens, c.name, c.close, `date_format(${argText(value)}, ${quote(trinoFormat(pattern, c.name, report))})`);
  },
};

const stringAgg: DialectRule = {
  name: 'string_agg',
  why: "Trino has no string_agg: string_agg(x, ', ' ORDER BY y) becomes array_join(array_agg(x ORDER BY y), ', ').",
  apply(tokens) {
    const c = calls(tokens, ['string_agg'])[0];
    if (!c) return undefined;
    let order = c.close;
    let depth = 0;
    for (let j = c.open + 1; j < c.close; j++) {
      if (isSymbol(tokens[j], '(')) depth++;
      else if (isSymbol(tokens[j], ')')) depth--;
      else if (depth === 0 && isWord(tokens[j], 'order') && isWord(tokens[next(tokens, j)], 'by')) {
        order = j;
        break;
      }
    }
    const args = splitArguments(tokens, c.open, order).map(argText);
    const orderBy = order < c.close ? ' ' + argText(tokens.slice(order, c.close)) : '';
    return replace(tokens, c.name, c.close, `array_join(array_agg(${args[0] ?? ''}${orderBy}), ${args[1] ?? "','"})`);
  },
};

// ---------------------------------------------------------------------------------------------------
// literals and statements

const INTERVAL_UNITS: Readonly<Record<string, { unit: string; times: number }>> = Object.fromEntries(
  (['year', 'month', 'day', 'hour', 'minute', 'second'] as const).flatMap((u): [string, { unit: string; times: number }][] => [
    [u, { unit: u.toUpperCase(), times: 1 }],
    [u + 's', { unit: u.toUpperCase(), times: 1 }],
  ]).concat([
    ['week', { unit: 'DAY', times: 7 }],
    ['weeks', { unit: 'DAY', times: 7 }],
  ]),
);

const intervals: DialectRule = {
  name: 'interval-literals',
  why: "DuckDB accepts INTERVAL 3 DAYS and INTERVAL '3 days'; Trino wants INTERVAL '3' DAY (a quoted number, a singular unit, no WEEK).",
  apply(tokens, report) {
    for (let i = 0; i < tokens.length; i++) {
      if (!isWord(tokens[i], 'interval')) continue;
      const k = next(tokens, i);
      const value = tokens[k];
      const u = next(tokens, k);
      let amount: string | undefined;
      let unitWord: string | undefined;
      let end = u;
      if (value?.kind === 'number' && isWord(tokens[u])) [amount, unitWord] = [value.text, lower(tokens[u])];
      else if (value?.kind === 'string' && isWord(tokens[u]) && Object.hasOwn(INTERVAL_UNITS, lower(tokens[u]))) [amount, unitWord] = [unquote(value.text).trim(), lower(tokens[u])];
      else if (value?.kind === 'string') {
        const m = /^\s*(-?\d+)\s*([a-z]+)\s*$/i.exec(unquote(value.text));
        if (!m) continue;
        [amount, unitWord, end] = [m[1]!, m[2]!.toLowerCase(), k];
      } else continue;
      const unit = Object.hasOwn(INTERVAL_UNITS, unitWord) ? INTERVAL_UNITS[unitWord] : undefined;
      if (!unit || !/^-?\d+$/.test(amount)) {
        report(i, `INTERVAL ${amount} ${unitWord}`, "write INTERVAL '<integer>' <YEAR|MONTH|DAY|HOUR|MINUTE|SECOND>");
        return replace(tokens, i, end, 'NULL');
      }
      const canonical = `INTERVAL '${Number(amount) * unit.times}' ${unit.unit}`;
      if (!same(canonical, text(tokens.slice(i, end + 1)))) return replace(tokens, i, end, canonical);
    }
    return undefined;
  },
};

const terminator: DialectRule = {
  name: 'statement-terminator',
  why: 'Athena runs one statement per query and rejects a trailing semicolon.',
  apply(tokens) {
    const last = previous(tokens, tokens.length);
    return isSymbol(tokens[last], ';') ? tokens.filter((_, i) => i !== last) : undefined;
  },
};

/** the rewrites, in the order they apply */
export const RULES: readonly DialectRule[] = [terminator, castOperator, castTypes, renames, percentiles, strftime, stringAgg, intervals];

// ---------------------------------------------------------------------------------------------------
// refusals: DuckDB-only constructs with no mechanical equivalent

const followedBy = (tokens: readonly Token[], i: number, ...words: string[][]) => {
  let j = i;
  return words.every((w) => isWord(tokens[(j = next(tokens, j))], ...w));
};
const END_OF_CLAUSE = (t: Token | undefined) => !t || isSymbol(t, ')') || isSymbol(t, ';') || isWord(t, 'order', 'having', 'limit', 'window', 'qualify', 'offset', 'union', 'except', 'intersect');

export const REFUSALS: readonly DialectRefusal[] = [
  {
    construct: 'a DuckDB-only type (HUGEINT, unsigned integers, LIST, STRUCT, UNION, BIT, or T[])',
    instead: 'cast to a type Athena has: BIGINT, DOUBLE, DECIMAL(38, 0), VARCHAR, ARRAY(T), ROW(…), MAP(K, V)',
    find: (tokens) =>
      castTypeStarts(tokens).filter((start) => {
        const type = parseType(tokens, start);
        return type && (type.array || typeOf(type.name) === null);
      }),
  },
  {
    construct: 'QUALIFY',
    instead: 'filter the window in a subquery: SELECT * FROM (SELECT …, row_number() OVER (…) AS rank FROM …) WHERE rank = 1',
    find: (tokens) => indexesOf(tokens, (t) => isWord(t, 'qualify')),
  },
  {
    construct: 'ILIKE',
    instead: 'write lower(a) LIKE lower(b)',
    find: (tokens) => indexesOf(tokens, (t) => isWord(t, 'ilike')),
  },
  {
    construct: 'GROUP BY ALL / ORDER BY ALL',
    instead: 'list the columns, or their positions: GROUP BY 1, 2',
    find: (tokens) =>
      indexesOf(tokens, (t, i) => {
        if (!isWord(t, 'group', 'order') || !followedBy(tokens, i, ['by'], ['all'])) return false;
        return isWord(t, 'order') || END_OF_CLAUSE(tokens[next(tokens, next(tokens, next(tokens, i)))]);
      }),
  },
  {
    construct: 'SELECT * EXCLUDE / REPLACE, COLUMNS(…)',
    instead: 'list the columns you want',
    find: (tokens) =>
      indexesOf(tokens, (t, i) => (isSymbol(t, '*') && isWord(tokens[next(tokens, i)], 'exclude', 'replace')) || (isWord(t, 'columns') && isSymbol(tokens[next(tokens, i)], '('))),
  },
  {
    construct: 'a query starting with FROM',
    instead: 'start it with SELECT … FROM',
    find: (tokens) =>
      indexesOf(tokens, (t, i) => {
        if (!isWord(t, 'from')) return false;
        const p = previous(tokens, i);
        if (p < 0 || isSymbol(tokens[p], ';')) return true;
        const beforeParen = tokens[previous(tokens, p)];
        return isSymbol(tokens[p], '(') && (!isWord(beforeParen) || NOT_A_FUNCTION.has(lower(beforeParen)));
      }),
  },
  {
    construct: 'the integer division operator //',
    instead: 'write floor(a / b) with integer operands, or CAST(a / b AS BIGINT)',
    find: (tokens) => indexesOf(tokens, (t) => isSymbol(t, '//')),
  },
  {
    construct: 'DuckDB list functions (list_…, array_… lambdas)',
    instead: 'use Trino array functions: transform, filter, reduce, cardinality, element_at, contains',
    find: (tokens) => indexesOf(tokens, (t, i) => t.kind === 'word' && /^list_/i.test(t.text) && isSymbol(tokens[next(tokens, i)], '(')),
  },
  {
    construct: 'a file reader (read_parquet, read_csv, read_json, read_text, glob…)',
    instead: 'on Athena, query the Glue tables by dataset name (the same names as the local views)',
    find: (tokens) =>
      indexesOf(tokens, (t, i) => t.kind === 'word' && /^(read_\w+|parquet_\w+|glob|sniff_csv)$/i.test(t.text) && isSymbol(tokens[next(tokens, i)], '(')),
  },
  {
    construct: 'USING SAMPLE',
    instead: 'write TABLESAMPLE BERNOULLI (<percent>) after the table',
    find: (tokens) => indexesOf(tokens, (t, i) => isWord(t, 'using') && isWord(tokens[next(tokens, i)], 'sample')),
  },
  {
    construct: 'PIVOT / UNPIVOT',
    instead: 'aggregate with CASE (or count(*) FILTER (WHERE …)) per column',
    find: (tokens) => indexesOf(tokens, (t) => isWord(t, 'pivot', 'unpivot')),
  },
  {
    construct: 'more than one statement',
    instead: 'Athena runs one statement per query: send them one at a time',
    find: (tokens) => indexesOf(tokens, (t, i) => isSymbol(t, ';') && next(tokens, i) < tokens.length),
  },
];

// ---------------------------------------------------------------------------------------------------

const MAX_REWRITES = 1000;

/**
 * DuckDB SQL as Athena (Trino) runs it. Throws a DialectError listing every construct Athena cannot
 * run, with its line and what to write instead. Idempotent; Trino SQL comes back unchanged.
 */
export function toAthena(sql: string): string {
  const problems: DialectProblem[] = [];
  let tokens = tokenize(sql);
  const reportAt = (current: readonly Token[]) => (at: number, construct: string, instead: string) => {
    const problem = { ...position(current, at), construct, instead };
    // a rule that keeps a construct it cannot rewrite may meet it again on its next pass
    if (!problems.some((p) => p.line === problem.line && p.column === problem.column && p.construct === construct)) problems.push(problem);
  };
  for (const refusal of REFUSALS) {
    for (const at of refusal.find(tokens)) reportAt(tokens)(at, refusal.construct, refusal.instead);
  }
  if (problems.length) throw new DialectError(problems);
  for (const rule of RULES) {
    for (let n = 0; ; n++) {
      if (n > MAX_REWRITES) throw new Error(`dialect rule ${rule.name} did not settle after ${MAX_REWRITES} rewrites`);
      const rewritten = rule.apply(tokens, reportAt(tokens));
      if (!rewritten) break;
      tokens = tokenize(text(rewritten));
    }
  }
  if (problems.length) throw new DialectError(problems);
  return text(tokens);
}

