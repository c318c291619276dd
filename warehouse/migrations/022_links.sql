-- 022: topic → technology links per scan, and the bookkeeping that keeps document linking incremental.

-- A topic linked to a technology in one scan. Its members without a link of their own get a
-- document_technologies row with method 'topic' (matched = the topic id).
CREATE TABLE topic_technologies (
    scan_id        VARCHAR NOT NULL,
    topic_id       VARCHAR NOT NULL,
    tech_id        VARCHAR NOT NULL,
    method         VARCHAR NOT NULL,             -- 'alias' (share of members with alias links), 'embedding' (centroid similarity), 'keywords' (topic keywords are aliases), 'origin' (candidate discovered from this topic)
    confidence     DOUBLE NOT NULL,              -- 0..1
    alias_share    DOUBLE,                       -- share of members with an alias link to the technology
    similarity     DOUBLE,                       -- cosine of topic centroid and technology prototype
    evidence       VARCHAR,                      -- human-readable reason
    PRIMARY KEY (scan_id, topic_id, tech_id)
);

-- Which documents were alias-linked against which technology vocabulary: a document is matched
-- again only when its text or the vocabulary (tech_digest) changed.
CREATE TABLE document_link_state (
    doc_id         VARCHAR PRIMARY KEY,
    content_hash   VARCHAR NOT NULL,
    tech_digest    VARCHAR NOT NULL,
    linked_at      TIMESTAMP NOT NULL
);

-- Weak vocabulary of technologies added by the CLI or accepted from candidates (the seeded taxonomy
-- keeps its keywords in scoring/technologies/taxonomy.toml).
ALTER TABLE technologies ADD COLUMN keywords VARCHAR[];
