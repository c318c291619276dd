-- ingest_colliding_lines: the rows of a chunk (_fs_rows) that cannot go straight in: sharing a key with another
-- row of the chunk, with a stored document or with a row already held (_fs_deferred_keys), keyless, or landing
-- on a stored doc_id. The chunk's keys are looked up in document_keys with a semi-join, so only the keys the
-- chunk has are probed as the warehouse grows.
CREATE OR REPLACE TEMP TABLE _fs_colliding AS
WITH k AS (SELECT line, unnest(keys) AS key FROM _fs_rows),
     dup AS (SELECT key FROM k GROUP BY key HAVING count(*) > 1),
     stored AS (SELECT key FROM document_keys WHERE key IN (SELECT key FROM k))
SELECT k.line FROM k JOIN dup USING (key)
UNION SELECT k.line FROM k JOIN stored USING (key)
UNION SELECT k.line FROM k JOIN _fs_deferred_keys USING (key)
UNION SELECT line FROM _fs_rows WHERE len(keys) = 0
UNION SELECT line FROM _fs_rows WHERE doc_id IN (SELECT doc_id FROM documents WHERE doc_id IN (SELECT doc_id FROM _fs_rows))
