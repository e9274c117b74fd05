-- Model skill by forecast horizon, next to the best baseline
-- Question: How good is each model, and does it beat its baselines as the lead time grows?
-- Datasets: model_evaluations
-- The latest evaluation of each model on the lake's data, one row per model version, target, metric
-- and horizon (NULL = all lead times pooled). Lower is better for mae, rmse (in the target's unit),
-- brier and the false-alarm scores; higher is better for nse, bss and hit_rate. Reliability bins are
-- left out (see model_evaluations). When a model does not beat its baseline, the published
-- forecasts are the baseline's (predictions.source = 'baseline').
WITH latest AS (
  SELECT model, max(evaluated_at) AS evaluated_at
  FROM model_evaluations
  WHERE data = 'lake'
  GROUP BY model
)
SELECT
  e.model,
  e.version,
  e.target,
  e.metric,
  e.horizon_hours,
  max(e.value) FILTER (WHERE NOT e.is_baseline) AS model_score,
  CASE
    WHEN e.metric IN ('nse', 'bss', 'hit_rate') THEN max(e.value) FILTER (WHERE e.is_baseline)
    ELSE min(e.value) FILTER (WHERE e.is_baseline)
  END AS best_baseline_score,
  CASE
    WHEN e.metric IN ('nse', 'bss', 'hit_rate') THEN max(e.value) FILTER (WHERE NOT e.is_baseline) > max(e.value) FILTER (WHERE e.is_baseline)
    ELSE max(e.value) FILTER (WHERE NOT e.is_baseline) < min(e.value) FILTER (WHERE e.is_baseline)
  END AS beats_best_baseline,
  max(e.n) FILTER (WHERE NOT e.is_baseline) AS pairs
FROM model_evaluations e
JOIN latest l ON l.model = e.model AND l.evaluated_at = e.evaluated_at
WHERE e.data = 'lake'
  AND e.metric <> 'reliability'
GROUP BY e.model, e.version, e.target, e.metric, e.horizon_hours
ORDER BY e.model, e.version, e.target, e.metric, e.horizon_hours NULLS FIRST
