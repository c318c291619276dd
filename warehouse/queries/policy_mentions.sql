-- policy_mentions: policy documents linked to a technology before as_of, newest first, with issuer and number.
WITH l AS (
    SELECT doc_id, max(confidence) AS confidence, string_agg(DISTINCT matched, '; ') AS matched
    FROM document_technologies WHERE tech_id = $tech_id AND confidence >= $min_confidence GROUP BY doc_id
)
SELECT d.doc_id, d.title, d.published, d.url, l.confidence, l.matched,
       json_extract_string(d.extra, '$.issuing_body') AS issuer,
       json_extract_string(d.extra, '$.doc_number') AS doc_number
FROM l JOIN documents d USING (doc_id)
WHERE d.kind = 'policy' AND (d.published IS NULL OR d.published < CAST($as_of AS DATE))
ORDER BY d.published DESC NULLS LAST, d.doc_id
LIMIT $limit
