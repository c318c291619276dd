-- 100: the document tables shaped for bulk loads (issue 2: at least 20,000 documents a second).
--
-- * document_keys and document_sources lose their primary-key indexes. DuckDB maintains an ART index entry by
--   entry on insert and writes it again at every checkpoint: on the 168k-paper benchmark the two indexes cost
--   more than half of the whole load. Nothing reads them by point lookup; warehouse/ingest.py never stores a key
--   or a (document, source, record) twice: a chunk's rows are grouped with the stored keys before anything is
--   written, new keys go in by anti-join and re-seen source rows are merged with MERGE INTO
--   (tests/warehouse/test_ingest.py checks that both stay unique).
-- * documents keeps its primary key (readers fetch documents by id); its long texts are compressed with zstd,
--   which compresses them smaller than the default string compression and in less time at each checkpoint.

CREATE TABLE document_keys_v2 (
    key            VARCHAR NOT NULL,             -- 'arxiv:…', 'doi:…', 'pmid:…', 'rec:<source>:<id>', 'url:…', 'title:…'
    doc_id         VARCHAR NOT NULL
);
INSERT INTO document_keys_v2 SELECT key, doc_id FROM document_keys ORDER BY key;
DROP TABLE document_keys;
ALTER TABLE document_keys_v2 RENAME TO document_keys;

CREATE TABLE document_sources_v2 (
    doc_id           VARCHAR NOT NULL,
    source_id        VARCHAR NOT NULL,
    source_record_id VARCHAR NOT NULL,           -- '' when the source had none
    url              VARCHAR,
    content_hash     VARCHAR,
    first_seen       TIMESTAMP NOT NULL,
    last_seen        TIMESTAMP NOT NULL
);
INSERT INTO document_sources_v2 SELECT * FROM document_sources ORDER BY doc_id, source_id, source_record_id;
DROP TABLE document_sources;
ALTER TABLE document_sources_v2 RENAME TO document_sources;

CREATE TABLE documents_v2 (
    doc_id         VARCHAR PRIMARY KEY,
    kind           VARCHAR NOT NULL CHECK (kind IN ('paper', 'news', 'policy', 'patent', 'trial', 'company')),
    language       VARCHAR,
    language_detected BOOLEAN DEFAULT FALSE,
    title          VARCHAR NOT NULL USING COMPRESSION zstd,
    abstract       VARCHAR USING COMPRESSION zstd,
    body           VARCHAR USING COMPRESSION zstd,
    published      DATE,
    date_precision VARCHAR,
    authors        VARCHAR[],
    affiliations   VARCHAR[],
    countries      VARCHAR[],
    categories     VARCHAR[],
    keywords       VARCHAR[],
    url            VARCHAR,
    arxiv_id       VARCHAR,
    doi            VARCHAR,
    pmid           VARCHAR,
    primary_source VARCHAR NOT NULL,
    primary_record VARCHAR NOT NULL,
    extra          JSON,
    content_hash   VARCHAR NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    first_seen     TIMESTAMP NOT NULL,
    last_seen      TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
INSERT INTO documents_v2 SELECT * FROM documents;
DROP TABLE documents;
ALTER TABLE documents_v2 RENAME TO documents;
