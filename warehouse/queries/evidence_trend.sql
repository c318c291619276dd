-- evidence_trend: linked documents per technology, year and kind, counting only documents whose whole date
-- span lies before the scan's as_of (the screening rule). `ev` is the evidence rows of one technology
-- or of all of them (warehouse/evidence_store.py), stored or computed live.
WITH ev AS (__EVIDENCE__
), l AS (
    SELECT tech_id, kind, published, date_precision FROM ev WHERE confidence >= $min_confidence
)
SELECT tech_id, year(published) AS year, kind, count(*) AS documents
FROM l
WHERE published IS NOT NULL
  AND ($as_of IS NULL OR @DATE_SPAN_END()@ <= CAST($as_of AS DATE))
GROUP BY ALL
ORDER BY 1, 2, 3
