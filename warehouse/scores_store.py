"""Reads the evidence screening needs and stores scores, indicator values and consultants' overrides."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import duckdb
import numpy as np

from warehouse.db import (
    fetch_dicts,
    fetch_one,
    ids_table,
    query,
    registered,
    table_exists,
    transaction,
)


def settle(con: duckdb.DuckDBPyConnection) -> None:
    """Finish any half-read result left on the connection: DuckDB 2 refuses register() until it is read out."""
    con.execute("SELECT 1").fetchall()


def screened_technologies(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Technologies to screen (every status except dismissed), by id, names and direction never NULL.

    Not `technologies_store.load_technologies` (every column as stored): the score stage's input digest
    hashes exactly what this reads, so it reads only the columns the indicators see.
    """
    rows = con.execute(query("screened_technologies")).fetchall()
    return [
        {"tech_id": r[0], "name_en": r[1], "name_zh": r[2], "aliases": list(r[3]), "direction": r[4], "status": r[5]}
        for r in rows
    ]


def _evidence_sql(*, by_tech: bool = False) -> str:
    """Linked documents as `load_evidence` reads them (the score digest hashes the same rows)."""
    # One query serves every technology (what the digest hashes) and a subset: only the filter differs.
    where_tech = "AND l.tech_id IN (SELECT unnest($tech_ids))" if by_tech else ""
    return query("screening_evidence").replace("__TECH_FILTER__", where_tech)


EVIDENCE_BODY_CHARS = 20_000


def load_evidence(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: dt.date,
    min_confidence: float,
    tech_ids: Sequence[str] | None = None,
    body_chars: int = EVIDENCE_BODY_CHARS,
) -> list[dict[str, Any]]:
    """Every (technology, document) link at or above `min_confidence` whose document is dated before as_of."""
    params: dict[str, Any] = {"as_of": as_of, "min_conf": min_confidence, "body_chars": body_chars}
    if tech_ids is not None:
        params["tech_ids"] = list(tech_ids)
    sql = _evidence_sql(by_tech=tech_ids is not None)
    names = ["tech_id", "doc_id", "kind", "language", "source", "published", "precision", "title", "abstract",
             "body", "countries", "affiliations", "categories", "keywords", "extra", "confidence", "matched"]
    out = []
    for row in con.execute(sql, params).fetchall():
        rec = dict(zip(names, row, strict=True))
        rec["extra"] = json.loads(rec["extra"]) if rec["extra"] else {}
        out.append(rec)
    return out


def source_spans(con: duckdb.DuckDBPyConnection, *, as_of: dt.date) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per source: (start ordinals, end ordinals, counts) of all its documents dated before as_of."""
    rows = con.execute(query("screening_source_spans"), {"as_of": as_of}).fetchall()
    grouped: dict[str, list[tuple[int, int, int]]] = {}
    for source, published, precision, n in rows:
        if precision == "year":
            end = dt.date(published.year + 1, 1, 1)
        elif precision == "month":
            end = dt.date(published.year + (published.month == 12), published.month % 12 + 1, 1)
        else:
            end = published + dt.timedelta(days=1)
        grouped.setdefault(source, []).append((published.toordinal(), end.toordinal(), n))
    return {
        src: (np.array([r[0] for r in v], float), np.array([r[1] for r in v], float), np.array([r[2] for r in v], float))
        for src, v in grouped.items()
    }


def kind_counts(con: duckdb.DuckDBPyConnection, *, as_of: dt.date) -> dict[str, int]:
    """All documents dated before as_of, by kind."""
    rows = con.execute(query("screening_kind_counts"), {"as_of": as_of}).fetchall()
    return {k: int(n) for k, n in rows}


def attention_percentiles(
    con: duckdb.DuckDBPyConnection, *, as_of: dt.date, keys: Sequence[str]
) -> dict[str, dict[str, float]]:
    """For linked documents with an attention figure (points, citations...): its percentile within its source."""
    out: dict[str, dict[str, float]] = {}
    for key in keys:
        rows = con.execute(query("screening_attention"), {"as_of": as_of, "key": key}).fetchall()
        for doc_id, pct in rows:
            out.setdefault(doc_id, {})[key] = float(pct)
    return out


def baseline_sample(
    con: duckdb.DuckDBPyConnection, *, as_of: dt.date, since: dt.date, size: int
) -> list[tuple[str | None, str]]:
    """A deterministic sample (by hash of doc id) of all documents in [since, as_of): what "random" text looks like."""
    rows = con.execute(query("screening_baseline"), {"as_of": as_of, "since": since, "size": size}).fetchall()
    return [(r[0], r[1]) for r in rows]


_EMBEDDING_MODEL_SQL = "SELECT model FROM embeddings GROUP BY model ORDER BY count(*) DESC, model LIMIT 1"


def vectors_by_doc(con: duckdb.DuckDBPyConnection, doc_ids: Iterable[str]) -> dict[str, np.ndarray]:
    """doc_id → vector of the most-used embedding model, for the given documents; empty without embeddings.

    The screening's reader: whichever model the warehouse holds most, as a mapping, through bound parameters
    (no Arrow table). `topics_store.load_embeddings` serves the analysis instead: one named model, streamed
    into a single matrix, for a whole corpus at a time.
    """
    if not table_exists(con, "embeddings"):
        return {}
    cols = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'embeddings'"
    ).fetchall()}
    if not {"doc_id", "model", "vector"} <= cols:
        return {}
    model = fetch_one(con, _EMBEDDING_MODEL_SQL)
    if not model:
        return {}
    rows = con.execute(
        "SELECT e.doc_id, e.vector FROM embeddings e "
        "WHERE e.model = $model AND e.doc_id IN (SELECT unnest(CAST($ids AS VARCHAR[])))",
        {"model": model[0], "ids": sorted(set(doc_ids))},
    ).fetchall()
    return {doc_id: np.asarray(vec, dtype=np.float32) for doc_id, vec in rows}


def _rows_digest(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any]) -> str:
    """Digest of a query's rows, whatever their order: the row count and md5 of the sorted 64-bit row hashes.

    DuckDB's `hash` of the whole row (strings, lists and vectors in full) is much cheaper than md5 of the
    row as text; a changed row going unnoticed would take a 64-bit collision.
    """
    row = fetch_one(
        con,
        f"SELECT count(*), coalesce(md5(string_agg(h, ',' ORDER BY h)), '') "
        f"FROM (SELECT CAST(hash(q) AS VARCHAR) AS h FROM ({sql}) q)",
        dict(params),
    )
    return f"{row[0]}:{row[1]}" if row else "0:"


def input_digests(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: dt.date,
    min_confidence: float,
    attention_keys: Sequence[str],
    since: dt.date,
    baseline_size: int,
) -> dict[str, str]:
    """A digest of every warehouse row the score stage reads as of a date, by reader.

    Each part hashes the very query its reader runs (same SQL, same parameters), so whatever the
    indicators can see — linked documents' fields and link confidences, the corpus counts and
    attention ranks behind rates, the baseline sample, the vectors of linked documents — is covered,
    and a part that equals an earlier scan's means the reader would return the same rows.
    """
    evidence_params = {"as_of": as_of, "min_conf": min_confidence, "body_chars": EVIDENCE_BODY_CHARS}
    parts = {
        "technologies": _rows_digest(con, query("screened_technologies"), {}),
        "evidence": _rows_digest(con, _evidence_sql(), evidence_params),
        "source_spans": _rows_digest(con, query("screening_source_spans"), {"as_of": as_of}),
        "kind_counts": _rows_digest(con, query("screening_kind_counts"), {"as_of": as_of}),
        "baseline": _rows_digest(con, query("screening_baseline"), {"as_of": as_of, "since": since, "size": baseline_size}),
    }
    for key in attention_keys:
        parts[f"attention:{key}"] = _rows_digest(con, query("screening_attention"), {"as_of": as_of, "key": key})
    parts["embeddings"] = embeddings_digest(con)
    return parts


def embeddings_digest(con: duckdb.DuckDBPyConnection) -> str:
    """The model `vectors_by_doc` reads and a digest of every linked document's vector of it ('none' without).

    Every linked document's vector: a superset of those the indicators read, so equal stays equal.
    """
    if not table_exists(con, "embeddings"):
        return "none"
    model = fetch_one(con, _EMBEDDING_MODEL_SQL)
    if not model:
        return "none"
    return f"{model[0]}|" + _rows_digest(
        con,
        "SELECT e.doc_id, e.vector FROM embeddings e "
        "WHERE e.model = $model AND e.doc_id IN (SELECT doc_id FROM document_technologies)",
        {"model": model[0]},
    )


# ───────────────────────────── evidence-only results kept between scans ─────────────────────────────

# A kept result nobody read for this long is dropped (a weekly scan reads last week's).
MEMO_RETENTION = dt.timedelta(days=90)


def load_memo(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """(family, key) → JSON text of every evidence-only result kept (`score_memo`); empty before migration 081."""
    if not table_exists(con, "score_memo"):
        return {}
    return {(f, k): v for f, k, v in con.execute("SELECT family, memo_key, value FROM score_memo").fetchall()}


def save_memo(
    con: duckdb.DuckDBPyConnection, entries: Mapping[tuple[str, str], str], *, used_at: dt.datetime
) -> int:
    """Keep the results a scoring run read or computed, in one transaction; returns the rows kept afterwards.

    Idempotent upserts: a key's value is a function of the key, so writing what a run read back changes
    nothing but `used_at`, and a forced recompute (which reads nothing kept) writes what it computed,
    repairing any row that says otherwise. Rows unused for `MEMO_RETENTION` are deleted.
    """
    if not table_exists(con, "score_memo"):
        return 0
    settle(con)
    with transaction(con):
        if entries:
            con.execute(
                "INSERT INTO score_memo SELECT unnest(CAST($family AS VARCHAR[])), unnest(CAST($key AS VARCHAR[])), "
                "unnest(CAST($value AS VARCHAR[])), CAST($at AS TIMESTAMP) "
                "ON CONFLICT (family, memo_key) DO UPDATE SET value = excluded.value, used_at = excluded.used_at",
                {"family": [k[0] for k in entries], "key": [k[1] for k in entries], "value": list(entries.values()),
                 "at": used_at},
            )
        con.execute("DELETE FROM score_memo WHERE used_at < ?", [used_at - MEMO_RETENTION])
    row = fetch_one(con, "SELECT count(*) FROM score_memo")
    return int(row[0]) if row else 0


# ───────────────────────────── scans and scores ─────────────────────────────


def scan_as_of(con: duckdb.DuckDBPyConnection, scan_id: str) -> dt.date | None:
    """The as_of date recorded for a scan, if the scan exists and has one."""
    row = fetch_one(con, "SELECT as_of FROM scans WHERE scan_id = ?", [scan_id])
    return row[0] if row else None


def ensure_scan(con: duckdb.DuckDBPyConnection, scan_id: str, as_of: dt.date, params: Mapping[str, Any]) -> bool:
    """Create a finished scan row when scoring runs outside the weekly flow; True when one was created."""
    if fetch_one(con, "SELECT 1 FROM scans WHERE scan_id = ?", [scan_id]):
        return False
    now = dt.datetime.now()
    con.execute(
        "INSERT INTO scans (scan_id, started_at, finished_at, as_of, status, params) VALUES (?, ?, ?, ?, 'succeeded', ?)",
        [scan_id, now, now, as_of, json.dumps(dict(params), ensure_ascii=False, default=str)],
    )
    return True


SCORE_COLUMNS: tuple[str, ...] = (
    "scan_id", "tech_id", "as_of", "strategic", "strategic_label", "disruptive", "disruptive_label",
    "disruptive_attributes", "horizon", "horizon_confidence", "horizon_leaning", "trl_estimate", "trl_low",
    "trl_high", "trl_band", "reasons", "horizon_evidence", "evidence_count", "recent_evidence", "weights_hash",
    "method_version", "scored_at",
)
_JSON_SCORE_COLUMNS = {"disruptive_attributes", "reasons", "horizon_evidence"}
_SCORE_SQL_TYPES = {
    "as_of": "DATE", "strategic": "DOUBLE", "disruptive": "DOUBLE", "horizon_confidence": "DOUBLE",
    "trl_estimate": "DOUBLE", "trl_low": "INTEGER", "trl_high": "INTEGER", "evidence_count": "INTEGER",
    "recent_evidence": "INTEGER", "scored_at": "TIMESTAMP",
}
_INDICATOR_SQL_TYPES = {"tech_id": "VARCHAR", "indicator": "VARCHAR", "value": "DOUBLE", "score": "DOUBLE",
                        "details": "VARCHAR", "doc_ids": "VARCHAR[]"}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _insert_columns(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Mapping[str, Sequence[Any]],
    types: Mapping[str, str],
    json_columns: Iterable[str] = (),
) -> None:
    """Insert rows given column by column, as list parameters unnested side by side.

    Not through an Arrow table: converting the first Python list to Arrow imports pandas, a noticeable part
    of a scan whose analysis was carried over.
    """
    json_columns = set(json_columns)
    names, exprs = [], []
    for c in columns:
        sql_type = types.get(c, "VARCHAR")
        expr = f"unnest(CAST(${c} AS {sql_type}[]))"
        exprs.append(f"CAST({expr} AS JSON)" if c in json_columns else expr)
        names.append(c)
    con.execute(
        f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(exprs)}",
        {c: list(v) for c, v in columns.items()},
    )


def write_scores(
    con: duckdb.DuckDBPyConnection,
    scan_id: str,
    scores: Sequence[Mapping[str, Any]],
    indicators: Sequence[Mapping[str, Any]],
    run: Mapping[str, Any] | None = None,
) -> None:
    """Replace a scan's scores and indicator values in one transaction (re-scoring a scan is idempotent).

    `run` (a `score_runs` row) is recorded in the same transaction, so a recorded input digest always
    stands beside complete scores.
    """
    score_columns = {
        c: [_dumps(s[c]) if c in _JSON_SCORE_COLUMNS else s[c] for s in scores] for c in SCORE_COLUMNS
    }
    ind_columns = {
        "scan_id": [scan_id] * len(indicators),
        "tech_id": [i["tech_id"] for i in indicators],
        "indicator": [i["indicator"] for i in indicators],
        "value": [i["value"] for i in indicators],
        "score": [i["score"] for i in indicators],
        "details": [_dumps(i["details"]) for i in indicators],
        "doc_ids": [list(i["doc_ids"]) for i in indicators],
    }
    settle(con)
    with transaction(con):
        con.execute("DELETE FROM tech_scores WHERE scan_id = ?", [scan_id])
        con.execute("DELETE FROM indicator_values WHERE scan_id = ?", [scan_id])
        if scores:
            _insert_columns(con, "tech_scores", score_columns, _SCORE_SQL_TYPES, _JSON_SCORE_COLUMNS)
        if indicators:
            _insert_columns(con, "indicator_values", ind_columns, _INDICATOR_SQL_TYPES, {"details"})
        if run is not None:
            _record_run(con, scan_id, run)


_RUN_COLUMNS = ("as_of", "input_digest", "parts", "weights_hash", "method_version", "reused_from", "scored_at", "seconds")


def _record_run(con: duckdb.DuckDBPyConnection, scan_id: str, run: Mapping[str, Any]) -> None:
    values = [run.get(c) for c in _RUN_COLUMNS]
    values[_RUN_COLUMNS.index("parts")] = _dumps(run.get("parts") or {})
    con.execute("DELETE FROM score_runs WHERE scan_id = ?", [scan_id])
    con.execute(
        f"INSERT INTO score_runs (scan_id, {', '.join(_RUN_COLUMNS)}) VALUES (?, ?, ?, CAST(? AS JSON), ?, ?, ?, ?, ?)",
        [scan_id, *values],
    )


def score_run(con: duckdb.DuckDBPyConnection, scan_id: str) -> dict[str, Any] | None:
    """A scan's `score_runs` row (its input digest and where its scores came from), if it was scored."""
    row = fetch_one(con, f"SELECT {', '.join(_RUN_COLUMNS)} FROM score_runs WHERE scan_id = ?", [scan_id])
    if row is None:
        return None
    rec = dict(zip(_RUN_COLUMNS, row, strict=True))
    rec["parts"] = json.loads(rec["parts"]) if rec["parts"] else {}
    return {"scan_id": scan_id, **rec}


def latest_score_run(con: duckdb.DuckDBPyConnection, *, exclude_scan_id: str | None = None) -> dict[str, Any] | None:
    """The most recently scored scan with stored scores, other than `exclude_scan_id`."""
    row = fetch_one(
        con,
        "SELECT r.scan_id FROM score_runs r WHERE r.scan_id IS DISTINCT FROM $exclude "
        "AND EXISTS (SELECT 1 FROM tech_scores s WHERE s.scan_id = r.scan_id) "
        "ORDER BY r.scored_at DESC, r.scan_id DESC LIMIT 1",
        {"exclude": exclude_scan_id},
    )
    return score_run(con, row[0]) if row else None


def reusable_scan(con: duckdb.DuckDBPyConnection, *, input_digest: str, scan_id: str) -> str | None:
    """A scan whose stored scores were made from exactly these inputs: `scan_id` itself first, else the latest."""
    row = fetch_one(
        con,
        "SELECT r.scan_id FROM score_runs r WHERE r.input_digest = $digest "
        "AND EXISTS (SELECT 1 FROM tech_scores s WHERE s.scan_id = r.scan_id) "
        "ORDER BY (r.scan_id = $scan) DESC, r.scored_at DESC, r.scan_id DESC LIMIT 1",
        {"digest": input_digest, "scan": scan_id},
    )
    return row[0] if row else None


def copy_scores(
    con: duckdb.DuckDBPyConnection, *, from_scan: str, to_scan: str, scored_at: dt.datetime, run: Mapping[str, Any]
) -> int:
    """Copy a scan's scores and indicator values to another scan id (their inputs were equal); returns rows copied.

    Only the scan id and `scored_at` change: the copy is what recomputing would have stored.
    """
    settle(con)
    with transaction(con):
        con.execute("DELETE FROM tech_scores WHERE scan_id = ?", [to_scan])
        con.execute("DELETE FROM indicator_values WHERE scan_id = ?", [to_scan])
        con.execute(
            "INSERT INTO tech_scores SELECT * REPLACE (CAST($to AS VARCHAR) AS scan_id, CAST($at AS TIMESTAMP) AS scored_at) "
            "FROM tech_scores WHERE scan_id = $from",
            {"to": to_scan, "at": scored_at, "from": from_scan},
        )
        con.execute(
            "INSERT INTO indicator_values SELECT * REPLACE (CAST($to AS VARCHAR) AS scan_id) "
            "FROM indicator_values WHERE scan_id = $from",
            {"to": to_scan, "from": from_scan},
        )
        _record_run(con, to_scan, run)
    row = fetch_one(con, "SELECT count(*) FROM tech_scores WHERE scan_id = ?", [to_scan])
    return int(row[0]) if row else 0


def score_counts(con: duckdb.DuckDBPyConnection, scan_id: str) -> dict[str, Any]:
    """What a scan's stored scores add up to: technologies, calls by horizon, yes flags, evidence read."""
    row = fetch_one(
        con,
        "SELECT count(*), count(*) FILTER (WHERE strategic_label = 'yes'), count(*) FILTER (WHERE disruptive_label = 'yes'), "
        "coalesce(sum(evidence_count), 0) FROM tech_scores WHERE scan_id = ?",
        [scan_id],
    )
    horizons = dict(con.execute(
        "SELECT horizon, count(*) FROM tech_scores WHERE scan_id = ? GROUP BY 1", [scan_id]
    ).fetchall())
    n, strategic, disruptive, docs = row or (0, 0, 0, 0)
    return {"technologies": int(n), "strategic_yes": int(strategic), "disruptive_yes": int(disruptive),
            "documents_read": int(docs), "horizons": {k: int(v) for k, v in horizons.items()}}


def latest_scan_id(con: duckdb.DuckDBPyConnection) -> str | None:
    """The most recently scored scan."""
    row = fetch_one(con, "SELECT scan_id FROM tech_scores GROUP BY scan_id ORDER BY max(scored_at) DESC, scan_id DESC LIMIT 1")
    return row[0] if row else None


def read_scores(con: duckdb.DuckDBPyConnection, scan_id: str) -> list[dict[str, Any]]:
    """A scan's scores with the latest consultant override of each field beside them."""
    rows = con.execute(
        f"""
        WITH o AS (
            SELECT tech_id, field, value, decided_by, reason, recorded_at,
                   row_number() OVER (PARTITION BY tech_id, field ORDER BY recorded_at DESC, override_id DESC) AS rn
            FROM overrides
        )
        SELECT {', '.join('s.' + c for c in SCORE_COLUMNS)},
               oh.value, oh.decided_by, oh.reason, os.value, os.decided_by, os.reason
        FROM tech_scores s
        LEFT JOIN o oh ON oh.tech_id = s.tech_id AND oh.field = 'horizon' AND oh.rn = 1 AND oh.value <> 'withdrawn'
        LEFT JOIN o os ON os.tech_id = s.tech_id AND os.field = 'strategic' AND os.rn = 1 AND os.value <> 'withdrawn'
        WHERE s.scan_id = ?
        ORDER BY s.tech_id
        """,
        [scan_id],
    ).fetchall()
    out = []
    extra = ("override_horizon", "override_horizon_by", "override_horizon_reason",
             "override_strategic", "override_strategic_by", "override_strategic_reason")
    for row in rows:
        rec = dict(zip((*SCORE_COLUMNS, *extra), row, strict=True))
        for c in _JSON_SCORE_COLUMNS:
            rec[c] = json.loads(rec[c]) if rec[c] else None
        out.append(rec)
    return out


def read_indicators(con: duckdb.DuckDBPyConnection, scan_id: str, tech_id: str) -> list[dict[str, Any]]:
    """Indicator values of one technology in one scan, with details and evidence ids."""
    rows = con.execute(
        "SELECT indicator, value, score, details, doc_ids FROM indicator_values WHERE scan_id = ? AND tech_id = ? ORDER BY indicator",
        [scan_id, tech_id],
    ).fetchall()
    return [
        {"indicator": r[0], "value": r[1], "score": r[2], "details": json.loads(r[3]) if r[3] else {}, "doc_ids": list(r[4] or [])}
        for r in rows
    ]


def document_titles(con: duckdb.DuckDBPyConnection, doc_ids: Iterable[str]) -> dict[str, str]:
    """Titles of the given documents, for showing evidence."""
    ids = sorted(set(doc_ids))
    if not ids:
        return {}
    settle(con)
    with registered(con, "_fs_title_ids", ids_table(ids)):
        rows = con.execute("SELECT d.doc_id, d.title FROM documents d JOIN _fs_title_ids USING (doc_id)").fetchall()
    return dict(rows)


# ───────────────────────────── overrides ─────────────────────────────


def add_override(
    con: duckdb.DuckDBPyConnection,
    *,
    tech_id: str,
    field: str,
    value: str,
    decided_by: str,
    reason: str,
    at: dt.datetime | None = None,
) -> int:
    """Append a consultant's judgement; returns its id. Computed scores are never touched."""
    scan = latest_scan_id(con) if table_exists(con, "tech_scores") else None
    computed = None
    if scan is not None:
        col = "horizon" if field == "horizon" else "strategic_label"
        row = fetch_one(con, f"SELECT {col} FROM tech_scores WHERE scan_id = ? AND tech_id = ?", [scan, tech_id])
        computed = row[0] if row else None
    row = fetch_one(
        con,
        "INSERT INTO overrides (tech_id, field, value, decided_by, reason, recorded_at, scan_id, computed_value) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING override_id",
        [tech_id, field, value, decided_by, reason, at or dt.datetime.now(), scan, computed],
    )
    return int(row[0])


def override_history(con: duckdb.DuckDBPyConnection, tech_id: str) -> list[dict[str, Any]]:
    """Every judgement recorded for a technology, oldest first."""
    return fetch_dicts(con, query("override_history"), [tech_id])


def technology_ids(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, list[str]]]:
    """(tech_id, name_en, name_zh, aliases) of every technology, for resolving names typed by a user."""
    return [
        (r[0], r[1], r[2] or "", list(r[3] or []))
        for r in con.execute("SELECT tech_id, name_en, name_zh, aliases FROM technologies ORDER BY tech_id").fetchall()
    ]


# ───────────────────────────── series for the growth backtest ─────────────────────────────


def yearly_link_counts(
    con: duckdb.DuckDBPyConnection, *, source: str, min_confidence: float = 0.5
) -> list[tuple[str, int, int, int]]:
    """(tech_id, year, linked documents, all documents) per year for one source: publication-count series."""
    return con.execute(
        query("screening_yearly_link_counts"),
        {"source": source, "c": min_confidence},
    ).fetchall()
