import type { DatasetDeclaration } from './declaration.ts';
import { communes, quarantine } from './reference.ts';
import {
  noiseIndicatorsCommuneDaily,
  noiseIndicatorsDaily,
  noiseIndicatorsHourly,
  noiseIndicatorsYearly,
  noiseReadings,
  sensors,
} from './noise.ts';

export * from './declaration.ts';
export * from './noise.ts';
export * from './reference.ts';

/** every declared dataset; views, Glue tables and the dictionary are made for each */
export const DATASETS: readonly DatasetDeclaration[] = [
  noiseReadings,
  sensors,
  communes,
  noiseIndicatorsDaily,
  noiseIndicatorsCommuneDaily,
  noiseIndicatorsHourly,
  noiseIndicatorsYearly,
  quarantine,
];

export function dataset(name: string): DatasetDeclaration {
  const d = DATASETS.find((x) => x.name === name);
  if (!d) throw new Error(`unknown dataset "${name}"; declared: ${DATASETS.map((x) => x.name).join(', ')}`);
  return d;
}
