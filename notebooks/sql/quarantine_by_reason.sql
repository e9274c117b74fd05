-- Quarantine by reason
-- Question: Why were records rejected, from which source formats, and how many?
-- Datasets: quarantine
-- One row per source kind, failing field and reason, with the number of records and of raw files
-- (record = 'file' rows are whole files that could not be parsed). Replay after a fix with
-- `observatory quarantine replay`.
SELECT
  source_kind,
  field,
  reason,
  count(*) AS records,
  count(DISTINCT raw_key) AS files,
  min(received_at) AS first_received,
  max(received_at) AS last_received
FROM quarantine
GROUP BY source_kind, field, reason
ORDER BY records DESC, source_kind, field, reason
