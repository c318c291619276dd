-- Helpers of the set-based landing ingest (warehouse/ingest_sql.py), created as TEMP macros for one load.
-- The WS placeholders (filled in by warehouse/ingest_sql.py) are the whitespace pydantic strips from strings
-- (Unicode White_Space, as Rust's str::trim), as characters and as a regular-expression class. Within rows this path judges
-- (no \u001c-\u001f escapes, see ingest_landing.sql) it is also exactly Python's str.strip()/str.split() set.

-- trim() with a character set reads (and copies) the whole string, so it only runs when an end is whitespace;
-- regular expressions anchored at one end look at that end only.
CREATE OR REPLACE TEMP MACRO fs_edge_ws(s) AS regexp_matches(s, '^[@WS_CLASS@]') OR regexp_matches(s, '[@WS_CLASS@]$');
CREATE OR REPLACE TEMP MACRO fs_strip(s) AS CASE WHEN fs_edge_ws(s) THEN trim(s, '@WS@') ELSE s END;

-- " ".join(s.split()) for an already stripped string. Only runs other than a single ' ' are replaced (a run
-- holding another whitespace character, or two spaces or more): regexp_replace is slow per match, and those
-- runs are rare. contains() is cheap; the expression only runs where one is there.
CREATE OR REPLACE TEMP MACRO fs_squash(s) AS
    CASE WHEN contains(s, '  ') OR @HAS_ASCII_WS(s)@
              OR (strlen(s) <> length(s) AND regexp_matches(s, '[@WS_CLASS_NONASCII@]'))
         THEN regexp_replace(s, '[ ]*[@WS_CLASS_NOSPACE@][@WS_CLASS@]*|[ ]{2,}', ' ', 'g')
         ELSE s END;

CREATE OR REPLACE TEMP MACRO fs_ascii(s) AS strlen(s) = length(s);

-- Printable ASCII only: then Python's \d, \s and \S in warehouse.identity mean what RE2's [0-9], ' ' and [^ ] do.
CREATE OR REPLACE TEMP MACRO fs_plain(s) AS NOT regexp_matches(s, '[^\x{20}-\x{7e}]');

-- warehouse.landing LandingRecord._list_of_str for a JSON string: split on ';', strip, drop empties. The common
-- case (no whitespace next to a ';' or at an end, no empty item) is a plain split.
CREATE OR REPLACE TEMP MACRO fs_split_list(s) AS
    CASE WHEN s = '' THEN []::VARCHAR[]
         WHEN regexp_matches(s, '[@WS_CLASS@];|;[@WS_CLASS@]') OR fs_edge_ws(s)
         THEN list_filter(list_transform(string_split_regex(s, '[@WS_CLASS@]*;[@WS_CLASS@]*'), lambda x: fs_strip(x)),
                          lambda x: x <> '')
         WHEN contains(s, ';;') OR starts_with(s, ';') OR ends_with(s, ';')
         THEN list_filter(string_split(s, ';'), lambda x: x <> '')
         ELSE string_split(s, ';') END;

-- ... and for a JSON array of strings and nulls (the only arrays judged here; yyjson hands arrays over minified,
-- so an item with whitespace at an end shows as '"' next to whitespace, or an escape of it, at an item edge).
CREATE OR REPLACE TEMP MACRO fs_array_list(j) AS
    CASE WHEN regexp_matches(j, '(?:^\[|,)"(?:[@WS_CLASS@]|\\[tnrfu])|(?:[@WS_CLASS@]|\\[tnrf]|\\u[0-9a-fA-F]{4})"(?:,|\]$)')
         THEN list_filter(list_transform(json_extract_string(j, '$[*]'), lambda x: fs_strip(x)),
                          lambda x: x IS NOT NULL AND x <> '')
         WHEN contains(j, '""') OR contains(j, 'null')
         THEN list_filter(json_extract_string(j, '$[*]'), lambda x: x IS NOT NULL AND x <> '')
         ELSE json_extract_string(j, '$[*]') END;
CREATE OR REPLACE TEMP MACRO fs_strings_array(j) AS
    regexp_full_match(j, '\[((?:"(?:[^"\\]|\\.)*"|null)(?:,(?:"(?:[^"\\]|\\.)*"|null))*)?\]');

-- A list field as the model leaves it, from its JSON type and text (NULL when this path cannot judge it).
CREATE OR REPLACE TEMP MACRO fs_list(t, v) AS
    CASE WHEN t IS NULL OR t = 'NULL' THEN []::VARCHAR[]
         WHEN t = 'VARCHAR' THEN fs_split_list(v)
         WHEN t = 'ARRAY' AND fs_strings_array(v) THEN fs_array_list(v)
    END;

-- A string field after pydantic: NULL when absent or null, else stripped.
CREATE OR REPLACE TEMP MACRO fs_str(t, v) AS CASE WHEN t = 'VARCHAR' THEN fs_strip(v) END;

-- warehouse.identity.normalize_doi / normalize_arxiv_id / normalize_pmid for printable-ASCII input.
CREATE OR REPLACE TEMP MACRO fs_doi(s) AS
    lower(rtrim(nullif(regexp_extract(s, '(10\.[0-9]{4,9}/[^ ]+)', 1), ''), '.,;)'));
CREATE OR REPLACE TEMP MACRO fs_arxiv(s) AS
    coalesce(nullif(regexp_extract(s, '([0-9]{4}\.[0-9]{4,5})([vV][0-9]+)?', 1), ''),
             lower(nullif(regexp_extract(s, '(?i)([a-z\-]+(?:\.[A-Z]{2})?/[0-9]{7})(v[0-9]+)?', 1), '')));
CREATE OR REPLACE TEMP MACRO fs_unprefix(s, p) AS CASE WHEN starts_with(s, p) THEN s[length(p) + 1:] ELSE s END;
CREATE OR REPLACE TEMP MACRO fs_pmid_text(s) AS trim(fs_unprefix(fs_unprefix(s, 'PMID:'), 'pmid:'));
CREATE OR REPLACE TEMP MACRO fs_pmid(s) AS
    CASE WHEN regexp_full_match(fs_pmid_text(s), '[0-9]{1,9}') THEN nullif(ltrim(fs_pmid_text(s), '0'), '') END;

-- warehouse.identity.canonical_url for the URLs SQL can take: a plain host, port 80 or 443 or none, a path
-- without whitespace, and no query or a plain one (unreserved characters, at most one '=' a parameter: then
-- parse_qsl and urlencode change nothing but the order and the tracking parameters). One regular expression
-- splits the URL; NULL where Python must decide (then also when urlsplit would find the host 'www.' itself).
CREATE OR REPLACE TEMP MACRO fs_url_parts(s) AS
    regexp_extract(s, '^[hH][tT][tT][pP][sS]?://(?:[wW][wW][wW]\.)?([A-Za-z0-9.-]+)(?::(?:80|443))?(/[^?#@WS_CLASS@]*)?(\?[A-Za-z0-9_.~=&-]*)?(#.*)?$',
                   ['host', 'path', 'query', 'fragment']);
CREATE OR REPLACE TEMP MACRO fs_tracking(k) AS regexp_matches(k, '(?i)@TRACKING_RE@');
CREATE OR REPLACE TEMP MACRO fs_query(q) AS
    CASE WHEN q = '' OR q = '?' THEN ''
         WHEN NOT contains(q, '&') THEN  -- one parameter, the common case
             CASE WHEN strlen(q) - strlen(replace(q, '=', '')) > 1 THEN NULL
                  WHEN fs_tracking(split_part(q[2:], '=', 1)) THEN ''
                  ELSE q || CASE WHEN contains(q, '=') THEN '' ELSE '=' END END
         WHEN regexp_matches(q, '=[^&]*=') THEN NULL
         ELSE coalesce('?' || nullif(array_to_string(list_transform(list_sort(list_filter(
                  list_transform(list_filter(string_split(q[2:], '&'), lambda p: p <> ''),
                                 lambda p: {'k': split_part(p, '=', 1), 'v': split_part(p, '=', 2)}),
                  lambda kv: NOT fs_tracking(kv.k))), lambda kv: kv.k || '=' || kv.v), '&'), ''), '')
    END;
CREATE OR REPLACE TEMP MACRO fs_url_of(parts) AS
    CASE WHEN parts.host = '' OR (parts.query <> '' AND lower(parts.host) = 'www.') THEN NULL
         ELSE 'https://' || lower(parts.host) || rtrim(parts.path, '/') || fs_query(parts.query) END;
CREATE OR REPLACE TEMP MACRO fs_url(s) AS fs_url_of(fs_url_parts(s));

-- warehouse.identity.title_key for an ASCII title (NFKC and casefold are then plain lower-casing): the words
-- (runs of [a-z0-9_]) joined by single spaces, hashed when there are at least six.
CREATE OR REPLACE TEMP MACRO fs_title_words(s) AS trim(regexp_replace(lower(s), '[^a-z0-9_]+', ' ', 'g'), ' ');
CREATE OR REPLACE TEMP MACRO fs_title_key_of_words(w) AS
    CASE WHEN strlen(w) - strlen(replace(w, ' ', '')) >= 5 THEN left(sha1(w), 20) END;

-- warehouse.identity.doc_id_from_key.
CREATE OR REPLACE TEMP MACRO fs_doc_id(k) AS
    CASE WHEN split_part(k, ':', 1) IN ('arxiv', 'doi', 'pmid') THEN k
         WHEN split_part(k, ':', 1) = 'rec' THEN
             CASE WHEN length(substr(k, 5)) <= 120 THEN substr(k, 5) ELSE 'rec:' || left(sha1(substr(k, 5)), 24) END
         ELSE split_part(k, ':', 1) || ':' || left(sha1(substr(k, strpos(k, ':') + 1)), 24)
    END;

-- A date the model would store as text: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' (NULL when invalid or implausible:
-- then Python words the reason). y is four ASCII digits, m and d one or two.
CREATE OR REPLACE TEMP MACRO fs_date_text(y, m, d, precision) AS
    CASE WHEN y::INTEGER BETWEEN 1800 AND 2100 AND try(make_date(y::INTEGER, m::INTEGER, d::INTEGER)) IS NOT NULL THEN
        CASE precision WHEN 'year' THEN y
                       WHEN 'month' THEN y || '-' || lpad(m::INTEGER::VARCHAR, 2, '0')
                       ELSE strftime(make_date(y::INTEGER, m::INTEGER, d::INTEGER), '%Y-%m-%d') END
    END;

-- warehouse.language.detect_language says 'zh' for certain: no kana, and Han characters are over a fifth of an
-- upper bound of the letters (every character but ASCII non-letters). Otherwise Python decides.
CREATE OR REPLACE TEMP MACRO fs_surely_zh(s) AS
    NOT regexp_matches(s, '[\x{3040}-\x{30ff}]')
    AND regexp_matches(s, '[\x{4e00}-\x{9fa5}]')
    AND 5 * length(regexp_replace(s, '[^\x{3400}-\x{4dbf}\x{4e00}-\x{9fff}\x{f900}-\x{faff}]+', '', 'g'))
        > length(s) - length(regexp_replace(s, '[^\x{00}-\x{40}\x{5b}-\x{60}\x{7b}-\x{7f}]+', '', 'g'));

-- An optional string field's JSON type: absent, null or a string.
CREATE OR REPLACE TEMP MACRO fs_optional(t) AS t IS NULL OR t = 'NULL' OR t = 'VARCHAR';
