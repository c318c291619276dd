-- 080: one row per scored scan with a digest of everything the score stage read, so a scan whose
-- inputs equal an earlier scan's copies that scan's scores instead of recomputing them.

CREATE TABLE score_runs (
    scan_id        VARCHAR PRIMARY KEY,
    as_of          DATE NOT NULL,
    input_digest   VARCHAR NOT NULL,             -- sha256 over the parts below, weights, method and code, as_of
    parts          JSON NOT NULL,                -- the digest of each input (evidence, baseline, weights ...)
    weights_hash   VARCHAR NOT NULL,
    method_version VARCHAR NOT NULL,
    reused_from    VARCHAR,                      -- the scan whose scores were copied; NULL when computed
    scored_at      TIMESTAMP NOT NULL,
    seconds        DOUBLE
);
