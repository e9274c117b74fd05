import { partitionOf } from '../datasets/declaration.ts';
import { predictions } from '../datasets/models.ts';
import { parisDate } from '../domain/time/paris.ts';

/** one row of the predictions dataset */
export interface PredictionRow {
  model: string;
  version: string;
  run_time: Date;
  origin_time: Date;
  target_time: Date;
  target_end: Date;
  horizon_hours: number;
  entity_kind: 'sensor' | 'station' | 'commune' | 'departement';
  entity: string;
  variable: string;
  unit: string | null;
  value: number | null;
  lower: number | null;
  upper: number | null;
  threshold_name: string | null;
  threshold: number | null;
  probability: number | null;
  source: 'model' | 'baseline';
  method: string;
  dt: string;
}

export function predictionRow(
  r: Omit<PredictionRow, 'dt' | 'horizon_hours' | 'unit' | 'lower' | 'upper' | 'threshold_name' | 'threshold' | 'probability' | 'value'> &
    Partial<Pick<PredictionRow, 'unit' | 'lower' | 'upper' | 'threshold_name' | 'threshold' | 'probability' | 'value'>>,
): PredictionRow {
  const num = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? null : Number(v.toFixed(4)));
  return {
    ...r,
    unit: r.unit ?? null,
    value: num(r.value),
    lower: num(r.lower),
    upper: num(r.upper),
    threshold_name: r.threshold_name ?? null,
    threshold: num(r.threshold),
    probability: r.probability === null || r.probability === undefined || !Number.isFinite(r.probability) ? null : Math.min(1, Math.max(0, Number(r.probability.toFixed(6)))),
    horizon_hours: Math.max(0, Math.round((r.target_end.getTime() - r.origin_time.getTime()) / 3_600_000)),
    dt: partitionOf(predictions, parisDate(r.origin_time)),
  };
}

/** 'model' or a baseline's name → the row's source and method */
export function sourceOf(predictor: string, modelMethod = 'mlp'): Pick<PredictionRow, 'source' | 'method'> {
  return predictor === 'model' ? { source: 'model', method: modelMethod } : { source: 'baseline', method: predictor };
}
