-- Judge and prepare one block of landing lines (_fs_block: line BIGINT, txt VARCHAR, each line with its newline;
-- NULL where it is not UTF-8 or over the size limit) in one query; warehouse/ingest_sql.py reads the result
-- straight into Arrow for the writer.
--
-- Each non-blank line gets a route:
--   'ok'      the row is valid, and every column is exactly what warehouse.ingest._prepare makes of it
--             (pydantic's LandingRecord, warehouse.identity, warehouse.language);
--   'reject'  the row breaks the contract in a way this SQL words exactly as the model does (missing or empty
--             title, unknown kind, absurd sizes, U+FFFD from a wrong decoding ...); `reason` is the message;
--   'python'  anything this SQL does not judge (bad UTF-8 or JSON, unknown or duplicate fields, values of an
--             unexpected type, odd escapes, dates Python must reject ...): the Python path validates the line.
-- Field lists are in LandingRecord's field order, which is also the order of pydantic's error messages.
-- The fs_py_* functions are the Python originals, called only on 'ok' rows and only for what SQL cannot decide
-- (an odd URL, a non-ASCII paper title, a language to detect, a date in another form) and for extra (orjson's
-- formatting). The content hash is DuckDB's sha256: slower per byte than hashlib, but hashlib in a Python
-- function holds the GIL inside DuckDB's threads, which made the whole load slower.
-- Macros expand textually: every value a macro reads more than once is a column of an earlier step.
WITH lines AS (  -- txt is NULL for bad UTF-8 and over-long lines; blank lines are skipped and not counted
    SELECT line, txt FROM _fs_block WHERE txt IS NULL OR regexp_matches(txt, '[^@ASCII_WS@]')
), prechecked AS (
    SELECT line, txt,
        CASE WHEN txt IS NULL THEN false
             -- control-character and surrogate escapes (yyjson and orjson differ in decoding or re-encoding
             -- some), and trailing commas (DuckDB's JSON reader accepts them, orjson does not)
             WHEN contains(txt, '\u000') OR contains(txt, '\u001') OR contains(txt, '\ud') OR contains(txt, '\uD') THEN false
             WHEN regexp_matches(txt, ',[ \t\n\r]*[\]}]') THEN false
             WHEN NOT regexp_matches(txt, '^[ \t\n\r]*\{') THEN false  -- not an object
             ELSE true
        END AS candidate
    FROM lines
), judged AS (  -- an object DuckDB parses (try: invalid JSON gives NULL keys instead of an error; one parse
                -- fewer than checking json_valid first)
    SELECT line, txt, CASE WHEN candidate THEN try(json_keys(txt)) END AS keys
    FROM prechecked
), parsed AS (
    SELECT line, txt, keys IS NOT NULL AS judged, keys,
        CASE WHEN keys IS NOT NULL THEN json_type(txt, @PATHS@) END AS t,
        CASE WHEN keys IS NOT NULL THEN json_extract_string(txt, @PATHS@) END AS v
    FROM judged
), fields AS (
    SELECT line, txt, judged,
        -- every key is a field and none is repeated: json_type found one value per key
        judged AND len(keys) = list_aggregate(t, 'count') AS keys_ok,
        t[1] AS t_version, v[1] AS v_version, t[2] AS t_source, v[2] AS v_source, t[3] AS t_record, v[3] AS v_record,
        t[4] AS t_kind, v[4] AS v_kind, t[5] AS t_title, v[5] AS v_title, t[6] AS t_abstract, v[6] AS v_abstract,
        t[7] AS t_text, v[7] AS v_text, t[8] AS t_url, v[8] AS v_url, t[9] AS t_published, v[9] AS v_published,
        t[10] AS t_language, v[10] AS v_language, t[11] AS t_authors, v[11] AS v_authors,
        t[12] AS t_affiliations, v[12] AS v_affiliations, t[13] AS t_countries, v[13] AS v_countries,
        t[14] AS t_categories, v[14] AS v_categories, t[15] AS t_keywords, v[15] AS v_keywords,
        t[16] AS t_doi, v[16] AS v_doi, t[17] AS t_arxiv, v[17] AS v_arxiv, t[18] AS t_pmid, v[18] AS v_pmid,
        t[19] AS t_fetched, v[19] AS v_fetched, t[20] AS t_extra, v[20] AS v_extra
    FROM parsed
), vals AS (
    SELECT line, txt, judged, keys_ok,
        t_version IS NULL OR ((t_version = 'UBIGINT' OR t_version = 'BIGINT') AND v_version = '1') AS version_ok,
        -- strings: absent or null -> NULL, else stripped; required ones (source, kind, title) must not be null
        coalesce(t_source, 'VARCHAR') = 'VARCHAR' AND coalesce(t_kind, 'VARCHAR') = 'VARCHAR'
            AND coalesce(t_title, 'VARCHAR') = 'VARCHAR' AND fs_optional(t_record) AND fs_optional(t_abstract)
            AND fs_optional(t_text) AND fs_optional(t_url) AND fs_optional(t_language) AND fs_optional(t_doi)
            AND fs_optional(t_arxiv) AND fs_optional(t_pmid)
            AND (fs_optional(t_published) OR t_published = 'UBIGINT' OR t_published = 'BIGINT') AS types_ok,
        fs_str(t_source, v_source) AS source,
        fs_str(t_record, v_record) AS record_id,
        CASE WHEN t_kind = 'VARCHAR' THEN v_kind END AS kind,  -- a Literal: matched exactly, never stripped
        fs_str(t_title, v_title) AS title,
        fs_str(t_abstract, v_abstract) AS abstract,
        fs_str(t_text, v_text) AS body,
        fs_str(t_url, v_url) AS url,
        CASE WHEN t_published = 'VARCHAR' THEN fs_strip(v_published)
             WHEN t_published = 'UBIGINT' OR t_published = 'BIGINT' THEN v_published END AS pub_text,
        fs_str(t_language, v_language) AS lang,
        fs_list(t_authors, v_authors) AS authors,
        fs_list(t_affiliations, v_affiliations) AS affiliations,
        fs_list(t_countries, v_countries) AS countries,
        fs_list(t_categories, v_categories) AS categories,
        fs_list(t_keywords, v_keywords) AS keywords,
        fs_str(t_doi, v_doi) AS doi_text,
        fs_str(t_arxiv, v_arxiv) AS arxiv_text,
        fs_str(t_pmid, v_pmid) AS pmid_text,
        -- fetched_at in the ISO form spiders write; its wall-clock time is kept, as .replace(tzinfo=None) does
        CASE WHEN t_fetched = 'VARCHAR'
                  AND regexp_full_match(v_fetched, '[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?')
                  AND NOT starts_with(v_fetched, '0000')
             THEN try_cast(left(v_fetched, 10) || ' ' || regexp_extract(v_fetched, '^.{11}([0-9:]{8}(\.[0-9]+)?)', 1) AS TIMESTAMP)
        END AS fetched,
        t_fetched,
        -- extra: an object of strings, integers (to 18 digits), booleans, nulls and arrays of strings, with no key
        -- needing a strip. yyjson hands it over minified, so one regular expression can tell; fs_py_extra_json
        -- then writes it as the Python path does (orjson, sorted keys, no nulls).
        t_extra IS NULL OR (t_extra = 'OBJECT' AND regexp_full_match(v_extra, '@EXTRA_RE@')) AS extra_ok,
        CASE WHEN t_extra = 'OBJECT' THEN v_extra END AS extra_text
    FROM fields
), shaped AS (
    SELECT *,
        keys_ok AND version_ok AND types_ok
        AND authors IS NOT NULL AND affiliations IS NOT NULL AND countries IS NOT NULL
        AND categories IS NOT NULL AND keywords IS NOT NULL
        AND (coalesce(t_fetched, 'NULL') = 'NULL' OR fetched IS NOT NULL)
        AND extra_ok
        AS shape_ok,
        -- the forms warehouse.landing.parse_published reads with regular expressions, in its order; Python's \d
        -- also matches other scripts' digits, so anything else non-ASCII is left to it
        CASE WHEN pub_text IS NULL OR pub_text = '' OR regexp_matches(pub_text, '[^\x{00}-\x{7f}年月日]') THEN NULL
             WHEN regexp_full_match(pub_text, '[0-9]{4}') THEN 'year'
             WHEN regexp_full_match(pub_text, '[0-9]{4}-[0-9]{1,2}') THEN 'month'
             WHEN regexp_matches(pub_text, '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}') THEN 'dash'
             WHEN regexp_matches(pub_text, '^[0-9]{4}[/.][0-9]{1,2}[/.][0-9]{1,2}') THEN 'slash'
             WHEN regexp_matches(pub_text, '^[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日') THEN 'cn_day'
             WHEN regexp_matches(pub_text, '^[0-9]{4}年[0-9]{1,2}月') THEN 'cn_month'
        END AS pub_form
    FROM vals
), dated AS (
    SELECT *,
        CASE pub_form
            WHEN 'year' THEN {'y': pub_text, 'm': '1', 'd': '1'}
            WHEN 'month' THEN regexp_extract(pub_text, '^([0-9]{4})-([0-9]{1,2})()', ['y', 'm', 'd'])
            WHEN 'dash' THEN regexp_extract(pub_text, '^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})', ['y', 'm', 'd'])
            WHEN 'slash' THEN regexp_extract(pub_text, '^([0-9]{4})[/.]([0-9]{1,2})[/.]([0-9]{1,2})', ['y', 'm', 'd'])
            WHEN 'cn_day' THEN regexp_extract(pub_text, '^([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})', ['y', 'm', 'd'])
            WHEN 'cn_month' THEN regexp_extract(pub_text, '^([0-9]{4})年([0-9]{1,2})()', ['y', 'm', 'd'])
        END AS pub_parts
    FROM shaped
), resolved AS (
    SELECT *,
        CASE WHEN NOT shape_ok OR pub_text IS NULL OR pub_text = '' THEN NULL
             ELSE coalesce(
                 fs_date_text(pub_parts.y, pub_parts.m, CASE WHEN pub_parts.d = '' THEN '1' ELSE pub_parts.d END,
                              CASE WHEN pub_form = 'year' THEN 'year'
                                   WHEN pub_form IN ('month', 'cn_month') THEN 'month' ELSE 'day' END),
                 fs_py_published(pub_text))
        END AS pub_norm
    FROM dated
), routed AS (
    SELECT *,
        list_filter([
            CASE WHEN source IS NULL THEN 'source: Field required'
                 WHEN source = '' THEN 'source: String should have at least 1 character'
                 WHEN strlen(source) > 200 AND length(source) > 200 THEN 'source: String should have at most 200 characters' END,
            CASE WHEN strlen(record_id) > 2000 AND length(record_id) > 2000 THEN 'source_record_id: String should have at most 2000 characters' END,
            CASE WHEN kind IS NULL THEN 'kind: Field required'
                 WHEN NOT list_contains(@KINDS@, kind) THEN 'kind: Input should be @KIND_CHOICES@' END,
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
        ], lambda x: x IS NOT NULL) AS violations
    FROM resolved
), routed2 AS (
    SELECT *,
        CASE WHEN NOT shape_ok THEN 'python'
             WHEN pub_text <> '' AND pub_norm IS NULL THEN 'python'  -- an unparseable date: Python words the reason
             WHEN lang <> '' AND NOT fs_ascii(lang) THEN 'python'     -- str.lower() beyond ASCII
             -- identifiers beyond printable ASCII (Python's \d and \s match more than RE2's)
             WHEN NOT (coalesce(fs_plain(doi_text), true) AND coalesce(fs_plain(arxiv_text), true)
                       AND coalesce(fs_plain(pmid_text), true)) THEN 'python'
             WHEN len(violations) > 0 THEN 'reject'
             ELSE 'ok'
        END AS route
    FROM routed
), ok AS (
    SELECT line, route,
        CASE WHEN route = 'reject' THEN array_to_string(violations[1:4], '; ') END AS reason,
        CASE WHEN route = 'reject' THEN left(txt, 2000) END AS raw_head,
        source, coalesce(record_id, '') AS record_id, kind, title, nullif(abstract, '') AS abstract,
        nullif(body, '') AS body, url, pub_norm, lang, authors, affiliations, countries, categories, keywords,
        nullif(doi_text, '') AS doi_text, nullif(arxiv_text, '') AS arxiv_text, nullif(pmid_text, '') AS pmid_text,
        fetched,
        CASE WHEN route <> 'ok' THEN NULL WHEN extra_text IS NULL THEN '{}' ELSE fs_py_extra_json(extra_text) END
            AS extra_json,
        CASE WHEN route = 'ok' AND url <> '' THEN fs_url_parts(url) END AS url_parts,
        CASE WHEN route = 'ok' AND kind = 'paper' AND fs_ascii(title) THEN fs_title_words(title) END AS title_words,
        CASE WHEN route = 'ok' THEN fs_pmid_text(pmid_text) END AS pmid_plain
    FROM routed2
), ids AS (
    SELECT *,
        fs_doi(doi_text) AS doi,
        fs_arxiv(arxiv_text) AS arxiv_id,
        CASE WHEN regexp_full_match(pmid_plain, '[0-9]{1,9}') THEN nullif(ltrim(pmid_plain, '0'), '') END AS pmid,
        CASE WHEN route <> 'ok' OR url IS NULL OR url = '' THEN NULL
             ELSE coalesce(fs_url_of(url_parts),
                           -- not http(s) at all (a relative link, say): canonical_url says None without Python
                           CASE WHEN fs_ascii(left(url, 8)) AND NOT regexp_matches(url, '^[hH][tT][tT][pP][sS]?://')
                                THEN NULL ELSE fs_py_canonical_url(url) END) END AS canonical,
        CASE WHEN route <> 'ok' OR kind <> 'paper' THEN NULL
             WHEN title_words IS NOT NULL THEN fs_title_key_of_words(title_words)
             ELSE fs_py_title_key(title) END AS title_key,
        CASE WHEN route = 'ok' AND coalesce(lang, '') = '' THEN concat_ws(' ', title, abstract, left(body, 500)) END
            AS lang_sample,
        CASE WHEN route = 'ok' THEN sha256(fs_squash(title) || chr(10) || coalesce(fs_squash(abstract), '')
                                              || chr(10) || coalesce(fs_squash(body), '')) END AS content_hash
    FROM ok
), keyed AS (
    SELECT *,
        list_filter([
            'arxiv:' || arxiv_id,
            CASE WHEN starts_with(doi, '10.48550/arxiv.') AND strlen(doi) > 15  -- arXiv's own DataCite DOI is the arXiv id
                 THEN 'arxiv:' || fs_arxiv(doi[16:])
                 ELSE 'doi:' || doi END,
            'pmid:' || pmid,
            CASE WHEN record_id <> '' THEN 'rec:' || source || ':' || record_id END
        ], lambda x: x IS NOT NULL) AS strong_keys,
        CASE WHEN route <> 'ok' THEN NULL
             WHEN lang <> '' THEN lower(lang)
             WHEN fs_surely_zh(left(lang_sample, 600)) THEN 'zh'
             ELSE fs_py_detect_language(lang_sample) END AS language_code
    FROM ids
), keys AS (
    SELECT *,
        -- a URL identifies a page only when nothing stronger does (see warehouse.identity.record_keys)
        strong_keys
        || CASE WHEN len(strong_keys) = 0 AND canonical IS NOT NULL THEN ['url:' || canonical] ELSE [] END
        || CASE WHEN title_key IS NOT NULL THEN ['title:' || title_key] ELSE [] END AS all_keys
    FROM keyed
)
SELECT
    line,
    route,
    reason,
    raw_head,
    CASE WHEN len(all_keys) = 0 THEN 'hash:' || left(content_hash, 24) ELSE fs_doc_id(all_keys[1]) END AS doc_id,
    source,
    record_id,
    kind,
    title,
    abstract,
    body,
    coalesce(canonical, url) AS url,
    CASE length(pub_norm) WHEN 4 THEN make_date(pub_norm::INTEGER, 1, 1)
                          WHEN 7 THEN make_date(pub_norm[1:4]::INTEGER, pub_norm[6:7]::INTEGER, 1)
                          ELSE pub_norm::DATE END AS published,
    CASE length(pub_norm) WHEN 4 THEN 'year' WHEN 7 THEN 'month' WHEN 10 THEN 'day' END AS precision,
    language_code AS language,
    coalesce(lang, '') = '' AND language_code IS NOT NULL AS language_detected,
    authors,
    affiliations,
    CASE WHEN len(countries) < 2 THEN countries ELSE list_sort(list_distinct(countries)) END AS countries,
    CASE WHEN len(categories) < 2 THEN categories ELSE list_sort(list_distinct(categories)) END AS categories,
    CASE WHEN len(keywords) < 2 THEN keywords ELSE list_sort(list_distinct(keywords)) END AS keywords,
    doi,
    arxiv_id,
    pmid,
    coalesce(fetched, $now) AS seen,
    extra_json,
    content_hash,
    all_keys AS keys
FROM keys
