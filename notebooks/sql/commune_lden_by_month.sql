-- Monthly Lden and Lnight per commune
-- Question: How loud is each commune, month by month?
-- Datasets: noise_indicators_commune_daily
-- Energy averages (10·log10 of the mean of 10^(L/10), never arithmetic means of decibels) of the
-- commune's daily values, EU periods (day 07-19, evening 19-23, night 23-07); days without an Lden are
-- left out and `days` says how many days each month rests on. Levels in dB(A). Data dictionary:
-- docs/data-dictionary.md. Runs unchanged on DuckDB (the local lake) and on Athena.
SELECT
  commune_insee,
  CAST(date_trunc('month', day) AS DATE) AS month,
  round(10 * log10(avg(power(10, lden / 10))), 1) AS lden,
  round(10 * log10(avg(power(10, lnight / 10))), 1) AS lnight,
  count(*) AS days,
  max(sensors) AS max_sensors
FROM noise_indicators_commune_daily
WHERE convention = 'eu'
  AND lden IS NOT NULL
GROUP BY commune_insee, CAST(date_trunc('month', day) AS DATE)
ORDER BY commune_insee, month
