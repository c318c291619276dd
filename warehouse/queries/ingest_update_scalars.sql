-- ingest_update_scalars: the scalar columns of stored documents whose new values (_fs_new) differ.
UPDATE documents AS d SET
    title        = CASE WHEN n.replace THEN n.text.title ELSE d.title END,
    abstract     = CASE WHEN n.replace THEN n.text.abstract ELSE d.abstract END,
    body         = CASE WHEN n.replace THEN n.text.body ELSE d.body END,
    kind         = CASE WHEN n.replace THEN n.text.kind ELSE d.kind END,
    language_detected = CASE WHEN n.replace THEN n.text.language_detected ELSE d.language_detected END,
    primary_source = CASE WHEN n.replace THEN n.text.primary_source ELSE d.primary_source END,
    primary_record = CASE WHEN n.replace THEN n.text.primary_record ELSE d.primary_record END,
    content_hash = CASE WHEN n.replace THEN n.text.content_hash ELSE d.content_hash END,
    language = n.language, version = n.version, updated_at = n.updated_at, published = n.published,
    date_precision = n.date_precision, url = n.url, arxiv_id = n.arxiv_id, doi = n.doi, pmid = n.pmid,
    extra = n.extra, first_seen = n.first_seen, last_seen = n.last_seen
FROM _fs_new AS n
WHERE d.doc_id = n.doc_id AND n.scalars_change
