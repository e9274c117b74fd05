import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../functions/lib/lake/manifest.ts';
import { stateKey } from '../../functions/lib/lake/layout.ts';
import { compactLake } from '../../functions/lib/stages/compact.ts';
import { readIndicatorState } from '../../functions/lib/stages/partition-output.ts';
import { readDailyPollState } from '../../functions/lib/stages/poll-hubeau-daily.ts';
import { readPollState } from '../../functions/lib/stages/poll-hubeau.ts';
import { readMeteoFranceState } from '../../functions/lib/stages/poll-meteofrance.ts';
import { loadRegistry } from '../../functions/lib/stages/sensor-registry.ts';
import { checkSectionMapping } from '../../functions/lib/stages/vigicrues-sections.ts';
import { tempLake } from '../support/lake.ts';

// Saved state is read through a schema: a file cut short, or one of another shape, is an error naming
// the file and saying what to do, never a silent start from scratch (which would fetch or recompute
// everything, or show a demo lake as real data).
let lake: Awaited<ReturnType<typeof tempLake>>;
beforeAll(async () => {
  lake = await tempLake();
});
afterAll(() => lake.cleanup());

const readers: { key: string; read: () => Promise<unknown>; fresh: unknown; wrongShape: object; fix: RegExp }[] = [
  { key: stateKey('poll-hubeau'), read: () => readPollState(lake), fresh: { version: 1, series: {}, referentialAt: null }, wrongShape: { version: 1, series: [] }, fix: /start over from the lookback/ },
  { key: stateKey('poll-hubeau-daily'), read: () => readDailyPollState(lake), fresh: { version: 1, gauges: {} }, wrongShape: { version: 2, gauges: {} }, fix: /fetch the records again/ },
  { key: stateKey('poll-meteofrance'), read: () => readMeteoFranceState(lake), fresh: { version: 1, files: {} }, wrongShape: { version: 1, files: { a: 1 } }, fix: /fetch every file again/ },
  { key: stateKey('flood-indicators'), read: () => readIndicatorState(lake.store, 'flood-indicators'), fresh: undefined, wrongShape: { version: 1, settings: 'x', inputs: 3, partitions: {} }, fix: /recompute everything/ },
  { key: 'lake.json', read: () => readManifest(lake.store), fresh: undefined, wrongShape: { demo: 'yes', updated_at: '2026-01-01' }, fix: /write it again/ },
  { key: stateKey('sensor-registry'), read: () => loadRegistry(lake.store), fresh: [], wrongShape: [{ sensor_id: 's1', lon: '2.35' }], fix: /ingest the sensor registry again/ },
  { key: stateKey('compact'), read: () => compactLake(lake, []), fresh: {}, wrongShape: { version: 2, watermarks: { noise_readings: { at: 5 } } }, fix: /look at every partition again/ },
];

describe('saved state read back through its schema', () => {
  it.each(readers.map((r) => [r.key, r] as const))('%s: none yet is a fresh start', async (key, r) => {
    await lake.store.delete(key);
    expect(await r.read()).toEqual(r.fresh);
  });

  it.each(readers.map((r) => [r.key, r] as const))('%s: cut short is an error naming the file, never a reset', async (key, r) => {
    await lake.store.put(key, JSON.stringify(r.wrongShape).slice(0, 12));
    const error = await r.read().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(new RegExp(`^${key.replace('.', '\\.')} is corrupt: it is not JSON`));
    expect(error?.message).toMatch(r.fix);
  });

  it.each(readers.map((r) => [r.key, r] as const))('%s: another shape is an error naming the file and the field', async (key, r) => {
    await lake.store.put(key, JSON.stringify(r.wrongShape));
    await expect(r.read()).rejects.toThrow(new RegExp(`^${key.replace('.', '\\.')} is corrupt: .*\\w+: .*${r.fix.source}`));
    await lake.store.delete(key);
  });

  it('the Vigicrues section referential: corrupt is an error, absent is only a warning', async () => {
    const key = stateKey('vigicrues-sections');
    await lake.store.put(key, '{"raw_key": "raw/x", "sections": [{"code": 7}]}');
    await expect(checkSectionMapping(lake, ['F1'])).rejects.toThrow(/^state\/vigicrues-sections\.json is corrupt: received_at: .*; sections\.0\.code: /);
    await lake.store.delete(key);
    await checkSectionMapping(lake, ['F1']);
    expect(lake.logs.join('\n')).toMatch(/no Vigicrues section referential stored/);
  });

  it('a version 1 compaction state (readings only) is still read, as the readings’ watermark', async () => {
    await lake.store.put(stateKey('compact'), JSON.stringify({ version: 1, watermark: { at: '2026-01-01T00:00:00.000Z', seen: [] } }));
    await expect(compactLake(lake, [])).resolves.toEqual({});
    await lake.store.delete(stateKey('compact'));
  });
});
