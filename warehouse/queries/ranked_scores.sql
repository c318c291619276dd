-- ranked_scores: one scan's scores with their rank, the technology's names, evidence momentum and the
-- latest consultant override of each field beside (never instead of) the computed calls.
-- Rank rule (see flows/present/watchlist.py): priority = (strategic + disruptive) / 2; ties by more
-- evidence, then tech_id. Technologies missing either score get no rank (listed apart as insufficient).
WITH s AS (
    SELECT t.*,
           CASE WHEN t.strategic IS NOT NULL AND t.disruptive IS NOT NULL
                THEN (t.strategic + t.disruptive) / 2 END AS priority
    FROM tech_scores t
    WHERE t.scan_id = $scan_id
), r AS (
    SELECT s.*,
           CASE WHEN priority IS NOT NULL THEN
               row_number() OVER (PARTITION BY priority IS NULL ORDER BY priority DESC, evidence_count DESC, tech_id)
           END AS rank
    FROM s
), g AS (
    SELECT tech_id, value AS growth, score AS growth_score
    FROM indicator_values WHERE scan_id = $scan_id AND indicator = 'growth'
), o AS (
    SELECT tech_id, field, value, decided_by, reason, recorded_at,
           row_number() OVER (PARTITION BY tech_id, field ORDER BY recorded_at DESC, override_id DESC) AS rn
    FROM overrides
)
SELECT r.scan_id, r.tech_id,
       coalesce(te.name_en, r.tech_id) AS name_en, coalesce(te.name_zh, '') AS name_zh,
       coalesce(te.direction, '') AS direction, coalesce(te.status, '') AS status,
       r.rank, r.priority, r.strategic, r.strategic_label, r.disruptive, r.disruptive_label,
       r.horizon, r.horizon_confidence, r.horizon_leaning, r.trl_band,
       r.evidence_count, r.recent_evidence, g.growth, g.growth_score,
       CAST(r.reasons AS VARCHAR) AS reasons,
       oh.value AS override_horizon, oh.decided_by AS override_horizon_by,
       oh.reason AS override_horizon_reason, oh.recorded_at AS override_horizon_at,
       os.value AS override_strategic, os.decided_by AS override_strategic_by,
       os.reason AS override_strategic_reason, os.recorded_at AS override_strategic_at
FROM r
LEFT JOIN technologies te USING (tech_id)
LEFT JOIN g USING (tech_id)
LEFT JOIN o oh ON oh.tech_id = r.tech_id AND oh.field = 'horizon' AND oh.rn = 1 AND oh.value <> 'withdrawn'
LEFT JOIN o os ON os.tech_id = r.tech_id AND os.field = 'strategic' AND os.rn = 1 AND os.value <> 'withdrawn'
ORDER BY r.rank NULLS LAST, r.tech_id
