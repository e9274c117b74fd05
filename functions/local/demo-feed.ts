import { DEMO_NOISE_DAYS, DEMO_NOTICE, demoClock, demoManifest, demoWindowStart, simulateNoiseNetwork } from '../lib/demo/index.ts';
import { markDemo } from '../lib/lake/manifest.ts';
import type { StageContext } from '../lib/stages/context.ts';
import { ingestNoise } from '../lib/stages/ingest-noise.ts';
import { feedDemoClimate, type ClimateDemoSummary } from './demo-climate-feed.ts';

// Feeds the simulated network through the real ingestion, as files would arrive, and marks the lake
// as holding demo data, with the demo clock (demo/clock.ts): the network's days end at that clock, as
// do the demo flood and heat wave, so that the demo's forecasts are fresh at it.

export interface DemoFeedSummary {
  files: number;
  records: number;
  curated: number;
  quarantined: number;
  unreadable: number;
  /** the demo flood and heat wave (Hub'Eau and Vigicrues through the real pollers, Météo-France files) */
  climate?: ClimateDemoSummary;
}

export async function feedDemo(ctx: StageContext, given: Parameters<typeof simulateNoiseNetwork>[0] = {}): Promise<DemoFeedSummary> {
  const days = given.days ?? DEMO_NOISE_DAYS;
  const options = { ...given, days, start: given.start ?? demoWindowStart(days) };
  const files = simulateNoiseNetwork(options);
  await markDemo(ctx.store, DEMO_NOTICE, demoManifest(options), ctx.now(), demoClock());
  const total: DemoFeedSummary = { files: files.length, records: 0, curated: 0, quarantined: 0, unreadable: 0 };
  ctx.logger.info(`demo: ingesting ${files.length} simulated files (${DEMO_NOTICE})`);
  for (const f of files) {
    const s = await ingestNoise(ctx, {
      sourceKind: f.kind,
      bytes: f.bytes,
      origin: f.name,
      demo: true,
      csv: f.kind === 'noise-csv' ? { sensorId: f.options!.sensorId!, lon: f.options?.lon, lat: f.options?.lat, tz: f.options?.tz } : undefined,
    });
    total.records += s.records;
    total.curated += s.curated;
    total.quarantined += s.quarantined;
    if (s.unreadable) total.unreadable++;
  }
  ctx.logger.info(
    `demo: ${total.records} records → ${total.curated} curated + ${total.quarantined} quarantined; ${total.unreadable} unreadable file(s) quarantined whole`,
  );
  const climate = await feedDemoClimate(ctx);
  total.climate = climate;
  total.files += climate.files;
  total.records += climate.records;
  total.curated += climate.curated;
  total.quarantined += climate.quarantined;
  total.unreadable += climate.unreadable;
  return total;
}
