import { declareDataset } from './declaration.ts';
import { communeInsee, dtColumn } from './common.ts';

export const communes = declareDataset({
  name: 'communes',
  title: 'Communes of the Métropole du Grand Paris',
  description: 'The 130 member communes (COG 2026) with département, territorial body (EPT) and population.',
  prefix: 'curated/communes',
  columns: [
    { ...communeInsee, nullable: false, description: 'INSEE code of the commune' },
    { name: 'name', type: 'string', description: 'Official name' },
    { name: 'departement', type: 'string', description: 'Département code' },
    { name: 'ept', type: 'string', description: 'Territorial body (EPT) code, T1 = Paris' },
    { name: 'ept_name', type: 'string', description: 'Territorial body name' },
    { name: 'population', type: 'integer', unit: 'inhabitants', min: 0, description: 'Population municipale (INSEE, légale)' },
  ],
  key: ['commune_insee'],
  licence: 'Licence Ouverte / Etalab 2.0 — IGN ADMIN EXPRESS; DGCL/INSEE via @etalab/decoupage-administratif',
  provenance: 'data/mgp-communes.geojson (see data/SOURCES.md).',
});

/** the `record` of the row a replay that rejected nothing stores, so that its verdict replaces the earlier one */
export const NO_REJECTION = 'none';

/** each raw file's latest verdict (rows of its latest checked_at), without the markers of verdicts that rejected nothing */
function latestVerdicts(rows: string): string {
  const at = 'coalesce(checked_at, received_at)';
  return `SELECT * EXCLUDE (q_latest) FROM (
    SELECT *, ${at} = max(${at}) OVER (PARTITION BY raw_key, dt) AS q_latest FROM ${rows})
  WHERE q_latest AND record <> '${NO_REJECTION}'`;
}

export const quarantine = declareDataset({
  name: 'quarantine',
  granularity: 'month',
  dayColumn: 'received_at',
  title: 'Quarantine',
  description:
    'One row per rejected record, and one per file that could not be parsed at all (record = "file"): the latest verdict on each raw file (a replay of the same bytes gives a new verdict, which replaces the earlier one).',
  prefix: 'quarantine',
  columns: [
    { name: 'received_at', type: 'timestamp', description: 'When the raw file was first received (UTC)' },
    {
      name: 'checked_at',
      type: 'timestamp',
      nullable: true,
      description: 'When this verdict was given: the first receipt, or a later replay of the same bytes (UTC; NULL in files written before this column: the first receipt)',
    },
    { name: 'source_kind', type: 'string', description: 'Ingestion format' },
    { name: 'raw_key', type: 'string', description: 'Object key of the raw file' },
    { name: 'record', type: 'string', description: `Entity index, CSV line number, or "file" (stored files also hold "${NO_REJECTION}": a replay that rejected nothing, which the view hides)` },
    { name: 'field', type: 'string', nullable: true, description: 'Field that failed' },
    { name: 'expected', type: 'string', nullable: true, description: 'What was expected' },
    { name: 'found', type: 'string', nullable: true, description: 'What was found' },
    { name: 'reason', type: 'string', description: 'Why the record was rejected' },
    { name: 'record_text', type: 'string', nullable: true, description: 'The record as received (truncated to 4 KiB)' },
    dtColumn('month', 'received_at'),
  ],
  // rows are written once and never changed: a replay adds its verdict, the compaction merges files, and
  // the view shows each raw file's latest verdict, so both are safe at any moment and in any order
  key: ['raw_key', 'checked_at', 'record', 'field', 'reason'],
  dedupOrder: ['received_at DESC'],
  derived: { columns: [], view: latestVerdicts },
  licence: 'Same as the source',
  provenance: 'Written by the ingest stages.',
});
