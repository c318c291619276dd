-- Judge one block of landing lines (_fs_block: line BIGINT, txt VARCHAR, each line with its newline; NULL where
-- it is not UTF-8 or over the size limit) in one pass.
--
-- Each non-blank line gets a route:
--   'ok'      the row is valid and every field below is exactly what warehouse.landing.LandingRecord
--             (pydantic) would leave; ingest_stage.sql prepares it;
--   'reject'  the row breaks the contract in a way this SQL words exactly as the model does (missing or empty
--             title, unknown kind, absurd sizes, U+FFFD from a wrong decoding ...); `reason` is the message;
--   'python'  anything this SQL does not judge (bad UTF-8 or JSON, unknown or duplicate fields, values of an
--             unexpected type, odd escapes, dates Python must reject ...): the Python path validates the line.
-- Field lists are in LandingRecord's field order, which is also the order of pydantic's error messages.
CREATE OR REPLACE TEMP TABLE _fs_parsed AS
WITH lines AS (  -- txt is NULL for bad UTF-8 and over-long lines; blank lines are skipped and not counted
    SELECT line, txt FROM _fs_block WHERE txt IS NULL OR regexp_matches(txt, '[^@ASCII_WS@]')
), judged AS (
    SELECT line, txt,
        CASE WHEN txt IS NULL THEN false
             -- control-character and surrogate escapes (yyjson and orjson differ in decoding or re-encoding
             -- some), and trailing commas (DuckDB's JSON reader accepts them, orjson does not)
             WHEN contains(txt, '\u000') OR contains(txt, '\u001') OR contains(txt, '\ud') OR contains(txt, '\uD') THEN false
             WHEN regexp_matches(txt, ',[ \t\n\r]*[\]}]') THEN false
             WHEN NOT regexp_matches(txt, '^[ \t\n\r]*\{') THEN false  -- not an object
             ELSE json_valid(txt)
        END AS judged
    FROM lines
), fields AS (
    SELECT line, txt, judged,
        CASE WHEN judged THEN json_keys(txt) END AS keys,
        CASE WHEN judged THEN json_type(txt, @PATHS@) END AS t,
        CASE WHEN judged THEN json_extract_string(txt, @PATHS@) END AS v
    FROM judged
), vals AS (
    SELECT line, txt, judged, keys, t,
        t[1] IS NULL OR (t[1] IN ('UBIGINT', 'BIGINT') AND v[1] = '1') AS version_ok,
        fs_str(t[2], v[2]) AS source,
        fs_str(t[3], v[3]) AS record_id,
        CASE WHEN t[4] = 'VARCHAR' THEN v[4] END AS kind,  -- a Literal: matched exactly, never stripped
        fs_str(t[5], v[5]) AS title,
        fs_str(t[6], v[6]) AS abstract,
        fs_str(t[7], v[7]) AS body,
        fs_str(t[8], v[8]) AS url,
        CASE WHEN t[9] = 'VARCHAR' THEN fs_str(t[9], v[9]) WHEN t[9] IN ('UBIGINT', 'BIGINT') THEN v[9] END AS pub_text,
        fs_str(t[10], v[10]) AS lang,
        fs_list(t[11], v[11]) AS authors,
        fs_list(t[12], v[12]) AS affiliations,
        fs_list(t[13], v[13]) AS countries,
        fs_list(t[14], v[14]) AS categories,
        fs_list(t[15], v[15]) AS keywords,
        fs_str(t[16], v[16]) AS doi_text,
        fs_str(t[17], v[17]) AS arxiv_text,
        fs_str(t[18], v[18]) AS pmid_text,
        -- fetched_at in the ISO form spiders write; its wall-clock time is kept, as .replace(tzinfo=None) does
        CASE WHEN t[19] = 'VARCHAR'
                  AND regexp_full_match(v[19], '[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?')
                  AND NOT starts_with(v[19], '0000')
             THEN try_cast(left(v[19], 10) || ' ' || regexp_extract(v[19], '^.{11}([0-9:]{8}(\.[0-9]+)?)', 1) AS TIMESTAMP)
        END AS fetched,
        t[19] AS fetched_type,
        -- extra: an object of strings, integers (to 18 digits), booleans, nulls and arrays of strings, with no key
        -- needing a strip. yyjson hands it over minified, so one regular expression can tell; fs_py_extra_json
        -- then writes it as the Python path does (orjson, sorted keys, no nulls).
        t[20] IS NULL OR (t[20] = 'OBJECT' AND regexp_full_match(v[20], '@EXTRA_RE@')) AS extra_ok,
        CASE WHEN t[20] = 'OBJECT' THEN v[20] END AS extra_text
    FROM fields
), shaped AS (
    SELECT *,
        judged
        -- every key is a field and none is repeated: json_type found one value per key
        AND len(keys) = list_aggregate(t, 'count')
        AND version_ok
        AND coalesce(t[2], 'VARCHAR') = 'VARCHAR'       -- required strings: absent is a reject, null is not judged here
        AND coalesce(t[4], 'VARCHAR') = 'VARCHAR'
        AND coalesce(t[5], 'VARCHAR') = 'VARCHAR'
        AND coalesce(t[3], 'NULL') IN ('NULL', 'VARCHAR')
        AND coalesce(t[6], 'NULL') IN ('NULL', 'VARCHAR')
        AND coalesce(t[7], 'NULL') IN ('NULL', 'VARCHAR')
        AND coalesce(t[8], 'NULL') IN ('NULL', 'VARCHAR')
        AND coalesce(t[9], 'NULL') IN ('NULL', 'VARCHAR', 'UBIGINT', 'BIGINT')
        AND coalesce(t[10], 'NULL') IN ('NULL', 'VARCHAR')
        AND authors IS NOT NULL AND affiliations IS NOT NULL AND countries IS NOT NULL
        AND categories IS NOT NULL AND keywords IS NOT NULL
        AND coalesce(t[16], 'NULL') IN ('NULL', 'VARCHAR')
        AND coalesce(t[17], 'NULL') IN ('NULL', 'VARCHAR')
        AND coalesce(t[18], 'NULL') IN ('NULL', 'VARCHAR')
        AND (coalesce(fetched_type, 'NULL') = 'NULL' OR fetched IS NOT NULL)
        AND extra_ok
        AS shape_ok
    FROM vals
), dated AS (
    SELECT *,
        CASE WHEN NOT shape_ok OR pub_text IS NULL OR pub_text = '' THEN NULL
             -- Python's \d also matches other scripts' digits: leave anything else non-ASCII to it
             WHEN regexp_matches(pub_text, '[^\x{00}-\x{7f}年月日]') THEN NULL
             WHEN regexp_full_match(pub_text, '[0-9]{4}') THEN fs_date_text(pub_text, '1', '1', 'year')
             WHEN regexp_full_match(pub_text, '[0-9]{4}-[0-9]{1,2}') THEN
                 fs_date_text(pub_text[1:4], regexp_extract(pub_text, '^[0-9]{4}-([0-9]{1,2})', 1), '1', 'month')
             WHEN regexp_matches(pub_text, '^[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}') THEN
                 -- '-' with '-', or any mix of '/' and '.', as _DATE and _SLASH_DATE read them
                 CASE WHEN regexp_matches(pub_text, '^[0-9]{4}(-[0-9]{1,2}-|[/.][0-9]{1,2}[/.])[0-9]{1,2}') THEN
                     fs_date_text(pub_text[1:4], regexp_extract(pub_text, '^[0-9]{4}[-/.]([0-9]{1,2})', 1),
                                  regexp_extract(pub_text, '^[0-9]{4}[-/.][0-9]{1,2}[-/.]([0-9]{1,2})', 1), 'day')
                 END
             WHEN regexp_matches(pub_text, '^[0-9]{4}年[0-9]{1,2}月') THEN
                 CASE WHEN regexp_matches(pub_text, '^[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日') THEN
                          fs_date_text(pub_text[1:4], regexp_extract(pub_text, '^[0-9]{4}年([0-9]{1,2})', 1),
                                       regexp_extract(pub_text, '^[0-9]{4}年[0-9]{1,2}月([0-9]{1,2})', 1), 'day')
                      ELSE fs_date_text(pub_text[1:4], regexp_extract(pub_text, '^[0-9]{4}年([0-9]{1,2})', 1), '1', 'month')
                 END
        END AS pub_sql
    FROM shaped
), resolved AS (
    SELECT *,
        coalesce(pub_sql, CASE WHEN shape_ok AND pub_text <> '' THEN fs_py_published(pub_text) END) AS pub_norm
    FROM dated
), routed AS (
    SELECT *,
        list_filter([
            CASE WHEN source IS NULL THEN 'source: Field required'
                 WHEN source = '' THEN 'source: String should have at least 1 character'
                 WHEN strlen(source) > 200 AND length(source) > 200 THEN 'source: String should have at most 200 characters' END,
            CASE WHEN strlen(record_id) > 2000 AND length(record_id) > 2000 THEN 'source_record_id: String should have at most 2000 characters' END,
            CASE WHEN kind IS NULL THEN 'kind: Field required'
                 WHEN kind NOT IN @KINDS@ THEN 'kind: Input should be @KIND_CHOICES@' END,
            CASE WHEN title IS NULL THEN 'title: Field required'
                 WHEN title = '' THEN 'title: String should have at least 1 character'
                 WHEN strlen(title) > @MAX_TITLE_CHARS@ AND length(title) > @MAX_TITLE_CHARS@ THEN 'title: String should have at most @MAX_TITLE_CHARS@ characters'
                 WHEN contains(title, chr(65533)) THEN 'title: Value error, @FFFD_MESSAGE@' END,
            CASE WHEN strlen(abstract) > @MAX_TEXT_CHARS@ AND length(abstract) > @MAX_TEXT_CHARS@ THEN 'abstract: String should have at most @MAX_TEXT_CHARS@ characters'
                 WHEN contains(abstract, chr(65533)) THEN 'abstract: Value error, @FFFD_MESSAGE@' END,
            CASE WHEN strlen(body) > @MAX_TEXT_CHARS@ AND length(body) > @MAX_TEXT_CHARS@ THEN 'text: String should have at most @MAX_TEXT_CHARS@ characters'
                 WHEN contains(body, chr(65533)) THEN 'text: Value error, @FFFD_MESSAGE@' END,
            CASE WHEN strlen(url) > 4000 AND length(url) > 4000 THEN 'url: String should have at most 4000 characters' END,
            CASE WHEN strlen(lang) > 16 AND length(lang) > 16 THEN 'language: String should have at most 16 characters' END,
            CASE WHEN len(authors) > @MAX_LIST_ITEMS@ THEN 'authors: List should have at most @MAX_LIST_ITEMS@ items after validation, not ' || len(authors) END,
            CASE WHEN len(affiliations) > @MAX_LIST_ITEMS@ THEN 'affiliations: List should have at most @MAX_LIST_ITEMS@ items after validation, not ' || len(affiliations) END,
            CASE WHEN len(countries) > @MAX_LIST_ITEMS@ THEN 'countries: List should have at most @MAX_LIST_ITEMS@ items after validation, not ' || len(countries) END,
            CASE WHEN len(categories) > @MAX_LIST_ITEMS@ THEN 'categories: List should have at most @MAX_LIST_ITEMS@ items after validation, not ' || len(categories) END,
            CASE WHEN len(keywords) > @MAX_LIST_ITEMS@ THEN 'keywords: List should have at most @MAX_LIST_ITEMS@ items after validation, not ' || len(keywords) END,
            CASE WHEN strlen(doi_text) > 500 AND length(doi_text) > 500 THEN 'doi: String should have at most 500 characters' END,
            CASE WHEN strlen(arxiv_text) > 100 AND length(arxiv_text) > 100 THEN 'arxiv_id: String should have at most 100 characters' END,
            CASE WHEN strlen(pmid_text) > 40 AND length(pmid_text) > 40 THEN 'pmid: String should have at most 40 characters' END
        ], lambda x: x IS NOT NULL) AS violations,
        CASE WHEN NOT shape_ok THEN 'python'
             WHEN pub_text <> '' AND pub_norm IS NULL THEN 'python'  -- an unparseable date: Python words the reason
             WHEN lang <> '' AND NOT fs_ascii(lang) THEN 'python'     -- str.lower() beyond ASCII
             -- identifiers beyond printable ASCII (Python's \d and \s match more than RE2's)
             WHEN NOT (coalesce(fs_plain(doi_text), true) AND coalesce(fs_plain(arxiv_text), true)
                       AND coalesce(fs_plain(pmid_text), true)) THEN 'python'
             WHEN len(violations) > 0 THEN 'reject'
             ELSE 'ok'
        END AS route
    FROM resolved
)
SELECT line, route,
    CASE WHEN route = 'reject' THEN array_to_string(violations[1:4], '; ') END AS reason,
    CASE WHEN route = 'reject' THEN left(txt, 2000) END AS raw_head,
    source, coalesce(record_id, '') AS record_id, kind, title, nullif(abstract, '') AS abstract, nullif(body, '') AS body,
    url, pub_norm, lang, authors, affiliations, countries, categories, keywords, doi_text, arxiv_text, pmid_text,
    fetched,
    CASE WHEN route <> 'ok' THEN NULL WHEN extra_text IS NULL THEN '{}' ELSE fs_py_extra_json(extra_text) END AS extra_json
FROM routed;
