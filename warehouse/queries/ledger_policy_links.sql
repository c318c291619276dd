-- ledger_policy_links: policy documents linked to the technologies $techs (at or above $min_conf), published on
-- or after $start (any date when NULL) with their whole span before $end, oldest first.
WITH l AS (
    SELECT tech_id, doc_id, max(confidence) AS confidence, min(matched) AS matched FROM document_technologies
    WHERE confidence >= $min_conf AND tech_id IN (SELECT unnest($techs)) GROUP BY ALL
)
SELECT l.tech_id, d.doc_id, d.title, d.published, l.matched,
       json_extract_string(d.extra, '$.issuing_body') AS issuer
FROM l JOIN documents d USING (doc_id)
WHERE d.kind = 'policy' AND d.published IS NOT NULL
  AND ($start IS NULL OR d.published >= CAST($start AS DATE)) AND @DATE_SPAN_END(d)@ <= CAST($end AS DATE)
ORDER BY l.tech_id, d.published, d.doc_id
