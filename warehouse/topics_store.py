"""Reads and writes for the topic analysis: documents to analyse, embeddings, Chinese terms, topics, lineage.

Bulk data travels as Arrow tables (never row-by-row inserts): vectors go in as list arrays and come
back as one numpy matrix.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from warehouse.db import fetch_dicts, fetch_one, ids_table, query, registered, transaction

# Tables holding one scan's analysis, cleared when a scan is analysed again.
_SCAN_TABLES = ("topic_snapshots", "topic_members", "topic_events", "topic_technologies")


def _vectors_array(vectors: np.ndarray) -> pa.Array:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, d = vectors.shape if vectors.ndim == 2 else (0, 0)
    offsets = pa.array(np.arange(0, (n + 1) * d, d, dtype=np.int32) if n else np.zeros(1, np.int32))
    return pa.ListArray.from_arrays(offsets, pa.array(vectors.ravel(), pa.float32()))


def _matrix(column: pa.ChunkedArray | pa.Array, dim: int | None = None) -> np.ndarray:
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if len(arr) == 0:
        return np.zeros((0, dim or 0), dtype=np.float32)
    flat = arr.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    return flat.reshape(len(arr), -1)


# ───────────────────────────── documents ─────────────────────────────


def analysis_documents(con: duckdb.DuckDBPyConnection, *, as_of: dt.date | None, since: dt.date | None) -> pa.Table:
    """doc_id, language, kind, title, published, date_precision, first_seen, content_hash of the documents a scan analyses.

    With as_of, only documents published before it (undated ones are left out: they cannot be
    placed in time); with since, only those published on or after it. Sorted by doc_id so the
    analysis is deterministic.
    """
    where = []
    params: dict[str, Any] = {}
    if as_of is not None:
        where.append("published IS NOT NULL AND published < $as_of")
        params["as_of"] = as_of
    if since is not None:
        where.append("published >= $since")
        params["since"] = since
    sql = (
        "SELECT doc_id, coalesce(language, '') AS language, kind, title, published, date_precision, first_seen, "
        "content_hash "
        "FROM documents" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY doc_id"
    )
    return con.sql(sql, params=params or None).to_arrow_table()


def document_texts(con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str], *, body_chars: int = 2000) -> pa.Table:
    """doc_id, title, abstract (first 4,000 characters) and the start of the body for the given documents."""
    with registered(con, "_fs_text_ids", ids_table(doc_ids)):
        return con.sql(
            "SELECT d.doc_id, d.title, substr(coalesce(d.abstract, ''), 1, 4000) AS abstract, "
            "substr(coalesce(d.body, ''), 1, $n) AS body "
            "FROM documents d JOIN _fs_text_ids USING (doc_id) ORDER BY d.doc_id",
            params={"n": body_chars},
        ).to_arrow_table()


# ───────────────────────────── embeddings ─────────────────────────────


def content_hashes(con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str]) -> dict[str, str]:
    """doc_id → current content hash for the given documents (unknown ids are left out)."""
    with registered(con, "_fs_hash_ids", ids_table(doc_ids)):
        got = con.sql(
            "SELECT d.doc_id, d.content_hash FROM documents d JOIN _fs_hash_ids USING (doc_id)"
        ).to_arrow_table()
    return dict(zip(got.column("doc_id").to_pylist(), got.column("content_hash").to_pylist(), strict=True))


def forget_embeddings(con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str], *, model: str) -> int:
    """Delete these documents' vectors for a model, so the next analysis embeds them again."""
    with registered(con, "_fs_forget", ids_table(doc_ids)):
        before = con.execute("SELECT count(*) FROM embeddings WHERE model = ?", [model]).fetchall()[0][0]
        con.execute("DELETE FROM embeddings WHERE model = ? AND doc_id IN (SELECT doc_id FROM _fs_forget)", [model])
        after = con.execute("SELECT count(*) FROM embeddings WHERE model = ?", [model]).fetchall()[0][0]
    return int(before - after)


def stale_embeddings(
    con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str], *, model: str, recipe: str
) -> list[str]:
    """The documents among doc_ids without a current vector for this model and recipe."""
    with registered(con, "_fs_emb_check", ids_table(doc_ids)):
        rows = con.execute(
            "SELECT i.doc_id FROM _fs_emb_check i JOIN documents d USING (doc_id) "
            "LEFT JOIN embeddings e ON e.doc_id = d.doc_id AND e.model = ? "
            "WHERE e.doc_id IS NULL OR e.content_hash <> d.content_hash OR e.recipe <> ? ORDER BY i.doc_id",
            [model, recipe],
        ).fetchall()
    return [r[0] for r in rows]


def vectors_for_texts(
    con: duckdb.DuckDBPyConnection, text_hashes: Sequence[str], *, model: str, recipe: str
) -> dict[str, np.ndarray]:
    """Stored vectors of identical texts (by text hash), so a re-dated or re-sourced document is not re-embedded."""
    if not text_hashes:
        return {}
    table = pa.table({"text_hash": pa.array(list(dict.fromkeys(text_hashes)), pa.string())})
    with registered(con, "_fs_text_hashes", table):
        got = con.sql(
            "SELECT e.text_hash, any_value(e.vector) AS vector FROM embeddings e "
            "JOIN _fs_text_hashes h USING (text_hash) WHERE e.model = $model AND e.recipe = $recipe "
            "GROUP BY e.text_hash",
            params={"model": model, "recipe": recipe},
        ).to_arrow_table()
    matrix = _matrix(got.column("vector"))
    return {h: matrix[i] for i, h in enumerate(got.column("text_hash").to_pylist())}


def write_embeddings(
    con: duckdb.DuckDBPyConnection,
    *,
    model: str,
    recipe: str,
    doc_ids: Sequence[str],
    content_hashes: Sequence[str],
    text_hashes: Sequence[str],
    vectors: np.ndarray,
) -> int:
    """Store (replace) the vectors of these documents for this model, in one transaction."""
    if not len(doc_ids):
        return 0
    now = dt.datetime.now()
    table = pa.table({
        "doc_id": pa.array(list(doc_ids), pa.string()),
        "model": pa.array([model] * len(doc_ids), pa.string()),
        "content_hash": pa.array(list(content_hashes), pa.string()),
        "recipe": pa.array([recipe] * len(doc_ids), pa.string()),
        "text_hash": pa.array(list(text_hashes), pa.string()),
        "dim": pa.array([int(vectors.shape[1])] * len(doc_ids), pa.int32()),
        "vector": _vectors_array(vectors),
        "embedded_at": pa.array([now] * len(doc_ids), pa.timestamp("us")),
    })
    with registered(con, "_fs_emb_new", table), transaction(con):
        con.execute("DELETE FROM embeddings WHERE model = ? AND doc_id IN (SELECT doc_id FROM _fs_emb_new)", [model])
        con.execute(
            "INSERT INTO embeddings (doc_id, model, content_hash, recipe, text_hash, dim, vector, embedded_at) "
            "SELECT doc_id, model, content_hash, recipe, text_hash, dim, vector, embedded_at FROM _fs_emb_new"
        )
    return len(doc_ids)


def load_embeddings(
    con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str], *, model: str, batch_rows: int = 65536
) -> tuple[list[str], np.ndarray]:
    """(doc ids, matrix) of the stored vectors of these documents for this model, in doc_id order.

    Why streamed: a million 384-dimension float32 vectors are 1.5 GB. Sorting or joining the
    vector payload in DuckDB, then holding the whole Arrow result, combining and flattening it, needed
    several copies of that. Here only the ids are joined and sorted; the vectors are streamed in
    batches of `batch_rows` and each row is placed by position into one preallocated float32 matrix,
    so the peak is about the matrix itself.
    """
    with registered(con, "_fs_emb_load", ids_table(doc_ids)):
        found = con.sql(
            "SELECT e.doc_id, e.dim FROM embeddings e WHERE e.model = $model "
            "AND e.doc_id IN (SELECT doc_id FROM _fs_emb_load) ORDER BY e.doc_id",
            params={"model": model},
        ).to_arrow_table()
        ids: list[str] = found.column("doc_id").to_pylist()
        dims = set(found.column("dim").to_pylist())
        del found
        if len(dims) > 1:
            raise ValueError(f"stored {model!r} vectors differ in dimension: {sorted(dims)}")
        dim = dims.pop() if dims else 0
        X = np.empty((len(ids), dim), dtype=np.float32)
        if not ids:
            return ids, X
        pos = {d: i for i, d in enumerate(ids)}
        total = fetch_one(con, "SELECT count(*) FROM embeddings WHERE model = ?", [model])
        # Every stored vector asked for: a plain scan; a subset: the same scan filtered on the ids (still streamed).
        subset = "" if total and int(total[0]) == len(ids) else " AND doc_id IN (SELECT doc_id FROM _fs_emb_load)"
        reader = con.sql(
            f"SELECT doc_id, vector FROM embeddings WHERE model = $model{subset}", params={"model": model}
        ).to_arrow_reader(batch_rows)
        placed = 0
        for batch in reader:
            rows = np.fromiter((pos[d] for d in batch.column(0).to_pylist()), np.int64, batch.num_rows)
            vectors = batch.column(1)
            values = vectors.flatten().to_numpy(zero_copy_only=False)
            if values.size != batch.num_rows * dim:
                raise ValueError(f"stored {model!r} vectors do not all have {dim} values")
            X[rows] = values.reshape(batch.num_rows, dim)
            placed += batch.num_rows
    if placed != len(ids):
        raise RuntimeError(f"placed {placed} of {len(ids)} vectors (the embeddings changed while loading?)")
    return ids, X


def embedding_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(model, recipe, vectors) stored, for status output."""
    return [tuple(r) for r in con.execute(
        "SELECT model, recipe, count(*) FROM embeddings GROUP BY ALL ORDER BY 3 DESC"
    ).fetchall()]


def copy_embeddings_from(con: duckdb.DuckDBPyConnection, other_db: Path, *, model: str) -> int:
    """Copy another warehouse's current vectors of this model for documents both hold (benchmarks, migrations)."""
    con.execute(f"ATTACH '{str(other_db)}' AS _fs_src (READ_ONLY)")
    try:
        with transaction(con):
            before = con.execute("SELECT count(*) FROM embeddings").fetchall()[0][0]
            con.execute(
                "INSERT INTO embeddings SELECT e.* FROM _fs_src.embeddings e JOIN documents d "
                "ON d.doc_id = e.doc_id AND d.content_hash = e.content_hash WHERE e.model = ? "
                "AND e.doc_id NOT IN (SELECT doc_id FROM embeddings WHERE model = ?)",
                [model, model],
            )
            after = con.execute("SELECT count(*) FROM embeddings").fetchall()[0][0]
    finally:
        con.execute("DETACH _fs_src")
    return int(after - before)


# ───────────────────────────── Chinese terms ─────────────────────────────


def stale_terms(con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str], *, recipe: str) -> list[str]:
    """The documents among doc_ids whose segmentation is missing or out of date."""
    with registered(con, "_fs_terms_check", ids_table(doc_ids)):
        rows = con.execute(
            "SELECT i.doc_id FROM _fs_terms_check i JOIN documents d USING (doc_id) "
            "LEFT JOIN document_terms t ON t.doc_id = d.doc_id "
            "WHERE t.doc_id IS NULL OR t.content_hash <> d.content_hash OR t.recipe <> ? ORDER BY i.doc_id",
            [recipe],
        ).fetchall()
    return [r[0] for r in rows]


def write_terms(
    con: duckdb.DuckDBPyConnection,
    *,
    recipe: str,
    doc_ids: Sequence[str],
    content_hashes: Sequence[str],
    terms: Sequence[Sequence[str]],
) -> int:
    """Store (replace) the segmentations of these documents."""
    if not len(doc_ids):
        return 0
    table = pa.table({
        "doc_id": pa.array(list(doc_ids), pa.string()),
        "content_hash": pa.array(list(content_hashes), pa.string()),
        "recipe": pa.array([recipe] * len(doc_ids), pa.string()),
        "terms": pa.array([list(t) for t in terms], pa.list_(pa.string())),
        "segmented_at": pa.array([dt.datetime.now()] * len(doc_ids), pa.timestamp("us")),
    })
    with registered(con, "_fs_terms_new", table), transaction(con):
        con.execute("DELETE FROM document_terms WHERE doc_id IN (SELECT doc_id FROM _fs_terms_new)")
        con.execute("INSERT INTO document_terms SELECT doc_id, content_hash, recipe, terms, segmented_at FROM _fs_terms_new")
    return len(doc_ids)


def load_terms(con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str]) -> dict[str, list[str]]:
    """doc_id → stored words for these documents."""
    with registered(con, "_fs_terms_load", ids_table(doc_ids)):
        got = con.sql(
            "SELECT t.doc_id, t.terms FROM document_terms t JOIN _fs_terms_load USING (doc_id)"
        ).to_arrow_table()
    return dict(zip(got.column("doc_id").to_pylist(), got.column("terms").to_pylist(), strict=True))


# ───────────────────────────── analysis runs ─────────────────────────────


def previous_run(con: duckdb.DuckDBPyConnection, *, exclude_scan_id: str | None = None) -> dict[str, Any] | None:
    """The latest successful analysis other than exclude_scan_id, as a dict; None when there is none."""
    rows = fetch_dicts(
        con,
        "SELECT scan_id, as_of, model, fingerprint, config_digest, started_at, finished_at, summary "
        "FROM analysis_runs WHERE status = 'succeeded' AND scan_id IS DISTINCT FROM ? "
        "ORDER BY finished_at DESC, scan_id DESC LIMIT 1",
        [exclude_scan_id],
    )
    if not rows:
        return None
    out = rows[0]
    out["summary"] = json.loads(out["summary"]) if out.get("summary") else {}
    return out


def start_run(
    con: duckdb.DuckDBPyConnection,
    *,
    scan_id: str,
    as_of: dt.date | None,
    model: str,
    fingerprint: str,
    config_digest: str,
    previous_scan_id: str | None,
) -> None:
    """Record a run as started, first clearing anything an earlier attempt of this scan left."""
    with transaction(con):
        for table in _SCAN_TABLES:
            con.execute(f"DELETE FROM {table} WHERE scan_id = ?", [scan_id])
        con.execute("DELETE FROM topics WHERE born_scan_id = ?", [scan_id])
        con.execute("DELETE FROM analysis_runs WHERE scan_id = ?", [scan_id])
        con.execute(
            "INSERT INTO analysis_runs (scan_id, as_of, model, previous_scan_id, fingerprint, config_digest, status, "
            "reused, started_at) VALUES (?, ?, ?, ?, ?, ?, 'running', FALSE, ?)",
            [scan_id, as_of, model, previous_scan_id, fingerprint, config_digest, dt.datetime.now()],
        )


def finish_run(
    con: duckdb.DuckDBPyConnection, *, scan_id: str, status: str, summary: dict[str, Any], reused: bool = False
) -> None:
    """Mark a run succeeded or failed, with its summary."""
    con.execute(
        "UPDATE analysis_runs SET status = ?, finished_at = ?, summary = ?, reused = ? WHERE scan_id = ?",
        [status, dt.datetime.now(), json.dumps(summary, default=str, ensure_ascii=False), reused, scan_id],
    )


def run_info(con: duckdb.DuckDBPyConnection, scan_id: str) -> dict[str, Any] | None:
    """One analysis run (scan_id, as_of, model, status, reused, previous_scan_id), or None."""
    rows = fetch_dicts(
        con,
        "SELECT scan_id, as_of, model, status, reused, previous_scan_id, started_at, finished_at "
        "FROM analysis_runs WHERE scan_id = ?",
        [scan_id],
    )
    return rows[0] if rows else None


def analysis_runs(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[dict[str, Any]]:
    """The latest analysis runs, newest first."""
    return fetch_dicts(
        con,
        "SELECT scan_id, as_of, model, status, reused, started_at, finished_at, previous_scan_id "
        "FROM analysis_runs ORDER BY started_at DESC LIMIT ?",
        [limit],
    )


# ───────────────────────────── topics ─────────────────────────────


def max_topic_number(con: duckdb.DuckDBPyConnection) -> int:
    """The highest number in any topic id ever issued ('T0042' → 42), so ids are never reused."""
    row = con.execute(
        "SELECT max(TRY_CAST(regexp_extract(topic_id, '[0-9]+$') AS BIGINT)) FROM topics"
    ).fetchall()[0]
    return int(row[0]) if row[0] is not None else 0


def load_members(con: duckdb.DuckDBPyConnection, scan_id: str, space: str) -> dict[str, list[str]]:
    """topic id → member doc ids of one space in one scan."""
    got = con.sql(
        "SELECT m.topic_id, list(m.doc_id ORDER BY m.doc_id) AS docs FROM topic_members m "
        "JOIN topic_snapshots s USING (scan_id, topic_id) WHERE m.scan_id = $scan AND s.space = $space "
        "GROUP BY m.topic_id",
        params={"scan": scan_id, "space": space},
    ).to_arrow_table()
    return dict(zip(got.column("topic_id").to_pylist(), got.column("docs").to_pylist(), strict=True))


def load_snapshots(con: duckdb.DuckDBPyConnection, scan_id: str, space: str | None = None) -> list[dict[str, Any]]:
    """Every topic snapshot of a scan (optionally one space), largest first, centroids as numpy arrays."""
    sql = "SELECT * FROM topic_snapshots WHERE scan_id = $scan" + (" AND space = $space" if space else "")
    params: dict[str, Any] = {"scan": scan_id}
    if space:
        params["space"] = space
    table = con.sql(sql + " ORDER BY size DESC, topic_id", params=params).to_arrow_table()
    rows = table.to_pylist()
    for r in rows:
        if r.get("centroid") is not None:
            r["centroid"] = np.asarray(r["centroid"], dtype=np.float32)
    return rows


_SNAPSHOT_SCHEMA = pa.schema([
    ("scan_id", pa.string()), ("topic_id", pa.string()), ("space", pa.string()), ("language", pa.string()),
    ("size", pa.int64()), ("new_members", pa.int64()), ("label", pa.string()),
    ("keywords", pa.list_(pa.string())), ("keyword_weights", pa.list_(pa.float64())),
    ("representative_doc_ids", pa.list_(pa.string())), ("centroid", pa.list_(pa.float32())),
    ("cohesion", pa.float64()), ("recent_share", pa.float64()), ("growth", pa.float64()),
    ("first_published", pa.date32()), ("last_published", pa.date32()),
])


def write_topics(
    con: duckdb.DuckDBPyConnection,
    *,
    scan_id: str,
    snapshots: Sequence[dict[str, Any]],
    member_topic_ids: Sequence[str],
    member_doc_ids: Sequence[str],
    member_similarities: np.ndarray,
) -> None:
    """Store one space's topic snapshots and memberships for a scan."""
    rows = []
    for s in snapshots:
        row = {k: s.get(k) for k in _SNAPSHOT_SCHEMA.names}
        row["scan_id"] = scan_id
        c = row.get("centroid")
        row["centroid"] = None if c is None else [float(x) for x in np.asarray(c).ravel()]
        rows.append(row)
    snaps = pa.Table.from_pylist(rows, schema=_SNAPSHOT_SCHEMA)
    members = pa.table({
        "scan_id": pa.array([scan_id] * len(member_doc_ids), pa.string()),
        "topic_id": pa.array(list(member_topic_ids), pa.string()),
        "doc_id": pa.array(list(member_doc_ids), pa.string()),
        "similarity": pa.array(np.asarray(member_similarities, dtype=np.float32), pa.float32()),
    })
    with registered(con, "_fs_snaps", snaps), registered(con, "_fs_members", members), transaction(con):
        con.execute(f"INSERT INTO topic_snapshots ({', '.join(snaps.column_names)}) SELECT * FROM _fs_snaps")
        con.execute("INSERT INTO topic_members SELECT scan_id, topic_id, doc_id, similarity FROM _fs_members")


def write_events(
    con: duckdb.DuckDBPyConnection,
    *,
    scan_id: str,
    previous_scan_id: str | None,
    space: str,
    events: Sequence[tuple[str, Sequence[str], Sequence[str], dict[str, Any]]],
) -> None:
    """Store lineage events: (event, from topic ids, to topic ids, details)."""
    if not events:
        return
    now = dt.datetime.now()
    table = pa.table({
        "scan_id": pa.array([scan_id] * len(events), pa.string()),
        "previous_scan_id": pa.array([previous_scan_id] * len(events), pa.string()),
        "space": pa.array([space] * len(events), pa.string()),
        "event": pa.array([e[0] for e in events], pa.string()),
        "from_topics": pa.array([list(e[1]) for e in events], pa.list_(pa.string())),
        "to_topics": pa.array([list(e[2]) for e in events], pa.list_(pa.string())),
        "details": pa.array([json.dumps(e[3], default=str, ensure_ascii=False) for e in events], pa.string()),
        "created_at": pa.array([now] * len(events), pa.timestamp("us")),
    })
    with registered(con, "_fs_events", table):
        con.execute(
            "INSERT INTO topic_events SELECT scan_id, previous_scan_id, space, event, from_topics, to_topics, "
            "CAST(details AS JSON), created_at FROM _fs_events"
        )


def update_registry(
    con: duckdb.DuckDBPyConnection,
    *,
    scan_id: str,
    snapshots: Sequence[dict[str, Any]],
    ended: dict[str, tuple[str, list[str]]],
) -> None:
    """Keep `topics` (one row per id ever issued) in step with a scan: new ids, latest labels, how topics ended."""
    present = pa.table({
        "topic_id": pa.array([s["topic_id"] for s in snapshots], pa.string()),
        "space": pa.array([s["space"] for s in snapshots], pa.string()),
        "language": pa.array([s.get("language") for s in snapshots], pa.string()),
        "label": pa.array([s["label"] for s in snapshots], pa.string()),
        "size": pa.array([int(s["size"]) for s in snapshots], pa.int64()),
    })
    gone = pa.table({
        "topic_id": pa.array(list(ended), pa.string()),
        "status": pa.array([v[0] for v in ended.values()], pa.string()),
        "successors": pa.array([list(v[1]) for v in ended.values()], pa.list_(pa.string())),
    })
    with registered(con, "_fs_present", present), registered(con, "_fs_gone", gone), transaction(con):
        con.execute(
            "INSERT INTO topics (topic_id, space, language, born_scan_id, last_scan_id, status, successors, label, size) "
            "SELECT topic_id, space, language, $scan, $scan, 'active', [], label, size FROM _fs_present "
            "ON CONFLICT (topic_id) DO UPDATE SET last_scan_id = excluded.last_scan_id, status = 'active', "
            "successors = [], label = excluded.label, size = excluded.size, language = excluded.language",
            {"scan": scan_id},
        )
        con.execute(
            "UPDATE topics SET status = g.status, successors = g.successors FROM _fs_gone g "
            "WHERE topics.topic_id = g.topic_id"
        )


def carry_over(con: duckdb.DuckDBPyConnection, *, from_scan: str, to_scan: str) -> int:
    """Copy a scan's topics, members and topic links to a new scan id (nothing changed in between)."""
    with transaction(con):
        con.execute(
            "INSERT INTO topic_snapshots SELECT * REPLACE (CAST(? AS VARCHAR) AS scan_id, 0::BIGINT AS new_members) "
            "FROM topic_snapshots WHERE scan_id = ?",
            [to_scan, from_scan],
        )
        con.execute(
            "INSERT INTO topic_members SELECT ?, topic_id, doc_id, similarity FROM topic_members WHERE scan_id = ?",
            [to_scan, from_scan],
        )
        con.execute(
            "INSERT INTO topic_technologies SELECT * REPLACE (CAST(? AS VARCHAR) AS scan_id) "
            "FROM topic_technologies WHERE scan_id = ?",
            [to_scan, from_scan],
        )
        con.execute(
            "UPDATE topics SET last_scan_id = ? WHERE status = 'active' AND topic_id IN "
            "(SELECT topic_id FROM topic_snapshots WHERE scan_id = ?)",
            [to_scan, to_scan],
        )
    return int(con.execute("SELECT count(*) FROM topic_snapshots WHERE scan_id = ?", [to_scan]).fetchall()[0][0])


# ───────────────────────────── reading for people ─────────────────────────────


def latest_scan_id(con: duckdb.DuckDBPyConnection) -> str | None:
    """The scan id of the latest successful analysis."""
    run = previous_run(con)
    return run["scan_id"] if run else None


def list_topics(
    con: duckdb.DuckDBPyConnection, *, scan_id: str, space: str | None = None, limit: int = 30, sort: str = "size"
) -> list[dict[str, Any]]:
    """One row per topic of a scan: id, space, size, new members, growth, label, best technology link."""
    order = {"size": "s.size DESC", "growth": "s.growth DESC NULLS LAST, s.size DESC", "new": "s.new_members DESC"}[sort]
    params: dict[str, Any] = {"scan": scan_id, "limit": limit}
    where = "s.scan_id = $scan"
    if space:
        where += " AND s.space = $space"
        params["space"] = space
    return fetch_dicts(
        con,
        f"""
        SELECT s.topic_id, s.space, s.language, s.size, s.new_members, round(s.growth, 2) AS growth,
               s.label, t.born_scan_id AS born,
               (SELECT tt.tech_id || ' (' || round(tt.confidence, 2) || ')' FROM topic_technologies tt
                 WHERE tt.scan_id = s.scan_id AND tt.topic_id = s.topic_id ORDER BY tt.confidence DESC LIMIT 1) AS technology
        FROM topic_snapshots s LEFT JOIN topics t USING (topic_id)
        WHERE {where} ORDER BY {order}, s.topic_id LIMIT $limit
        """,
        params,
    )


def topic_history(con: duckdb.DuckDBPyConnection, topic_id: str) -> dict[str, Any] | None:
    """Everything about one topic: registry row, snapshots by scan, events, technology links, representative titles."""
    rows = fetch_dicts(con, "SELECT * FROM topics WHERE topic_id = ?", [topic_id])
    if not rows:
        return None
    info: dict[str, Any] = rows[0]
    snaps = con.execute(
        "SELECT s.scan_id, r.as_of, s.size, s.new_members, round(s.growth, 2), s.label, s.keywords, "
        "s.representative_doc_ids FROM topic_snapshots s JOIN analysis_runs r USING (scan_id) "
        "WHERE s.topic_id = ? ORDER BY r.started_at",
        [topic_id],
    ).fetchall()
    info["snapshots"] = [
        {"scan_id": s[0], "as_of": s[1], "size": s[2], "new_members": s[3], "growth": s[4], "label": s[5],
         "keywords": list(s[6] or []), "representative_doc_ids": list(s[7] or [])}
        for s in snaps
    ]
    info["events"] = [
        {"scan_id": e[0], "event": e[1], "from": list(e[2]), "to": list(e[3]), "details": json.loads(e[4]) if e[4] else {}}
        for e in con.execute(
            "SELECT scan_id, event, from_topics, to_topics, CAST(details AS VARCHAR) FROM topic_events "
            "WHERE list_contains(from_topics, ?) OR list_contains(to_topics, ?) ORDER BY created_at",
            [topic_id, topic_id],
        ).fetchall()
    ]
    last = info["snapshots"][-1] if info["snapshots"] else None
    info["technologies"] = [
        {"tech_id": t[0], "method": t[1], "confidence": t[2], "evidence": t[3]}
        for t in con.execute(
            "SELECT tech_id, method, round(confidence, 3), evidence FROM topic_technologies "
            "WHERE topic_id = ? AND scan_id = ? ORDER BY confidence DESC",
            [topic_id, last["scan_id"] if last else ""],
        ).fetchall()
    ]
    reps = last["representative_doc_ids"] if last else []
    if reps:
        titles = dict(con.execute(
            "SELECT doc_id, title FROM documents WHERE list_contains(?, doc_id)", [reps]
        ).fetchall())
        info["representatives"] = [{"doc_id": d, "title": titles.get(d, "")} for d in reps]
    else:
        info["representatives"] = []
    return info


def topic_changes(con: duckdb.DuckDBPyConnection, scan_id: str) -> list[dict[str, Any]]:
    """The lineage events recorded in one scan, with labels, most important first (births and ends first)."""
    cur = con.execute(query("topic_changes"), [scan_id])
    out = []
    for event, space, frm, to, details, prev in cur.fetchall():
        out.append({"event": event, "space": space, "from": list(frm), "to": list(to),
                    "details": json.loads(details) if details else {}, "previous_scan_id": prev})
    return out
