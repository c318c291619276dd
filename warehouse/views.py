"""The read-only query layer behind watchlists, movers, assessments and reports: named SQL in, plain dicts out."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Sequence
from importlib import resources
from typing import Any

import duckdb

from warehouse.db import table_exists

# Links below this confidence are hints, not evidence; the same default the screening step reads.
MIN_CONFIDENCE = 0.5


class ViewError(LookupError):
    """A view cannot be built as asked (no such scan, no scores yet); the message says what exists."""


@functools.cache
def sql(name: str) -> str:
    """The text of a named query in warehouse/queries/."""
    return (resources.files("warehouse") / "queries" / f"{name}.sql").read_text(encoding="utf-8")


def _rows(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql(name), params or {})
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


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
    if not (table_exists(con, "scans") and table_exists(con, "tech_scores")):
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
    params = {"as_of": as_of, "tech_id": tech_id, "min_confidence": min_confidence}
    for r in _rows(con, "evidence_trend", params):
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
    if not table_exists(con, "technologies"):
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
    """doc_id → title, kind, date, url and identifiers, for the given ids (unknown ids are left out)."""
    ids = sorted(set(doc_ids))
    if not ids:
        return {}
    return {r["doc_id"]: r for r in _rows(con, "documents", {"doc_ids": ids})}


def weekly_trend(
    con: duckdb.DuckDBPyConnection, tech_id: str, as_of: dt.date, weeks: int = 26, min_confidence: float = MIN_CONFIDENCE
) -> list[dict[str, Any]]:
    """Linked documents per week (Monday start) over the `weeks` weeks before as_of; empty weeks left out."""
    params = {"tech_id": tech_id, "as_of": as_of, "weeks": weeks, "min_confidence": min_confidence}
    return _rows(con, "weekly_trend", params)


def leaders(
    con: duckdb.DuckDBPyConnection, tech_id: str, as_of: dt.date, top: int = 8, min_confidence: float = MIN_CONFIDENCE
) -> dict[str, list[dict[str, Any]]]:
    """{'institution': [...], 'country': [...]}: who carries most of the evidence, by document count."""
    out: dict[str, list[dict[str, Any]]] = {"institution": [], "country": []}
    params = {"tech_id": tech_id, "as_of": as_of, "top": top, "min_confidence": min_confidence}
    for r in _rows(con, "leaders", params):
        out[r["what"]].append({"name": r["name"], "documents": int(r["documents"])})
    return out


def policy_mentions(
    con: duckdb.DuckDBPyConnection, tech_id: str, as_of: dt.date, limit: int = 20, min_confidence: float = MIN_CONFIDENCE
) -> list[dict[str, Any]]:
    """Policy documents linked to a technology before as_of, newest first."""
    params = {"tech_id": tech_id, "as_of": as_of, "limit": limit, "min_confidence": min_confidence}
    return _rows(con, "policy_mentions", params)


def milestones(
    con: duckdb.DuckDBPyConnection,
    tech_id: str,
    as_of: dt.date,
    max_funding: int = 10,
    min_confidence: float = MIN_CONFIDENCE,
) -> list[dict[str, Any]]:
    """Events derived from the evidence (first paper, first policy mention, first trial, funding rounds ...), by date."""
    params = {"tech_id": tech_id, "as_of": as_of, "max_funding": max_funding, "min_confidence": min_confidence}
    return _rows(con, "milestones", params)


def override_history(con: duckdb.DuckDBPyConnection, tech_id: str) -> list[dict[str, Any]]:
    """Every consultant judgement recorded for a technology, oldest first (the table is append-only)."""
    if not table_exists(con, "overrides"):
        return []
    cur = con.execute(
        "SELECT override_id, field, value, decided_by, reason, recorded_at, scan_id, computed_value "
        "FROM overrides WHERE tech_id = ? ORDER BY recorded_at, override_id",
        [tech_id],
    )
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


# ───────────────────────────── topic lineage (tables of migrations 021–022, when present) ─────────────────────────────

_TOPIC_TABLES = ("topics", "topic_snapshots", "topic_technologies", "topic_events", "analysis_runs")


def topic_lineage(con: duckdb.DuckDBPyConnection, tech_id: str, limit: int = 8) -> dict[str, Any]:
    """The topics carrying a technology and their lineage events; {"available": False, "note": why} without them.

    The topic tables belong to another stage of the pipeline: a warehouse without them (or with a shape this
    reader does not know yet) degrades to a note instead of failing the assessment.
    """
    missing = [t for t in _TOPIC_TABLES if not table_exists(con, t)]
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
