"""The evidence the read views use, precomputed: milestone cues per document version, and every link with its document's fields, in technology order.

Why: an assessment reads one technology's evidence five ways (yearly and weekly trend, leaders, policy
mentions, milestones). Read live, each of them joined the links with every document, and the milestones
ran regular expressions over the text of every linked document on every call, which grows with the
warehouse. `refresh` (run by the analysis stage after it writes links) finds the cues of each
linked document once per version and rebuilds `tech_evidence`; the views read that table only while its
stamp equals the warehouse's current one, and otherwise compute the same rows live (`live_evidence_sql`),
so a stale table can slow a view down but never change what it shows.

The stamp is what can be read cheaply on every view: links (count, latest link time) and
documents (count, sum of versions, latest change and sighting). It misses one thing: a record that only
fills in a missing field of a stored document (its URL, an identifier, a date, an affiliation) while
carrying an older sighting than any stored document. Every scan refreshes after its ingest, so that can
only show between a hand-run ingest of such records and the next scan.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass

import duckdb

from warehouse.db import fetch_one, table_exists, transaction

# The text the cues are looked for in (lower-cased title, abstract and the start of the body) and the cues
# themselves: deliberately few and literal — a timeline, not a score. Both the stored cues and the live
# fallback use these expressions, so they cannot drift apart; changing them changes CUE_VERSION, and the
# next refresh recomputes every document's cues.
CUE_TEXT = "lower(d.title || ' ' || coalesce(d.abstract, '') || ' ' || coalesce(left(d.body, 1500), ''))"
STAGE_EVENT = r"""CASE
    WHEN regexp_matches(txt, '\b(fda|nmpa|ema)\b[^.]{0,20}(approv|clear)|获批|批准上市') THEN 'approval'
    WHEN regexp_matches(txt, 'mass[- ]produc|volume production|量产|批量生产|投产') THEN 'mass_production'
    WHEN regexp_matches(txt, 'commerciali[sz]|commercial launch|商业化|商用') THEN 'commercialisation'
    WHEN regexp_matches(txt, 'clinical trial|first[- ]in[- ]human|\bphase (i|ii|iii|1|2|3)\b|临床试验|临床研究') THEN 'clinical_trial'
    WHEN regexp_matches(txt, 'prototype|样机|原型机|中试') THEN 'prototype'
END"""
# A funding-round phrase; the views count it as a funding round only in news.
FUNDING_CUE = r"regexp_matches(txt, 'rais(es|ed|ing) (\$|€|£|us\$|usd|rmb|¥)|\bseries [a-h]\b|seed (round|funding)|融资|天使轮|[a-h]\+?轮')"
CUE_VERSION = hashlib.sha256("\n".join((CUE_TEXT, STAGE_EVENT, FUNDING_CUE)).encode()).hexdigest()[:12]

# The document's affiliations and countries as the leaders view counts them: trimmed, each once.
INSTITUTIONS = "list_distinct(list_transform(coalesce(d.affiliations, []), lambda x: trim(x)))"
COUNTRIES = "list_distinct(list_transform(coalesce(d.countries, []), lambda x: trim(x)))"

# What the views show of a document (migration 091), as `documents` gives it.
DISPLAY = ("d.title, d.url, d.arxiv_id, d.doi, d.pmid, json_extract_string(d.extra, '$.issuing_body') AS issuer, "
           "json_extract_string(d.extra, '$.doc_number') AS doc_number")

# The columns of an evidence row (tech_evidence, migrations 090 and 091): one row per linked (technology,
# document) pair.
EVIDENCE_COLUMNS = ("tech_id", "doc_id", "confidence", "links", "kind", "published", "date_precision",
                    "institutions", "countries", "stage_event", "funding_cue",
                    "title", "url", "arxiv_id", "doi", "pmid", "issuer", "doc_number")
_TABLES = ("document_cues", "tech_evidence", "evidence_state")
# Part of the stamp: a table built for other columns (an older version of this module) is never read.
LAYOUT_VERSION = hashlib.sha256(",".join(EVIDENCE_COLUMNS).encode()).hexdigest()[:8]


def _pairs_sql(where: str) -> str:
    """The linked (technology, document) pairs: strongest confidence and every link, by method."""
    return f"""SELECT tech_id, doc_id, max(confidence) AS confidence,
                  list({{'method': method, 'confidence': confidence, 'matched': matched}} ORDER BY method) AS links
           FROM document_technologies l {where} GROUP BY tech_id, doc_id"""


def live_evidence_sql(tech_filter: str = "") -> str:
    """SQL for the evidence rows computed from links and documents (`tech_filter`: a condition on l.tech_id, or '')."""
    pairs = _pairs_sql(f"WHERE {tech_filter}" if tech_filter else "")
    return f"""
        SELECT tech_id, doc_id, confidence, links, kind, published, date_precision, institutions, countries,
               {STAGE_EVENT} AS stage_event, {FUNDING_CUE} AS funding_cue,
               title, url, arxiv_id, doi, pmid, issuer, doc_number
        FROM (SELECT p.tech_id, p.doc_id, p.confidence, p.links, d.kind, d.published, d.date_precision,
                     {INSTITUTIONS} AS institutions, {COUNTRIES} AS countries, {CUE_TEXT} AS txt, {DISPLAY}
              FROM ({pairs}) p JOIN documents d USING (doc_id))"""


def stored_evidence_sql(tech_filter: str = "") -> str:
    """SQL for the evidence rows read from tech_evidence (`tech_filter`: a condition on tech_id, or '')."""
    return f"SELECT {', '.join(EVIDENCE_COLUMNS)} FROM tech_evidence" + (f" WHERE {tech_filter}" if tech_filter else "")


# The stamp of what the evidence is built from: links (count, latest link time), documents (count, sum of
# versions — a new text is a new version —, latest change and sighting) and the cue version. Links are only
# ever replaced with a new linked_at, so a change of links changes it; aggregates over plain columns are cheap
# even on a large warehouse, where a hash over every row would read all of it.
STAMP_SQL = f"""(SELECT 'links ' || count(*) || '/' || coalesce(max(epoch_us(linked_at)), 0) FROM document_technologies)
    || (SELECT '; documents ' || count(*) || '/' || coalesce(sum(version), 0) || '/'
               || coalesce(max(epoch_us(updated_at)), 0) || '/' || coalesce(max(epoch_us(last_seen)), 0) FROM documents)
    || '; cues {CUE_VERSION}; layout {LAYOUT_VERSION}'"""


def current_stamp(con: duckdb.DuckDBPyConnection) -> str:
    """What the evidence would be built from now (aggregates only: cheap to ask on every view)."""
    row = fetch_one(con, f"SELECT {STAMP_SQL}")
    assert row is not None
    return str(row[0])


def stored_stamp(con: duckdb.DuckDBPyConnection) -> str | None:
    """The stamp tech_evidence was built with; None when it was never built (or the warehouse predates migration 090)."""
    if not table_exists(con, "evidence_state"):
        return None
    row = fetch_one(con, "SELECT stamp FROM evidence_state WHERE id = 1")
    return row[0] if row else None


def is_current(con: duckdb.DuckDBPyConnection, *, tables_known: bool = False) -> bool:
    """Whether tech_evidence holds exactly the rows the live computation would give now (one query).

    tables_known: the caller already knows the evidence tables exist (skips that check).
    """
    if not tables_known and not table_exists(con, "evidence_state"):
        return False
    row = fetch_one(con, f"SELECT coalesce((SELECT stamp FROM evidence_state WHERE id = 1) = {STAMP_SQL}, false)")
    return bool(row and row[0])


@dataclass(frozen=True)
class EvidenceRefresh:
    """What one refresh did."""

    rebuilt: bool                 # False: the evidence was already current
    rows: int                     # rows in tech_evidence: linked (technology, document) pairs
    cues_computed: int            # documents whose cues were (re)computed
    seconds: float


_UPSERT_CUES = f"""
INSERT INTO document_cues
SELECT doc_id, content_hash, {STAGE_EVENT} AS stage_event, {FUNDING_CUE} AS funding_cue, $version, $now
FROM (
    SELECT d.doc_id, d.content_hash, {CUE_TEXT} AS txt
    FROM documents d
    WHERE d.doc_id IN (SELECT doc_id FROM document_technologies)
      AND NOT EXISTS (SELECT 1 FROM document_cues c
                      WHERE c.doc_id = d.doc_id AND c.content_hash = d.content_hash AND c.cue_version = $version)
)
ON CONFLICT (doc_id) DO UPDATE SET
    content_hash = excluded.content_hash, stage_event = excluded.stage_event, funding_cue = excluded.funding_cue,
    cue_version = excluded.cue_version, computed_at = excluded.computed_at
"""

_BUILD = f"""
INSERT INTO tech_evidence ({", ".join(EVIDENCE_COLUMNS)})
SELECT p.tech_id, p.doc_id, p.confidence, p.links, d.kind, d.published, d.date_precision,
       {INSTITUTIONS}, {COUNTRIES}, c.stage_event, c.funding_cue, {DISPLAY}
FROM ({_pairs_sql("")}) p
JOIN documents d USING (doc_id)
JOIN document_cues c ON c.doc_id = d.doc_id AND c.content_hash = d.content_hash AND c.cue_version = $version
ORDER BY p.tech_id, d.published NULLS LAST, p.doc_id
"""


def refresh(con: duckdb.DuckDBPyConnection, *, force: bool = False) -> EvidenceRefresh:
    """Bring tech_evidence up to date with the links and documents, in one transaction; a no-op when current.

    Cues are computed only for linked documents whose text (or the cue expressions) changed since their
    cues were found; the table itself is rebuilt whole, in technology order. con: a migrated writer connection.
    """
    t0 = time.perf_counter()
    if not all(table_exists(con, t) for t in _TABLES):
        raise RuntimeError("the evidence tables are missing: run `futurescan db migrate` (migrations 090 and 091)")
    stamp = current_stamp(con)
    if not force and stored_stamp(con) == stamp:
        rows = fetch_one(con, "SELECT rows_built FROM evidence_state WHERE id = 1")
        return EvidenceRefresh(False, int(rows[0]) if rows else 0, 0, time.perf_counter() - t0)
    now = dt.datetime.now()
    bar = fetch_one(con, "SELECT current_setting('enable_progress_bar')")
    con.execute("SET enable_progress_bar = false")  # finding cues at 1M documents takes seconds: no bar in the logs
    try:
        return _rebuild(con, stamp, now, t0)
    finally:
        con.execute(f"SET enable_progress_bar = {'true' if bar and bar[0] else 'false'}")


def _rebuild(con: duckdb.DuckDBPyConnection, stamp: str, now: dt.datetime, t0: float) -> EvidenceRefresh:
    with transaction(con):
        fetch_one(con, _UPSERT_CUES, {"version": CUE_VERSION, "now": now})
        con.execute("DELETE FROM tech_evidence")
        fetch_one(con, _BUILD, {"version": CUE_VERSION})
        counts = fetch_one(con, "SELECT (SELECT count(*) FROM tech_evidence), "
                                "(SELECT count(*) FROM (SELECT DISTINCT tech_id, doc_id FROM document_technologies)), "
                                "(SELECT count(*) FROM document_cues WHERE cue_version = ? AND computed_at = ?)",
                           [CUE_VERSION, now])
        assert counts is not None
        rows, pairs, computed = (int(x) for x in counts)
        if rows != pairs:  # every linked document has current cues after the upsert: a mismatch is a bug
            raise RuntimeError(f"evidence rebuild gave {rows} rows for {pairs} linked (technology, document) pairs")
        seconds = time.perf_counter() - t0
        con.execute(
            "INSERT INTO evidence_state VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET stamp = excluded.stamp, "
            "rows_built = excluded.rows_built, cues_computed = excluded.cues_computed, seconds = excluded.seconds, "
            "built_at = excluded.built_at",
            [stamp, rows, computed, seconds, now],
        )
    return EvidenceRefresh(True, rows, computed, seconds)
