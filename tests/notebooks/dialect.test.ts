import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Duck } from '../../functions/lib/adapters/duckdb.ts';
import { DialectError, DUCKDB_SHIMS, REFUSALS, RULES, toAthena } from '../../functions/lib/sql/dialect.ts';
import { text, tokenize } from '../../functions/lib/sql/tokens.ts';

describe('toAthena()', () => {
  it.each(RULES.flatMap((r) => r.examples.map((e) => [r.name, e] as const)))('%s: rewrites its example to the Trino spelling, and is idempotent', (_name, e) => {
    expect(toAthena(e.duckdb)).toBe(e.athena);
    expect(toAthena(e.athena)).toBe(e.athena);
  });

  it.each(REFUSALS.map((r) => [r.construct, r] as const))('refuses %s, saying what to write instead', (_name, r) => {
    const error = (() => {
      try {
        toAthena(r.example);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DialectError);
    expect((error as DialectError).problems.map((p) => p.construct)).toContain(r.construct);
    expect((error as Error).message).toContain(r.instead);
  });

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
    }
  });

  it('lists every problem with its line and column', () => {
    const error = (() => {
      try {
        toAthena("SELECT strftime(d, '%U'), x::HUGEINT\nFROM t\nQUALIFY x = 1");
      } catch (e) {
        return e as DialectError;
      }
    })()!;
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ line: 1, column: 30, construct: expect.stringMatching(/DuckDB-only type/) }),
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

  describe('on DuckDB with the shims (the stand-in for Athena in the tests)', () => {
    let duck: Duck;
    beforeAll(async () => {
      duck = await Duck.open({ threads: 1 });
      for (const shim of DUCKDB_SHIMS) await duck.run(shim);
    });
    afterAll(async () => duck?.close());

    it.each(RULES.flatMap((r) => r.examples.map((e) => [r.name, e] as const)))('%s: the rewritten example gives the rows of the original', async (_name, e) => {
      expect((await duck.all(e.athena)).rows).toEqual((await duck.all(e.duckdb)).rows);
    });

    it('the date_format shim reads back every supported strftime specifier', async () => {
      const specs = ['%Y', '%y', '%m', '%d', '%H', '%I', '%M', '%S', '%p', '%j', '%a', '%A', '%b', '%B'];
      const sql = (f: (spec: string) => string) => `SELECT ${specs.map((s, i) => `${f(s)} AS s${i}`).join(', ')} FROM (SELECT TIMESTAMP '2025-03-09 14:05:07' AS t)`;
      const original = sql((s) => `strftime(t, '${s}')`);
      expect((await duck.all(toAthena(original))).rows).toEqual((await duck.all(original)).rows);
    });
  });
});
