-- screening_source_spans: documents per (source, date, precision) whose whole date span lies before $as_of:
-- the denominators of the screening's rates.
SELECT primary_source, published, date_precision, count(*)
FROM documents d
WHERE published IS NOT NULL AND @DATE_SPAN_END(d)@ <= CAST($as_of AS DATE)
GROUP BY ALL
ORDER BY 1, 2, 3
