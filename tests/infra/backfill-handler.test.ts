import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { noiseIndicatorsDaily, noiseReadings, partitionOf } from '../../functions/lib/datasets/index.ts';
import { datasetFileKey } from '../../functions/lib/lake/layout.ts';
import { writeDataset } from '../../functions/lib/lake/write.ts';
import { listKeys } from '../../functions/lib/ports/object-store.ts';
import { tempLake } from '../support/lake.ts';

// The stage Lambda's two backfill requests, as the backfill state machine sends them: `{plan}` answers
// the chunks (the code `observatory run --from --to` runs), `{stage, range}` recomputes one chunk.

type Handler = (event?: unknown) => Promise<unknown>;

async function handlerOf(stage: string, lakeDir: string): Promise<Handler> {
  vi.resetModules();
  vi.stubEnv('OBSERVATORY_STAGE', stage);
  vi.stubEnv('LAKE_STORE', pathToFileURL(lakeDir).href);
  vi.stubEnv('AWS_REGION', 'eu-west-3');
  return (await import('../../functions/handlers/stage/handler.ts')).handler;
}

describe('the stage handler’s backfill requests', () => {
  let lake: Awaited<ReturnType<typeof tempLake>>;
  beforeAll(async () => {
    lake = await tempLake();
    for (const day of ['2025-01-30', '2025-01-31', '2025-02-01']) {
      const rows = Array.from({ length: 24 }, (_, h) => ({
        sensor_id: 's1', commune_insee: '75056',
        ts_from: new Date(`${day}T${String(h).padStart(2, '0')}:00:00Z`), ts_to: new Date(`${day}T${String(h).padStart(2, '0')}:10:00Z`),
        laeq: 50 + h / 3, lamax: 70, las: null, source_kind: 'noise-fiware', raw_key: 'raw/x.json', record: h, received_at: new Date(`${day}T23:59:00Z`),
      }));
      await writeDataset(lake, noiseReadings, rows, datasetFileKey(noiseReadings, 'part', day));
    }
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await lake.cleanup();
  });

  it('answers {plan} with the chunks by year, within the budget, without computing anything', async () => {
    const handler = await handlerOf('noise-indicators', lake.dir);
    const plan = (await handler({ plan: { from: '2025-01-30', to: '2025-02-01' } })) as { years: { year: number; chunks: { from: string; to: string; bytes: number }[] }[]; budgetBytes: number; consumers: string[] };
    expect(plan.years.map((y) => y.year)).toEqual([2025]);
    expect(plan.years[0]!.chunks.map((c) => [c.from, c.to])).toEqual([['2025-01-30', '2025-01-31'], ['2025-02-01', '2025-02-01']]);
    for (const c of plan.years[0]!.chunks) expect(c.bytes).toBeGreaterThan(0);
    expect(plan.consumers).toContain('publish-site');
    expect(await listKeys(lake.store, `${noiseIndicatorsDaily.prefix}/`)).toEqual([]);
  });

  it('recomputes exactly the chunk of {range}', async () => {
    const handler = await handlerOf('noise-indicators', lake.dir);
    const out = (await handler({ stage: 'noise-indicators', range: { from: '2025-01-31', to: '2025-01-31' } })) as { result: { dts: string[] } };
    expect(out.result.dts).toEqual(['2025-01-31']);
    const keys = (await listKeys(lake.store, `${noiseIndicatorsDaily.prefix}/`)).map((o) => o.key);
    expect(keys).toEqual([datasetFileKey(noiseIndicatorsDaily, 'part-0', partitionOf(noiseIndicatorsDaily, '2025-01-31'))]);
    const days = await (async () => {
      await lake.lake.attach([noiseIndicatorsDaily]);
      return (await lake.lake.all(`SELECT DISTINCT strftime(day, '%Y-%m-%d') AS d FROM ${noiseIndicatorsDaily.name}`)).rows.map((r) => r['d']);
    })();
    expect(days).toEqual(['2025-01-31']);
  });

  it('refuses a range for a stage that does not recompute ranges, and a malformed range', async () => {
    const compact = await handlerOf('compact', lake.dir);
    await expect(compact({ range: { from: '2025-01-31', to: '2025-01-31' } })).rejects.toThrow('stage compact does not recompute a range of days');
    const ni = await handlerOf('noise-indicators', lake.dir);
    await expect(ni({ plan: { from: '31/01/2025', to: '2025-02-01' } })).rejects.toThrow();
  });
});
