import { QC_FLAGS, qualityFlagsSql } from '../domain/noise/qc.ts';
import { declareColumns, declareDataset, type Column, type RecordCheck, type RowOfColumns } from './declaration.ts';
import { communeInsee, conventionColumn, dt, dtColumn, level, observationTimeCheck, OPEN_LICENCE, sensorId } from './common.ts';

export const NOISE_SOURCE_KINDS = ['noise-fiware', 'noise-csv'] as const;
export const NOISE_SOURCES = ['road', 'rail', 'air', 'industry', 'mixed', 'unknown'] as const;

const noiseReadingColumns = declareColumns([
  sensorId,
  communeInsee,
  {
    name: 'arrondissement_insee',
    type: 'string',
    nullable: true,
    description:
      'INSEE code of the Paris arrondissement (75101–75120) where the reading was taken, set at ingest as commune_insee is (its own position, else its sensor’s registered position at that time); NULL outside Paris or when the position is unknown',
  },
  { name: 'ts_from', type: 'timestamp', description: 'Start of the observation interval (UTC)' },
  { name: 'ts_to', type: 'timestamp', description: 'End of the observation interval (UTC), after ts_from' },
  level('laeq', 'A-weighted equivalent continuous sound level over the interval'),
  level('lamax', 'Maximum A-weighted level over the interval'),
  level('las', 'A-weighted level with slow time weighting'),
  { name: 'source_kind', type: 'string', values: NOISE_SOURCE_KINDS, description: 'Ingestion format the record arrived in' },
  { name: 'raw_key', type: 'string', description: 'Object key of the raw file the record came from (raw/…)' },
  { name: 'record', type: 'integer', min: 0, description: 'Position of the record in its raw file (entity index, or CSV line number)' },
  { name: 'received_at', type: 'timestamp', description: 'When the raw file was first received (UTC)' },
  dt,
]);

export type NoiseReadingRow = RowOfColumns<typeof noiseReadingColumns>;

const noiseReadingChecks: readonly RecordCheck<NoiseReadingRow>[] = [
  {
    name: 'at least one measurand',
    check: (r) =>
      r.laeq === null && r.lamax === null && r.las === null
        ? { field: 'LAeq', expected: 'at least one of LAeq, LAmax, LAS', found: 'none', reason: 'no acoustic measurand in the record' }
        : undefined,
  },
  observationTimeCheck<NoiseReadingRow>('ts_from', (r) => r.ts_from),
  {
    name: 'ts_to after ts_from',
    check: (r) =>
      r.ts_to.getTime() <= r.ts_from.getTime()
        ? { field: 'ts_to', expected: `> ts_from (${r.ts_from.toISOString()})`, found: r.ts_to.toISOString(), reason: 'observation end not after its start' }
        : undefined,
  },
];

export const noiseReadings = declareDataset({
  name: 'noise_readings',
  title: 'Noise readings',
  description: 'Curated acoustic measurements, one row per sensor and observation interval.',
  prefix: 'curated/noise_readings',
  columns: noiseReadingColumns,
  key: ['sensor_id', 'ts_from', 'ts_to'],
  duplicateRule:
    'Among rows with the same sensor_id, ts_from and ts_to, the one from the most recently received raw file wins (ties: the greatest raw_key); within one file, the last record wins (a sensor re-sending a corrected value replaces the earlier one). Re-ingesting the same bytes changes nothing.',
  dedupOrder: ['received_at DESC', 'raw_key DESC', 'record DESC'],
  checks: noiseReadingChecks,
  derived: {
    columns: [
      {
        name: 'qc',
        type: 'string',
        values: QC_FLAGS,
        description:
          "Quality control, computed over the sensor's local day: ok, stuck (same values repeated), spike (impossible jump, or LAmax below LAeq), range (level no street gives), clock (from the future, or time going backwards in its file) or drift (night floor away from the sensor's own); the first that applies. Only 'ok' readings feed indicators, alerts, the map and the models",
      },
    ],
    view: qualityFlagsSql,
  },
  licence: OPEN_LICENCE,
  provenance: 'FIWARE NoiseLevelObserved payloads (pushed or files) and LAeq CSV series, validated and curated by the ingest stage.',
});

/** where a sensor's position comes from: its registry entry, or its readings (a sensor not registered) */
export const POSITION_SOURCES = ['registry', 'readings'] as const;

export const sensors = declareDataset({
  name: 'sensors',
  title: 'Noise sensors',
  description:
    'One row per noise sensor, registered or seen in the readings (the union of both), with its current position and commune and where each fact comes from: the registry when the sensor is registered, else its readings.',
  prefix: 'curated/sensors',
  columns: [
    sensorId,
    { name: 'registered', type: 'boolean', description: 'Whether the sensor is in the sensor registry (sensor_registry); if so, name, network, interval and position come from there' },
    { name: 'name', type: 'string', nullable: true, description: 'Human-readable name: the registry’s, else the one its readings give' },
    { name: 'network', type: 'string', nullable: true, description: 'The network the sensor belongs to (registry only)' },
    { name: 'interval_s', type: 'double', unit: 's', nullable: true, min: 0, description: 'Registered integration time of each reading (registry only)' },
    { name: 'interval_anchor', type: 'string', nullable: true, values: ['end', 'start'], description: 'Registered anchor of a single-instant reading (registry only)' },
    { name: 'position_source', type: 'string', nullable: true, values: POSITION_SOURCES, description: 'Where lon/lat come from: registry (its current registered position) or readings (the latest position its readings carried); NULL when unknown' },
    { name: 'lon', type: 'double', unit: '°', nullable: true, min: -180, max: 180, description: 'Longitude (WGS84) of the current position' },
    { name: 'lat', type: 'double', unit: '°', nullable: true, min: -90, max: 90, description: 'Latitude (WGS84) of the current position' },
    { ...communeInsee, description: 'INSEE code of the commune of the Métropole holding the current position (NULL outside it or when unknown); each reading keeps the commune of where it was taken' },
    {
      name: 'arrondissement_insee',
      type: 'string',
      nullable: true,
      description: 'INSEE code of the Paris arrondissement (75101–75120) holding the current position, from the City of Paris polygons (ODbL); NULL outside Paris or when its location is unknown',
    },
    { name: 'in_metropole', type: 'boolean', nullable: true, description: 'Whether the current position lies inside the Métropole du Grand Paris (NULL when its location is unknown)' },
    { name: 'noise_source', type: 'string', values: NOISE_SOURCES, description: 'Dominant noise source the sensor watches, from its readings (unknown when none says)' },
    { name: 'sonometer_class', type: 'string', nullable: true, values: ['0', '1', '2'], description: 'IEC 61672 sound level meter class, from its readings' },
    { name: 'first_seen', type: 'timestamp', nullable: true, description: 'Start of the first reading (UTC; NULL: no reading yet)' },
    { name: 'last_seen', type: 'timestamp', nullable: true, description: 'End of the last reading (UTC; NULL: no reading yet)' },
  ],
  key: ['sensor_id'],
  duplicateRule:
    'One row per sensor: the registry’s facts win for a registered sensor (its period valid now, else its latest that has begun, else its first); reading attributes from the most recently received file win; first_seen/last_seen span all files.',
  licence: OPEN_LICENCE,
  provenance: 'Merged by the sensors stage from the sensor registry (sensor_registry) and the sensor attributes carried by the noise payloads (or given on the command line for CSV series).',
});

const dailyLevels = [
  level('leq', 'Energy-average level over the whole local day'),
  level('lday', 'Energy-average level over the day period'),
  level('levening', 'Energy-average level over the evening period'),
  level('lnight', 'Energy-average level over the night period (hours 00–07 and 23–24 of the day for eu; 00–06 and 22–24 for fr)'),
  level('lden', 'Day-evening-night level: 10·log10((12·10^(Ld/10) + 4·10^((Le+5)/10) + 8·10^((Ln+10)/10))/24) with the convention’s period lengths'),
];

/** the seconds of each period covered by readings: with the period's level, its energy, so that longer spans can be averaged */
function periodCoverage(span: 'day' | 'month'): Column[] {
  return (['day', 'evening', 'night'] as const).map((period) => ({
    name: `covered_${period}_s`,
    type: 'double',
    unit: 's',
    nullable: true,
    min: 0,
    description: `Seconds of the ${span}’s ${period} period${span === 'month' ? 's' : ''} covered by readings (NULL: none)`,
  }));
}

export const noiseIndicatorsDaily = declareDataset({
  name: 'noise_indicators_daily',
  granularity: 'month',
  dayColumn: 'day',
  title: 'Daily noise indicators per sensor',
  description:
    'Per sensor, local calendar day and period convention: energy-average levels, Lden, statistical levels and coverage. Exceedance flags compare a single day with yearly limit values and are indicative only.',
  prefix: 'curated/noise_indicators_daily',
  columns: [
    sensorId,
    communeInsee,
    { name: 'day', type: 'date', description: 'Europe/Paris local calendar day' },
    conventionColumn,
    ...dailyLevels,
    level('l10', 'Level exceeded 10 % of the time (90th percentile of the samples)'),
    level('l50', 'Level exceeded 50 % of the time (median of the samples)'),
    level('l90', 'Level exceeded 90 % of the time (10th percentile of the samples)'),
    { name: 'samples', type: 'integer', min: 0, description: 'Number of LAeq readings in the day' },
    { name: 'coverage', type: 'double', unit: '1', min: 0, max: 1, description: 'Share of the local day covered by readings (day length 23, 24 or 25 h)' },
    { name: 'coverage_ok', type: 'boolean', description: 'coverage and every period’s coverage reach the configured threshold' },
    ...periodCoverage('day'),
    { name: 'noise_source', type: 'string', values: NOISE_SOURCES, description: 'Noise source used to pick the limit values' },
    { name: 'who_lden_exceeded', type: 'boolean', nullable: true, description: 'Indicative: Lden above the WHO 2018 guideline for the noise source' },
    { name: 'who_lnight_exceeded', type: 'boolean', nullable: true, description: 'Indicative: Lnight above the WHO 2018 guideline for the noise source' },
    { name: 'fr_lden_exceeded', type: 'boolean', nullable: true, description: 'Indicative: Lden above the French limit value (arrêté du 4 avril 2006)' },
    { name: 'fr_ln_exceeded', type: 'boolean', nullable: true, description: 'Indicative: Ln above the French limit value (arrêté du 4 avril 2006)' },
    dtColumn('month', 'day'),
  ],
  key: ['sensor_id', 'day', 'convention'],
  licence: OPEN_LICENCE,
  provenance: 'Computed by the noise-indicators stage from noise_readings.',
});

/** the columns of an area's daily rows (a commune, an arrondissement of Paris): its sensors' energy average */
const areaDailyColumns = (area: Column): Column[] => [
  area,
  { name: 'day', type: 'date', description: 'Europe/Paris local calendar day' },
  conventionColumn,
  ...dailyLevels,
  { name: 'sensors', type: 'integer', min: 0, description: 'Number of sensors averaged (those meeting the coverage threshold)' },
  dtColumn('month', 'day'),
];

export const noiseIndicatorsCommuneDaily = declareDataset({
  name: 'noise_indicators_commune_daily',
  granularity: 'month',
  dayColumn: 'day',
  title: 'Daily noise indicators per commune',
  description: 'Per commune and local day: energy average over the commune’s sensors whose day meets the coverage threshold.',
  prefix: 'curated/noise_indicators_commune_daily',
  columns: areaDailyColumns(communeInsee),
  key: ['commune_insee', 'day', 'convention'],
  licence: OPEN_LICENCE,
  provenance: 'Computed by the noise-indicators stage from noise_indicators_daily.',
});

export const noiseIndicatorsArrondissementDaily = declareDataset({
  name: 'noise_indicators_arrondissement_daily',
  granularity: 'month',
  dayColumn: 'day',
  title: 'Daily noise indicators per Paris arrondissement',
  description:
    'Per Paris arrondissement and local day: energy average over the arrondissement’s sensors whose day meets the coverage threshold (the same rule as the commune rows, for the parts of Paris).',
  prefix: 'curated/noise_indicators_arrondissement_daily',
  columns: areaDailyColumns({ name: 'arrondissement_insee', type: 'string', description: 'INSEE code of the Paris arrondissement (75101–75120)' }),
  key: ['arrondissement_insee', 'day', 'convention'],
  licence: `${OPEN_LICENCE}; arrondissement boundaries: ODbL 1.0, Ville de Paris – opendata.paris.fr`,
  provenance: 'Computed by the noise-indicators stage from noise_readings.arrondissement_insee (where each reading was taken; for rows written before that column, the sensor’s current sensors.arrondissement_insee).',
});

export const noiseIndicatorsHourly = declareDataset({
  name: 'noise_indicators_hourly',
  title: 'Hourly noise levels per sensor',
  description: 'Per sensor and UTC hour: energy-average LAeq, the input of the noise models.',
  prefix: 'curated/noise_indicators_hourly',
  columns: [
    sensorId,
    communeInsee,
    { name: 'hour_start', type: 'timestamp', description: 'Start of the hour (UTC)' },
    { name: 'local_hour', type: 'integer', min: 0, max: 23, description: 'Europe/Paris local clock hour of hour_start' },
    level('leq', 'Energy-average LAeq over the hour'),
    { name: 'samples', type: 'integer', min: 0, description: 'Number of LAeq readings in the hour' },
    { name: 'coverage', type: 'double', unit: '1', min: 0, max: 1, description: 'Share of the hour covered by readings' },
    dt,
  ],
  key: ['sensor_id', 'hour_start'],
  licence: OPEN_LICENCE,
  provenance: 'Computed by the noise-indicators stage from noise_readings.',
});

export const noiseIndicatorsMonthly = declareDataset({
  name: 'noise_indicators_monthly',
  granularity: 'year',
  dayColumn: 'month',
  title: 'Monthly noise levels per sensor',
  description:
    'Per sensor, local calendar month and convention: energy-average levels over the month’s day, evening and night periods, with the seconds each period is covered. The yearly indicators are built from these rows, so that an hour of new readings does not re-read a year of days.',
  prefix: 'curated/noise_indicators_monthly',
  columns: [
    sensorId,
    communeInsee,
    { name: 'month', type: 'date', description: 'First day of the Europe/Paris local calendar month' },
    conventionColumn,
    level('lday', 'Energy-average level over the day periods of the month'),
    level('levening', 'Energy-average level over the evening periods of the month'),
    level('lnight', 'Energy-average level over the night periods of the month'),
    ...periodCoverage('month'),
    { name: 'days', type: 'integer', min: 0, description: 'Number of days with readings' },
    dtColumn('year', 'month'),
  ],
  key: ['sensor_id', 'month', 'convention'],
  licence: OPEN_LICENCE,
  provenance: 'Computed by the noise-indicators stage from noise_indicators_daily.',
});

export const noiseQualityDaily = declareDataset({
  name: 'noise_quality_daily',
  granularity: 'year',
  dayColumn: 'day',
  title: 'Daily quality control per sensor',
  description:
    'Per sensor and local day: how many readings the quality control passed and flagged, by flag, and the night floor the drift check compares with the sensor’s earlier nights. Stored so that the drift check and the site read these small rows instead of weeks of readings.',
  prefix: 'curated/noise_quality_daily',
  columns: [
    sensorId,
    { name: 'day', type: 'date', description: 'Europe/Paris local calendar day (the readings’ dt)' },
    { name: 'readings', type: 'integer', min: 0, description: 'Readings of the day (after deduplication)' },
    ...QC_FLAGS.map(
      (flag): Column => ({ name: `readings_${flag}`, type: 'integer', min: 0, description: `Readings of the day whose quality-control flag is '${flag}'` }),
    ),
    level('night_floor_db', 'Night floor: 10th percentile of LAeq over 22:00–06:00 local (NULL: no night reading); the drift check’s reference'),
    dtColumn('year', 'day'),
  ],
  key: ['sensor_id', 'day'],
  licence: OPEN_LICENCE,
  provenance: 'Computed by the noise-indicators stage from noise_readings (all readings, flagged ones included).',
});

export const noiseIndicatorsYearly = declareDataset({
  name: 'noise_indicators_yearly',
  title: 'Yearly noise indicators per sensor (legal indicators)',
  description: 'Per sensor, calendar year and convention: Lden and Ln over the year, the indicators the limit values apply to.',
  prefix: 'curated/noise_indicators_yearly',
  columns: [
    sensorId,
    communeInsee,
    { name: 'year', type: 'integer', min: 2000, max: 2100, description: 'Europe/Paris local calendar year' },
    conventionColumn,
    level('lday', 'Energy-average level over all day periods of the year'),
    level('levening', 'Energy-average level over all evening periods of the year'),
    level('ln', 'Energy-average level over all night periods of the year (Ln)'),
    level('lden', 'Lden over the year'),
    { name: 'days', type: 'integer', min: 0, description: 'Number of days with readings' },
    { name: 'coverage', type: 'double', unit: '1', min: 0, max: 1, description: 'Share of the year covered by readings' },
    { name: 'noise_source', type: 'string', values: NOISE_SOURCES, description: 'Noise source used to pick the limit values' },
    { name: 'who_lden_exceeded', type: 'boolean', nullable: true, description: 'Lden above the WHO 2018 guideline' },
    { name: 'who_lnight_exceeded', type: 'boolean', nullable: true, description: 'Ln above the WHO 2018 guideline' },
    { name: 'fr_lden_exceeded', type: 'boolean', nullable: true, description: 'Lden above the French limit value' },
    { name: 'fr_ln_exceeded', type: 'boolean', nullable: true, description: 'Ln above the French limit value' },
  ],
  key: ['sensor_id', 'year', 'convention'],
  licence: OPEN_LICENCE,
  provenance: 'Computed by the noise-indicators stage from noise_readings.',
});
