-- 050: the forecast ledger. Every scan freezes dated, probabilistic forecasts for its watchlist entries in
-- `forecasts`; later scans resolve them from the warehouse into `forecast_outcomes`. Both tables are
-- append-only: warehouse/ledger_store.py has no UPDATE or DELETE, writes insert-if-absent, and refuses a
-- second write of the same id with different content. DuckDB has no triggers, so the store is the guard.

CREATE TABLE forecasts (
    forecast_id    VARCHAR PRIMARY KEY,          -- '<scan_id>/<tech_id>/<type>'
    scan_id        VARCHAR NOT NULL,
    tech_id        VARCHAR NOT NULL,
    made_at        TIMESTAMP NOT NULL,           -- when it was frozen (not part of its content)
    as_of          DATE NOT NULL,                -- the scan's as-of date: what was knowable
    type           VARCHAR NOT NULL,             -- growth_48m | growth_12m | horizon_shift | stays_listed | first_policy
    statement      VARCHAR NOT NULL,             -- bilingual: 'English … / 中文 …'
    target         JSON NOT NULL,                -- what must happen, with thresholds and windows
    probability    DOUBLE NOT NULL CHECK (probability > 0 AND probability < 1),
    resolves_on    DATE NOT NULL,
    inputs         JSON NOT NULL,                -- the scores and indicator readings the rule used, and the rule's terms
    horizon        VARCHAR,                      -- grouping keys, copied from the inputs at freezing time
    direction      VARCHAR,
    source_mix     VARCHAR,
    backtest       BOOLEAN NOT NULL,             -- made by a replayed ('asof-…') scan
    rule_version   VARCHAR NOT NULL,             -- scoring/ledger.py RULE_VERSION + sha256 of ledger.toml
    content_hash   VARCHAR NOT NULL              -- sha256 of everything above except made_at
);

CREATE TABLE forecast_outcomes (
    forecast_id      VARCHAR PRIMARY KEY,
    resolved_at      TIMESTAMP NOT NULL,
    resolved_as_of   DATE NOT NULL,              -- the warehouse date it was judged against
    outcome          INTEGER CHECK (outcome IN (0, 1)),   -- NULL = void
    void_reason      VARCHAR,
    observed         JSON NOT NULL,              -- the measured quantities behind the outcome
    evidence_doc_ids VARCHAR[],                  -- documents that show what happened
    content_hash     VARCHAR NOT NULL,
    CHECK ((outcome IS NULL) = (void_reason IS NOT NULL))
);
