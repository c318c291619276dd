-- ingest_already_loaded: where and when a file with these bytes (its sha256) was loaded, if it was.
SELECT path, loaded_at FROM landing_files WHERE file_sha256 = ?
