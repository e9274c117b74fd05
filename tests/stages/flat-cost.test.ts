import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFile } from '../../functions/lib/stages/ingest-service.ts';
import { runPipeline } from '../../functions/lib/stages/pipeline.ts';
import { tempLake } from '../support/lake.ts';
import { fiwareBatch } from '../support/fiware-batch.ts';

// Issue 14, "Done when": the hourly cadence after one new hour of readings costs the same after 7
// and after 60 days of history — the same GETs, PUTs, LISTs and DELETEs, stage by stage. Both lakes
// end on the same day, so the current month's partitions are the same; only the history differs.

const SENSORS = [
  { id: 'fc-1', lon: 2.3522, lat: 48.8566 },
  { id: 'fc-2', lon: 2.4417, lat: 48.8638 },
  { id: 'fc-3', lon: 2.3572, lat: 48.9362 },
];
const LAST_DAY = '2026-05-20';
// Every stage is held to it: noise-indicators reads stored night floors for the drift reference
// (noise_quality_daily), and publish-site reads the days its sections show from the previous publish's
// year files and the partitions changed since (publish/window.ts).
/** requests, not bytes: a longer history may make a file of the current month larger, not more numerous */
const FLAT_COUNTERS = ['objects_read', 'objects_written', 'lists', 'deletes'] as const;
const NEW_HOUR = '2026-05-21T07:00:00Z'; // 09:00 in Paris

/** each sensor, `count` readings of `seconds` each from `start` */
function batch(start: string, count: number, seconds: number): Buffer {
  return fiwareBatch(SENSORS, start, count, seconds, (k, i) => 48 + k + ((i * 7) % 13) / 2);
}

function daysBefore(last: string, n: number): string[] {
  const end = Date.parse(`${last}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => new Date(end - (n - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

/** the hourly run's counters, stage by stage, after `days` days of history and one new hour */
async function hourlyRunAfter(days: number): Promise<{ reports: Record<string, Record<string, number>>; cleanup: () => Promise<void> }> {
  const ctx = await tempLake({ now: new Date('2026-05-21T08:30:00Z') });
  // history at 15-minute resolution, one file a day, through the real ingest; then the hourly cadence
  // catches up, and runs once more with nothing new (so that the measured run follows a quiet one)
  for (const day of daysBefore(LAST_DAY, days)) {
    await ingestFile(ctx, { sourceKind: 'noise-fiware', bytes: batch(`${day}T00:00:00+02:00`, 96, 900), origin: `${day}.json` });
  }
  await runPipeline(ctx, { cadence: 'hourly' });
  await runPipeline(ctx, { cadence: 'hourly' });
  await ingestFile(ctx, { sourceKind: 'noise-fiware', bytes: batch(NEW_HOUR, 60, 60), origin: 'new-hour.json' });
  const run = await runPipeline(ctx, { cadence: 'hourly' });
  const reports: Record<string, Record<string, number>> = {};
  for (const r of run) reports[r.stage] = Object.fromEntries(FLAT_COUNTERS.map((c) => [c, r[c]]));
  return { reports, cleanup: () => ctx.cleanup() };
}

describe('the hourly run costs what is new, not what is stored', () => {
  let week: Awaited<ReturnType<typeof hourlyRunAfter>>;
  let twoMonths: Awaited<ReturnType<typeof hourlyRunAfter>>;
  beforeAll(async () => {
    week = await hourlyRunAfter(7);
    twoMonths = await hourlyRunAfter(60);
  }, 900_000);
  afterAll(async () => {
    await week?.cleanup();
    await twoMonths?.cleanup();
  });

  it('reads, writes, lists and deletes as many objects after 60 days of history as after 7, stage by stage', () => {
    expect(Object.keys(week.reports).length).toBeGreaterThan(3);
    expect(twoMonths.reports).toEqual(week.reports);
  });

  it('does real work in that run: the new hour is read and indicators are written', () => {
    expect(week.reports['noise-indicators']!.objects_read).toBeGreaterThan(0);
    expect(week.reports['noise-indicators']!.objects_written).toBeGreaterThan(0);
  });
});
