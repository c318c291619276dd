-- score_history: one technology's calls in every scan that scored it, in scan order (oldest first).
SELECT t.scan_id, s.started_at, t.as_of, t.strategic, t.strategic_label, t.disruptive, t.disruptive_label,
       t.horizon, t.horizon_confidence, t.trl_band, t.evidence_count,
       t.scan_id LIKE 'asof-%' AS backtest
FROM tech_scores t
JOIN scans s USING (scan_id)
WHERE t.tech_id = $tech_id
ORDER BY s.started_at, t.scan_id
