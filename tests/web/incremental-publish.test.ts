import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS, isPartitioned, noiseIndicatorsDaily, noiseIndicatorsHourly, noiseReadings, riverObservations } from '../../functions/lib/datasets/index.ts';
import { SITE_PREFIX } from '../../functions/lib/lake/layout.ts';
import { markDemo } from '../../functions/lib/lake/manifest.ts';
import { CountingObjectStore } from '../../functions/lib/ports/counting-store.ts';
import { listKeys, type ObjectStore } from '../../functions/lib/ports/object-store.ts';
import { SITE_MANIFEST_KEY } from '../../functions/lib/publish/incremental.ts';
import { ingestFile } from '../../functions/lib/stages/ingest-service.ts';
import { runPipeline, runStage } from '../../functions/lib/stages/pipeline.ts';
import { publishedDatasets, publishSite, type PublishReport } from '../../functions/lib/stages/publish-site.ts';
import { stageNamed, stagesOf } from '../../functions/lib/stages/registry.ts';
import { tempLake } from '../support/lake.ts';
import { fiwareBatch } from '../support/fiware-batch.ts';
import { report } from '../support/report.ts';
import { defined } from '../support/defined.ts';

// Incremental publishing over a lake built by the real ingest and stages: a publish with no new input
// reads the site manifest and lists its inputs, and writes nothing; after one new hour of readings and
// the indicator run, it writes exactly the objects whose bytes changed — the set found here by
// comparing every object of the site before and after, and checked against a full render from scratch.

const SENSORS = [
  { id: 'inc-1', lon: 2.3522, lat: 48.8566 }, // Paris
  { id: 'inc-2', lon: 2.3572, lat: 48.9362 }, // Saint-Denis
];
const HISTORY_DAYS = ['2026-05-01', '2026-05-02', '2026-05-03'];
const NEW_HOUR = '2026-05-04T09:00:00Z';

/** each sensor, `count` readings of `seconds` each from `start` */
function batch(start: string, count: number, seconds: number): Buffer {
  return fiwareBatch(SENSORS, start, count, seconds, (k, i) => 52 + 3 * k + (i % 7) / 2);
}

/** every object of the site, by path, as text (binary files compare the same way) */
async function snapshot(store: ObjectStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const o of await listKeys(store, `${SITE_PREFIX}/`)) out.set(o.key.slice(SITE_PREFIX.length + 1), (await store.get(o.key)).toString('base64'));
  return out;
}

type Lake = Awaited<ReturnType<typeof tempLake>>;

async function countedPublish(ctx: Lake): Promise<{ report: PublishReport; store: CountingObjectStore; puts: string[]; deletes: string[] }> {
  const store = new CountingObjectStore(ctx.store);
  const puts: string[] = [];
  const deletes: string[] = [];
  const spy: ObjectStore = Object.create(store) as ObjectStore;
  spy.put = (key, body, options) => (puts.push(key), store.put(key, body, options));
  spy.delete = (key) => (deletes.push(key), store.delete(key));
  const report = (await runStage({ ...ctx, store: spy, lake: ctx.lake.withStore(spy) }, stageNamed('publish-site'))) as unknown as { result: PublishReport };
  return { report: report.result, store, puts, deletes };
}

describe('publish-site, incrementally', () => {
  let ctx: Lake;
  let before: Map<string, string>;
  let after: Map<string, string>;
  let idle: Awaited<ReturnType<typeof countedPublish>>;
  let update: Awaited<ReturnType<typeof countedPublish>>;

  beforeAll(async () => {
    ctx = await tempLake({ now: new Date('2026-05-04T10:30:00Z') });
    for (const day of HISTORY_DAYS) await ingestFile(ctx, { sourceKind: 'noise-fiware', bytes: batch(`${day}T00:00:00Z`, 96, 900), origin: `${day}.json` });
    await runPipeline(ctx, { cadence: 'hourly' });
    before = await snapshot(ctx.store);
    idle = await countedPublish(ctx);
    // one new hour of 1-minute readings, then the hourly stages that come before the site
    await ingestFile(ctx, { sourceKind: 'noise-fiware', bytes: batch(NEW_HOUR, 60, 60), origin: 'new-hour.json' });
    for (const stage of stagesOf('hourly').filter((s) => s.name !== 'publish-site')) await runStage(ctx, stage);
    update = await countedPublish(ctx);
    after = await snapshot(ctx.store);
  }, 600_000);
  afterAll(async () => ctx?.cleanup());

  it('publishes the whole site first', () => {
    expect(before.size).toBeGreaterThan(1000);
    expect(before.has('commune/75056/index.html')).toBe(true);
  });

  it('with no new input: reads only the site manifest, lists its inputs, writes and deletes nothing', () => {
    expect(idle.report.rendered).toBe(false);
    expect(idle.store.counters.objects_written).toBe(0);
    expect(idle.store.counters.deletes).toBe(0);
    expect(idle.store.keysRead).toEqual([SITE_MANIFEST_KEY]);
    // one listing per summary dataset and the lake's manifest: none grows with the history of days
    expect(idle.store.counters.lists).toBeLessThanOrEqual(publishedDatasets(DATASETS).length + 1);
  });

  it('after one new hour: writes exactly the site objects whose bytes changed, and the manifest', () => {
    const changed = [...after].filter(([k, v]) => before.get(k) !== v).map(([k]) => `${SITE_PREFIX}/${k}`);
    expect(update.report.rendered).toBe(true);
    report(`one new hour: ${changed.length} of ${after.size} site objects written (${update.report.bytes} bytes), ${update.deletes.length} deleted; idle run: ${idle.store.counters.lists} lists, ${idle.store.counters.objects_read} read`);
    expect(update.puts.filter((k) => k.startsWith(`${SITE_PREFIX}/`)).sort()).toEqual(changed.sort());
    expect(update.puts.filter((k) => !k.startsWith(`${SITE_PREFIX}/`))).toEqual([SITE_MANIFEST_KEY]);
    expect(update.deletes).toEqual([...before.keys()].filter((k) => !after.has(k)).map((k) => `${SITE_PREFIX}/${k}`));
    // a small share of the site: the pages of communes without sensors are not rewritten
    expect(changed.length).toBeLessThan(before.size / 4);
    expect(changed).not.toContain(`${SITE_PREFIX}/commune/94028/index.html`);
    // the "data as of" of every commune moved: their small live files carry it
    expect(changed.filter((k) => k.startsWith(`${SITE_PREFIX}/data/live/`))).toHaveLength(130);
  });

  it('after one new hour: rewrites this year’s download files only, and never reads the readings', () => {
    const downloads = update.puts.filter((k) => k.startsWith(`${SITE_PREFIX}/data/downloads/`) && !k.endsWith('.geojson'));
    expect(downloads.length).toBeGreaterThan(0);
    for (const k of downloads) {
      // a file of a year of partitions is this year's; any other is of a dataset without partitions
      const year = /\/([a-z_]+)\/(\d{4})\.(csv|parquet)$/.exec(k);
      if (year) expect(year[2], k).toBe('2026');
      else expect(isPartitioned(defined(DATASETS.find((d) => k.endsWith(`/${d.name}.csv`) || k.endsWith(`/${d.name}.parquet`)), k)), k).toBe(false);
    }
    expect(update.store.keysRead.filter((k) => k.startsWith(`${noiseReadings.prefix}/`) || k.startsWith(`${riverObservations.prefix}/`))).toEqual([]);
  });

  it('after one new hour: reads the days its sections show from the previous year files and the changed partitions (issue 14)', () => {
    const hourly = defined(update.report.windows[noiseIndicatorsHourly.name], 'the hourly window');
    expect(hourly.from).toBe('year-files');
    expect(hourly.partitions).toEqual([...HISTORY_DAYS, '2026-05-04']);
    expect(hourly.read).toEqual(['2026-05-04']);
    expect(update.report.windows[noiseIndicatorsDaily.name]).toMatchObject({ from: 'year-files', partitions: ['2026-05'], read: ['2026-05'] });
    // no day of the history is read again: its rows come from the year's download file
    const history = update.store.keysRead.filter((k) => HISTORY_DAYS.some((day) => k.startsWith(`${noiseIndicatorsHourly.prefix}/dt=${day}/`)));
    expect(history).toEqual([]);
    expect(update.store.keysRead).toContain(`${SITE_PREFIX}/data/downloads/${noiseIndicatorsHourly.name}/2026.parquet`);
  });

  it('leaves the same site as a full render from scratch', async () => {
    await ctx.store.delete(SITE_MANIFEST_KEY);
    const full = await publishSite(ctx);
    expect(full.rendered).toBe(true);
    expect(full.written).toBe(full.files);
    const again = await snapshot(ctx.store);
    expect([...again.keys()].sort()).toEqual([...after.keys()].sort());
    for (const [k, v] of again) expect(v === after.get(k), k).toBe(true);
  });

  // last: it marks the lake as a demo
  it('rewrites every download file when the lake becomes a demo (its demo column), none when only the demo clock moves', () => demoFlagAndClock(ctx));
});

/** the lake marked as a demo, then its demo clock moved: which download files each publish writes */
async function demoFlagAndClock(ctx: Lake): Promise<void> {
  const downloads = (keys: readonly string[]) => keys.filter((k) => k.startsWith(`${SITE_PREFIX}/data/downloads/`) && /\.(csv|parquet)$/.test(k)).sort();
  const published = downloads((await listKeys(ctx.store, `${SITE_PREFIX}/data/downloads/`)).map((o) => o.key));
  expect(published.length).toBeGreaterThan(10);
  await markDemo(ctx.store, 'simulated', {}, new Date('2026-05-04T10:40:00Z'), new Date('2026-05-04T10:00:00Z'));
  const marked = await countedPublish(ctx);
  expect(downloads(marked.puts)).toEqual(published);
  // the demo's clock moves (as `observatory demo` runs do): the lake's manifest changed, not its rows
  await markDemo(ctx.store, 'simulated', {}, new Date('2026-05-04T10:50:00Z'), new Date('2026-05-04T10:30:00Z'));
  const moved = await countedPublish(ctx);
  expect(moved.report.rendered).toBe(true);
  expect(moved.report.changedInputs).toEqual(['lake.json']);
  expect(downloads(moved.puts)).toEqual([]);
}
