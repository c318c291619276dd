-- policy_mentions: policy documents linked to a technology before as_of, newest first, with issuer and number.
-- `ev` is the technology's evidence rows (warehouse/evidence_store.py), stored or computed live; only
-- the documents shown are looked up in `documents`.
WITH ev AS (__EVIDENCE__
), l AS (  -- what matched: of the links at or above min_confidence, each once, sorted
    SELECT doc_id, confidence, published,
           list_aggregate(list_sort(list_distinct(list_transform(
               list_filter(links, lambda x: x.confidence >= $min_confidence), lambda x: x.matched))), 'string_agg', '; ') AS matched
    FROM ev
    WHERE confidence >= $min_confidence AND kind = 'policy' AND (published IS NULL OR published < CAST($as_of AS DATE))
    ORDER BY published DESC NULLS LAST, doc_id
    LIMIT $limit
)
SELECT d.doc_id, d.title, d.published, d.url, l.confidence, l.matched,
       json_extract_string(d.extra, '$.issuing_body') AS issuer,
       json_extract_string(d.extra, '$.doc_number') AS doc_number
FROM l JOIN documents d USING (doc_id)
ORDER BY d.published DESC NULLS LAST, d.doc_id
