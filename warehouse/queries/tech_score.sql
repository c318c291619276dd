-- tech_score: one technology's full score row in one scan (JSON columns as text for the caller to parse).
SELECT scan_id, tech_id, as_of, strategic, strategic_label, disruptive, disruptive_label,
       CAST(disruptive_attributes AS VARCHAR) AS disruptive_attributes,
       horizon, horizon_confidence, horizon_leaning, trl_estimate, trl_low, trl_high, trl_band,
       CAST(reasons AS VARCHAR) AS reasons, CAST(horizon_evidence AS VARCHAR) AS horizon_evidence,
       evidence_count, recent_evidence, weights_hash, method_version, scored_at
FROM tech_scores
WHERE scan_id = $scan_id AND tech_id = $tech_id
