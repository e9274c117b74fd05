import { declareDataset } from './declaration.ts';
import { dt, dtColumn, OPEN_LICENCE } from './common.ts';

// What the model stages publish: forecasts, and how well each model did against its baselines.

export const PREDICTION_SOURCES = ['model', 'baseline'] as const;
export const PREDICTION_ENTITY_KINDS = ['sensor', 'station', 'commune', 'departement'] as const;

export const predictions = declareDataset({
  name: 'predictions',
  granularity: 'month',
  dayColumn: 'origin_time',
  title: 'Forecasts',
  description:
    'Forecasts of the observatory’s models, one row per run, entity, variable, target period and threshold. ' +
    'When a model does not beat its baseline on the held-out evaluation, the published forecast is the baseline’s (source = baseline, method names it).',
  prefix: 'curated/predictions',
  columns: [
    { name: 'model', type: 'string', description: 'Model name (noise, river, heat, climate-risk)' },
    { name: 'version', type: 'string', description: 'Model version in the registry (models/<model>/<version>/); "baseline" when no trained version exists' },
    { name: 'run_time', type: 'timestamp', description: 'When the forecast was computed (UTC)' },
    { name: 'origin_time', type: 'timestamp', description: 'Forecast origin: the forecast uses data up to this instant only (UTC)' },
    { name: 'target_time', type: 'timestamp', description: 'Start of the forecast target period (UTC): an hour, a night, a day' },
    { name: 'target_end', type: 'timestamp', description: 'End of the target period (UTC, exclusive)' },
    { name: 'horizon_hours', type: 'integer', unit: 'h', min: 0, description: 'Hours from origin_time to target_end' },
    { name: 'entity_kind', type: 'string', values: PREDICTION_ENTITY_KINDS, description: 'What entity is: a noise sensor, a river station, a commune, a département' },
    { name: 'entity', type: 'string', description: 'sensor_id, station code, INSEE commune code or département code' },
    { name: 'variable', type: 'string', description: 'Forecast quantity: laeq, lnight_eu, ln_fr (noise); level or flow (river); heatwave (heat); climate_risk_index, exposed_population, river_proximity (climate-risk)' },
    { name: 'unit', type: 'string', nullable: true, description: 'Unit of value, lower and upper (dB(A), m³/s, mm, 1, index 0–100)' },
    { name: 'value', type: 'double', nullable: true, description: 'Point forecast (in unit)' },
    { name: 'lower', type: 'double', nullable: true, description: 'Lower bound of the central 90 % forecast interval (in unit)' },
    { name: 'upper', type: 'double', nullable: true, description: 'Upper bound of the central 90 % forecast interval (in unit)' },
    { name: 'threshold_name', type: 'string', nullable: true, description: 'Threshold the probability refers to (e.g. who_lnight, fr_ln, heatwave_ibm)' },
    { name: 'threshold', type: 'double', nullable: true, description: 'Threshold value (in unit) when it is a single number' },
    { name: 'probability', type: 'double', unit: '1', nullable: true, min: 0, max: 1, description: 'Probability that the threshold is exceeded (or the event happens) over the target period' },
    { name: 'source', type: 'string', values: PREDICTION_SOURCES, description: 'model: the trained model’s forecast; baseline: the baseline’s (the model did not beat it, or no model is trained)' },
    { name: 'method', type: 'string', description: 'What produced the value: mlp, a baseline (same_hour_last_week, hour_of_week_mean, day_type_hour_profile, profile_decaying_anomaly, persistence, trend, linear, climatology, markov_climatology), or index(heat=…,flood=…)' },
dtColumn('month', 'origin_time'),
  ],
  key: ['model', 'run_time', 'entity', 'variable', 'target_time', 'threshold_name'],
  licence: OPEN_LICENCE,
  provenance: 'Written by the predict stage from the current model of each name in the models/ registry (see docs/models.md).',
});

export const EVALUATION_METRICS = [
  'mae',
  'rmse',
  'nse',
  'brier',
  'bss',
  'reliability',
  'hit_rate',
  'false_alarm_ratio',
  'false_alarm_rate',
  'base_rate',
  'coverage_90',
  'dm_p_value',
] as const;

export const modelEvaluations = declareDataset({
  name: 'model_evaluations',
  title: 'Model evaluations',
  description:
    'Scores of each trained model version and of its baselines on a held-out period after the training window, per horizon. ' +
    'beats_baseline says whether the model did better than its best baseline; when it did not, the predictions use the baseline.',
  prefix: 'curated/model_evaluations',
  columns: [
    { name: 'model', type: 'string', description: 'Model name' },
    { name: 'version', type: 'string', description: 'Model version in the registry' },
    { name: 'evaluated_at', type: 'timestamp', description: 'When the evaluation ran (UTC)' },
    { name: 'data', type: 'string', description: 'What it was evaluated on: lake (the lake’s datasets) or series:<file> (an external historical series)' },
    { name: 'train_from', type: 'timestamp', description: 'Start of the training window (UTC)' },
    { name: 'train_until', type: 'timestamp', description: 'End of the training window (UTC, exclusive)' },
    { name: 'test_from', type: 'timestamp', description: 'Start of the held-out period (UTC)' },
    { name: 'test_until', type: 'timestamp', description: 'End of the held-out period (UTC, exclusive)' },
    { name: 'target', type: 'string', description: 'Forecast quantity scored (e.g. laeq, lnight_eu>who_lnight, flow, heatwave)' },
    { name: 'predictor', type: 'string', description: 'model, or the baseline’s name' },
    { name: 'is_baseline', type: 'boolean', description: 'Whether predictor is a baseline' },
    { name: 'horizon_hours', type: 'integer', unit: 'h', nullable: true, min: 0, description: 'Lead time scored; NULL = all lead times pooled' },
    { name: 'metric', type: 'string', values: EVALUATION_METRICS, description: 'Score: mae, rmse, nse, brier, bss (vs the baseline in reference), reliability (per probability bin), hit_rate, false_alarm_ratio/rate, base_rate (event share), coverage_90 (90 % interval), dm_p_value (Diebold–Mariano vs reference)' },
    { name: 'reference', type: 'string', nullable: true, description: 'bss: the baseline the skill is measured against' },
    { name: 'bin_from', type: 'double', unit: '1', nullable: true, min: 0, max: 1, description: 'reliability: lower bound of the forecast probability bin' },
    { name: 'bin_to', type: 'double', unit: '1', nullable: true, min: 0, max: 1, description: 'reliability: upper bound of the forecast probability bin' },
    { name: 'value', type: 'double', nullable: true, description: 'The score (in the target’s unit for mae and rmse); NULL when it cannot be computed (no case)' },
    { name: 'n', type: 'integer', min: 0, description: 'Number of forecast–observation pairs scored' },
    { name: 'beats_baseline', type: 'boolean', nullable: true, description: 'On the pooled row of the model’s primary metric: whether the model beat its best baseline' },
    { name: 'backend', type: 'string', description: 'TensorFlow.js backend the model was trained with' },
  ],
  key: ['model', 'version', 'data', 'target', 'predictor', 'horizon_hours', 'metric', 'reference', 'bin_from'],
  licence: OPEN_LICENCE,
  provenance: 'Written by the train-models stage and by `observatory models evaluate` (models/<model>/<version>/metrics.json holds the same report).',
});
