-- documents: what a reader needs to see and open evidence documents, for a list of ids.
SELECT doc_id, kind, title, published, date_precision, url, primary_source, language, arxiv_id, doi, pmid,
       json_extract_string(extra, '$.issuing_body') AS issuer,
       json_extract_string(extra, '$.doc_number') AS doc_number
FROM documents
WHERE doc_id IN (SELECT unnest(CAST($doc_ids AS VARCHAR[])))
