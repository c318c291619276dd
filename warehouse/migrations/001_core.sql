-- 001: the core of the warehouse: sources, crawl runs, scans, documents with history, rejects.
-- Every later stage (embeddings, topics, scores, ledger) adds its own numbered migration.

CREATE TABLE sources (
    source_id      VARCHAR PRIMARY KEY,          -- 'arxiv', 'pubmed', 'rss:phys.org', 'corpus:hn_frontpage' ...
    kind           VARCHAR,                      -- the usual document kind it yields
    name           VARCHAR,
    first_seen     TIMESTAMP NOT NULL,
    last_seen      TIMESTAMP NOT NULL,
    documents      BIGINT DEFAULT 0              -- refreshed on every load
);

CREATE TABLE crawl_runs (
    run_id         VARCHAR PRIMARY KEY,
    source_id      VARCHAR NOT NULL,
    scan_id        VARCHAR,
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP,
    status         VARCHAR NOT NULL,             -- running | succeeded | failed | partial
    landing_file   VARCHAR,
    watermark      VARCHAR,                      -- what the next incremental crawl starts after
    requests       BIGINT,
    items          BIGINT,
    errors         JSON,                         -- {kind: count}
    stats          JSON,
    error          VARCHAR
);

CREATE TABLE scans (
    scan_id        VARCHAR PRIMARY KEY,          -- e.g. '2026-W47' or 'asof-2024-01-01'
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP,
    as_of          DATE,                         -- only documents published before it count
    status         VARCHAR NOT NULL,             -- running | succeeded | partial | failed
    params         JSON,
    summary        JSON
);

-- One row per document however many sources carried it.
CREATE TABLE documents (
    doc_id         VARCHAR PRIMARY KEY,          -- 'arxiv:2312.00690', 'doi:10.1/x', 'pmid:1', 'url:<hash>', '<source>:<id>'
    kind           VARCHAR NOT NULL CHECK (kind IN ('paper', 'news', 'policy', 'patent', 'trial', 'company')),
    language       VARCHAR,
    language_detected BOOLEAN DEFAULT FALSE,     -- TRUE when futurescan guessed it
    title          VARCHAR NOT NULL,
    abstract       VARCHAR,
    body           VARCHAR,                      -- full text where the source has it
    published      DATE,
    date_precision VARCHAR,                      -- day | month | year
    authors        VARCHAR[],
    affiliations   VARCHAR[],
    countries      VARCHAR[],
    categories     VARCHAR[],
    keywords       VARCHAR[],
    url            VARCHAR,
    arxiv_id       VARCHAR,
    doi            VARCHAR,
    pmid           VARCHAR,
    primary_source VARCHAR NOT NULL,             -- the source record whose text the document carries ...
    primary_record VARCHAR NOT NULL,             -- ... and its id there ('' when it had none)
    extra          JSON,
    content_hash   VARCHAR NOT NULL,             -- sha256 of the normalised title + abstract + body
    version        INTEGER NOT NULL DEFAULT 1,
    first_seen     TIMESTAMP NOT NULL,
    last_seen      TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

-- Every identifier a document is known by: how a record from a second source finds its document.
CREATE TABLE document_keys (
    key            VARCHAR PRIMARY KEY,          -- 'arxiv:…', 'doi:…', 'pmid:…', 'rec:<source>:<id>', 'url:…', 'title:…'
    doc_id         VARCHAR NOT NULL
);

-- Which sources carried a document, and what each last said.
CREATE TABLE document_sources (
    doc_id           VARCHAR NOT NULL,
    source_id        VARCHAR NOT NULL,
    source_record_id VARCHAR NOT NULL,           -- '' when the source had none
    url              VARCHAR,
    content_hash     VARCHAR,
    first_seen       TIMESTAMP NOT NULL,
    last_seen        TIMESTAMP NOT NULL,
    PRIMARY KEY (doc_id, source_id, source_record_id)
);

-- Previous versions of a document's text, one row per replaced version.
CREATE TABLE document_history (
    doc_id         VARCHAR NOT NULL,
    version        INTEGER NOT NULL,
    content_hash   VARCHAR NOT NULL,
    title          VARCHAR,
    replaced_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (doc_id, version)
);

-- Every landing file or corpus file loaded, keyed by its bytes: loading it again is a no-op.
CREATE TABLE landing_files (
    file_sha256    VARCHAR PRIMARY KEY,
    path           VARCHAR NOT NULL,
    format         VARCHAR NOT NULL,
    loaded_at      TIMESTAMP NOT NULL,
    rows_total     BIGINT,
    rows_loaded    BIGINT,
    rows_rejected  BIGINT,
    docs_new       BIGINT,
    docs_updated   BIGINT,
    docs_unchanged BIGINT,
    seconds        DOUBLE
);

-- Rows that could not be loaded, with where they came from and why.
CREATE TABLE rejects (
    file_sha256    VARCHAR NOT NULL,
    path           VARCHAR NOT NULL,
    line           BIGINT NOT NULL,
    reason         VARCHAR NOT NULL,
    raw            VARCHAR,                      -- the first 2,000 characters of the line
    rejected_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (file_sha256, line)
);
