import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Duck } from '../../functions/lib/adapters/duckdb.ts';
import { DialectError, REFUSALS, RULES, toAthena } from '../../functions/lib/sql/dialect.ts';
import { text, tokenize } from '../../functions/lib/sql/tokens.ts';
import { TRINO_FUNCTIONS_ON_DUCKDB } from '../support/athena-stub.ts';
import { trinoSyntaxErrors } from '../support/trino.ts';

// The rewrites, checked against Trino text written by hand from the documentation (not from the
// rewrite table), parsed by a real Trino grammar, and run on DuckDB (the original) and on the
// stand-in's DuckDB with the Trino functions emulated (the rewrite), for the same rows.

const TRINO = 'https://trino.io/docs/current';
/** DuckDB SQL, the Trino SQL it must become, and where the Trino spelling is documented */
const REWRITES: readonly { rule: string; duckdb: string; trino: string; source: string }[] = [
  {
    rule: 'cast-operator',
    duckdb: "SELECT '42'::INT AS n, dt::DATE AS day FROM (SELECT '2025-06-02' AS dt)",
    trino: "SELECT CAST('42' AS INTEGER) AS n, CAST(dt AS DATE) AS day FROM (SELECT '2025-06-02' AS dt)",
    source: `${TRINO}/functions/conversion.html (cast(value AS type)); ${TRINO}/language/types.html (INTEGER)`,
  },
  {
    rule: 'cast-operator',
    duckdb: 'SELECT count(*)::INTEGER AS n FROM (VALUES (1), (2), (3)) AS t(x)',
    trino: 'SELECT CAST(count(*) AS INTEGER) AS n FROM (VALUES (1), (2), (3)) AS t(x)',
    source: `${TRINO}/functions/conversion.html; ${TRINO}/sql/values.html`,
  },
  {
    rule: 'type-names',
    duckdb: 'SELECT CAST(1 AS INT) AS a, TRY_CAST(2 AS TEXT) AS b, CAST(0.5 AS FLOAT) AS c',
    trino: 'SELECT CAST(1 AS INTEGER) AS a, TRY_CAST(2 AS VARCHAR) AS b, CAST(0.5 AS REAL) AS c',
    source: `${TRINO}/language/types.html (INTEGER, VARCHAR, REAL: 32-bit, DuckDB's FLOAT); ${TRINO}/functions/conversion.html (try_cast)`,
  },
  {
    rule: 'function-names',
    duckdb: "SELECT epoch(TIMESTAMP '2025-06-02 00:00:00') AS s, regexp_matches('75056', '^75') AS paris",
    trino: "SELECT to_unixtime(TIMESTAMP '2025-06-02 00:00:00') AS s, regexp_like('75056', '^75') AS paris",
    source: `${TRINO}/functions/datetime.html (to_unixtime); ${TRINO}/functions/regexp.html (regexp_like)`,
  },
  {
    rule: 'percentiles',
    duckdb: 'SELECT median(x) AS m, quantile_cont(x, 0.9) AS p90 FROM (VALUES (1), (2), (3), (4), (5)) AS t(x)',
    trino: 'SELECT approx_percentile(x, 0.5) AS m, approx_percentile(x, 0.9) AS p90 FROM (VALUES (1), (2), (3), (4), (5)) AS t(x)',
    source: `${TRINO}/functions/aggregate.html (approx_percentile(x, percentage))`,
  },
  {
    rule: 'strftime',
    duckdb: "SELECT strftime(TIMESTAMP '2025-06-02 10:05:30', '%Y-%m-%d %H:%M:%S') AS t",
    trino: "SELECT date_format(TIMESTAMP '2025-06-02 10:05:30', '%Y-%m-%d %H:%i:%s') AS t",
    source: `${TRINO}/functions/datetime.html#mysql-date-functions (%i minutes, %s seconds)`,
  },
  {
    rule: 'strftime',
    duckdb: "SELECT strftime('%B %Y', DATE '2025-06-02') AS month",
    trino: "SELECT date_format(DATE '2025-06-02', '%M %Y') AS month",
    source: `${TRINO}/functions/datetime.html#mysql-date-functions (%M month name)`,
  },
  {
    rule: 'string_agg',
    duckdb: "SELECT string_agg(CAST(x AS VARCHAR), '-' ORDER BY x DESC) AS s FROM (VALUES (1), (2), (3)) AS t(x)",
    trino: "SELECT array_join(array_agg(CAST(x AS VARCHAR) ORDER BY x DESC), '-') AS s FROM (VALUES (1), (2), (3)) AS t(x)",
    source: `${TRINO}/functions/aggregate.html (array_agg with ORDER BY); ${TRINO}/functions/array.html (array_join(x, delimiter))`,
  },
  {
    rule: 'interval-literals',
    duckdb: "SELECT DATE '2025-06-02' + INTERVAL 3 DAYS AS a, DATE '2025-06-02' - INTERVAL '2 weeks' AS b",
    trino: "SELECT DATE '2025-06-02' + INTERVAL '3' DAY AS a, DATE '2025-06-02' - INTERVAL '14' DAY AS b",
    source: `${TRINO}/language/types.html#interval-day-to-second (INTERVAL '2' DAY; no WEEK unit)`,
  },
  {
    rule: 'statement-terminator',
    duckdb: 'SELECT 1 AS one;',
    trino: 'SELECT 1 AS one',
    source: 'https://docs.aws.amazon.com/athena/latest/APIReference/API_StartQueryExecution.html (one query string, one statement)',
  },
];

/** one DuckDB-only construct per refusal, written for the test */
const REFUSED: Readonly<Record<string, string>> = {
  'a DuckDB-only type (HUGEINT, unsigned integers, LIST, STRUCT, UNION, BIT, or T[])': 'SELECT sum(laeq)::HUGEINT, [1, 2]::INTEGER[]',
  QUALIFY: 'SELECT * FROM t QUALIFY row_number() OVER (PARTITION BY a ORDER BY b) = 1',
  ILIKE: "SELECT * FROM communes WHERE name ILIKE 'saint%'",
  'GROUP BY ALL / ORDER BY ALL': 'SELECT a, count(*) FROM t GROUP BY ALL',
  'SELECT * EXCLUDE / REPLACE, COLUMNS(…)': 'SELECT * EXCLUDE (dt) FROM noise_readings',
  'a query starting with FROM': 'FROM noise_readings LIMIT 5',
  'the integer division operator //': 'SELECT 7 // 2',
  'DuckDB list functions (list_…, array_… lambdas)': 'SELECT list_sum([1, 2])',
  'a file reader (read_parquet, read_csv, read_json, read_text, glob…)': "SELECT * FROM read_parquet('.lake/curated/noise_readings/**/*.parquet')",
  'USING SAMPLE': 'SELECT * FROM noise_readings USING SAMPLE 10%',
  'PIVOT / UNPIVOT': 'PIVOT t ON convention USING avg(lden)',
  'more than one statement': 'SELECT 1; SELECT 2',
};

describe('toAthena(): a rule for every rewrite, a message for every refusal', () => {
  it('has a hand-written case for every rewrite rule and every refusal', () => {
    expect([...new Set(REWRITES.map((c) => c.rule))].sort()).toEqual(RULES.map((r) => r.name).sort());
    expect(Object.keys(REFUSED).sort()).toEqual(REFUSALS.map((r) => r.construct).sort());
  });

  it.each(REWRITES.map((c) => [c.rule, c] as const))('%s: writes the documented Trino spelling, which a Trino grammar parses, and is idempotent', (_rule, c) => {
    expect(toAthena(c.duckdb), c.source).toBe(c.trino);
    expect(trinoSyntaxErrors(c.trino)).toEqual([]);
    expect(toAthena(c.trino)).toBe(c.trino);
  });

  it('starts from syntax a Trino grammar refuses where the rewrite is of syntax (the grammar check proves something)', () => {
    for (const c of REWRITES.filter((x) => ['cast-operator', 'interval-literals'].includes(x.rule))) expect(trinoSyntaxErrors(c.duckdb), c.duckdb).not.toEqual([]);
  });

  it.each(REFUSALS.map((r) => [r.construct, r] as const))('refuses %s, saying what to write instead', (name, r) => {
    const sql = REFUSED[name];
    assert(sql !== undefined, `a refused example for ${name}`);
    const error = (() => {
      try {
        toAthena(sql);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DialectError);
    expect((error as DialectError).problems.map((p) => p.construct)).toContain(r.construct);
    expect((error as Error).message).toContain(r.instead);
  });
});

describe('toAthena(): what it writes, character by character, and what it gives on DuckDB', () => {
  it('delimits the operand of a :: cast: columns, calls, parentheses, CASE, typed literals, subscripts, chains', () => {
    expect(toAthena('SELECT (a + b)::DOUBLE, f(g(x))::BIGINT, t.col::TEXT, x::INT::VARCHAR FROM t')).toBe(
      'SELECT CAST((a + b) AS DOUBLE), CAST(f(g(x)) AS BIGINT), CAST(t.col AS VARCHAR), CAST(CAST(x AS INTEGER) AS VARCHAR) FROM t',
    );
    expect(toAthena("SELECT CASE WHEN x THEN 1 END::INT, DATE '2025-01-01'::VARCHAR, a[1]::INT, -1::INT FROM t")).toBe(
      "SELECT CAST(CASE WHEN x THEN 1 END AS INTEGER), CAST(DATE '2025-01-01' AS VARCHAR), CAST(a[1] AS INTEGER), -CAST(1 AS INTEGER) FROM t",
    );
    expect(toAthena('SELECT x::DECIMAL(4,1), ts::TIMESTAMPTZ, ts :: timestamp with time zone FROM t')).toBe(
      'SELECT CAST(x AS DECIMAL(4,1)), CAST(ts AS TIMESTAMP WITH TIME ZONE), CAST(ts AS TIMESTAMP WITH TIME ZONE) FROM t',
    );
  });

  it('never touches string literals, quoted identifiers or comments', () => {
    const sql = `SELECT '%M::x strftime(a, ''%M'') QUALIFY' AS "x::INT", 1 -- median(x) QUALIFY\n/* epoch(ts) */ FROM t`;
    expect(toAthena(sql)).toBe(sql);
  });

  it('leaves Trino SQL unchanged', () => {
    for (const sql of [
      "SELECT date_format(day, '%Y-%m') AS m, CAST(x AS integer) AS n, interval '3' day AS i FROM t",
      "SELECT approx_percentile(x, 0.5), array_join(array_agg(a), ', '), to_unixtime(ts) FROM t",
      'SELECT a, count(*) FILTER (WHERE b > 1) FROM t GROUP BY ALL a',
      'SELECT CAST(m AS MAP(VARCHAR, INTEGER)), CAST(r AS ROW(a BIGINT)), CAST(l AS ARRAY(VARCHAR)) FROM t',
      "SELECT CAST(x AS constructor), INTERVAL '1' constructor FROM t",
      "SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY a ORDER BY b) AS rank FROM t) WHERE rank = 1",
      "SELECT extract(year FROM d), substring(s FROM 2) FROM t",
    ]) {
      expect(toAthena(sql), sql).toBe(sql);
      expect(trinoSyntaxErrors(sql), sql).toEqual([]);
    }
  });

  it('lists every problem with its line and column', () => {
    const error = (() => {
      try {
        toAthena("SELECT strftime(d, '%U'), x::HUGEINT\nFROM t\nQUALIFY x = 1");
      } catch (e) {
        return e;
      }
    })();
    assert(error instanceof DialectError, 'toAthena() throws a DialectError');
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ line: 1, column: 30, construct: expect.stringMatching(/DuckDB-only type/) as unknown }),
        expect.objectContaining({ line: 3, column: 1, construct: 'QUALIFY' }),
      ]),
    );
    expect(() => toAthena("SELECT strftime(d, '%U') FROM t")).toThrow(/strftime specifier %U .* supported: %Y/);
    expect(() => toAthena('SELECT strftime(d, f) FROM t')).toThrow(/not a string literal/);
    expect(() => toAthena('SELECT INTERVAL 2 FORTNIGHTS')).toThrow(/INTERVAL 2 fortnights/);
  });

  it('tokenizes losslessly', () => {
    const sql = "SELECT a::INT, 'it''s' AS \"q\"\"x\", 1.5e3, x->>'k' -- c\n/* block */ FROM t;";
    expect(text(tokenize(sql))).toBe(sql);
  });

  describe('on DuckDB, and on the stand-in’s DuckDB with the Trino functions emulated', () => {
    let duck: Duck;
    beforeAll(async () => {
      duck = await Duck.open({ threads: 1 });
      for (const macro of TRINO_FUNCTIONS_ON_DUCKDB) await duck.run(macro);
    });
    afterAll(async () => duck?.close());

    it.each(REWRITES.map((c) => [c.rule, c] as const))('%s: the Trino text gives the rows of the DuckDB original', async (_rule, c) => {
      expect((await duck.all(c.trino)).rows).toEqual((await duck.all(c.duckdb)).rows);
    });

    it('the date_format emulation reads back every supported strftime specifier', async () => {
      const specs = ['%Y', '%y', '%m', '%d', '%H', '%I', '%M', '%S', '%p', '%j', '%a', '%A', '%b', '%B'];
      const sql = (f: (spec: string) => string) => `SELECT ${specs.map((s, i) => `${f(s)} AS s${i}`).join(', ')} FROM (SELECT TIMESTAMP '2025-03-09 14:05:07' AS t)`;
      const original = sql((s) => `strftime(t, '${s}')`);
      expect((await duck.all(toAthena(original))).rows).toEqual((await duck.all(original)).rows);
    });
  });
});
