-- card_evidence: for every technology scored in a scan, its newest evidence documents among those its
-- indicators rest on (the report's evidence cards).
WITH ids AS (
    SELECT DISTINCT tech_id, doc_id
    FROM (SELECT tech_id, unnest(doc_ids) AS doc_id FROM indicator_values WHERE scan_id = $scan_id)
), ranked AS (
    SELECT i.tech_id, d.doc_id, d.kind, d.title, d.published, d.url, d.arxiv_id, d.doi, d.pmid,
           row_number() OVER (PARTITION BY i.tech_id ORDER BY d.published DESC NULLS LAST, d.doc_id) AS rn
    FROM ids i JOIN documents d USING (doc_id)
)
SELECT tech_id, doc_id, kind, title, published, url, arxiv_id, doi, pmid
FROM ranked WHERE rn <= $per_tech
ORDER BY tech_id, rn
