"""The evidence queries as they read before the stored evidence (commit 7490645): the reference the new ones must equal.

Each joined the links with every document on every call, and the milestones ran their regular expressions
over the text of each linked document per call. Kept verbatim, so a test can compare what the views show
now (stored evidence, or computed live when it is stale) with what these gave.
"""

OLD_QUERIES: dict[str, str] = {
    "milestones": r"""
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
""",
    "leaders": r"""
WITH l AS (
    SELECT DISTINCT doc_id FROM document_technologies WHERE tech_id = $tech_id AND confidence >= $min_confidence
), d AS (
    SELECT d.doc_id, coalesce(d.affiliations, []) AS affiliations, coalesce(d.countries, []) AS countries
    FROM l JOIN documents d USING (doc_id)
    WHERE d.published IS NULL OR d.published < CAST($as_of AS DATE)
), a AS (
    SELECT 'institution' AS what, trim(x) AS name, count(DISTINCT doc_id) AS documents
    FROM (SELECT doc_id, unnest(list_distinct(affiliations)) AS x FROM d) GROUP BY ALL
), c AS (
    SELECT 'country' AS what, trim(x) AS name, count(DISTINCT doc_id) AS documents
    FROM (SELECT doc_id, unnest(list_distinct(countries)) AS x FROM d) GROUP BY ALL
), ranked AS (
    SELECT *, row_number() OVER (PARTITION BY what ORDER BY documents DESC, name) AS rn
    FROM (SELECT * FROM a UNION ALL SELECT * FROM c) WHERE name <> ''
)
SELECT what, name, documents FROM ranked WHERE rn <= $top ORDER BY what, rn
""",
    "policy_mentions": r"""
WITH l AS (
    SELECT doc_id, max(confidence) AS confidence, string_agg(DISTINCT matched, '; ') AS matched
    FROM document_technologies WHERE tech_id = $tech_id AND confidence >= $min_confidence GROUP BY doc_id
)
SELECT d.doc_id, d.title, d.published, d.url, l.confidence, l.matched,
       json_extract_string(d.extra, '$.issuing_body') AS issuer,
       json_extract_string(d.extra, '$.doc_number') AS doc_number
FROM l JOIN documents d USING (doc_id)
WHERE d.kind = 'policy' AND (d.published IS NULL OR d.published < CAST($as_of AS DATE))
ORDER BY d.published DESC NULLS LAST, d.doc_id
LIMIT $limit
""",
    "evidence_trend": r"""
WITH l AS (
    SELECT DISTINCT tech_id, doc_id FROM document_technologies
    WHERE confidence >= $min_confidence AND ($tech_id IS NULL OR tech_id = $tech_id)
)
SELECT l.tech_id, year(d.published) AS year, d.kind, count(*) AS documents
FROM l JOIN documents d USING (doc_id)
WHERE d.published IS NOT NULL
  AND ($as_of IS NULL OR (CASE d.date_precision WHEN 'year' THEN d.published + INTERVAL 1 YEAR
       WHEN 'month' THEN d.published + INTERVAL 1 MONTH ELSE d.published + INTERVAL 1 DAY END) <= CAST($as_of AS DATE))
GROUP BY ALL
ORDER BY 1, 2, 3
""",
    "weekly_trend": r"""
WITH l AS (
    SELECT DISTINCT doc_id FROM document_technologies WHERE tech_id = $tech_id AND confidence >= $min_confidence
)
SELECT date_trunc('week', d.published) AS week, count(*) AS documents
FROM l JOIN documents d USING (doc_id)
WHERE d.published IS NOT NULL AND coalesce(d.date_precision, 'day') = 'day'
  AND d.published < CAST($as_of AS DATE)
  AND d.published >= CAST($as_of AS DATE) - INTERVAL (7 * $weeks) DAY
GROUP BY ALL
ORDER BY 1
""",
}
