-- ingest_insert_new_keys: the merged documents' identity keys (_fs_keys_new) not stored yet.
-- document_keys carries no index (migration 100): a key already stored is skipped by an anti-join with the
-- stored keys the chunk has (a semi-join probes only those).
INSERT INTO document_keys
SELECT n.key, n.doc_id FROM _fs_keys_new n
ANTI JOIN (SELECT key FROM document_keys WHERE key IN (SELECT key FROM _fs_keys_new)) s USING (key)
