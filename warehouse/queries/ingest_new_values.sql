-- ingest_new_values: the new values of the stored documents a chunk meets (_fs_docs, actions 'replace' and 'fill').
-- 'replace' takes the primary source's new text, 'fill' only adds what the stored document lacks. New values
-- are computed first, reading only the small columns of the matched rows; then ingest_update_scalars updates
-- the scalar columns where they change (in place), and ingest_update_lists the list columns only where a list
-- gains something: DuckDB rewrites a whole row to update a list, which is costly on a large warehouse. A list
-- or extra that gains nothing is left exactly as stored (a first load keeps affiliations in the source's
-- order, and json_merge_patch rewrites numbers), so re-loads change nothing but last_seen.
CREATE OR REPLACE TEMP TABLE _fs_new AS
WITH n AS (
    SELECT d.doc_id,
        {'title': i.title, 'abstract': i.abstract, 'body': i.body, 'kind': i.kind,
         'language_detected': i.language_detected, 'primary_source': i.primary_source,
         'primary_record': i.primary_record, 'content_hash': i.content_hash} AS text,
        i.action = 'replace' AS replace,
        CASE WHEN i.action = 'replace' THEN i.language ELSE coalesce(d.language, i.language) END AS language,
        CASE WHEN i.action = 'replace' THEN d.version + 1 ELSE d.version END AS version,
        CASE WHEN i.action = 'replace' THEN $now ELSE d.updated_at END AS updated_at,
        CASE WHEN i.action = 'replace' THEN coalesce(i.published, d.published)
             ELSE coalesce(d.published, i.published) END AS published,
        CASE WHEN i.action = 'replace' AND i.published IS NOT NULL THEN i.date_precision
             WHEN d.published IS NULL THEN i.date_precision ELSE d.date_precision END AS date_precision,
        coalesce(d.url, i.url) AS url,
        coalesce(d.arxiv_id, i.arxiv_id) AS arxiv_id,
        coalesce(d.doi, i.doi) AS doi,
        coalesce(d.pmid, i.pmid) AS pmid,
        fs_same_json(d.extra, CASE WHEN i.action = 'replace' THEN json_merge_patch(d.extra, i.extra::JSON)
                                   ELSE json_merge_patch(i.extra::JSON, d.extra) END) AS extra,
        least(d.first_seen, i.seen_first) AS first_seen,
        greatest(d.last_seen, i.seen_last) AS last_seen,
        CASE WHEN i.action = 'replace' AND len(i.authors) > 0 THEN i.authors
             WHEN len(coalesce(d.authors, [])) = 0 THEN i.authors ELSE d.authors END AS authors,
        fs_union(d.affiliations, i.affiliations) AS affiliations,
        fs_union(d.countries, i.countries) AS countries,
        fs_union(d.categories, i.categories) AS categories,
        fs_union(d.keywords, i.keywords) AS keywords,
        {'language': d.language, 'version': d.version, 'updated_at': d.updated_at, 'published': d.published,
         'date_precision': d.date_precision, 'url': d.url, 'arxiv_id': d.arxiv_id, 'doi': d.doi, 'pmid': d.pmid,
         'extra': d.extra, 'first_seen': d.first_seen, 'last_seen': d.last_seen} AS old_scalars,
        {'authors': d.authors, 'affiliations': d.affiliations, 'countries': d.countries,
         'categories': d.categories, 'keywords': d.keywords} AS old_lists
    FROM documents d JOIN _fs_docs i USING (doc_id)
    WHERE i.action IN ('replace', 'fill')
)
SELECT *,
    replace OR {'language': language, 'version': version, 'updated_at': updated_at, 'published': published,
                'date_precision': date_precision, 'url': url, 'arxiv_id': arxiv_id, 'doi': doi, 'pmid': pmid,
                'extra': extra, 'first_seen': first_seen, 'last_seen': last_seen} IS DISTINCT FROM old_scalars
        AS scalars_change,
    {'authors': authors, 'affiliations': affiliations, 'countries': countries, 'categories': categories,
     'keywords': keywords} IS DISTINCT FROM old_lists AS lists_change
FROM n
