-- leaders: the institutions (affiliations) and countries that carry most of a technology's evidence before as_of.
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
