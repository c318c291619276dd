-- ingest_record_rejects: a load's rejected lines (_fs_rejects) with their reasons; a line recorded before stays as it was.
INSERT INTO rejects SELECT file_sha256, path, line, reason, raw, $now FROM _fs_rejects
ON CONFLICT DO NOTHING
