-- policy_mentions: policy documents linked to a technology before as_of, newest first, with issuer and number.
-- `ev` is the technology's evidence rows (warehouse/evidence_store.py), stored or computed live, with what
-- is shown of each document. What matched: of the links at or above min_confidence, each once, sorted.
WITH ev AS (__EVIDENCE__
)
SELECT doc_id, title, published, url, confidence,
       list_aggregate(list_sort(list_distinct(list_transform(
           list_filter(links, lambda x: x.confidence >= $min_confidence), lambda x: x.matched))), 'string_agg', '; ') AS matched,
       issuer, doc_number
FROM ev
WHERE confidence >= $min_confidence AND kind = 'policy' AND (published IS NULL OR published < CAST($as_of AS DATE))
ORDER BY published DESC NULLS LAST, doc_id
LIMIT $limit
