-- screening_yearly_link_counts: per screened technology and year, the documents of one $source linked to it (at
-- or above confidence $c) and all that source's documents: the publication-count series of the growth backtest.
WITH totals AS (
    SELECT year(published) AS year, count(*) AS n FROM documents
    WHERE primary_source = $source AND published IS NOT NULL GROUP BY 1
), linked AS (
    SELECT l.tech_id, year(d.published) AS year, count(DISTINCT d.doc_id) AS n
    FROM document_technologies l JOIN documents d USING (doc_id)
    WHERE d.primary_source = $source AND d.published IS NOT NULL AND l.confidence >= $c
    GROUP BY 1, 2
)
SELECT t.tech_id, y.year, coalesce(l.n, 0), y.n
FROM (SELECT DISTINCT tech_id FROM technologies WHERE status <> 'dismissed') t
CROSS JOIN totals y
LEFT JOIN linked l ON l.tech_id = t.tech_id AND l.year = y.year
ORDER BY 1, 2
