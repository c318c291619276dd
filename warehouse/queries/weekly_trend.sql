-- weekly_trend: one technology's linked documents per ISO week over the weeks before as_of (day-precise dates only).
WITH l AS (
    SELECT DISTINCT doc_id FROM document_technologies WHERE tech_id = $tech_id AND confidence >= $min_confidence
)
SELECT date_trunc('week', d.published) AS week, count(*) AS documents
FROM l JOIN documents d USING (doc_id)
WHERE d.published IS NOT NULL AND coalesce(d.date_precision, 'day') = 'day'
  AND d.published < CAST($as_of AS DATE)
  AND d.published >= CAST($as_of AS DATE) - INTERVAL (7 * $weeks) DAY
GROUP BY ALL
ORDER BY 1
