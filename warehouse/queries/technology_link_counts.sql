-- technology_link_counts: documents linked to one technology ($tech_id), by language and link method.
SELECT coalesce(d.language, '?'), l.method, count(DISTINCT l.doc_id)
FROM document_technologies l JOIN documents d USING (doc_id)
WHERE l.tech_id = $tech_id
GROUP BY ALL
ORDER BY 1, 2
