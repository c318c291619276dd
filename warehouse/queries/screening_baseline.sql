-- screening_baseline: a deterministic sample ($size, by hash of doc id) of all documents dated in [$since, $as_of):
-- what "random" text looks like to the coherence indicator.
SELECT language, title || chr(10) || coalesce(substr(coalesce(abstract, body), 1, 800), '')
FROM documents d
WHERE published IS NOT NULL AND published >= CAST($since AS DATE) AND @DATE_SPAN_END(d)@ <= CAST($as_of AS DATE)
ORDER BY md5(doc_id)
LIMIT $size
