-- 081: evidence-only results of the score stage kept between scans (scoring/indicators/memo.py). What a
-- document's text says (stage words, local players) and how alike a set of documents is do not depend
-- on as_of, so a scan a week later with nothing new looks them up instead of recomputing them; the
-- windowed counts and ages are recomputed. Each key is a sha256 of every input of the value (document
-- fields, technology names, scoring code, weights), so a row is either exactly right or never found.

CREATE TABLE score_memo (
    family         VARCHAR NOT NULL,             -- stage_text | local_text | contested_text | coherence_text | novelty_text
    memo_key       VARCHAR NOT NULL,             -- sha256 of the inputs
    value          VARCHAR NOT NULL,             -- the result as JSON text
    used_at        TIMESTAMP NOT NULL,           -- last scoring run that read or wrote it (old rows are pruned)
    PRIMARY KEY (family, memo_key)
);
