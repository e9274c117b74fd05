import { declareColumns, declareDataset, type RecordCheck, type RowOf, type RowOfColumns } from './declaration.ts';
import { communeInsee, dtColumn, observationTimeCheck } from './common.ts';

// Flood / GEMAPI datasets: Hub'Eau river observations and stations, Vigicrues vigilance, and the
// indicators computed from them.

export const FLOOD_SOURCE_KINDS = ['hubeau', 'vigicrues'] as const;
const HUBEAU_LICENCE = 'Licence Ouverte / Etalab 2.0 — Hub’Eau (OFB, SCHAPI / réseau Vigicrues)';
const VIGICRUES_LICENCE = 'Licence Ouverte / Etalab 2.0 — © VIGICRUES';

const rawKeyColumn = { name: 'raw_key', type: 'string', description: 'Object key of the raw file the record came from (raw/…)' } as const;
const receivedAt = { name: 'received_at', type: 'timestamp', description: 'When the raw file was first received (UTC)' } as const;
const record = { name: 'record', type: 'integer', min: 0, description: 'Position of the record in its raw file (index in the JSON data array)' } as const;

const riverObservationColumns = declareColumns([
  { name: 'site_code', type: 'string', description: 'Hub’Eau site code (code_site, 8 characters)' },
  { name: 'station_code', type: 'string', nullable: true, description: 'Hub’Eau station code (code_station, 10 characters); NULL for the site-level series' },
  { name: 'quantity', type: 'string', values: ['H', 'Q'], description: 'H = water height (stage), Q = discharge (grandeur_hydro)' },
  { name: 'ts', type: 'timestamp', description: 'Observation time (date_obs, UTC)' },
  {
    name: 'value',
    type: 'double',
    unit: 'm | m³/s',
    min: -1000,
    max: 100_000,
    description: 'The observation: stage in m above the gauge zero for H, discharge in m³/s for Q (resultat_obs ÷ 1000)',
  },
  { name: 'status_code', type: 'integer', nullable: true, description: 'code_statut: 4 raw, 12 pre-validated, 16 validated' },
  { name: 'status_label', type: 'string', nullable: true, description: 'libelle_statut as received' },
  { name: 'qualification_code', type: 'integer', nullable: true, description: 'code_qualification_obs (e.g. 16 not qualified, 20 good)' },
  { name: 'qualification_label', type: 'string', nullable: true, description: 'libelle_qualification_obs as received' },
  { name: 'method_code', type: 'integer', nullable: true, description: 'code_methode_obs (how the value was obtained)' },
  { name: 'continuity_code', type: 'integer', nullable: true, description: 'code_continuite (0 continuous)' },
  rawKeyColumn,
  record,
  receivedAt,
  dtColumn('month', 'ts'),
]);

export type RiverObservationRow = RowOfColumns<typeof riverObservationColumns>;

const riverChecks: readonly RecordCheck<RiverObservationRow>[] = [
  {
    name: 'plausible height',
    check: (r) =>
      r.quantity === 'H' && (r.value < -30 || r.value > 40)
        ? {
            field: 'value',
            expected: 'a height in [-30, 40] m (Hub’Eau sends mm: resultat_obs in [-30000, 40000])',
            found: `${r.value} m`,
            reason: 'implausible river stage: the unit is probably wrong',
          }
        : undefined,
  },
  {
    name: 'plausible discharge',
    check: (r) =>
      r.quantity === 'Q' && (r.value < -1000 || r.value > 100_000)
        ? { field: 'value', expected: 'a discharge in [-1000, 100000] m³/s (Hub’Eau sends l/s)', found: `${r.value} m³/s`, reason: 'implausible discharge: the unit is probably wrong' }
        : undefined,
  },
  observationTimeCheck<RiverObservationRow>('ts', (r) => r.ts),
];

export const riverObservations = declareDataset({
  name: 'river_observations',
  granularity: 'month',
  dayColumn: 'ts',
  title: 'River observations (Hub’Eau hydrométrie)',
  description:
    'Real-time water heights (H) and discharges (Q) of the gauging stations around the Métropole, one row per series and observation time. Values are converted once from the Hub’Eau units (H mm → m, Q l/s → m³/s). A NULL station_code is the site-level series Hub’Eau returns alongside the stations’ rows when queried by site: a series of its own, never merged with a station’s.',
  prefix: 'curated/river_observations',
  columns: riverObservationColumns,
  key: ['site_code', 'station_code', 'quantity', 'ts'],
  duplicateRule:
    'Among rows with the same site_code, station_code (NULL for the site series), quantity and ts, the one from the most recently received raw page wins (ties: the greatest raw_key), then the last record of the page. Re-fetched or re-ingested pages change nothing; a corrected value received later replaces the earlier one.',
  dedupOrder: ['received_at DESC', 'raw_key DESC', 'record DESC'],
  checks: riverChecks,
  licence: HUBEAU_LICENCE,
  provenance: 'Hub’Eau hydrométrie API v2 observations_tr pages, fetched by the poll-hubeau stage or ingested from saved responses (`observatory ingest hubeau`).',
});

export const riverStations = declareDataset({
  name: 'river_stations',
  title: 'Gauging stations (Hub’Eau referential)',
  description: 'The Hub’Eau referential entries of the gauging stations the observatory polls.',
  prefix: 'curated/river_stations',
  columns: [
    { name: 'station_code', type: 'string', description: 'Hub’Eau station code (10 characters)' },
    { name: 'site_code', type: 'string', nullable: true, description: 'Hub’Eau site code' },
    { name: 'label', type: 'string', nullable: true, description: 'libelle_station' },
    { name: 'site_label', type: 'string', nullable: true, description: 'libelle_site' },
    { name: 'river', type: 'string', nullable: true, description: 'libelle_cours_eau' },
    { ...communeInsee, description: 'code_commune_station: INSEE code of the commune of the station (any commune of France)' },
    { name: 'commune_name', type: 'string', nullable: true, description: 'libelle_commune' },
    { name: 'departement', type: 'string', nullable: true, description: 'code_departement' },
    { name: 'lon', type: 'double', unit: '°', nullable: true, min: -180, max: 180, description: 'Longitude (WGS84)' },
    { name: 'lat', type: 'double', unit: '°', nullable: true, min: -90, max: 90, description: 'Latitude (WGS84)' },
    { name: 'altitude_ref_m', type: 'double', unit: 'm', nullable: true, description: 'Altitude of the gauge zero (altitude_ref_alti_station)' },
    { name: 'in_service', type: 'boolean', nullable: true, description: 'en_service' },
    { name: 'updated_at', type: 'timestamp', nullable: true, description: 'date_maj_station' },
    rawKeyColumn,
    record,
    receivedAt,
  ],
  key: ['station_code'],
  duplicateRule: 'The entry from the most recently received referential page wins (ties: the greatest raw_key).',
  dedupOrder: ['received_at DESC', 'raw_key DESC', 'record DESC'],
  licence: HUBEAU_LICENCE,
  provenance: 'Hub’Eau hydrométrie API v2 referentiel/stations, fetched by the poll-hubeau stage.',
});

export const floodVigilance = declareDataset({
  name: 'flood_vigilance',
  granularity: 'month',
  dayColumn: 'bulletin_at',
  title: 'Flood vigilance per river section (Vigicrues)',
  description: 'Vigicrues flood vigilance level of each river section (tronçon) per bulletin, as published (the whole national list).',
  prefix: 'curated/flood_vigilance',
  columns: [
    { name: 'section_code', type: 'string', description: 'Vigicrues section code (CdEntCru)' },
    { name: 'section_label', type: 'string', nullable: true, description: 'Section name (lbentcru)' },
    { name: 'level', type: 'integer', min: 1, max: 4, description: 'Vigilance level NivInfViCr: 1 green, 2 yellow, 3 orange, 4 red' },
    { name: 'level_label', type: 'string', values: ['green', 'yellow', 'orange', 'red'], description: 'The level’s colour' },
    { name: 'bulletin_at', type: 'timestamp', description: 'Time of the bulletin (DtHrInfoVigiCru; the receive time when the file has none, see bulletin_time_source)' },
    { name: 'bulletin_time_source', type: 'string', values: ['bulletin', 'received'], description: 'Where bulletin_at comes from' },
    { name: 'in_metropole', type: 'boolean', description: 'The section is one of the configured sections concerning communes of the Métropole (config/vigicrues-sections.json)' },
    { name: 'source_kind', type: 'string', values: ['vigicrues'], description: 'Ingestion format' },
    rawKeyColumn,
    record,
    receivedAt,
    dtColumn('month', 'bulletin_at'),
  ],
  key: ['section_code', 'bulletin_at'],
  duplicateRule: 'Among rows with the same section_code and bulletin_at, the one from the most recently received file wins (ties: the greatest raw_key, then the last record).',
  dedupOrder: ['received_at DESC', 'raw_key DESC', 'record DESC'],
  licence: VIGICRUES_LICENCE,
  provenance: 'Vigicrues InfoVigiCru (GeoJSON or JSON list), fetched by the poll-vigicrues stage or ingested from files (`observatory ingest vigicrues`).',
});

export type FloodVigilanceRow = RowOf<typeof floodVigilance>;

const stage = <const Name extends string>(name: Name, description: string) => ({ name, type: 'double', unit: 'm', nullable: true, description }) as const;

export const floodIndicatorsDaily = declareDataset({
  name: 'flood_indicators_daily',
  granularity: 'year',
  dayColumn: 'day',
  title: 'Daily flood indicators per station',
  description:
    'Per series (station, or site-level series) and Europe/Paris local day: the highest stage and discharge, and for the Paris-Austerlitz station the ratio to the 1910 flood stage and the rank among the reference floods (config/flood-reference-peaks.json).',
  prefix: 'curated/flood_indicators_daily',
  columns: [
    { name: 'site_code', type: 'string', description: 'Hub’Eau site code' },
    { name: 'station_code', type: 'string', nullable: true, description: 'Hub’Eau station code; NULL for the site-level series' },
    { name: 'day', type: 'date', description: 'Europe/Paris local calendar day' },
    stage('h_max', 'Highest water height of the day'),
    { name: 'h_max_at', type: 'timestamp', nullable: true, description: 'When h_max was observed (UTC; the first time if repeated)' },
    { name: 'q_max', type: 'double', unit: 'm³/s', nullable: true, description: 'Highest discharge of the day' },
    { name: 'q_max_at', type: 'timestamp', nullable: true, description: 'When q_max was observed (UTC; the first time if repeated)' },
    { name: 'h_samples', type: 'integer', min: 0, description: 'Height observations in the day' },
    { name: 'q_samples', type: 'integer', min: 0, description: 'Discharge observations in the day' },
    { name: 'ratio_1910', type: 'double', unit: '1', nullable: true, description: 'h_max ÷ the 1910 stage at Austerlitz (8.62 m); only for the station whose heights the reference floods were measured at' },
    { name: 'flood_rank', type: 'integer', nullable: true, min: 1, description: '1 + the number of reference floods whose peak stage is higher than h_max (same station only)' },
    { name: 'reference_floods', type: 'integer', nullable: true, min: 0, description: 'Number of reference floods h_max is ranked among' },
    dtColumn('year', 'day'),
  ],
  key: ['site_code', 'station_code', 'day'],
  licence: HUBEAU_LICENCE,
  provenance: 'Computed by the flood-indicators stage from river_observations.',
});

export const floodVigilanceCommuneDaily = declareDataset({
  name: 'flood_vigilance_commune_daily',
  granularity: 'month',
  dayColumn: 'day',
  title: 'Daily flood vigilance per commune',
  description:
    'Per commune of the Métropole concerned by a configured Vigicrues section and local day: the highest vigilance level in force that day over its sections. A section’s level on a day is the highest of the bulletins issued that day and of the last bulletin before it if issued less than 24 h before the day starts.',
  prefix: 'curated/flood_vigilance_commune_daily',
  columns: [
    { ...communeInsee, nullable: false, description: 'INSEE code of the commune' },
    { name: 'day', type: 'date', description: 'Europe/Paris local calendar day' },
    { name: 'level_max', type: 'integer', min: 1, max: 4, description: 'Highest vigilance level in force on the commune’s sections that day (1 green … 4 red)' },
    { name: 'level_max_label', type: 'string', values: ['green', 'yellow', 'orange', 'red'], description: 'Colour of level_max' },
    { name: 'sections', type: 'string', description: 'The commune’s sections at level_max, comma-separated section codes' },
    { name: 'bulletins', type: 'integer', min: 0, description: 'Bulletins considered for the day over the commune’s sections' },
    dtColumn('month', 'day'),
  ],
  key: ['commune_insee', 'day'],
  licence: VIGICRUES_LICENCE,
  provenance: 'Computed by the flood-indicators stage from flood_vigilance and config/vigicrues-sections.json.',
});
