-- 060: progress of each scan, stage by stage, so a failed or killed scan resumes where it stopped.

CREATE TABLE scan_stages (
    scan_id        VARCHAR NOT NULL,
    stage          VARCHAR NOT NULL,             -- crawl | ingest | analyse | score | publish
    status         VARCHAR NOT NULL,             -- running | succeeded | partial | failed
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP,
    seconds        DOUBLE,
    summary        JSON,
    error          VARCHAR,
    PRIMARY KEY (scan_id, stage)
);
