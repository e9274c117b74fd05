import type { DatasetDeclaration } from './declaration.ts';
import { communes, quarantine } from './reference.ts';
import {
  noiseIndicatorsArrondissementDaily,
  noiseIndicatorsCommuneDaily,
  noiseIndicatorsDaily,
  noiseIndicatorsHourly,
  noiseIndicatorsMonthly,
  noiseIndicatorsYearly,
  noiseQualityDaily,
  noiseReadings,
  sensors,
} from './noise.ts';
import { floodIndicatorsDaily, floodVigilance, floodVigilanceCommuneDaily, riverObservations, riverStations } from './flood.ts';
import { heatIndicatorsCommuneDaily, heatIndicatorsDaily, weatherDaily } from './heat.ts';
import { modelEvaluations, predictions } from './models.ts';
import { sensorRegistry } from './sensor-registry.ts';
import { riverDaily, weatherForecasts } from './forecast-inputs.ts';

export * from './declaration.ts';
export * from './noise.ts';
export * from './reference.ts';
export * from './flood.ts';
export * from './heat.ts';
export * from './models.ts';
export * from './sensor-registry.ts';
export * from './forecast-inputs.ts';

/** every declared dataset; views, Glue tables and the dictionary are made for each */
export const DATASETS: readonly DatasetDeclaration[] = [
  noiseReadings,
  sensors,
  sensorRegistry,
  communes,
  noiseIndicatorsDaily,
  noiseIndicatorsCommuneDaily,
  noiseIndicatorsArrondissementDaily,
  noiseIndicatorsHourly,
  noiseIndicatorsMonthly,
  noiseIndicatorsYearly,
  noiseQualityDaily,
  riverObservations,
  riverStations,
  floodVigilance,
  floodIndicatorsDaily,
  floodVigilanceCommuneDaily,
  weatherDaily,
  heatIndicatorsDaily,
  heatIndicatorsCommuneDaily,
  riverDaily,
  weatherForecasts,
  predictions,
  modelEvaluations,
  quarantine,
];

export function dataset(name: string): DatasetDeclaration {
  const d = DATASETS.find((x) => x.name === name);
  if (!d) throw new Error(`unknown dataset "${name}"; declared: ${DATASETS.map((x) => x.name).join(', ')}`);
  return d;
}
