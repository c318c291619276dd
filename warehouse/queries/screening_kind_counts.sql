-- screening_kind_counts: documents per kind whose whole date span lies before $as_of.
SELECT kind, count(*)
FROM documents d
WHERE published IS NOT NULL AND @DATE_SPAN_END(d)@ <= CAST($as_of AS DATE)
GROUP BY 1
