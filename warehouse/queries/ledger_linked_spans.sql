-- ledger_linked_spans: documents linked to the technologies $techs (at or above $min_conf) whose date span
-- overlaps [$start, $end) and has ended by $known_by, the date the count is made at.
WITH l AS (
    SELECT DISTINCT tech_id, doc_id FROM document_technologies
    WHERE confidence >= $min_conf AND tech_id IN (SELECT unnest($techs))
)
SELECT l.tech_id, d.doc_id, d.primary_source AS source, d.kind, d.published, d.date_precision AS precision
FROM l JOIN documents d USING (doc_id)
WHERE d.published IS NOT NULL AND d.published < CAST($end AS DATE) AND @DATE_SPAN_END(d)@ > CAST($start AS DATE)
  AND @DATE_SPAN_END(d)@ <= CAST($known_by AS DATE)
ORDER BY l.tech_id, d.published, d.doc_id
