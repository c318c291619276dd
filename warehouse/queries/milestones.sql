-- milestones: events on a technology's timeline derived from its evidence before as_of: the first document of
-- each kind (first paper, first policy mention, first trial ...) and the first (or every, for funding) document
-- whose title or opening text carries a stage cue. Cues are deliberately few and literal: a timeline, not a score.
WITH l AS (
    SELECT DISTINCT doc_id FROM document_technologies WHERE tech_id = $tech_id AND confidence >= $min_confidence
), d AS (
    SELECT d.doc_id, d.kind, d.title, d.published, d.url,
           lower(d.title || ' ' || coalesce(d.abstract, '') || ' ' || coalesce(left(d.body, 1500), '')) AS txt
    FROM l JOIN documents d USING (doc_id)
    WHERE d.published IS NOT NULL AND d.published < CAST($as_of AS DATE)
), cued AS (
    SELECT *,
        CASE
            WHEN regexp_matches(txt, '\b(fda|nmpa|ema)\b[^.]{0,20}(approv|clear)|获批|批准上市') THEN 'approval'
            WHEN regexp_matches(txt, 'mass[- ]produc|volume production|量产|批量生产|投产') THEN 'mass_production'
            WHEN regexp_matches(txt, 'commerciali[sz]|commercial launch|商业化|商用') THEN 'commercialisation'
            WHEN regexp_matches(txt, 'clinical trial|first[- ]in[- ]human|\bphase (i|ii|iii|1|2|3)\b|临床试验|临床研究') THEN 'clinical_trial'
            WHEN regexp_matches(txt, 'prototype|样机|原型机|中试') THEN 'prototype'
        END AS stage_event,
        kind = 'news' AND regexp_matches(txt, 'rais(es|ed|ing) (\$|€|£|us\$|usd|rmb|¥)|\bseries [a-h]\b|seed (round|funding)|融资|天使轮|[a-h]\+?轮') AS funding
    FROM d
), firsts AS (
    SELECT 'first_' || kind AS event, arg_min(doc_id, (published, doc_id)) AS doc_id FROM d GROUP BY kind
    UNION ALL
    SELECT 'first_' || stage_event, arg_min(doc_id, (published, doc_id)) FROM cued WHERE stage_event IS NOT NULL GROUP BY stage_event
), funding AS (
    SELECT 'funding_round' AS event, doc_id FROM cued WHERE funding ORDER BY published DESC LIMIT $max_funding
)
SELECT e.event, d.published, d.doc_id, d.kind, d.title, d.url
FROM (SELECT * FROM firsts UNION ALL SELECT * FROM funding) e JOIN d USING (doc_id)
ORDER BY d.published, e.event
