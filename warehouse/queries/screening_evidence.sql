-- screening_evidence: every (technology, document) link at or above $min_conf of a screened technology, with the
-- document's fields, for documents whose whole date span lies before $as_of. The score stage's input digest
-- hashes these rows. __TECH_FILTER__ is empty (every technology) or a condition limiting l.tech_id to $tech_ids.
WITH l AS (
    SELECT tech_id, doc_id, max(confidence) AS confidence,
           list(DISTINCT matched ORDER BY matched) FILTER (WHERE matched IS NOT NULL) AS matched
    FROM document_technologies GROUP BY tech_id, doc_id
)
SELECT l.tech_id, d.doc_id, d.kind, d.language, d.primary_source, d.published, d.date_precision,
       d.title, coalesce(d.abstract, ''), coalesce(substr(d.body, 1, $body_chars), ''),
       coalesce(d.countries, []), coalesce(d.affiliations, []), coalesce(d.categories, []),
       coalesce(d.keywords, []), CAST(d.extra AS VARCHAR), l.confidence, coalesce(l.matched, [])
FROM l JOIN documents d USING (doc_id)
JOIN technologies t ON t.tech_id = l.tech_id AND t.status <> 'dismissed'
WHERE l.confidence >= $min_conf AND d.published IS NOT NULL AND @DATE_SPAN_END(d)@ <= CAST($as_of AS DATE)
      __TECH_FILTER__
ORDER BY l.tech_id, d.published, d.doc_id
