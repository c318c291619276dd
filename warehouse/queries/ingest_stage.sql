-- Prepare the rows ingest_parse.sql judged 'ok' exactly as warehouse.ingest._prepare does, in the row layout the
-- writer reads (warehouse.ingest._ROW_SCHEMA). The fs_py_* functions are the Python originals, called only for
-- the rows SQL cannot decide (an odd URL, a non-ASCII paper title, a language to detect) and for the content
-- hash (DuckDB's sha256 is ~20x slower than hashlib on this CPU).
CREATE OR REPLACE TEMP TABLE _fs_stage AS
WITH ids AS (
    SELECT *,
        fs_doi(nullif(doi_text, '')) AS doi,
        fs_arxiv(nullif(arxiv_text, '')) AS arxiv_id,
        fs_pmid(nullif(pmid_text, '')) AS pmid,
        CASE WHEN url IS NULL OR url = '' THEN NULL ELSE coalesce(fs_url(url), fs_py_canonical_url(url)) END
            AS canonical,
        CASE WHEN kind = 'paper' AND fs_ascii(title) THEN fs_title_words(title) END AS title_words,
        concat_ws(' ', title, abstract, left(body, 500)) AS lang_sample,
        fs_py_sha256(fs_squash(title) || chr(10) || coalesce(fs_squash(abstract), '') || chr(10)
                     || coalesce(fs_squash(body), '')) AS content_hash
    FROM _fs_parsed
    WHERE route = 'ok'
), keyed AS (
    SELECT *,
        CASE WHEN kind <> 'paper' THEN NULL
             WHEN title_words IS NOT NULL THEN fs_title_key_of_words(title_words)
             ELSE fs_py_title_key(title) END AS title_key,
        list_filter([
            'arxiv:' || arxiv_id,
            CASE WHEN regexp_matches(doi, '^10\.48550/arxiv\..')  -- arXiv's own DataCite DOI is the arXiv id
                 THEN 'arxiv:' || fs_arxiv(regexp_extract(doi, '^10\.48550/arxiv\.(.+)$', 1))
                 ELSE 'doi:' || doi END,
            'pmid:' || pmid,
            CASE WHEN record_id <> '' THEN 'rec:' || source || ':' || record_id END
        ], lambda x: x IS NOT NULL) AS strong_keys
    FROM ids
), keys AS (
    SELECT *,
        -- a URL identifies a page only when nothing stronger does (see warehouse.identity.record_keys)
        strong_keys
        || CASE WHEN len(strong_keys) = 0 AND canonical IS NOT NULL THEN ['url:' || canonical] ELSE [] END
        || CASE WHEN title_key IS NOT NULL THEN ['title:' || title_key] ELSE [] END AS all_keys,
        CASE WHEN lang <> '' THEN lower(lang)
             WHEN fs_surely_zh(left(lang_sample, 600)) THEN 'zh'
             ELSE fs_py_detect_language(lang_sample) END AS language_code
    FROM keyed
)
SELECT
    line,
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
FROM keys;
