-- documents: what a reader needs to see and open evidence documents, for a list of ids (a few dozen at a time:
-- looked up by key, so the fewer columns the fewer storage blocks a first call reads).
SELECT doc_id, kind, title, published, url, arxiv_id, doi, pmid,
       json_extract_string(extra, '$.issuing_body') AS issuer
FROM documents
WHERE doc_id IN (SELECT unnest(CAST($doc_ids AS VARCHAR[])))
