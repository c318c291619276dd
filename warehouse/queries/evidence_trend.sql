-- evidence_trend: linked documents per technology, year and kind, counting only documents whose whole date
-- span lies before the scan's as_of (the screening rule). $tech_id NULL gives every technology.
WITH l AS (
    SELECT DISTINCT tech_id, doc_id FROM document_technologies
    WHERE confidence >= $min_confidence AND ($tech_id IS NULL OR tech_id = $tech_id)
)
SELECT l.tech_id, year(d.published) AS year, d.kind, count(*) AS documents
FROM l JOIN documents d USING (doc_id)
WHERE d.published IS NOT NULL
  AND ($as_of IS NULL OR (CASE d.date_precision WHEN 'year' THEN d.published + INTERVAL 1 YEAR
       WHEN 'month' THEN d.published + INTERVAL 1 MONTH ELSE d.published + INTERVAL 1 DAY END) <= CAST($as_of AS DATE))
GROUP BY ALL
ORDER BY 1, 2, 3
