"""Reads and writes for `technologies` and the links to them: taxonomy sync, consultant decisions, evidence links."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import pyarrow as pa

from warehouse.db import fetch_dicts, ids_table, query, registered, transaction

TECH_STATUSES = ("seeded", "candidate", "accepted", "dismissed")
LINK_METHODS = ("alias", "embedding", "topic")


_TECH_SCHEMA = pa.schema([
    ("tech_id", pa.string()), ("name_en", pa.string()), ("name_zh", pa.string()),
    ("aliases", pa.list_(pa.string())), ("keywords", pa.list_(pa.string())), ("description", pa.string()),
    ("direction", pa.string()), ("status", pa.string()),
])


def sync_taxonomy(con: duckdb.DuckDBPyConnection, rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Bring the seeded taxonomy into `technologies`: insert new ids, refresh changed ones, touch nothing else.

    Idempotent: a second sync of the same rows changes nothing (not even updated_at). Rows another
    origin owns (added by the CLI, discovered) and consultants' status decisions are left alone.
    """
    if _in_sync(con, rows):  # every scan syncs: when nothing changed, skip the Arrow round trip (and its pandas import)
        return {"inserted": 0, "updated": 0, "total": len(rows)}
    table = pa.Table.from_pylist(
        [{k: r.get(k) for k in _TECH_SCHEMA.names} for r in rows], schema=_TECH_SCHEMA
    )
    now = dt.datetime.now()
    with registered(con, "_fs_tax", table), transaction(con):
        inserted = con.execute(
            "SELECT count(*) FROM _fs_tax WHERE tech_id NOT IN (SELECT tech_id FROM technologies)"
        ).fetchall()[0][0]
        con.execute(query("taxonomy_insert_new"), {"now": now})
        changed = con.execute(query("taxonomy_count_changed")).fetchall()[0][0]
        con.execute(query("taxonomy_update_changed"), {"now": now})
    return {"inserted": int(inserted), "updated": int(changed), "total": len(rows)}


_SYNCED = ("name_en", "name_zh", "aliases", "description", "direction", "keywords")


def _in_sync(con: duckdb.DuckDBPyConnection, rows: Sequence[Mapping[str, Any]]) -> bool:
    """Whether `sync_taxonomy` would change nothing: every id is stored, and taxonomy-owned ones hold these values."""
    stored = {
        r[0]: r[1:]
        for r in con.execute(f"SELECT tech_id, origin, {', '.join(_SYNCED)} FROM technologies").fetchall()
    }
    for row in rows:
        have = stored.get(row.get("tech_id"))
        if have is None:
            return False
        if have[0] != "taxonomy":
            continue
        for value, key in zip(have[1:], _SYNCED, strict=True):
            want = row.get(key)
            if (list(want) if isinstance(want, list | tuple) else want) != value:
                return False
    return True


def load_technologies(con: duckdb.DuckDBPyConnection, statuses: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Technology rows as dicts (optionally only some statuses), by tech_id."""
    sql = "SELECT * FROM technologies"
    params: list[Any] = []
    if statuses:
        sql += " WHERE list_contains(?, status)"
        params.append(list(statuses))
    return fetch_dicts(con, sql + " ORDER BY tech_id", params)


def get_technology(con: duckdb.DuckDBPyConnection, tech_id: str) -> dict[str, Any] | None:
    """One technology row, or None."""
    rows = fetch_dicts(con, "SELECT * FROM technologies WHERE tech_id = ?", [tech_id])
    return rows[0] if rows else None


def add_technology(con: duckdb.DuckDBPyConnection, row: Mapping[str, Any]) -> None:
    """Insert one technology (from the CLI or a discovered candidate); the id must be new."""
    now = dt.datetime.now()
    if get_technology(con, row["tech_id"]) is not None:
        raise ValueError(f"technology {row['tech_id']!r} already exists")
    con.execute(
        "INSERT INTO technologies (tech_id, name_en, name_zh, aliases, description, direction, status, origin, "
        "topic_id, decided_by, decision_reason, created_at, updated_at, keywords) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [row["tech_id"], row["name_en"], row.get("name_zh"), list(row.get("aliases") or []), row.get("description"),
         row.get("direction"), row.get("status", "accepted"), row.get("origin", "cli"), row.get("topic_id"),
         row.get("decided_by"), row.get("decision_reason"), now, now, list(row.get("keywords") or [])],
    )


def decide(
    con: duckdb.DuckDBPyConnection,
    tech_id: str,
    *,
    status: str,
    decided_by: str,
    reason: str,
    updates: Mapping[str, Any] | None = None,
) -> None:
    """Record a consultant's decision (accepted / dismissed) and optional edits; dismissing drops its links."""
    if status not in TECH_STATUSES:
        raise ValueError(f"unknown status {status!r}")
    allowed = {"name_en", "name_zh", "aliases", "description", "direction", "keywords"}
    updates = {k: v for k, v in (updates or {}).items() if v is not None}
    bad = set(updates) - allowed
    if bad:
        raise ValueError(f"cannot edit {sorted(bad)}")
    sets = ", ".join(f"{k} = ?" for k in updates)
    with transaction(con):
        con.execute(
            "UPDATE technologies SET status = ?, decided_by = ?, decision_reason = ?, updated_at = ?"
            + (", " + sets if sets else "") + " WHERE tech_id = ?",
            [status, decided_by, reason, dt.datetime.now(), *updates.values(), tech_id],
        )
        if status == "dismissed":
            con.execute("DELETE FROM document_technologies WHERE tech_id = ?", [tech_id])
        # The vocabulary changed: every document is alias-matched again at the next analysis.
        con.execute("DELETE FROM document_link_state")
    if status == "dismissed":
        # Its links are gone: bring the stored evidence in line now, so assessments stay on the fast path.
        from warehouse import evidence_store

        evidence_store.refresh(con)


def candidate_topics(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """topic id → tech id of every discovered technology (any status), so a topic is proposed once."""
    return dict(con.execute(
        "SELECT topic_id, tech_id FROM technologies WHERE topic_id IS NOT NULL"
    ).fetchall())


# ───────────────────────────── links ─────────────────────────────


def stale_link_docs(con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str], *, tech_digest: str) -> list[str]:
    """The documents among doc_ids not yet alias-matched against this vocabulary in their current text."""
    with registered(con, "_fs_link_check", ids_table(doc_ids)):
        rows = con.execute(
            "SELECT i.doc_id FROM _fs_link_check i JOIN documents d USING (doc_id) "
            "LEFT JOIN document_link_state s ON s.doc_id = d.doc_id "
            "WHERE s.doc_id IS NULL OR s.content_hash <> d.content_hash OR s.tech_digest <> ? ORDER BY i.doc_id",
            [tech_digest],
        ).fetchall()
    return [r[0] for r in rows]


def _links_table(links: Sequence[tuple[str, str, float, str | None]]) -> pa.Table:
    return pa.table({
        "doc_id": pa.array([x[0] for x in links], pa.string()),
        "tech_id": pa.array([x[1] for x in links], pa.string()),
        "confidence": pa.array([float(x[2]) for x in links], pa.float64()),
        "matched": pa.array([x[3] for x in links], pa.string()),
    })


def replace_alias_links(
    con: duckdb.DuckDBPyConnection,
    *,
    doc_ids: Sequence[str],
    content_hashes: Sequence[str],
    tech_digest: str,
    links: Sequence[tuple[str, str, float, str | None]],
) -> int:
    """Replace the 'alias' links of these documents with (doc_id, tech_id, confidence, matched) and mark them matched."""
    now = dt.datetime.now()
    docs = pa.table({
        "doc_id": pa.array(list(doc_ids), pa.string()),
        "content_hash": pa.array(list(content_hashes), pa.string()),
    })
    with registered(con, "_fs_link_docs", docs), registered(con, "_fs_links", _links_table(links)), transaction(con):
        con.execute(
            "DELETE FROM document_technologies WHERE method = 'alias' AND doc_id IN (SELECT doc_id FROM _fs_link_docs)"
        )
        con.execute(
            "INSERT INTO document_technologies (doc_id, tech_id, method, confidence, matched, linked_at) "
            "SELECT doc_id, tech_id, 'alias', confidence, matched, $now FROM _fs_links",
            {"now": now},
        )
        con.execute("DELETE FROM document_link_state WHERE doc_id IN (SELECT doc_id FROM _fs_link_docs)")
        con.execute(
            "INSERT INTO document_link_state SELECT doc_id, content_hash, $digest, $now FROM _fs_link_docs",
            {"digest": tech_digest, "now": now},
        )
    return len(links)


def replace_method_links(
    con: duckdb.DuckDBPyConnection, *, method: str, links: Sequence[tuple[str, str, float, str | None]]
) -> int:
    """Replace every link made by one method ('embedding' or 'topic'): they are recomputed each analysis."""
    if method not in LINK_METHODS or method == "alias":
        raise ValueError(f"method must be 'embedding' or 'topic', not {method!r}")
    now = dt.datetime.now()
    with registered(con, "_fs_mlinks", _links_table(links)), transaction(con):
        con.execute("DELETE FROM document_technologies WHERE method = ?", [method])
        con.execute(
            "INSERT INTO document_technologies (doc_id, tech_id, method, confidence, matched, linked_at) "
            "SELECT doc_id, tech_id, $method, confidence, matched, $now FROM _fs_mlinks",
            {"method": method, "now": now},
        )
    return len(links)


def alias_links(con: duckdb.DuckDBPyConnection, *, min_confidence: float = 0.0) -> pa.Table:
    """doc_id, tech_id, confidence of every alias link at or above min_confidence."""
    return con.sql(
        "SELECT doc_id, tech_id, confidence FROM document_technologies WHERE method = 'alias' "
        "AND confidence >= $c ORDER BY doc_id, tech_id",
        params={"c": min_confidence},
    ).to_arrow_table()


def write_topic_technologies(con: duckdb.DuckDBPyConnection, *, scan_id: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Store one scan's topic → technology links (replacing that scan's earlier ones)."""
    table = pa.table({
        "scan_id": pa.array([scan_id] * len(rows), pa.string()),
        "topic_id": pa.array([r["topic_id"] for r in rows], pa.string()),
        "tech_id": pa.array([r["tech_id"] for r in rows], pa.string()),
        "method": pa.array([r["method"] for r in rows], pa.string()),
        "confidence": pa.array([float(r["confidence"]) for r in rows], pa.float64()),
        "alias_share": pa.array([r.get("alias_share") for r in rows], pa.float64()),
        "similarity": pa.array([r.get("similarity") for r in rows], pa.float64()),
        "evidence": pa.array([r.get("evidence") for r in rows], pa.string()),
    })
    with registered(con, "_fs_tt", table), transaction(con):
        con.execute("DELETE FROM topic_technologies WHERE scan_id = ?", [scan_id])
        con.execute("INSERT INTO topic_technologies SELECT * FROM _fs_tt")


def link_summary(con: duckdb.DuckDBPyConnection, *, min_confidence: float = 0.5) -> list[dict[str, Any]]:
    """Per technology: status, direction and documents linked by each method (at or above min_confidence)."""
    return fetch_dicts(con, query("technology_link_summary"), {"c": min_confidence})


def technology_evidence(con: duckdb.DuckDBPyConnection, tech_id: str, *, limit: int = 10) -> dict[str, Any]:
    """Top linked documents and linked topics of one technology, for `tech show`."""
    params = {"tech_id": tech_id, "limit": limit}
    docs = con.execute(query("technology_documents"), params).fetchall()
    by_lang = con.execute(query("technology_link_counts"), {"tech_id": tech_id}).fetchall()
    topics = con.execute(query("technology_topics"), params).fetchall()
    return {
        "documents": [
            {"doc_id": r[0], "title": r[1], "published": r[2], "language": r[3], "method": r[4], "confidence": r[5],
             "matched": r[6]}
            for r in docs
        ],
        "counts": [{"language": r[0], "method": r[1], "documents": r[2]} for r in by_lang],
        "topics": [
            {"topic_id": r[0], "label": r[1], "size": r[2], "method": r[3], "confidence": r[4], "evidence": r[5]}
            for r in topics
        ],
    }
