-- ingest_record_landing_file: what one load did (warehouse.ingest.IngestReport), once per file's bytes.
INSERT INTO landing_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING
