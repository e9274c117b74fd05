import { readManifest } from '../lake/manifest.ts';
import type { ObjectStore } from '../ports/object-store.ts';

// How old a forecast may be and still be published. A forecast's age is the time from its origin (the
// end of the data it used) to "now": the wall clock on a real lake, the demo clock on a demo lake (the
// end of the simulated window, recorded in lake.json), so that a demo shows what a live site would.

/** hours after its origin beyond which a model's forecast is not published */
export const FRESHNESS_HOURS: Readonly<Record<string, number>> = {
  // hourly levels arrive within the hour: six hours without data means the network or its feed is down
  noise: 6,
  // Hub'Eau serves stages within hours; two days covers a gap in a gauge's transmissions
  river: 48,
  // daily TN/TX arrive the next morning: a day and a half covers the publication delay
  heat: 36,
  // the index is computed from this run's heat and flood forecasts: as fresh as the heat forecast
  'climate-risk': 36,
};

export function freshnessHours(model: string): number {
  const h = FRESHNESS_HOURS[model];
  if (h === undefined) throw new Error(`no freshness limit for model "${model}"; known: ${Object.keys(FRESHNESS_HOURS).join(', ')}`);
  return h;
}

/** hours from the origin to now (negative when the origin is after now) */
export const ageHours = (origin: Date, now: Date) => (now.getTime() - origin.getTime()) / 3_600_000;

export function isFresh(model: string, origin: Date, now: Date): boolean {
  return ageHours(origin, now) <= freshnessHours(model);
}

/** why a forecast is not published, in the logs' words */
export function staleReason(model: string, origin: Date, now: Date): string {
  return `the latest data end at ${origin.toISOString()}, ${ageHours(origin, now).toFixed(1)} h before ${now.toISOString()}: older than the ${freshnessHours(model)} h limit of the ${model} forecast, nothing is published`;
}

export interface LakeClock {
  readonly now: Date;
  /** the demo clock of a demo lake */
  readonly demo: boolean;
}

/** "now" for freshness: the demo clock recorded in lake.json on a demo lake, else the given wall clock */
export async function lakeClock(store: ObjectStore, wallClock: Date): Promise<LakeClock> {
  const manifest = await readManifest(store);
  const demo = manifest?.demo && manifest.demo_clock ? new Date(manifest.demo_clock) : undefined;
  return demo && Number.isFinite(demo.getTime()) ? { now: demo, demo: true } : { now: wallClock, demo: false };
}
