-- topic_lineage: the topics linked to a technology in any scan (tables of migrations 021/022), with their
-- registry entry (label, status, birth, successors) and their latest snapshot and size history in scan order.
WITH linked AS (
    SELECT topic_id, max(confidence) AS confidence, arg_max(method, confidence) AS method,
           arg_max(evidence, confidence) AS evidence, count(DISTINCT scan_id) AS scans_linked
    FROM topic_technologies WHERE tech_id = $tech_id GROUP BY topic_id
), snap AS (
    SELECT s.topic_id,
           arg_max(s.keywords, r.started_at) AS keywords, arg_max(s.size, r.started_at) AS size,
           arg_max(s.growth, r.started_at) AS growth, arg_max(s.label, r.started_at) AS snap_label,
           list(s.size ORDER BY r.started_at, s.scan_id) AS size_history,
           list(s.scan_id ORDER BY r.started_at, s.scan_id) AS scan_history,
           min(s.first_published) AS first_published, max(s.last_published) AS last_published
    FROM topic_snapshots s JOIN linked USING (topic_id) LEFT JOIN analysis_runs r USING (scan_id)
    GROUP BY s.topic_id
)
SELECT l.topic_id, coalesce(t.label, snap.snap_label, l.topic_id) AS label, t.status, t.born_scan_id, t.last_scan_id,
       coalesce(t.successors, []) AS successors, l.confidence, l.method, l.evidence, l.scans_linked,
       coalesce(snap.keywords, []) AS keywords, snap.size, snap.growth, coalesce(snap.size_history, []) AS size_history,
       coalesce(snap.scan_history, []) AS scan_history, snap.first_published, snap.last_published
FROM linked l
LEFT JOIN topics t USING (topic_id)
LEFT JOIN snap USING (topic_id)
ORDER BY l.confidence DESC, snap.size DESC NULLS LAST, l.topic_id
LIMIT $limit
