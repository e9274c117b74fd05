import { describe, expect, it } from 'vitest';
import { AthenaEngine, AthenaQueryError } from '../../functions/lib/adapters/athena.ts';
import { Duck } from '../../functions/lib/adapters/duckdb.ts';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { toAthena } from '../../functions/lib/sql/dialect.ts';
import { dedupQueries, sqlFileQueries } from '../../infra/catalog.ts';
import { AthenaStub } from '../support/athena-stub.ts';
import { trinoSyntaxErrors } from '../support/trino.ts';
import { sqlFiles } from './support.ts';

// Every SQL text the project sends to Athena, parsed by a real Trino grammar (dt-sql-parser). The
// notebooks' own queries reach Athena through the stand-in, which refuses what this grammar refuses
// (tests/notebooks/notebooks.test.ts runs them there).

describe('a Trino grammar parses every SQL text sent to Athena', () => {
  it.each([...sqlFileQueries(), ...dedupQueries(DATASETS)].map((q) => [q.name, q] as const))('named query %s (as infra/ registers it)', (_name, q) => {
    expect(trinoSyntaxErrors(q.sql), q.source).toEqual([]);
  });

  it.each(sqlFiles().map((f) => [f.file, f] as const))('notebooks/sql/%s after toAthena()', (_name, f) => {
    expect(trinoSyntaxErrors(toAthena(f.sql))).toEqual([]);
  });

  it('refuses what Trino refuses: the grammar is not a rubber stamp', () => {
    for (const sql of ['SELECT x::DATE FROM t', 'SELECT * FROM range(11) t(x)', 'SELECT a FROM t QUALIFY a = 1', 'SELECT INTERVAL 3 DAYS', 'FROM noise_readings', 'SELECT 1; SELECT 2']) {
      expect(trinoSyntaxErrors(sql), sql).not.toEqual([]);
    }
    expect(trinoSyntaxErrors("SELECT CAST(x AS DATE), approx_percentile(v, 0.5) FROM t CROSS JOIN UNNEST(sequence(0, 10)) AS u(i) WHERE d > current_date - INTERVAL '3' DAY GROUP BY 1")).toEqual([]);
  });
});

describe('the Athena stand-in', () => {
  it('fails, as Athena does, SQL that DuckDB would run but Trino cannot parse', async () => {
    const duck = await Duck.open({ threads: 1 });
    try {
      const engine = new AthenaEngine({ workgroup: 'w', database: 'd', pollMinMs: 1, pollMaxMs: 1 }, new AthenaStub(duck, { pollsBeforeDone: 0 }));
      // both run on DuckDB itself
      expect((await duck.all('SELECT count(*)::INTEGER AS n FROM range(3) t(x)')).rows).toEqual([{ n: 3 }]);
      await expect(engine.query('SELECT count(*)::INTEGER AS n FROM range(3) t(x)')).rejects.toThrow(AthenaQueryError);
      await expect(engine.query('SELECT count(*)::INTEGER AS n FROM range(3) t(x)')).rejects.toThrow(/failed: SYNTAX_ERROR: line 1:\d+/);
      expect((await engine.query('SELECT CAST(count(*) AS INTEGER) AS n FROM (VALUES (1), (2), (3)) AS t(x)')).rows).toEqual([{ n: 3 }]);
    } finally {
      await duck.close();
    }
  });
});
