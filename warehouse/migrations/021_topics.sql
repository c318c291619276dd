-- 021: topics with stable identities across scans, their members, and lineage events.
--
-- A topic lives in one "space": 'embedding:<model>' (documents the model embeds) or 'zh-terms'
-- (Chinese documents clustered on jieba term vectors while the model is not multilingual). Topic ids
-- ('T0042') are never reused: a topic that is the same as last scan's keeps its id.

-- One row per analysis (embed → cluster → lineage → link) of a scan.
CREATE TABLE analysis_runs (
    scan_id        VARCHAR PRIMARY KEY,          -- the scan it belongs to (scans.scan_id when a weekly scan ran it)
    as_of          DATE,                         -- documents published before it were analysed (NULL: all)
    model          VARCHAR NOT NULL,
    previous_scan_id VARCHAR,                    -- the run lineage compared against
    fingerprint    VARCHAR NOT NULL,             -- hash of documents, model, parameters, technologies: equal means nothing changed
    config_digest  VARCHAR NOT NULL,
    status         VARCHAR NOT NULL,             -- running | succeeded | failed
    reused         BOOLEAN NOT NULL DEFAULT FALSE, -- TRUE when nothing had changed and the previous topics were carried over
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP,
    summary        JSON                          -- counts and timings (AnalysisSummary)
);

-- The registry of topic ids: where each came from and how it ended.
CREATE TABLE topics (
    topic_id       VARCHAR PRIMARY KEY,          -- 'T0042'
    space          VARCHAR NOT NULL,
    language       VARCHAR,                      -- main language of its documents
    born_scan_id   VARCHAR NOT NULL,
    last_scan_id   VARCHAR NOT NULL,             -- last scan it was present in
    status         VARCHAR NOT NULL,             -- active | merged | split | dead
    successors     VARCHAR[],                    -- where its documents went when it ended
    label          VARCHAR,                      -- latest readable label
    size           BIGINT                        -- latest member count
);

-- What each topic looked like in each scan (per-topic scores read this with topic_members).
CREATE TABLE topic_snapshots (
    scan_id        VARCHAR NOT NULL,
    topic_id       VARCHAR NOT NULL,
    space          VARCHAR NOT NULL,
    language       VARCHAR,
    size           BIGINT NOT NULL,              -- members
    new_members    BIGINT NOT NULL,              -- members not in the previous scan's window
    label          VARCHAR NOT NULL,
    keywords       VARCHAR[] NOT NULL,           -- class-based TF-IDF, best first (English tokens and Chinese words)
    keyword_weights DOUBLE[] NOT NULL,
    representative_doc_ids VARCHAR[] NOT NULL,   -- most central members first
    centroid       FLOAT[],                      -- mean member embedding, normalised (embedding spaces only)
    cohesion       DOUBLE,                       -- mean member similarity to the topic centre
    recent_share   DOUBLE,                       -- share of members published in the 12 months before as_of
    growth         DOUBLE,                       -- members published in the last 12 months / the 12 before, relative to the whole space
    first_published DATE,
    last_published DATE,
    PRIMARY KEY (scan_id, topic_id)
);

-- Which documents belong to which topic in a scan (unassigned documents have no row).
CREATE TABLE topic_members (
    scan_id        VARCHAR NOT NULL,
    topic_id       VARCHAR NOT NULL,
    doc_id         VARCHAR NOT NULL,
    similarity     REAL NOT NULL                 -- to the topic centre in the clustering space, -1..1
);

-- Lineage: what happened to topics between the previous scan and this one.
CREATE TABLE topic_events (
    scan_id        VARCHAR NOT NULL,             -- the scan in which it was observed
    previous_scan_id VARCHAR,
    space          VARCHAR NOT NULL,
    event          VARCHAR NOT NULL,             -- birth | death | continue | grow | shrink | merge | split
    from_topics    VARCHAR[] NOT NULL,           -- topics of the previous scan (empty for a birth)
    to_topics      VARCHAR[] NOT NULL,           -- topics of this scan (empty for a death)
    details        JSON,                         -- sizes, overlaps, centroid similarity, labels
    created_at     TIMESTAMP NOT NULL
);

-- The latest successful analysis, for readers that want "now".
CREATE VIEW current_topics AS
SELECT s.* FROM topic_snapshots s
WHERE s.scan_id = (SELECT scan_id FROM analysis_runs WHERE status = 'succeeded' ORDER BY finished_at DESC LIMIT 1);

CREATE VIEW current_topic_members AS
SELECT m.* FROM topic_members m
WHERE m.scan_id = (SELECT scan_id FROM analysis_runs WHERE status = 'succeeded' ORDER BY finished_at DESC LIMIT 1);
