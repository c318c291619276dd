-- ingest_insert_simple_documents: the rows of a chunk that meet no other record (see ingest_colliding_lines),
-- each a new document.
INSERT INTO documents
SELECT doc_id, kind, language, language_detected, title, abstract, body, published, precision,
       authors, affiliations, countries, categories, keywords, url, arxiv_id, doi, pmid, source, record_id,
       extra_json::JSON, content_hash, 1, seen, seen, $now
FROM _fs_rows WHERE line NOT IN (SELECT line FROM _fs_colliding)
