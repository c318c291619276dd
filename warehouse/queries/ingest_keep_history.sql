-- ingest_keep_history: the version a merged document replaces, kept in document_history before it is overwritten.
INSERT INTO document_history
SELECT d.doc_id, d.version, d.content_hash, d.title, $now
FROM documents d JOIN _fs_docs i USING (doc_id)
WHERE i.action = 'replace'
ON CONFLICT DO NOTHING
