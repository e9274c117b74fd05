import { z } from 'zod';
import { CONVENTIONS } from '../domain/noise/conventions.ts';
import { NOISE_BASELINES } from './noise/features.ts';

// The registry's saved JSON, as zod schemas: models/<name>/<version>/metadata.json (with each model's
// preprocessing: scalers, residual statistics, thresholds) and models/<name>/current.json. They are the
// one description of these files: the TypeScript types are inferred from them, and the registry parses
// every file it reads through them, so a corrupt or foreign file is an error naming it and its field,
// never a forecast made from half a scaler.

const numbers = z.array(z.number());
const scaler = z.object({ mean: numbers, std: numbers });

const noisePredictor = z.enum(['model', ...NOISE_BASELINES]);
const nightStats = z.object({ mean: numbers, std: numbers });

export const noisePreprocessingSchema = z.object({
  horizon_hours: z.number().int().positive(),
  profile_window_days: z.number().int().positive(),
  feature_scaler: scaler,
  /** anomalies are divided by this before training (dB) */
  target_std: z.number().positive(),
  /** profile_decaying_anomaly: per lead time 1…48, the share of the origin hour's anomaly still there */
  anomaly_decay: numbers,
  /** per predictor, per lead time 1…48: quantiles of observed − forecast (dB) on the training examples */
  residual_q05: z.record(noisePredictor, numbers),
  residual_q95: z.record(noisePredictor, numbers),
  /** per predictor and convention, per night ordinal (first, second full night): night-level error mean and std (dB) */
  night_error: z.record(noisePredictor, z.partialRecord(z.enum(CONVENTIONS), nightStats)),
  thresholds: z.array(
    z.object({ name: z.string(), convention: z.enum(CONVENTIONS), variable: z.string(), description: z.string(), limits: z.record(z.string(), z.number().nullable()) }),
  ),
});
export type NoisePreprocessing = z.infer<typeof noisePreprocessingSchema>;

const residualStats = z.object({ mean: numbers, std: numbers, q05: numbers, q95: numbers });

export const riverPreprocessingSchema = z.object({
  setup: z.object({
    target: z.string(),
    upstream: z.array(z.string()),
    /** absent from the versions registered before basin rain was an input */
    rain: z.array(z.string()).optional(),
    /** 'log' for discharges, 'identity' for stages */
    transform: z.enum(['log', 'identity']),
    variable: z.string(),
    unit: z.string(),
    horizonsHours: z.array(z.number().positive()),
    threshold: z.number().nullable(),
    threshold_source: z.string().nullable(),
  }),
  step_hours: z.number().positive(),
  lag_steps: z.array(z.number().int()),
  upstream_lag_steps: z.array(z.number().int()),
  /** per column, the offset added before the log */
  offsets: z.record(z.string(), z.number()),
  feature_scaler: scaler,
  target_scaler: scaler,
  /** per predictor and horizon: mean, std and 5 %/95 % quantiles of the transformed error (observed − forecast) on the training origins */
  residuals: z.record(z.string(), residualStats),
  /** linear baseline: per horizon, the intercept then one coefficient per standardised feature (transformed change) */
  linear: z.array(numbers).optional(),
  /** trend baseline: steps over which the recent change is measured */
  trend_steps: z.number().int().positive().optional(),
  /** the model's change: the network's (absent: the versions before the option), or the mean of the network's and the linear baseline's */
  model_combination: z.enum(['network', 'network_linear_mean']).optional(),
});
export type RiverPreprocessing = z.infer<typeof riverPreprocessingSchema>;

export const heatPreprocessingSchema = z.object({
  /** markov_climatology: [k − 1][state of the origin day][day of year of the origin day] */
  markov: z.array(z.array(numbers)).optional(),
  feature_scaler: scaler,
  /** climatology by day of year (0–365), from the training period */
  climatology: numbers,
  ibmn_threshold: z.number(),
  ibmx_threshold: z.number(),
  /** the station trained on (train-heat records it) */
  station: z.string().optional(),
});
export type HeatPreprocessing = z.infer<typeof heatPreprocessingSchema>;

/** each registered model's preprocessing, by registry name (river-series: backtests on an external series) */
const PREPROCESSING: Readonly<Record<string, z.ZodType<Record<string, unknown>>>> = {
  noise: noisePreprocessingSchema,
  river: riverPreprocessingSchema,
  'river-series': riverPreprocessingSchema,
  heat: heatPreprocessingSchema,
};

const window = z.object({ from: z.string(), until: z.string() });

export const decisionSchema = z.object({
  target: z.string(),
  metric: z.enum(['mae', 'brier']),
  beats_baseline: z.boolean(),
  best_baseline: z.string(),
  use: z.enum(['model', 'baseline']),
  model_score: z.number().nullable(),
  best_baseline_score: z.number().nullable(),
  dm_p_value: z.number().nullable(),
  reason: z.string(),
});

const metadataFields = {
  name: z.string(),
  version: z.string(),
  trained_at: z.iso.datetime(),
  training_window: window,
  evaluation_window: window,
  data: z.string(),
  features: z.array(z.string()),
  outputs: z.array(z.string()),
  /** TensorFlow.js backend used for training, e.g. "wasm (tfjs 4.22.0, simd)" */
  backend: z.string(),
  code_version: z.string(),
  architecture: z.record(z.string(), z.unknown()),
  training: z.object({ rows: z.number(), epochs: z.number(), steps: z.number(), seconds: z.number(), final_loss: z.number().nullable() }),
  /** what the model needs besides its weights (scalers, residual statistics, thresholds…) */
  preprocessing: z.record(z.string(), z.unknown()),
  beats_baseline: z.boolean(),
  use: z.enum(['model', 'baseline']),
  best_baseline: z.string(),
  /** per forecast target: publish the model's forecast or the best baseline's */
  decisions: z.array(decisionSchema),
  /** sha256 of weights.bin */
  weights_sha256: z.string().regex(/^[0-9a-f]{64}$/),
};

export const modelMetadataSchema = z.object(metadataFields);
export type ModelMetadata = z.infer<typeof modelMetadataSchema>;

/** the metadata schema of a model: its preprocessing checked against that model's own schema */
export function metadataSchemaFor(name: string): z.ZodType<ModelMetadata> {
  const preprocessing = PREPROCESSING[name];
  return preprocessing ? z.object({ ...metadataFields, name: z.literal(name), preprocessing }) : modelMetadataSchema;
}

export const currentPointerSchema = z.object({
  name: z.string(),
  version: z.string(),
  updated_at: z.iso.datetime(),
  use: z.enum(['model', 'baseline']),
  /** the baseline the predictions publish when use = baseline */
  baseline: z.string().nullable(),
  beats_baseline: z.boolean(),
  /** per forecast target: what the predictions publish ('model' or a baseline's name) */
  publish: z.record(z.string(), z.string()),
});
export type CurrentPointer = z.infer<typeof currentPointerSchema>;
