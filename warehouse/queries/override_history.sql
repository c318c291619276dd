-- override_history: every consultant judgement recorded for one technology, oldest first (the table is append-only).
SELECT override_id, field, value, decided_by, reason, recorded_at, scan_id, computed_value
FROM overrides
WHERE tech_id = ?
ORDER BY recorded_at, override_id
