-- 030: screening scores. One row per technology per scan in `tech_scores`, every indicator behind it
-- in `indicator_values` (with the documents it rests on), and consultants' judgements in the
-- append-only `overrides`, shown beside computed values and never written over them.

CREATE TABLE tech_scores (
    scan_id            VARCHAR NOT NULL,
    tech_id            VARCHAR NOT NULL,
    as_of              DATE NOT NULL,          -- only documents published before it were read
    strategic          DOUBLE,                 -- 0..1; NULL when insufficient evidence
    strategic_label    VARCHAR NOT NULL,       -- yes | no | insufficient evidence
    disruptive         DOUBLE,
    disruptive_label   VARCHAR NOT NULL,
    disruptive_attributes JSON,                -- Rotolo et al.'s five attributes, each with score and weight
    horizon            VARCHAR NOT NULL,       -- near | mid | far | insufficient evidence
    horizon_confidence DOUBLE,
    horizon_leaning    VARCHAR,                -- for insufficient calls: where the thin evidence points
    trl_estimate       DOUBLE,
    trl_low            INTEGER,
    trl_high           INTEGER,
    trl_band           VARCHAR,                -- 'TRL 4-6'
    reasons            JSON NOT NULL,          -- {"strategic": [...], "disruptive": [...], "horizon": [...]}
    horizon_evidence   JSON,                   -- per-channel readings and the documents that drove the call
    evidence_count     INTEGER NOT NULL,       -- linked documents before as_of
    recent_evidence    INTEGER NOT NULL,       -- of which in the recent window
    weights_hash       VARCHAR NOT NULL,       -- sha256 of the weights file that made the score
    method_version     VARCHAR NOT NULL,
    scored_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (scan_id, tech_id)
);

CREATE TABLE indicator_values (
    scan_id            VARCHAR NOT NULL,
    tech_id            VARCHAR NOT NULL,
    indicator          VARCHAR NOT NULL,       -- volume, growth, acceleration, burst, novelty, reach, ...
    value              DOUBLE,                 -- raw value in the indicator's own unit; NULL = not computable
    score              DOUBLE,                 -- 0..1
    details            JSON,                   -- components, windows, and the reason when not computable
    doc_ids            VARCHAR[],              -- the documents behind the value (capped, newest or strongest first)
    PRIMARY KEY (scan_id, tech_id, indicator)
);

CREATE SEQUENCE overrides_seq START 1;

-- Append-only: a judgement is never edited or deleted; a later row supersedes an earlier one.
CREATE TABLE overrides (
    override_id        BIGINT PRIMARY KEY DEFAULT nextval('overrides_seq'),
    tech_id            VARCHAR NOT NULL,
    field              VARCHAR NOT NULL CHECK (field IN ('horizon', 'strategic')),
    value              VARCHAR NOT NULL,       -- near|mid|far, yes|no, or 'withdrawn'
    decided_by         VARCHAR NOT NULL,
    reason             VARCHAR NOT NULL,
    recorded_at        TIMESTAMP NOT NULL,
    scan_id            VARCHAR,                -- the latest scan when the judgement was recorded
    computed_value     VARCHAR                 -- what futurescan said then, for the record
);
