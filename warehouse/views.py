"""The read-only query layer behind watchlists, movers, assessments and reports: named SQL in, plain dicts out."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

import duckdb

from warehouse import evidence_store
from warehouse.db import fetch_dicts, query, table_exists

# Links below this confidence are hints, not evidence; the same default the screening step reads.
MIN_CONFIDENCE = 0.5
# Ids looked up per `documents` query: DuckDB turns a join with at most 50 keys (its
# dynamic_or_filter_threshold) into primary-key lookups; beyond that it scans the whole table.
_IDS_PER_LOOKUP = 48


class ViewError(LookupError):
    """A view cannot be built as asked (no such scan, no scores yet); the message says what exists."""


def _rows(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return fetch_dicts(con, query(name), params or {})


# Tables known to exist, per connection: an assessment asks about a dozen times, and tables are added by
# migrations, never dropped, so a table once seen stays (a missing one is asked again next time).
_TABLES_SEEN: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, set[str]] = weakref.WeakKeyDictionary()


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the warehouse has this table (main schema), remembered per connection once seen."""
    seen = _TABLES_SEEN.setdefault(con, set())
    if name in seen:
        return True
    if table_exists(con, name):
        seen.add(name)
        return True
    return False


# Connections inside `one_reading`: whether the stored evidence was current when it began.
_READING: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, bool] = weakref.WeakKeyDictionary()


def evidence_is_stored(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the stored evidence (warehouse.evidence_store) is current, so the evidence views may read it."""
    if con in _READING:
        return _READING[con]
    return has_table(con, "evidence_state") and evidence_store.is_current(con, tables_known=True)


@contextlib.contextmanager
def one_reading(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """A block of views read together (an assessment): whether the stored evidence is current is asked once.

    Only for blocks that do not write meanwhile; nested blocks keep the outer block's answer.
    """
    if con in _READING:
        yield
        return
    _READING[con] = evidence_is_stored(con)
    try:
        yield
    finally:
        _READING.pop(con, None)


def _evidence_rows(
    con: duckdb.DuckDBPyConnection, name: str, tech_id: str | None, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """Run an evidence query (its __EVIDENCE__ the technology's evidence rows, or every technology's for None).

    The rows come from tech_evidence while it is current, else from the same computation over links and
    documents: the answer is the same, only the time differs.
    """
    stored = evidence_is_stored(con)
    if tech_id is None:
        rel = evidence_store.stored_evidence_sql() if stored else evidence_store.live_evidence_sql()
    else:
        rel = (evidence_store.stored_evidence_sql("tech_id = $tech_id") if stored
               else evidence_store.live_evidence_sql("l.tech_id = $tech_id"))
        params = {**params, "tech_id": tech_id}
    # The evidence relation is chosen per call (stored table or live computation), so it is spliced in here.
    return fetch_dicts(con, query(name).replace("__EVIDENCE__", rel), params)


def _json(text: str | None, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


# ───────────────────────────── scans ─────────────────────────────


def scans(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every scan with scores, newest first (scan order is started_at)."""
    if not (has_table(con, "scans") and has_table(con, "tech_scores")):
        return []
    return _rows(con, "scans")


def resolve_scan(con: duckdb.DuckDBPyConnection, scan: str = "latest") -> dict[str, Any]:
    """The scan named `scan` ('latest' = newest non-backtest scan with scores, else newest of any)."""
    known = scans(con)
    if not known:
        raise ViewError("no scored scan in the warehouse yet: run a scan (or `futurescan score`) first")
    if scan in ("latest", "", None):
        regular = [s for s in known if not s["backtest"]]
        return (regular or known)[0]
    for s in known:
        if s["scan_id"] == scan:
            return s
    names = ", ".join(s["scan_id"] for s in known[:8])
    raise ViewError(f"no scored scan {scan!r}; scans with scores (newest first): {names}")


def previous_scan(con: duckdb.DuckDBPyConnection, scan_id: str) -> dict[str, Any] | None:
    """The latest scan with scores started before `scan_id`; backtests are skipped unless `scan_id` is one."""
    known = scans(con)
    current = next((s for s in known if s["scan_id"] == scan_id), None)
    if current is None:
        return None
    for s in known:  # newest first
        if s["scan_id"] == scan_id or s["backtest"] != current["backtest"]:
            continue
        if (s["started_at"], s["scan_id"]) < (current["started_at"], current["scan_id"]):
            return s
    return None


# ───────────────────────────── watchlist and movers ─────────────────────────────


def ranked_scores(con: duckdb.DuckDBPyConnection, scan_id: str) -> list[dict[str, Any]]:
    """A scan's scores with rank (None for unranked), names, growth and the latest overrides; ranked first."""
    rows = _rows(con, "ranked_scores", {"scan_id": scan_id})
    for r in rows:
        r["reasons"] = _json(r["reasons"], {})
    return rows


def new_candidates(
    con: duckdb.DuckDBPyConnection, since: dt.datetime | None, until: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Technologies with status 'candidate' created after `since` (and up to `until`), most evidence first."""
    return _rows(con, "new_candidates", {"since": since, "until": until})


def evidence_trends(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date | None,
    tech_id: str | None = None,
    min_confidence: float = MIN_CONFIDENCE,
) -> dict[str, dict[int, dict[str, int]]]:
    """tech_id → year → kind → linked documents dated before as_of (every technology when tech_id is None)."""
    out: dict[str, dict[int, dict[str, int]]] = {}
    params = {"as_of": as_of, "min_confidence": min_confidence}
    for r in _evidence_rows(con, "evidence_trend", tech_id, params):
        out.setdefault(r["tech_id"], {}).setdefault(int(r["year"]), {})[r["kind"]] = int(r["documents"])
    return out


def card_evidence(con: duckdb.DuckDBPyConnection, scan_id: str, per_tech: int = 5) -> dict[str, list[dict[str, Any]]]:
    """tech_id → its newest evidence documents among those behind its indicators in the scan."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in _rows(con, "card_evidence", {"scan_id": scan_id, "per_tech": per_tech}):
        out.setdefault(r["tech_id"], []).append(r)
    return out


# ───────────────────────────── technologies ─────────────────────────────


def technologies(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every technology row (any status), for resolving a typed name."""
    if not has_table(con, "technologies"):
        return []
    rows = _rows(con, "technologies")
    for r in rows:
        r["aliases"] = list(r["aliases"] or [])
    return rows


# ───────────────────────────── assessment parts ─────────────────────────────


def tech_score(con: duckdb.DuckDBPyConnection, scan_id: str, tech_id: str) -> dict[str, Any] | None:
    """One technology's score row in a scan, JSON columns parsed; None when the scan did not score it."""
    rows = _rows(con, "tech_score", {"scan_id": scan_id, "tech_id": tech_id})
    if not rows:
        return None
    r = rows[0]
    r["disruptive_attributes"] = _json(r["disruptive_attributes"], [])
    r["reasons"] = _json(r["reasons"], {})
    r["horizon_evidence"] = _json(r["horizon_evidence"], {})
    return r


def score_history(con: duckdb.DuckDBPyConnection, tech_id: str) -> list[dict[str, Any]]:
    """One technology's calls in every scan that scored it, oldest first."""
    return _rows(con, "score_history", {"tech_id": tech_id})


def indicators(con: duckdb.DuckDBPyConnection, scan_id: str, tech_id: str) -> list[dict[str, Any]]:
    """Indicator values of one technology in one scan with parsed details and evidence ids."""
    rows = _rows(con, "indicators", {"scan_id": scan_id, "tech_id": tech_id})
    for r in rows:
        r["details"] = _json(r["details"], {})
        r["doc_ids"] = list(r["doc_ids"] or [])
    return rows


def documents(con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """doc_id → title, kind, date, url, identifiers (arXiv, DOI, PMID) and issuer, for the given ids (unknown ids are left out)."""
    ids = sorted(set(doc_ids))
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), _IDS_PER_LOOKUP):  # a few keys per query, so each is a key lookup
        out.update((r["doc_id"], r) for r in _rows(con, "documents", {"doc_ids": ids[start : start + _IDS_PER_LOOKUP]}))
    return {d: out[d] for d in ids if d in out}


def evidence_documents(con: duckdb.DuckDBPyConnection, tech_id: str, doc_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """As `documents`, for documents that are mostly one technology's evidence (an assessment's).

    While the stored evidence is current they are read from that technology's rows of it, a few
    contiguous blocks; ids it does not hold (and every id while it is stale) come from `documents`.
    """
    ids = sorted(set(doc_ids))
    found: dict[str, dict[str, Any]] = {}
    if ids and evidence_is_stored(con):
        found = {r["doc_id"]: r for r in _rows(con, "evidence_documents", {"tech_id": tech_id, "doc_ids": ids})}
    found.update(documents(con, [d for d in ids if d not in found]))
    return {d: found[d] for d in ids if d in found}


def weekly_trend(
    con: duckdb.DuckDBPyConnection, tech_id: str, as_of: dt.date, weeks: int = 26, min_confidence: float = MIN_CONFIDENCE
) -> list[dict[str, Any]]:
    """Linked documents per week (Monday start) over the `weeks` weeks before as_of; empty weeks left out."""
    params = {"as_of": as_of, "weeks": weeks, "min_confidence": min_confidence}
    return _evidence_rows(con, "weekly_trend", tech_id, params)


def leaders(
    con: duckdb.DuckDBPyConnection, tech_id: str, as_of: dt.date, top: int = 8, min_confidence: float = MIN_CONFIDENCE
) -> dict[str, list[dict[str, Any]]]:
    """{'institution': [...], 'country': [...]}: who carries most of the evidence, by document count."""
    out: dict[str, list[dict[str, Any]]] = {"institution": [], "country": []}
    params = {"as_of": as_of, "top": top, "min_confidence": min_confidence}
    for r in _evidence_rows(con, "leaders", tech_id, params):
        out[r["what"]].append({"name": r["name"], "documents": int(r["documents"])})
    return out


def policy_mentions(
    con: duckdb.DuckDBPyConnection, tech_id: str, as_of: dt.date, limit: int = 20, min_confidence: float = MIN_CONFIDENCE
) -> list[dict[str, Any]]:
    """Policy documents linked to a technology before as_of, newest first."""
    params = {"as_of": as_of, "limit": limit, "min_confidence": min_confidence}
    return _evidence_rows(con, "policy_mentions", tech_id, params)


def milestones(
    con: duckdb.DuckDBPyConnection,
    tech_id: str,
    as_of: dt.date,
    max_funding: int = 10,
    min_confidence: float = MIN_CONFIDENCE,
) -> list[dict[str, Any]]:
    """Events derived from the evidence (first paper, first policy mention, first trial, funding rounds ...), by date.

    The cues (approval, mass production, funding ...) are found once per document version by
    warehouse.evidence_store, not here on every call.
    """
    params = {"as_of": as_of, "max_funding": max_funding, "min_confidence": min_confidence}
    return _evidence_rows(con, "milestones", tech_id, params)


def override_history(con: duckdb.DuckDBPyConnection, tech_id: str) -> list[dict[str, Any]]:
    """Every consultant judgement recorded for a technology, oldest first (the table is append-only)."""
    if not has_table(con, "overrides"):
        return []
    return fetch_dicts(con, query("override_history"), [tech_id])


# ───────────────────────────── topic lineage (tables of migrations 021–022, when present) ─────────────────────────────

_TOPIC_TABLES = ("topics", "topic_snapshots", "topic_technologies", "topic_events", "analysis_runs")


def topic_lineage(con: duckdb.DuckDBPyConnection, tech_id: str, limit: int = 8) -> dict[str, Any]:
    """The topics carrying a technology and their lineage events; {"available": False, "note": why} without them.

    The topic tables belong to another stage of the pipeline: a warehouse without them (or with a shape this
    reader does not know yet) degrades to a note instead of failing the assessment.
    """
    missing = [t for t in _TOPIC_TABLES if not has_table(con, t)]
    if missing:
        return {"available": False, "note": "no topic tables yet (" + ", ".join(missing) + ")", "topics": [], "events": []}
    try:
        topics = _rows(con, "topic_lineage", {"tech_id": tech_id, "limit": limit})
        ids = [t["topic_id"] for t in topics]
        events = _rows(con, "topic_events", {"topic_ids": ids, "limit": 200}) if ids else []
    except duckdb.Error as exc:
        return {"available": False, "note": f"topic tables not readable: {str(exc).splitlines()[0]}", "topics": [], "events": []}
    for t in topics:
        t["keywords"] = list(t["keywords"] or [])
        t["successors"] = list(t["successors"] or [])
        t["size_history"] = [int(x) for x in t["size_history"] or []]
        t["scan_history"] = list(t["scan_history"] or [])
    for e in events:
        e["from_topics"] = list(e["from_topics"] or [])
        e["to_topics"] = list(e["to_topics"] or [])
        e["details"] = _json(e["details"], {})
    note = "" if topics else "no topic is linked to this technology yet"
    return {"available": True, "note": note, "topics": topics, "events": events}
