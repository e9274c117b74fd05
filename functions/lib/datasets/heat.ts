import { declareColumns, declareDataset, type RecordCheck, type RowOfColumns } from './declaration.ts';
import { communeInsee, dtColumn, OPEN_LICENCE } from './common.ts';
import { BASIN_RAIN_DEPARTEMENTS, WEATHER_DEPARTEMENTS } from '../domain/heat/basin-rain-stations.ts';
import { METROPOLE_DEPARTEMENTS } from '../domain/heat/thresholds.ts';

// Heat datasets: Météo-France daily climatological data and the heat indicators computed from them.

const METEOFRANCE_LICENCE = 'Licence Ouverte / Etalab 2.0 — Météo-France (données climatologiques de base)';

const stationId = { name: 'station_id', type: 'string', description: 'Météo-France station number (NUM_POSTE, 8 digits; the first two are the département)' } as const;
const day = { name: 'day', type: 'date', description: 'Climatological day (AAAAMMJJ)' } as const;
const celsius = <const Name extends string>(name: Name, description: string) => ({ name, type: 'double', unit: '°C', nullable: true, min: -40, max: 50, description }) as const;
const quality = <const Name extends string>(name: Name, of: string) =>
  ({ name, type: 'integer', nullable: true, min: 0, max: 9, description: `Quality code of ${of}: 9 filtered, 0 protected, 1 validated, 2 doubtful (being checked)` }) as const;

const weatherDailyColumns = declareColumns([
  stationId,
  { name: 'station_name', type: 'string', nullable: true, description: 'NOM_USUEL (decoded from UTF-8 or Latin-1)' },
  { name: 'departement', type: 'string', values: WEATHER_DEPARTEMENTS, description: 'Département of the station' },
  { name: 'lat', type: 'double', unit: '°', nullable: true, min: -90, max: 90, description: 'Latitude (WGS84)' },
  { name: 'lon', type: 'double', unit: '°', nullable: true, min: -180, max: 180, description: 'Longitude (WGS84)' },
  { name: 'alti', type: 'double', unit: 'm', nullable: true, min: -100, max: 5000, description: 'Altitude of the shelter' },
  day,
  { name: 'rr', type: 'double', unit: 'mm', nullable: true, min: 0, max: 500, description: 'Precipitation from 06 UTC on day to 06 UTC the next day (RR)' },
  quality('q_rr', 'RR'),
  celsius('tn', 'Daily minimum temperature under shelter (TN)'),
  quality('q_tn', 'TN'),
  celsius('tx', 'Daily maximum temperature under shelter (TX)'),
  quality('q_tx', 'TX'),
  celsius('tm', 'Daily mean of the hourly temperatures (TM)'),
  quality('q_tm', 'TM'),
  { name: 'doubtful', type: 'boolean', description: 'At least one of RR, TN, TX, TM has quality code 2 (doubtful)' },
  { name: 'raw_key', type: 'string', description: 'Object key of the raw file the line came from (raw/…)' },
  { name: 'record', type: 'integer', min: 1, description: 'Line number in the (decompressed) file' },
  { name: 'received_at', type: 'timestamp', description: 'When the raw file was first received (UTC)' },
  dtColumn('year', 'day (the climatological day)'),
]);

export type WeatherDailyRow = RowOfColumns<typeof weatherDailyColumns>;

const weatherChecks: readonly RecordCheck<WeatherDailyRow>[] = [
  {
    name: 'at least one measure',
    check: (r) =>
      r.rr === null && r.tn === null && r.tx === null && r.tm === null
        ? { field: 'TN', expected: 'at least one of RR, TN, TX, TM', found: 'none', reason: 'no measure in the line' }
        : undefined,
  },
  {
    name: 'TX not below TN',
    check: (r) =>
      r.tn !== null && r.tx !== null && r.tx < r.tn
        ? { field: 'tx', expected: `>= TN (${r.tn} °C)`, found: `${r.tx} °C`, reason: 'daily maximum below the daily minimum' }
        : undefined,
  },
  {
    name: 'day not after receipt',
    check: (r, ctx) =>
      r.day > ctx.now.toISOString().slice(0, 10)
        ? { field: 'day', expected: `<= ${ctx.now.toISOString().slice(0, 10)} (the receive date)`, found: r.day, reason: 'climatological day in the future' }
        : undefined,
  },
];

/** the "previous" daily files the poller reads start in 1950 (DAILY_FILE_PERIODS, domain/heat/meteofrance.ts) */
const METEOFRANCE_HISTORY_SINCE = '1950-01-01';

export const weatherDaily = declareDataset({
  name: 'weather_daily',
  granularity: 'year',
  dayColumn: 'day',
  title: 'Daily weather per station (Météo-France)',
  description:
    `Daily climatological values of the Météo-France stations of the Métropole’s départements (${METROPOLE_DEPARTEMENTS.join(', ')}; the heat indicators) and of the départements of the river model’s basin rain stations upstream of Paris (${BASIN_RAIN_DEPARTEMENTS.join(', ')}; config/basin-rain-stations.json): precipitation and temperatures with their quality codes. Doubtful values (quality 2) are kept and flagged; the indicators leave them out.`,
  prefix: 'curated/weather_daily',
  historySince: METEOFRANCE_HISTORY_SINCE,
  columns: weatherDailyColumns,
  key: ['station_id', 'day'],
  duplicateRule:
    'Météo-France “latest” and “previous” files overlap: among rows with the same station_id and day, the one from the most recently received file wins (ties: the greatest raw_key, then the last line), as for noise readings. Re-ingesting the same file changes nothing.',
  dedupOrder: ['received_at DESC', 'raw_key DESC', 'record DESC'],
  checks: weatherChecks,
  licence: METEOFRANCE_LICENCE,
  provenance: 'Météo-France daily files Q_<dep>_<period>_RR-T-Vent.csv(.gz), downloaded from data.gouv.fr by the poll-meteofrance stage, or ingested from files (`observatory ingest meteofrance`, incoming/meteofrance/ on AWS).',
});

const heatColumns = [
  celsius('tn', 'TN of the day (as curated, doubtful or not)'),
  celsius('tx', 'TX of the day (as curated, doubtful or not)'),
  { name: 'tn_doubtful', type: 'boolean', nullable: true, description: 'TN has quality code 2 (left out of the indicators); NULL when TN is missing' },
  { name: 'tx_doubtful', type: 'boolean', nullable: true, description: 'TX has quality code 2 (left out of the indicators); NULL when TX is missing' },
  celsius('ibmn', 'IBMn: mean of TN over the day and the two days before; NULL when one of them is missing or doubtful'),
  celsius('ibmx', 'IBMx: mean of TX over the day and the two days before; NULL when one of them is missing or doubtful'),
  celsius('ibmn_threshold', 'IBMn threshold of the département (config/heat-thresholds.json)'),
  celsius('ibmx_threshold', 'IBMx threshold of the département (config/heat-thresholds.json)'),
  { name: 'thresholds_verified', type: 'boolean', description: 'The département’s thresholds are confirmed (false: to verify)' },
  { name: 'heatwave', type: 'boolean', nullable: true, description: 'IBMn ≥ its threshold and IBMx ≥ its threshold; NULL when either is NULL' },
  { name: 'heatwave_episode', type: 'string', nullable: true, description: 'Heat-wave episode (consecutive heat-wave days): <station_id>/<first day>; NULL outside an episode' },
  { name: 'heatwave_day', type: 'integer', nullable: true, min: 1, description: 'Position of the day in its episode (1 = first)' },
  { name: 'heatwave_days', type: 'integer', nullable: true, min: 1, description: 'Length of the episode in days' },
  { name: 'tropical_night', type: 'boolean', nullable: true, description: 'TN ≥ 20 °C (NULL when TN is missing or doubtful)' },
  { name: 'hot_day', type: 'boolean', nullable: true, description: 'TX ≥ 30 °C (NULL when TX is missing or doubtful)' },
  { name: 'very_hot_day', type: 'boolean', nullable: true, description: 'TX ≥ 35 °C (NULL when TX is missing or doubtful)' },
] as const;

export const heatIndicatorsDaily = declareDataset({
  name: 'heat_indicators_daily',
  granularity: 'year',
  dayColumn: 'day',
  title: 'Daily heat indicators per station',
  description:
    'Per Météo-France station of the Métropole’s départements and day: TN, TX, the heat-wave biometeorological indicators IBMn/IBMx (3-day means), the heat-wave flag against the département’s thresholds (SACS), heat-wave episodes, tropical nights, hot and very hot days. Doubtful values never enter an indicator.',
  prefix: 'curated/heat_indicators_daily',
  historySince: METEOFRANCE_HISTORY_SINCE,
  columns: [stationId, { name: 'departement', type: 'string', description: 'Département of the station' }, day, ...heatColumns, dtColumn('year', 'day')],
  key: ['station_id', 'day'],
  licence: METEOFRANCE_LICENCE,
  provenance: 'Computed by the heat-indicators stage from weather_daily and config/heat-thresholds.json.',
});

export const heatIndicatorsCommuneDaily = declareDataset({
  name: 'heat_indicators_commune_daily',
  granularity: 'year',
  dayColumn: 'day',
  title: 'Daily heat indicators per commune',
  description:
    'Per commune of the Métropole and day: the heat indicators of the reference station of the commune’s département (config/heat-thresholds.json; Paris-Montsouris 75114001 for Paris). Rows exist for the days the reference station has data.',
  prefix: 'curated/heat_indicators_commune_daily',
  historySince: METEOFRANCE_HISTORY_SINCE,
  columns: [
    { ...communeInsee, nullable: false, description: 'INSEE code of the commune' },
    { name: 'departement', type: 'string', description: 'Département of the commune' },
    { ...stationId, description: 'The reference station the indicators come from' },
    { name: 'station_verified', type: 'boolean', description: 'The département’s reference station is confirmed (false: to verify)' },
    day,
    ...heatColumns,
    dtColumn('year', 'day'),
  ],
  key: ['commune_insee', 'day'],
  licence: OPEN_LICENCE,
  provenance: 'Computed by the heat-indicators stage from heat_indicators_daily, the communes of the Métropole and config/heat-thresholds.json.',
});
