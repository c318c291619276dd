-- ingest_insert_simple_keys: the identity keys of the rows that meet no other record.
INSERT INTO document_keys SELECT unnest(keys) AS key, doc_id
FROM _fs_rows WHERE line NOT IN (SELECT line FROM _fs_colliding)
