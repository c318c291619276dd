-- technology_documents: one technology's strongest links ($tech_id, at most $limit), newest first among equals.
SELECT l.doc_id, d.title, d.published, d.language, l.method, round(l.confidence, 3), l.matched
FROM document_technologies l JOIN documents d USING (doc_id)
WHERE l.tech_id = $tech_id
ORDER BY l.confidence DESC, d.published DESC NULLS LAST, l.doc_id
LIMIT $limit
