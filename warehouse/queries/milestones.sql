-- milestones: events on a technology's timeline derived from its evidence before as_of: the first document of
-- each kind (first paper, first policy mention, first trial ...), the first document carrying each stage cue,
-- and the latest funding rounds (news with a funding cue). The cues are found once per document version
-- (warehouse/evidence_store.py); `ev` is the technology's evidence rows, stored or computed live.
-- Titles and links come with the evidence rows: `documents` is not read.
WITH ev AS (__EVIDENCE__
), d AS (
    SELECT doc_id, kind, published, stage_event, kind = 'news' AND funding_cue AS funding, title, url
    FROM ev
    WHERE confidence >= $min_confidence AND published IS NOT NULL AND published < CAST($as_of AS DATE)
), e AS (  -- the date of each first, then the document: the earliest, and of those the smallest id
    SELECT 'first_' || kind AS event, min(published) AS published, kind, NULL AS stage_event FROM d GROUP BY kind
    UNION ALL
    SELECT 'first_' || stage_event, min(published), NULL, stage_event FROM d WHERE stage_event IS NOT NULL GROUP BY stage_event
), f AS (
    SELECT e.event, e.published, min(d.doc_id) AS doc_id
    FROM e JOIN d ON d.published = e.published AND (d.kind = e.kind OR d.stage_event = e.stage_event)
    GROUP BY ALL
    UNION ALL
    (SELECT 'funding_round', published, doc_id FROM d WHERE funding ORDER BY published DESC, doc_id LIMIT $max_funding)
)
SELECT f.event, f.published, f.doc_id, d.kind, d.title, d.url
FROM f JOIN d USING (doc_id)
ORDER BY f.published, f.event, f.doc_id
