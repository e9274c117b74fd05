-- River levels against the reference floods, per station and year
-- Question: How high did each river station rise, and on how many days above a reference flood?
-- Datasets: flood_indicators_daily, river_stations
-- Daily maxima of the stage (H, m above the gauge zero) and discharge (Q, m³/s). ratio_1910 and
-- flood_rank exist only for the station the reference floods were measured at (Seine at Paris-Austerlitz,
-- config/flood-reference-peaks.json: 1910 = 8.62 m): a day is above a reference flood when its h_max
-- ranks among them (flood_rank <= reference_floods). Site-level series have no station_code.
SELECT
  f.site_code,
  f.station_code,
  s.label,
  s.river,
  year(f.day) AS year,
  count(*) FILTER (WHERE f.h_samples > 0) AS days_with_stage,
  max(f.h_max) AS h_max_m,
  max_by(f.day, f.h_max) AS h_max_day,
  max(f.ratio_1910) AS ratio_1910_max,
  min(f.flood_rank) AS best_flood_rank,
  count(*) FILTER (WHERE f.flood_rank <= f.reference_floods) AS days_above_a_reference_flood,
  max(f.q_max) AS q_max_m3s
FROM flood_indicators_daily f
LEFT JOIN river_stations s ON s.station_code = f.station_code
GROUP BY f.site_code, f.station_code, s.label, s.river, year(f.day)
ORDER BY ratio_1910_max DESC NULLS LAST, h_max_m DESC NULLS LAST, f.site_code, f.station_code, year
