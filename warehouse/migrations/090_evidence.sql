-- 090: the evidence the read views use, precomputed (warehouse/evidence_store.py writes it, warehouse/views.py
-- reads it). Read live, every part of an assessment joined a technology's links with all documents, and
-- the milestones ran regular expressions over the text of every linked document on every call.

-- Milestone cues found in a document's text (title, abstract, first 1,500 characters of the body), once
-- per document version: a row is current while content_hash equals documents.content_hash and
-- cue_version equals the version of the cue expressions in warehouse/evidence_store.py.
CREATE TABLE document_cues (
    doc_id         VARCHAR PRIMARY KEY,
    content_hash   VARCHAR NOT NULL,
    stage_event    VARCHAR,                      -- approval | mass_production | commercialisation | clinical_trial | prototype
    funding_cue    BOOLEAN NOT NULL,             -- a funding-round phrase (a funding round when the document is news)
    cue_version    VARCHAR NOT NULL,
    computed_at    TIMESTAMP NOT NULL
);

-- Every linked (technology, document) pair with the document fields and cues the views read, stored in
-- technology order so one technology's evidence is read without touching the others' or `documents`.
-- Rebuilt whole after links change; the views read it only while evidence_state.stamp equals the
-- warehouse's current stamp (links and documents unchanged since), else they compute the same rows live.
CREATE TABLE tech_evidence (
    tech_id        VARCHAR NOT NULL,
    doc_id         VARCHAR NOT NULL,
    confidence     DOUBLE NOT NULL,              -- the strongest of the pair's links
    links          STRUCT(method VARCHAR, confidence DOUBLE, matched VARCHAR)[] NOT NULL,  -- every link, by method
    kind           VARCHAR NOT NULL,
    published      DATE,
    date_precision VARCHAR,
    institutions   VARCHAR[] NOT NULL,           -- the document's affiliations, trimmed and distinct
    countries      VARCHAR[] NOT NULL,           -- its countries, trimmed and distinct
    stage_event    VARCHAR,
    funding_cue    BOOLEAN NOT NULL
);

-- One row: what tech_evidence was built from.
CREATE TABLE evidence_state (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    stamp          VARCHAR NOT NULL,             -- links and documents counts and latest change times, cue version
    rows_built     BIGINT NOT NULL,              -- (technology, document) pairs
    cues_computed  BIGINT NOT NULL,              -- documents whose cues this build computed
    seconds        DOUBLE NOT NULL,
    built_at       TIMESTAMP NOT NULL
);
