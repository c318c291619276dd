-- screening_attention: for linked documents with an attention figure (extra.$key: points, citations ...), its
-- percentile among the documents of the same source dated before $as_of.
WITH a AS (
    SELECT doc_id, primary_source,
           TRY_CAST(json_extract_string(extra, '$.' || $key) AS DOUBLE) AS v
    FROM documents d WHERE published IS NOT NULL AND @DATE_SPAN_END(d)@ <= CAST($as_of AS DATE)
), r AS (
    SELECT doc_id, percent_rank() OVER (PARTITION BY primary_source ORDER BY v) AS pct
    FROM a WHERE v IS NOT NULL
)
SELECT r.doc_id, r.pct FROM r WHERE r.doc_id IN (SELECT doc_id FROM document_technologies)
ORDER BY 1
