-- technology_link_summary: per technology, its status and direction and the documents linked to it by each
-- method at or above confidence $c (weak: below it), most documents first.
SELECT t.tech_id, t.name_en, t.name_zh, t.direction, t.status, t.origin,
       count(DISTINCT l.doc_id) FILTER (WHERE l.confidence >= $c) AS documents,
       count(DISTINCT l.doc_id) FILTER (WHERE l.method = 'alias' AND l.confidence >= $c) AS alias,
       count(DISTINCT l.doc_id) FILTER (WHERE l.method = 'embedding' AND l.confidence >= $c) AS embedding,
       count(DISTINCT l.doc_id) FILTER (WHERE l.method = 'topic' AND l.confidence >= $c) AS topic,
       count(DISTINCT l.doc_id) FILTER (WHERE l.confidence < $c) AS weak
FROM technologies t LEFT JOIN document_technologies l USING (tech_id)
GROUP BY ALL
ORDER BY documents DESC, t.tech_id
