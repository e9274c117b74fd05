import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AthenaEngine, AthenaQueryError, athenaSettingsFromEnv } from '../../functions/lib/adapters/athena.ts';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { AthenaStub } from '../support/athena-stub.ts';
import { tempLake, writeNoiseMinutes } from '../support/lake.ts';
import { main, setAthenaEngineFactory } from '../../functions/cli/main.ts';

const SQL = `SELECT sensor_id, commune_insee, ts_from, laeq, lamax, record, CAST(dt AS DATE) AS day
FROM noise_readings ORDER BY ts_from, sensor_id`;

describe('AthenaEngine', () => {
  let lake: Awaited<ReturnType<typeof tempLake>>;
  beforeAll(async () => {
    lake = await tempLake();
    await writeNoiseMinutes(lake, 2500, (i) => ({
      sensor_id: `s${i % 7}`,
      commune_insee: i % 5 === 0 ? null : '75056',
      laeq: 40 + (i % 300) / 10,
      lamax: i % 3 === 0 ? null : 70.25,
    }));
    await lake.lake.attach(DATASETS);
  });
  afterAll(async () => lake.cleanup());

  it('query() polls until done, pages the results and decodes them to the same values DuckDB gives', async () => {
    const stub = new AthenaStub(lake.lake, { pollsBeforeDone: 3, pageSize: 1000, bytesScanned: 987654 });
    const engine = new AthenaEngine({ workgroup: 'researchers', database: 'observatory', outputLocation: 's3://results/', pollMinMs: 1, pollMaxMs: 2 }, stub);
    const athena = await engine.query(SQL);
    const duck = await lake.lake.readOnly(SQL);
    expect(athena.rows).toHaveLength(2500);
    expect(athena.rows).toEqual(duck.rows);
    expect(athena.bytesScanned).toBe(987654);
    expect(stub.calls.filter((c) => c.command === 'GetQueryResultsCommand')).toHaveLength(3);
    expect(stub.calls.filter((c) => c.command === 'GetQueryExecutionCommand')).toHaveLength(4);
    expect(stub.calls[0]?.input).toMatchObject({ WorkGroup: 'researchers', QueryExecutionContext: { Database: 'observatory' }, ResultConfiguration: { OutputLocation: 's3://results/' } });
  });

  it("query() surfaces Athena's error text when the query fails", async () => {
    const engine = new AthenaEngine({ workgroup: 'w', database: 'd', pollMinMs: 1 }, new AthenaStub(lake.lake));
    const error = await engine.query('SELECT no_such_column FROM noise_readings').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AthenaQueryError);
    expect((error as Error).message).toMatch(/failed: SYNTAX_ERROR: .*no_such_column/);
  });

  it('athenaSettingsFromEnv() names the missing configuration', () => {
    expect(() => athenaSettingsFromEnv({})).toThrow(/OBSERVATORY_ATHENA_WORKGROUP.*OBSERVATORY_ATHENA_DATABASE/);
    expect(athenaSettingsFromEnv({ OBSERVATORY_ATHENA_WORKGROUP: 'w', OBSERVATORY_ATHENA_DATABASE: 'd', OBSERVATORY_ATHENA_OUTPUT: 's3://o/' })).toMatchObject({ workgroup: 'w', database: 'd', outputLocation: 's3://o/' });
  });

  it('observatory query --engine athena prints the same CSV as the DuckDB engine and reports bytes scanned', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      setAthenaEngineFactory((s) => new AthenaEngine({ ...s, pollMinMs: 1 }, new AthenaStub(lake.lake)));
      const sql = 'SELECT sensor_id, count(*) AS n, round(avg(laeq), 3) AS mean FROM noise_readings GROUP BY sensor_id ORDER BY sensor_id';
      expect(await main(['--lake', lake.dir, 'query', sql, '--format', 'csv', '--engine', 'athena', '--workgroup', 'w', '--database', 'd'])).toBe(0);
      const athenaCsv = out.mock.calls.map((c) => String(c[0])).join('');
      out.mockClear();
      expect(await main(['--lake', lake.dir, 'query', sql, '--format', 'csv'])).toBe(0);
      const duckCsv = out.mock.calls.map((c) => String(c[0])).join('');
      expect(athenaCsv).toBe(duckCsv);
      expect(athenaCsv.split('\n')[0]).toBe('sensor_id,n,mean');
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(/12345 bytes scanned/);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});
