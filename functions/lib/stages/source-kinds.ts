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
