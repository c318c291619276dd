-- ingest_stored_facts_joined: as ingest_stored_facts_listed, for more ids than an index lookup takes (_fs_ids).
SELECT d.doc_id, d.primary_source, d.primary_record, d.content_hash, (d.abstract IS NOT NULL OR d.body IS NOT NULL)
FROM _fs_ids i JOIN documents d USING (doc_id)
