-- Nights above the WHO night-noise guideline (Lnight > 45 dB(A)), per commune
-- Question: Which communes have the most nights above 45 dB(A)?
-- Datasets: noise_indicators_daily, communes
-- 45 dB(A) is the WHO 2018 guideline for road-traffic noise at night (WHO_2018.road.lnight in
-- functions/lib/domain/noise/thresholds.ts; a test holds this file to it). It is applied to every
-- sensor so that communes compare on one line; nights_above_source_guideline uses each sensor's own
-- source (rail 44, aircraft 40 dB(A)). A night is one sensor's night (EU periods, 23-07 local time) on
-- a day that meets the coverage threshold: a commune with three sensors counts up to three per date.
-- Comparing single nights with a yearly guideline is indicative only.
SELECT
  d.commune_insee,
  c.name AS commune,
  count(*) AS nights,
  count(*) FILTER (WHERE d.lnight > 45) AS nights_above_45,
  round(100 * CAST(count(*) FILTER (WHERE d.lnight > 45) AS DOUBLE) / count(*), 1) AS share_above_45_pct,
  count(*) FILTER (WHERE d.who_lnight_exceeded) AS nights_above_source_guideline,
  count(DISTINCT d.sensor_id) AS sensors,
  round(10 * log10(avg(power(10, d.lnight / 10))), 1) AS lnight_energy_mean
FROM noise_indicators_daily d
LEFT JOIN communes c ON c.commune_insee = d.commune_insee
WHERE d.convention = 'eu'
  AND d.coverage_ok
  AND d.lnight IS NOT NULL
  AND d.commune_insee IS NOT NULL
GROUP BY d.commune_insee, c.name
ORDER BY nights_above_45 DESC, share_above_45_pct DESC, d.commune_insee
