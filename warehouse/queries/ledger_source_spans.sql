-- ledger_source_spans: all documents per (source, date, precision) whose span overlaps [$start, $end) and has
-- ended by $known_by: the denominators of the ledger's shares.
SELECT d.primary_source AS source, d.published, d.date_precision AS precision, count(*) AS documents
FROM documents d
WHERE d.published IS NOT NULL AND d.published < CAST($end AS DATE) AND @DATE_SPAN_END(d)@ > CAST($start AS DATE)
  AND @DATE_SPAN_END(d)@ <= CAST($known_by AS DATE)
GROUP BY ALL
ORDER BY 1, 2, 3
