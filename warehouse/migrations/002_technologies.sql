-- 002: candidate technologies and the links from documents to them.
-- The seeded taxonomy (scoring/technologies/taxonomy.toml) is synced into `technologies`; discovered candidates
-- join it with status 'candidate' and move to 'accepted' or 'dismissed' by a consultant's decision.

CREATE TABLE technologies (
    tech_id        VARCHAR PRIMARY KEY,
    name_en        VARCHAR NOT NULL,
    name_zh        VARCHAR,
    aliases        VARCHAR[],                    -- both languages
    description    VARCHAR,
    direction      VARCHAR,                      -- one of the six future directions
    status         VARCHAR NOT NULL,             -- seeded | candidate | accepted | dismissed
    origin         VARCHAR,                      -- taxonomy | discovered | cli
    topic_id       VARCHAR,                      -- for discovered candidates: the topic they came from
    decided_by     VARCHAR,
    decision_reason VARCHAR,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

-- Evidence links. `method` says how the link was made: 'alias' (a name or alias in the text),
-- 'embedding' (similarity to the technology's description), 'topic' (member of a linked topic).
CREATE TABLE document_technologies (
    doc_id         VARCHAR NOT NULL,
    tech_id        VARCHAR NOT NULL,
    method         VARCHAR NOT NULL,
    confidence     DOUBLE NOT NULL,              -- 0..1
    matched        VARCHAR,                      -- the alias or term that matched, when there is one
    linked_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (doc_id, tech_id, method)
);
