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
    name: 'poll-hubeau',
    description: 'Polls Hub’Eau hydrométrie (observations_tr, cursor paging, per-series watermarks) for the configured stations',
    inputs: [],
    outputs: ['raw/hubeau', 'river_observations', 'river_stations', 'quarantine'],
    schedule: 'rate(15 minutes)',
  },
  {
    name: 'poll-vigicrues',
    description: 'Fetches the current Vigicrues flood vigilance per river section (InfoVigiCru)',
    inputs: [],
    outputs: ['raw/vigicrues', 'flood_vigilance', 'quarantine'],
  },
  {
    name: 'poll-meteofrance',
    description: 'Downloads the Météo-France daily files (latest and previous, RR-T-Vent) of the Métropole’s départements listed on data.gouv.fr, when they changed',
    inputs: [],
    outputs: ['raw/meteofrance', 'weather_daily', 'quarantine'],
    // daily, at midday Paris time: the "latest" files are updated once a day; the nightly pipeline run polls too
    schedule: 'cron(0 12 * * ? *)',
  },
  {
    name: 'flood-indicators',
    description: 'Daily river maxima against the reference floods, and the flood vigilance per commune (merges the poller’s small files first)',
    inputs: ['river_observations', 'flood_vigilance'],
    outputs: ['flood_indicators_daily', 'flood_vigilance_commune_daily', 'river_observations', 'flood_vigilance'],
  },
  {
    name: 'heat-indicators',
    description: 'Daily heat indicators per station and commune: IBMn/IBMx, heat waves and episodes, tropical nights, hot days',
    inputs: ['weather_daily'],
    outputs: ['heat_indicators_daily', 'heat_indicators_commune_daily'],
  },
  {
    name: 'train-models',
    description: 'Trains the noise, river and heat models, scores them against their baselines on held-out days, and registers them in models/ (skips a model whose data is absent)',
    inputs: ['noise_indicators_hourly', 'sensors', 'river_observations', 'heat_indicators_daily'],
    outputs: ['models', 'model_evaluations'],
    schedule: 'rate(7 days)',
  },
  {
    name: 'predict',
    description: 'Forecasts with the current model versions (or their baselines where they did not beat them) and the per-commune climate-risk index',
    inputs: ['models', 'noise_indicators_hourly', 'sensors', 'river_observations', 'heat_indicators_daily'],
    outputs: ['predictions'],
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
