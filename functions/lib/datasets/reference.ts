import { declareDataset } from './declaration.ts';
import { communeInsee, dt, dtColumn } from './common.ts';

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

export const quarantine = declareDataset({
  name: 'quarantine',
  granularity: 'month',
  dayColumn: 'received_at',
  title: 'Quarantine',
  description: 'One row per rejected record, and one per file that could not be parsed at all (record = "file").',
  prefix: 'quarantine',
  columns: [
    { name: 'received_at', type: 'timestamp', description: 'When the raw file was first received (UTC)' },
    { name: 'source_kind', type: 'string', description: 'Ingestion format' },
    { name: 'raw_key', type: 'string', description: 'Object key of the raw file' },
    { name: 'record', type: 'string', description: 'Entity index, CSV line number, or "file"' },
    { name: 'field', type: 'string', nullable: true, description: 'Field that failed' },
    { name: 'expected', type: 'string', nullable: true, description: 'What was expected' },
    { name: 'found', type: 'string', nullable: true, description: 'What was found' },
    { name: 'reason', type: 'string', description: 'Why the record was rejected' },
    { name: 'record_text', type: 'string', nullable: true, description: 'The record as received (truncated to 4 KiB)' },
dtColumn('month', 'received_at'),
  ],
  licence: 'Same as the source',
  provenance: 'Written by the ingest stages.',
});
