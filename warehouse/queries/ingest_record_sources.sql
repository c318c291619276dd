-- ingest_record_sources: the sources a load saw (_fs_sources: id and the kind of its first row), new ones named
-- after their id; a known source keeps its kind and name.
INSERT INTO sources (source_id, kind, name, first_seen, last_seen, documents)
SELECT source_id, kind, source_id, $now, $now, 0 FROM _fs_sources
ON CONFLICT (source_id) DO UPDATE SET last_seen = excluded.last_seen
