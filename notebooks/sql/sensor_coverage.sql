-- Sensor coverage: how much of each day the noise sensors measured
-- Question: Which sensors report reliably, and how many of their days fall below the coverage threshold?
-- Datasets: sensors, noise_indicators_daily
-- Coverage is the share of the local day covered by readings (1 = complete); a day counts for the
-- indicators when it and each of its periods meet the threshold (coverage_ok, EU periods). Sensors
-- seen in the readings but without any computed day have days = 0. Least reliable first.
SELECT
  s.sensor_id,
  s.commune_insee,
  s.noise_source,
  s.in_metropole,
  count(d.day) AS days,
  count(*) FILTER (WHERE d.coverage_ok) AS days_ok,
  count(*) FILTER (WHERE NOT d.coverage_ok) AS days_below_threshold,
  round(avg(d.coverage), 3) AS mean_coverage,
  min(d.day) AS first_day,
  max(d.day) AS last_day
FROM sensors s
LEFT JOIN noise_indicators_daily d ON d.sensor_id = s.sensor_id AND d.convention = 'eu'
GROUP BY s.sensor_id, s.commune_insee, s.noise_source, s.in_metropole
ORDER BY mean_coverage ASC NULLS FIRST, s.sensor_id
