import { declareColumns, declareDataset, type RecordCheck, type RowOfColumns } from './declaration.ts';
import { dtColumn, EARLIEST_OBSERVATION_DATE } from './common.ts';

// The forecasts' long inputs: Hub'Eau's elaborated daily flows (decades of history for the river model)
// and the weather forecasts the heat-wave forecast starts from.

const HUBEAU_LICENCE = 'Licence Ouverte / Etalab 2.0 — Hub’Eau (OFB, SCHAPI / réseau Vigicrues)';
const rawKey = { name: 'raw_key', type: 'string', description: 'Object key of the raw file the record came from (raw/…)' } as const;
const receivedAt = { name: 'received_at', type: 'timestamp', description: 'When the raw file was first received (UTC)' } as const;

/** the daily mean flow: `QmnJ` in Hub'Eau API v2, `QmJ` in v1 (the same series) */
export const DAILY_MEAN_FLOW = ['QmnJ', 'QmJ'] as const;

const riverDailyColumns = declareColumns([
  { name: 'site_code', type: 'string', description: 'Hub’Eau site code (code_site, 8 characters)' },
  { name: 'station_code', type: 'string', nullable: true, description: 'Hub’Eau station code (code_station, 10 characters); NULL for a site-level series' },
  { name: 'day', type: 'date', description: 'The day of the mean (date_obs_elab)' },
  { name: 'quantity', type: 'string', values: DAILY_MEAN_FLOW, description: 'grandeur_hydro_elab as received: QmnJ (API v2) or QmJ (API v1), the daily mean flow' },
  { name: 'value', type: 'double', unit: 'm³/s', min: 0, max: 100_000, description: 'Daily mean discharge (resultat_obs_elab l/s ÷ 1000)' },
  { name: 'status', type: 'integer', nullable: true, description: 'code_statut (4 raw, 8 corrected, 12 pre-validated, 16 validated)' },
  { name: 'status_label', type: 'string', nullable: true, description: 'libelle_statut as received' },
  { name: 'qualification', type: 'integer', nullable: true, description: 'code_qualification (16 not qualified, 20 good, 12 doubtful)' },
  { name: 'qualification_label', type: 'string', nullable: true, description: 'libelle_qualification as received' },
  { name: 'method', type: 'integer', nullable: true, description: 'code_methode (how the mean was obtained)' },
  rawKey,
  { name: 'record', type: 'integer', min: 0, description: 'Position of the record in its raw page (index in the JSON data array)' },
  receivedAt,
  dtColumn('year', 'day'),
]);

export type RiverDailyRow = RowOfColumns<typeof riverDailyColumns>;

/** the elaborated series of Hub'Eau go back to 1900 for some stations (before the observations' 2000 floor) */
export const RIVER_DAILY_HISTORY_SINCE = '1900-01-01';

const riverDailyChecks: readonly RecordCheck<RiverDailyRow>[] = [
  {
    name: 'day not after receipt',
    check: (r, ctx) =>
      r.day > ctx.now.toISOString().slice(0, 10)
        ? { field: 'date_obs_elab', expected: `<= ${ctx.now.toISOString().slice(0, 10)} (the receive date)`, found: r.day, reason: 'a daily mean of a day that has not ended' }
        : undefined,
  },
  {
    name: 'day from 1900',
    check: (r) =>
      r.day < RIVER_DAILY_HISTORY_SINCE ? { field: 'date_obs_elab', expected: `>= ${RIVER_DAILY_HISTORY_SINCE}`, found: r.day, reason: 'before the elaborated series begin' } : undefined,
  },
];

export const riverDaily = declareDataset({
  name: 'river_daily',
  granularity: 'year',
  dayColumn: 'day',
  title: 'Daily mean river flows (Hub’Eau elaborated series)',
  description:
    'Daily mean discharge of Paris-Austerlitz and its upstream gauges over their whole record (Hub’Eau hydrométrie obs_elab), one row per series and day: the river model’s history. Values are converted once from l/s to m³/s.',
  prefix: 'curated/river_daily',
  historySince: RIVER_DAILY_HISTORY_SINCE,
  columns: riverDailyColumns,
  key: ['site_code', 'station_code', 'quantity', 'day'],
  duplicateRule:
    'Among rows with the same site_code, station_code, quantity and day, the one from the most recently received page wins (ties: the greatest raw_key, then the last record): a mean revised by its producer (validated later) replaces the earlier one.',
  dedupOrder: ['received_at DESC', 'raw_key DESC', 'record DESC'],
  checks: riverDailyChecks,
  licence: HUBEAU_LICENCE,
  provenance: 'Hub’Eau hydrométrie API v2 obs_elab pages (grandeur_hydro_elab=QmnJ), fetched by the poll-hubeau-daily stage or ingested from saved responses (`observatory ingest hubeau-daily`).',
});

const weatherForecastColumns = declareColumns([
  { name: 'station_id', type: 'string', description: 'Météo-France station number (NUM_POSTE) of the reference station the forecast is for' },
  { name: 'issued_at', type: 'timestamp', description: 'When the forecast was issued (updated_on, UTC)' },
  { name: 'target_day', type: 'date', description: 'The Europe/Paris local day forecast' },
  { name: 'lead_days', type: 'integer', min: 0, max: 15, description: 'target_day − the local day of issued_at (0 = the day of issue)' },
  { name: 'tn', type: 'double', unit: '°C', nullable: true, min: -40, max: 50, description: 'Forecast daily minimum temperature (T.min)' },
  { name: 'tx', type: 'double', unit: '°C', nullable: true, min: -40, max: 50, description: 'Forecast daily maximum temperature (T.max)' },
  { name: 'source', type: 'string', values: ['meteofrance', 'demo-derived'], description: 'meteofrance: the forecast service; demo-derived: derived from the observed series with the documented error model (demo and tests)' },
  rawKey,
  { name: 'record', type: 'integer', min: 0, description: 'Position of the day in daily_forecast' },
  receivedAt,
  dtColumn('year', 'issued_at'),
]);

export type WeatherForecastRow = RowOfColumns<typeof weatherForecastColumns>;

const forecastChecks: readonly RecordCheck<WeatherForecastRow>[] = [
  {
    name: 'TX not below TN',
    check: (r) =>
      r.tn !== null && r.tx !== null && r.tx < r.tn ? { field: 'T.max', expected: `>= T.min (${r.tn} °C)`, found: `${r.tx} °C`, reason: 'forecast maximum below the forecast minimum' } : undefined,
  },
  {
    name: 'issued from 2000',
    check: (r) =>
      r.issued_at.toISOString().slice(0, 10) < EARLIEST_OBSERVATION_DATE ? { field: 'updated_on', expected: `from ${EARLIEST_OBSERVATION_DATE}`, found: r.issued_at.toISOString(), reason: 'issue time before 2000' } : undefined,
  },
];

export const weatherForecasts = declareDataset({
  name: 'weather_forecasts',
  granularity: 'year',
  dayColumn: 'issued_at',
  title: 'Daily temperature forecasts at the reference stations (Météo-France)',
  description:
    'Forecast daily minimum and maximum temperatures for the days after each issue, at the heat reference stations of the Métropole (the forecast point is the station’s position): the heat-wave forecast’s input. In a demo lake they are derived from the observed series with a seeded error per lead time (see the README) and say so in `source`.',
  prefix: 'curated/weather_forecasts',
  columns: weatherForecastColumns,
  key: ['station_id', 'issued_at', 'target_day'],
  duplicateRule: 'Among rows with the same station_id, issued_at and target_day, the one from the most recently received response wins (ties: the greatest raw_key, then the last record).',
  dedupOrder: ['received_at DESC', 'raw_key DESC', 'record DESC'],
  checks: forecastChecks,
  licence: 'Licence Ouverte / Etalab 2.0 — Météo-France',
  provenance: 'Météo-France forecast service (daily_forecast of a point forecast), fetched by the poll-meteofrance-forecast stage or ingested from saved responses (`observatory ingest meteofrance-forecast`).',
});
