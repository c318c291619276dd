-- new_candidates: technologies discovered as candidates since a point in time (the previous scan's start),
-- up to an optional end (the scan's finish), with how much evidence already links to them.
SELECT t.tech_id, t.name_en, coalesce(t.name_zh, '') AS name_zh, coalesce(t.direction, '') AS direction,
       coalesce(t.description, '') AS description, t.origin, t.topic_id, t.created_at,
       count(DISTINCT l.doc_id) AS evidence_count
FROM technologies t
LEFT JOIN document_technologies l USING (tech_id)
WHERE t.status = 'candidate'
  AND ($since IS NULL OR t.created_at > CAST($since AS TIMESTAMP))
  AND ($until IS NULL OR t.created_at <= CAST($until AS TIMESTAMP))
GROUP BY ALL
ORDER BY evidence_count DESC, t.created_at, t.tech_id
