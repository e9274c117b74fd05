// The pipeline, once: the local runner walks this list in order; infra/ turns it into Step Functions
// states and EventBridge schedules. Names and schedules only — no stage code is imported here.

export interface StageEntry {
  readonly name: string;
  readonly description: string;
  /** datasets read and written (names of declared datasets, or lake areas) */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** EventBridge Scheduler expression on AWS; undefined = runs only inside the pipeline */
  readonly schedule?: string;
}

export const STAGES: readonly StageEntry[] = [
  {
    name: 'communes',
    description: 'Writes the communes reference table',
    inputs: [],
    outputs: ['communes'],
  },
  {
    name: 'sensors',
    description: 'Merges the sensor sightings staged by the ingests',
    inputs: ['staging/sensor-sightings'],
    outputs: ['sensors'],
  },
  {
    name: 'compact',
    description: 'Merges the small files frequent ingests leave in each day of noise_readings',
    inputs: ['noise_readings'],
    outputs: ['noise_readings'],
  },
  {
    name: 'noise-indicators',
    description: 'Hourly, daily, per-commune and yearly noise indicators for the days whose readings changed',
    inputs: ['noise_readings', 'sensors'],
    outputs: ['noise_indicators_hourly', 'noise_indicators_daily', 'noise_indicators_commune_daily', 'noise_indicators_yearly'],
    schedule: 'rate(1 hour)',
  },
  {
    name: 'publish-site',
    description: 'Publishes the public site and its small JSON files',
    inputs: ['communes', 'noise_indicators_commune_daily', 'noise_indicators_yearly', 'sensors'],
    outputs: ['site'],
  },
];

export type StageName = (typeof STAGES)[number]['name'];
