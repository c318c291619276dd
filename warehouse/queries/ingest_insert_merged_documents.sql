-- ingest_insert_merged_documents: the merged documents (_fs_docs) that are new to the warehouse.
INSERT INTO documents
SELECT doc_id, kind, language, language_detected, title, abstract, body, published, date_precision,
       authors, affiliations, countries, categories, keywords, url, arxiv_id, doi, pmid, primary_source,
       primary_record, extra::JSON, content_hash, 1, seen_first, seen_last, $now
FROM _fs_docs WHERE action = 'insert'
