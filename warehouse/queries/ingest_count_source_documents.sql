-- ingest_count_source_documents: how many documents each source a load saw (_fs_sources) now carries.
UPDATE sources SET documents = c.n
FROM (SELECT source_id, count(DISTINCT doc_id) AS n FROM document_sources
      WHERE source_id IN (SELECT source_id FROM _fs_sources) GROUP BY source_id) c
WHERE sources.source_id = c.source_id
