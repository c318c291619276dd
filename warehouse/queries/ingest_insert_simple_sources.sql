-- ingest_insert_simple_sources: the (document, source, record) rows of the rows that meet no other record.
INSERT INTO document_sources SELECT doc_id, source, record_id, url, content_hash, seen, seen
FROM _fs_rows WHERE line NOT IN (SELECT line FROM _fs_colliding)
