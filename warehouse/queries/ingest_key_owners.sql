-- ingest_key_owners: the stored document each of a chunk's identity keys (_fs_keys) already belongs to.
SELECT k.key, d.doc_id FROM _fs_keys k JOIN document_keys d USING (key)
