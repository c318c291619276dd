-- ingest_stored_facts_listed: primary record, content hash and whether there is text, of a few stored documents.
-- __IDS__ is replaced by one `?` per id (at most DuckDB's index_scan_max_count of them): with the ids as
-- constants in an IN list DuckDB looks them up in the primary-key index and reads the text columns of those
-- rows only, where a join would read them for every stored document.
SELECT d.doc_id, d.primary_source, d.primary_record, d.content_hash, (d.abstract IS NOT NULL OR d.body IS NOT NULL)
FROM documents d
WHERE d.doc_id IN (__IDS__)
