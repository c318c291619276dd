-- scans: every scan that has screening scores, newest first by started_at (the scan order of the views).
-- Backtests ('asof-…' ids, the schema's convention) are flagged so "latest" and "previous" can skip them.
SELECT s.scan_id, s.started_at, s.finished_at, s.as_of, s.status,
       s.scan_id LIKE 'asof-%' AS backtest,
       count(t.tech_id) AS scored,
       max(t.weights_hash) AS weights_hash
FROM scans s
JOIN tech_scores t USING (scan_id)
GROUP BY ALL
ORDER BY s.started_at DESC, s.scan_id DESC
