-- Monthly Lden per commune: energy average of the daily commune Lden (EU periods), days with a value
-- Runs unchanged on DuckDB (the local lake) and on Athena (the observatory workgroup).
SELECT
  commune_insee,
  date_trunc('month', day) AS month,
  round(10 * log10(avg(power(10, lden / 10))), 1) AS lden,
  round(10 * log10(avg(power(10, lnight / 10))), 1) AS lnight,
  count(*) AS days,
  max(sensors) AS max_sensors
FROM noise_indicators_commune_daily
WHERE convention = 'eu'
  AND lden IS NOT NULL
GROUP BY commune_insee, date_trunc('month', day)
ORDER BY commune_insee, month
