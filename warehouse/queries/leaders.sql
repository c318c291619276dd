-- leaders: the institutions (affiliations) and countries that carry most of a technology's evidence before as_of.
-- `ev` is the technology's evidence rows (warehouse/evidence_store.py), stored or computed live.
WITH ev AS (__EVIDENCE__
), d AS (
    SELECT institutions, countries
    FROM ev
    WHERE confidence >= $min_confidence AND (published IS NULL OR published < CAST($as_of AS DATE))
), a AS (  -- each document's names are trimmed and distinct: counting rows counts documents
    SELECT 'institution' AS what, x AS name, count(*) AS documents FROM (SELECT unnest(institutions) AS x FROM d) GROUP BY ALL
), c AS (
    SELECT 'country' AS what, x AS name, count(*) AS documents FROM (SELECT unnest(countries) AS x FROM d) GROUP BY ALL
), ranked AS (
    SELECT *, row_number() OVER (PARTITION BY what ORDER BY documents DESC, name) AS rn
    FROM (SELECT * FROM a UNION ALL SELECT * FROM c) WHERE name <> ''
)
SELECT what, name, documents FROM ranked WHERE rn <= $top ORDER BY what, rn
