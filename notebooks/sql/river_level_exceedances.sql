-- River levels against the reference floods, per station and year
-- Question: How high did each river station rise, and on how many days above a reference flood?
-- Datasets: flood_indicators_daily, river_stations
-- Daily maxima of the stage (H, m above the gauge zero) and discharge (Q, m³/s). ratio_1910 and
-- flood_rank exist only for the station the reference floods were measured at (Seine at Paris-Austerlitz,
-- config/flood-reference-peaks.json: 1910 = 8.62 m): a day is above a reference flood when its h_max
-- ranks among them (flood_rank <= reference_floods). h_max_day is the first day of the year at the
-- year's highest stage. Site-level series have no station_code.
WITH daily AS (
  SELECT
    f.*,
    year(f.day) AS year,
    max(f.h_max) OVER (PARTITION BY f.site_code, f.station_code, year(f.day)) AS year_h_max
  FROM flood_indicators_daily f
)
SELECT
  d.site_code,
  d.station_code,
  s.label,
  s.river,
  d.year,
  count(*) FILTER (WHERE d.h_samples > 0) AS days_with_stage,
  max(d.h_max) AS h_max_m,
  min(d.day) FILTER (WHERE d.h_max = d.year_h_max) AS h_max_day,
  max(d.ratio_1910) AS ratio_1910_max,
  min(d.flood_rank) AS best_flood_rank,
  count(*) FILTER (WHERE d.flood_rank <= d.reference_floods) AS days_above_a_reference_flood,
  max(d.q_max) AS q_max_m3s
FROM daily d
LEFT JOIN river_stations s ON s.station_code = d.station_code
GROUP BY d.site_code, d.station_code, s.label, s.river, d.year
ORDER BY ratio_1910_max DESC NULLS LAST, h_max_m DESC NULLS LAST, d.site_code, d.station_code, d.year
