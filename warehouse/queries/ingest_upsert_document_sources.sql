-- ingest_upsert_document_sources: the merged documents' (document, source, record) rows (_fs_srcs).
-- document_sources carries no index (migration 100): a row seen before is merged into the stored one.
MERGE INTO document_sources AS s
USING _fs_srcs AS n
ON s.doc_id = n.doc_id AND s.source_id = n.source_id AND s.source_record_id = n.source_record_id
WHEN MATCHED THEN UPDATE SET
    url = coalesce(n.url, s.url),
    content_hash = n.content_hash,
    first_seen = least(s.first_seen, n.seen_first),
    last_seen = greatest(s.last_seen, n.seen_last)
WHEN NOT MATCHED THEN INSERT
    VALUES (n.doc_id, n.source_id, n.source_record_id, n.url, n.content_hash, n.seen_first, n.seen_last)
