import { DATASETS } from '../datasets/index.ts';
import type { StageContext } from './context.ts';

// The pipeline, defined once. From this list come the local runner (`observatory run [--schedule …]`),
// the one generic Lambda handler (the stage named by OBSERVATORY_STAGE), the Step Functions states,
// the EventBridge schedules, each function's memory, timeout and /tmp size, and its IAM grants per
// prefix (infra/). A stage's code loads only when it runs (`run` imports its module), so infra/ reads
// this list without loading DuckDB or TensorFlow.

/** when AWS runs a stage; `after-ingest`: the ingest service runs it once its files are in */
export const CADENCES = ['quarter-hourly', 'hourly', 'daily', 'weekly', 'after-ingest'] as const;
export type Cadence = (typeof CADENCES)[number];

/** how much of an input a run reads: what changed since its last run, the latest days, or all of it */
export type InputWindow = 'changed' | 'latest' | 'year' | 'all';

export interface StageInput {
  /** a declared dataset, or a lake area (`staging/sensor-sightings`, `models`) */
  readonly dataset: string;
  readonly window: InputWindow;
}

export interface StageLimits {
  readonly memoryMb: number;
  readonly timeoutS: number;
  /** /tmp size: stages move Parquet through it */
  readonly ephemeralStorageMb: number;
}

export interface StageDefinition {
  readonly name: string;
  readonly description: string;
  readonly inputs: readonly StageInput[];
  /** datasets written, or lake areas (`site`, `models`, `raw/hubeau`) */
  readonly outputs: readonly string[];
  readonly cadences: readonly Cadence[];
  readonly limits: StageLimits;
  /** the source a poller calls (its URL comes from the context's `sources`; none: the poller skips) */
  readonly source?: 'hubeau' | 'vigicrues' | 'meteofrance' | 'meteofrance-forecast';
  /** it recomputes the days of the context's `range` when given one (backfills run it in chunks of days) */
  readonly ranged?: boolean;
  readonly run: (ctx: StageContext) => Promise<unknown>;
}

/** the summary datasets the site's sections may show (never the readings: see publish-site.ts) */
const PUBLISHED_DATASETS = DATASETS.map((d) => d.name).filter((name) => !['noise_readings', 'river_observations', 'quarantine', 'sensor_registry'].includes(name));

/**
 * How many files a partition of each compacted dataset may hold after the compact stage: a few per day
 * for the readings (merged hour by hour without rewriting the day each time), one for the small
 * datasets the pollers write a file at a time. Only datasets with a key and a duplicate rule.
 */
export const COMPACTION_LIMITS = [
  { dataset: 'noise_readings', maxFilesPerPartition: 4 },
  { dataset: 'river_observations', maxFilesPerPartition: 1 },
  { dataset: 'flood_vigilance', maxFilesPerPartition: 1 },
  { dataset: 'weather_daily', maxFilesPerPartition: 1 },
  // a file per ingest that rejected something: merged like the readings, newest verdicts in new files
  { dataset: 'quarantine', maxFilesPerPartition: 4 },
] as const;

const DEFAULT_LIMITS: StageLimits = { memoryMb: 1769, timeoutS: 300, ephemeralStorageMb: 1024 };

export function defineStage(d: Omit<StageDefinition, 'limits'> & { limits?: Partial<StageLimits> }): StageDefinition {
  return { ...d, limits: { ...DEFAULT_LIMITS, ...d.limits } };
}

/** a poller: runs against the context's URL for its source, and says why it skipped without one */
function poller(source: NonNullable<StageDefinition['source']>, poll: (ctx: StageContext, baseUrl: string) => Promise<unknown>) {
  return async (ctx: StageContext) => {
    const baseUrl = ctx.sources?.[source];
    return baseUrl ? poll(ctx, baseUrl) : { skipped: `no ${source} URL configured (the local runner polls only a configured source: see stages/source-endpoints.ts)` };
  };
}

export const STAGES: readonly StageDefinition[] = [
  defineStage({
    name: 'communes',
    description: 'Writes the communes reference table',
    inputs: [],
    outputs: ['communes'],
    cadences: ['daily'],
    run: async (ctx) => (await import('./communes.ts')).publishCommunes(ctx),
  }),
  defineStage({
    name: 'poll-hubeau',
    description: 'Polls Hub’Eau hydrométrie (observations_tr, cursor paging, per-series watermarks) for the configured stations',
    inputs: [],
    outputs: ['raw/hubeau', 'river_observations', 'river_stations', 'quarantine'],
    cadences: ['quarter-hourly'],
    source: 'hubeau',
    run: poller('hubeau', async (ctx, baseUrl) => (await import('./poll-hubeau.ts')).pollHubeau(ctx, { baseUrl })),
  }),
  defineStage({
    name: 'poll-hubeau-daily',
    description: 'Polls Hub’Eau’s daily mean flows (obs_elab QmnJ, page paging, per-gauge resume) of Paris-Austerlitz and its upstream gauges (config/river-gauges.json), over their whole record',
    inputs: [],
    outputs: ['raw/hubeau-daily', 'river_daily', 'quarantine'],
    cadences: ['daily'],
    limits: { timeoutS: 900 },
    source: 'hubeau',
    run: poller('hubeau', async (ctx, baseUrl) => (await import('./poll-hubeau-daily.ts')).pollHubeauDaily(ctx, { baseUrl })),
  }),
  defineStage({
    name: 'poll-vigicrues',
    description: 'Fetches the current Vigicrues flood vigilance per river section (InfoVigiCru)',
    inputs: [],
    outputs: ['raw/vigicrues', 'flood_vigilance', 'quarantine'],
    cadences: ['hourly'],
    source: 'vigicrues',
    run: poller('vigicrues', async (ctx, baseUrl) => (await import('./poll-vigicrues.ts')).pollVigicrues(ctx, { baseUrl })),
  }),
  defineStage({
    name: 'poll-meteofrance',
    description: 'Downloads the Météo-France daily files (latest and previous, RR-T-Vent) of the Métropole’s départements listed on data.gouv.fr, when they changed',
    inputs: [],
    outputs: ['raw/meteofrance', 'weather_daily', 'quarantine'],
    cadences: ['daily'],
    limits: { memoryMb: 4096, timeoutS: 900 },
    source: 'meteofrance',
    // it stops starting new work two minutes before its deadline; what is left resumes next run
    run: poller('meteofrance', async (ctx, baseUrl) =>
      (await import('./poll-meteofrance.ts')).pollMeteoFrance(ctx, { baseUrl, ...(ctx.deadline !== undefined ? { deadline: ctx.deadline - 120_000 } : {}) }),
    ),
  }),
  defineStage({
    name: 'sensors',
    description: 'Merges the sensor registry and the sensor sightings staged by the ingests',
    // reads the registry, the merged sightings and those staged since, writes their merge and deletes what it merged
    inputs: [
      { dataset: 'sensor_registry', window: 'all' },
      { dataset: 'staging/sensor-sightings', window: 'all' },
    ],
    outputs: ['sensors', 'staging/sensor-sightings'],
    cadences: ['after-ingest', 'hourly'],
    run: async (ctx) => (await import('./sensors.ts')).refreshSensors(ctx),
  }),
  defineStage({
    name: 'compact',
    description: 'Merges the small files frequent ingests and pollers leave, keeping each changed partition within its declared number of files',
    inputs: COMPACTION_LIMITS.map((l) => ({ dataset: l.dataset, window: 'changed' as const })),
    outputs: COMPACTION_LIMITS.map((l) => l.dataset),
    // in every cadence that reads these datasets, after the pollers that write them and before the readers
    cadences: ['hourly', 'daily'],
    run: async (ctx) => (await import('./compact.ts')).compactLake(ctx, COMPACTION_LIMITS),
  }),
  defineStage({
    name: 'poll-meteofrance-forecast',
    description: 'Fetches Météo-France’s point forecast of TN/TX for the days ahead at each heat reference station',
    // after the weather poller and the compaction: it reads the latest observed days
    inputs: [{ dataset: 'weather_daily', window: 'latest' }],
    outputs: ['raw/meteofrance-forecast', 'weather_forecasts', 'quarantine'],
    cadences: ['daily'],
    source: 'meteofrance-forecast',
    run: poller('meteofrance-forecast', async (ctx, baseUrl) => {
      const { FORECAST_TOKEN_ENV, pollMeteoFranceForecast } = await import('./poll-meteofrance-forecast.ts');
      const token = process.env[FORECAST_TOKEN_ENV];
      return token ? pollMeteoFranceForecast(ctx, { baseUrl, token }) : { skipped: `no token in ${FORECAST_TOKEN_ENV} (docs/deploy.md)` };
    }),
  }),
  defineStage({
    name: 'noise-indicators',
    description: 'Hourly, daily, per-commune, monthly and yearly noise indicators, and the daily quality-control counts, for the days whose readings changed',
    inputs: [
      { dataset: 'noise_readings', window: 'changed' },
      { dataset: 'sensors', window: 'all' },
      // the months and years holding the changed days: their other days and months are kept as stored
      { dataset: 'noise_indicators_daily', window: 'changed' },
      { dataset: 'noise_indicators_monthly', window: 'changed' },
      // the stored night floors of the days before the changed ones: the drift check's reference
      { dataset: 'noise_quality_daily', window: 'changed' },
    ],
    outputs: ['noise_indicators_hourly', 'noise_indicators_daily', 'noise_indicators_commune_daily', 'noise_indicators_arrondissement_daily', 'noise_quality_daily', 'noise_indicators_monthly', 'noise_indicators_yearly'],
    cadences: ['hourly'],
    limits: { memoryMb: 3008, timeoutS: 900, ephemeralStorageMb: 4096 },
    ranged: true,
    run: async (ctx) => (await import('./noise-indicators.ts')).noiseIndicators(ctx),
  }),
  defineStage({
    name: 'flood-indicators',
    description: 'Daily river maxima against the reference floods, and the flood vigilance per commune',
    inputs: [
      { dataset: 'river_observations', window: 'all' },
      { dataset: 'flood_vigilance', window: 'all' },
    ],
    outputs: ['flood_indicators_daily', 'flood_vigilance_commune_daily'],
    cadences: ['daily'],
    run: async (ctx) => (await import('./flood-indicators.ts')).floodIndicators(ctx),
  }),
  defineStage({
    name: 'heat-indicators',
    description: 'Daily heat indicators per station and commune: IBMn/IBMx, heat waves and episodes, tropical nights, hot days',
    inputs: [{ dataset: 'weather_daily', window: 'all' }],
    outputs: ['heat_indicators_daily', 'heat_indicators_commune_daily'],
    cadences: ['daily'],
    run: async (ctx) => (await import('./heat-indicators.ts')).heatIndicators(ctx),
  }),
  defineStage({
    name: 'train-models',
    description: 'Trains the noise, river and heat models, scores them against their baselines on held-out days, and registers them in models/ (skips a model whose data is absent)',
    inputs: [
      { dataset: 'noise_indicators_hourly', window: 'all' },
      { dataset: 'sensors', window: 'all' },
      { dataset: 'river_observations', window: 'all' },
      { dataset: 'heat_indicators_daily', window: 'all' },
    ],
    outputs: ['models', 'model_evaluations'],
    cadences: ['weekly'],
    limits: { memoryMb: 3008, timeoutS: 900 },
    run: async (ctx) => (await import('./train-models.ts')).trainModels(ctx),
  }),
  defineStage({
    name: 'predict',
    description: 'Forecasts with the current model versions (or their baselines where they did not beat them) and the per-commune climate-risk index',
    inputs: [
      { dataset: 'models', window: 'all' },
      { dataset: 'noise_indicators_hourly', window: 'all' },
      { dataset: 'sensors', window: 'all' },
      { dataset: 'river_observations', window: 'all' },
      { dataset: 'heat_indicators_daily', window: 'all' },
      { dataset: 'weather_forecasts', window: 'all' },
    ],
    outputs: ['predictions'],
    cadences: ['hourly'],
    run: async (ctx) => (await import('./predict.ts')).predict(ctx),
  }),
  defineStage({
    name: 'publish-site',
    description: 'Publishes the public site and its small JSON files',
    // each summary dataset for the days its sections show, and the years whose partitions changed (downloads)
    inputs: PUBLISHED_DATASETS.map((dataset) => ({ dataset, window: 'latest' as const })),
    outputs: ['site'],
    cadences: ['hourly'],
    limits: { timeoutS: 600, ephemeralStorageMb: 4096 },
    run: async (ctx) => (await import('./publish-site.ts')).publishSite(ctx),
  }),
];

/** the stage of a name, or an error listing the stages */
export function stageNamed(name: string): StageDefinition {
  const stage = STAGES.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage "${name}" in the registry (functions/lib/stages/registry.ts); stages: ${STAGES.map((s) => s.name).join(', ')}`);
  return stage;
}

/** the stages AWS runs on a cadence, in the registry's order */
export function stagesOf(cadence: Cadence, stages: readonly StageDefinition[] = STAGES): StageDefinition[] {
  return stages.filter((s) => s.cadences.includes(cadence));
}
