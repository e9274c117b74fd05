-- Heat-wave days, tropical nights and hot days per station and year
-- Question: How many heat-wave days, tropical nights and hot days did each year bring?
-- Datasets: heat_indicators_daily
-- A heat-wave day has IBMn and IBMx (3-day means of TN and TX) both at or above the thresholds of the
-- station's département (SACS; Paris 21 / 31 °C, config/heat-thresholds.json); an episode is a run of
-- consecutive heat-wave days. Tropical night: TN >= 20 °C; hot day: TX >= 30 °C; very hot day: TX >= 35 °C.
-- Doubtful values (quality code 2) never count: their flags are NULL and they are left out of the maxima.
SELECT
  station_id,
  departement,
  year(day) AS year,
  count(*) AS days,
  count(*) FILTER (WHERE heatwave) AS heatwave_days,
  count(DISTINCT heatwave_episode) AS heatwave_episodes,
  max(heatwave_days) AS longest_episode_days,
  count(*) FILTER (WHERE tropical_night) AS tropical_nights,
  count(*) FILTER (WHERE hot_day) AS hot_days,
  count(*) FILTER (WHERE very_hot_day) AS very_hot_days,
  max(tx) FILTER (WHERE NOT tx_doubtful) AS tx_max,
  max(tn) FILTER (WHERE NOT tn_doubtful) AS tn_max
FROM heat_indicators_daily
GROUP BY station_id, departement, year(day)
ORDER BY station_id, year
