// The ingestion formats and how their raw files are stored. A module of its own, free of heavy
// imports, so that the command line can list the kinds without loading the stages.

export const NOISE_SOURCE_FORMATS = {
  'noise-fiware': { extension: '.json', contentType: 'application/json' },
  'noise-csv': { extension: '.csv', contentType: 'text/csv' },
} as const;

export type NoiseSourceKind = keyof typeof NOISE_SOURCE_FORMATS;

export function isNoiseSourceKind(kind: string): kind is NoiseSourceKind {
  return kind in NOISE_SOURCE_FORMATS;
}

/**
 * FIWARE arrays at least this large are read in parts on the shard readers' threads (a third faster
 * from 300 kB on 2 cores): ingest-noise.ts; here for the command line, which decides before the stages load
 */
export const SHARDED_READ_MIN_BYTES = 256 * 1024;

// The flood and heat sources: Hub'Eau hydrométrie pages, Vigicrues vigilance, Météo-France daily files.
export const CLIMATE_SOURCE_FORMATS = {
  hubeau: { extension: '.json', contentType: 'application/json' },
  vigicrues: { extension: '.json', contentType: 'application/json' },
  meteofrance: { extension: '.csv', contentType: 'text/csv' },
  'hubeau-daily': { extension: '.json', contentType: 'application/json' },
  'meteofrance-forecast': { extension: '.json', contentType: 'application/json' },
} as const;

export type ClimateSourceKind = keyof typeof CLIMATE_SOURCE_FORMATS;

export function isClimateSourceKind(kind: string): kind is ClimateSourceKind {
  return kind in CLIMATE_SOURCE_FORMATS;
}
