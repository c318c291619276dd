"""Reads and append-only writes of the forecast ledger: forecasts, their outcomes, and the warehouse state that resolves them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from warehouse.db import (
    WarehouseError,
    fetch_dicts,
    fetch_one,
    ids_table,
    query,
    registered,
    table_exists,
    transaction,
)

FORECAST_COLUMNS: tuple[str, ...] = (
    "forecast_id", "scan_id", "tech_id", "made_at", "as_of", "type", "statement", "target", "probability",
    "resolves_on", "inputs", "horizon", "direction", "source_mix", "backtest", "rule_version", "content_hash",
)
OUTCOME_COLUMNS: tuple[str, ...] = (
    "forecast_id", "resolved_at", "resolved_as_of", "outcome", "void_reason", "observed", "evidence_doc_ids",
    "content_hash",
)
# Columns that are not part of what a forecast or an outcome says: re-writing them is not a change.
_NOT_CONTENT = {"made_at", "resolved_at", "content_hash"}
_JSON = {"target", "inputs", "observed"}


class LedgerRewriteRefused(WarehouseError):
    """A write tried to change a forecast or outcome already in the ledger: they are immutable."""

    def __init__(self, table: str, ids: Sequence[str]) -> None:
        shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        super().__init__(f"{table} are immutable once written; refused to rewrite {len(ids)} row(s) with different content: {shown}")
        self.table = table
        self.ids = list(ids)


@dataclass(frozen=True)
class WriteResult:
    """What an insert-if-absent write did."""

    inserted: int = 0
    unchanged: int = 0
    refused: tuple[str, ...] = field(default_factory=tuple)


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))


def content_hash(row: Mapping[str, Any]) -> str:
    """sha256 of a row's content: every column except timestamps of writing and the hash itself."""
    body = {k: row.get(k) for k in sorted(row) if k not in _NOT_CONTENT}
    return hashlib.sha256(_canonical(body).encode()).hexdigest()


# A forecast is a claim: what is forecast (type and target) about which technology, as of which day, due
# when, in which record (regular scans or replays). The ledger holds one forecast per claim: a second scan
# on the same as_of (a re-scan) freezing the same claim again writes nothing, so no claim is counted twice.
CLAIM_COLUMNS: tuple[str, ...] = ("backtest", "tech_id", "type", "as_of", "resolves_on", "target")
# What a claim's forecast says, apart from which scan froze it under which id and when.
_NOT_CLAIM_CONTENT = {"forecast_id", "scan_id", *_NOT_CONTENT}


def claim_key(row: Mapping[str, Any]) -> str:
    """The claim a forecast makes (CLAIM_COLUMNS), as canonical text."""
    return _canonical([row.get(c) for c in CLAIM_COLUMNS])


def claim_content_hash(row: Mapping[str, Any]) -> str:
    """sha256 of what a forecast says (probability, statement, inputs …), whichever scan froze it."""
    body = {k: row.get(k) for k in FORECAST_COLUMNS if k not in _NOT_CLAIM_CONTENT}
    return hashlib.sha256(_canonical(body).encode()).hexdigest()


def _held_claims(con: duckdb.DuckDBPyConnection, rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """claim key → what its forecast in the ledger says (the first frozen one), for the claims of `rows`."""
    found = _parse(fetch_dicts(
        con,
        f"SELECT {', '.join(c for c in FORECAST_COLUMNS if c not in _JSON)}, "
        "CAST(target AS VARCHAR) AS target, CAST(inputs AS VARCHAR) AS inputs FROM forecasts "
        "WHERE tech_id IN (SELECT unnest(CAST($techs AS VARCHAR[]))) AND as_of IN (SELECT unnest(CAST($days AS DATE[]))) "
        "ORDER BY made_at, forecast_id",
        {"techs": sorted({r["tech_id"] for r in rows}), "days": sorted({r["as_of"] for r in rows})},
    ))
    held: dict[str, str] = {}
    for r in found:
        held.setdefault(claim_key(r), claim_content_hash(r))
    return held


# ───────────────────────────── append-only writes ─────────────────────────────

_FORECAST_TYPES = {
    "forecast_id": pa.string(), "scan_id": pa.string(), "tech_id": pa.string(), "made_at": pa.timestamp("us"),
    "as_of": pa.date32(), "type": pa.string(), "statement": pa.string(), "target": pa.string(),
    "probability": pa.float64(), "resolves_on": pa.date32(), "inputs": pa.string(), "horizon": pa.string(),
    "direction": pa.string(), "source_mix": pa.string(), "backtest": pa.bool_(), "rule_version": pa.string(),
    "content_hash": pa.string(),
}
_OUTCOME_TYPES = {
    "forecast_id": pa.string(), "resolved_at": pa.timestamp("us"), "resolved_as_of": pa.date32(),
    "outcome": pa.int32(), "void_reason": pa.string(), "observed": pa.string(),
    "evidence_doc_ids": pa.list_(pa.string()), "content_hash": pa.string(),
}


def _append_only(
    con: duckdb.DuckDBPyConnection,
    table: str,
    key: str,
    columns: Sequence[str],
    types: Mapping[str, pa.DataType],
    rows: Sequence[Mapping[str, Any]],
    strict: bool,
    claims: bool = False,
) -> WriteResult:
    """Insert rows whose key is new; skip identical ones; refuse (raise, or report) changed ones.

    claims=True (forecasts): a new id whose claim the ledger already holds is skipped when it says the
    same and refused when it says something else, as a rewrite of that forecast would be.
    """
    prepared: dict[str, dict[str, Any]] = {}
    for r in rows:
        row = {c: r.get(c) for c in columns if c != "content_hash"}
        row["content_hash"] = content_hash(row)
        if row[key] in prepared and prepared[row[key]]["content_hash"] != row["content_hash"]:
            raise LedgerRewriteRefused(table, [row[key]])
        prepared[row[key]] = row
    if not prepared:
        return WriteResult()
    with transaction(con):
        existing = dict(
            con.execute(
                f"SELECT {key}, content_hash FROM {table} WHERE {key} IN (SELECT unnest(CAST($ids AS VARCHAR[])))",
                {"ids": sorted(prepared)},
            ).fetchall()
        )
        refused = sorted(k for k, r in prepared.items() if k in existing and existing[k] != r["content_hash"])
        new = [r for k, r in prepared.items() if k not in existing]
        if claims and new:
            held = _held_claims(con, new)  # claims the ledger holds: what their forecast says
            fresh = []
            for r in new:
                claim, said = claim_key(r), claim_content_hash(r)
                if claim not in held:
                    held[claim] = said  # the first row of the batch makes the claim
                    fresh.append(r)
                elif held[claim] != said:
                    refused.append(r[key])
                # else: the same claim saying the same, frozen before: nothing to write
            new = fresh
            refused.sort()
        if refused and strict:
            raise LedgerRewriteRefused(table, refused)
        if new:
            _insert(con, table, columns, types, new)
    return WriteResult(len(new), len(prepared) - len(new) - len(refused), tuple(refused))


# A scan freezes a few dozen forecasts: bound parameters write them without building an Arrow table, whose
# first conversion imports pandas (a noticeable part of a re-scan). Replays write hundreds at a time through Arrow.
_PARAMETER_ROWS = 256


def _insert(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    types: Mapping[str, pa.DataType],
    rows: Sequence[Mapping[str, Any]],
) -> None:
    values = [[_canonical(r[c]) if c in _JSON else r[c] for c in columns] for r in rows]
    if len(rows) <= _PARAMETER_ROWS:
        marks = ", ".join("CAST(? AS JSON)" if c in _JSON else "?" for c in columns)
        con.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values)
        return
    arrow = pa.table({c: pa.array([v[i] for v in values], types[c]) for i, c in enumerate(columns)})
    select = ", ".join(f"CAST({c} AS JSON)" if c in _JSON else c for c in columns)
    with registered(con, "_fs_ledger_rows", arrow):
        con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM _fs_ledger_rows")


def insert_forecasts(con: duckdb.DuckDBPyConnection, rows: Sequence[Mapping[str, Any]], *, strict: bool = True) -> WriteResult:
    """Write forecasts insert-if-absent: a known id with the same content is skipped, with other content refused.

    The same holds for claims (`CLAIM_COLUMNS`): a forecast under a new id whose claim the ledger
    already holds (a second scan on the same as_of) is skipped when it says the same and refused
    when it says otherwise. strict=True raises LedgerRewriteRefused and writes nothing; strict=False
    writes the new ones and reports the refused ids (the frozen forecasts stand). There is no update
    or delete.
    """
    return _append_only(con, "forecasts", "forecast_id", FORECAST_COLUMNS, _FORECAST_TYPES, rows, strict, claims=True)


def insert_outcomes(con: duckdb.DuckDBPyConnection, rows: Sequence[Mapping[str, Any]], *, strict: bool = True) -> WriteResult:
    """Write outcomes insert-if-absent, like forecasts: a resolved forecast keeps its first outcome."""
    return _append_only(con, "forecast_outcomes", "forecast_id", OUTCOME_COLUMNS, _OUTCOME_TYPES, rows, strict)


# ───────────────────────────── reading the ledger ─────────────────────────────


def _parse(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for r in rows:
        for c in _JSON:
            if c in r and isinstance(r[c], str):
                r[c] = json.loads(r[c])
        if "evidence_doc_ids" in r:
            r["evidence_doc_ids"] = list(r["evidence_doc_ids"] or [])
    return rows


def has_ledger(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the ledger tables exist (migration 050 applied)."""
    return table_exists(con, "forecasts") and table_exists(con, "forecast_outcomes")


# The first frozen forecast of each claim (CLAIM_COLUMNS; the target as its stored canonical JSON text).
_ONE_PER_CLAIM = (
    "SELECT * FROM forecasts QUALIFY row_number() OVER (PARTITION BY backtest, tech_id, type, as_of, resolves_on, "
    "CAST(target AS VARCHAR) ORDER BY made_at, forecast_id) = 1"
)


def forecasts(
    con: duckdb.DuckDBPyConnection,
    *,
    scan_id: str | None = None,
    tech_id: str | None = None,
    backtest: bool | None = None,
    unresolved_only: bool = False,
) -> list[dict[str, Any]]:
    """Forecasts with their outcome columns (NULL while pending), oldest first: one per claim.

    A claim frozen more than once (ledgers written before claims were checked: each same-day re-scan
    froze its own copy) counts once, as its first frozen forecast; the later copies stay in the table,
    unread. scan_id selects the claims a scan was the first to freeze.
    """
    if not has_ledger(con):
        return []
    where = ["($scan_id IS NULL OR f.scan_id = $scan_id)", "($tech_id IS NULL OR f.tech_id = $tech_id)",
             "($backtest IS NULL OR f.backtest = $backtest)"]
    if unresolved_only:
        where.append("o.forecast_id IS NULL")
    sql = f"""
        WITH f AS ({_ONE_PER_CLAIM})
        SELECT f.forecast_id, f.scan_id, f.tech_id, f.made_at, f.as_of, f.type, f.statement,
               CAST(f.target AS VARCHAR) AS target, f.probability, f.resolves_on, CAST(f.inputs AS VARCHAR) AS inputs,
               f.horizon, f.direction, f.source_mix, f.backtest, f.rule_version, f.content_hash,
               o.forecast_id IS NOT NULL AS resolved, o.resolved_at, o.resolved_as_of, o.outcome, o.void_reason,
               CAST(o.observed AS VARCHAR) AS observed, o.evidence_doc_ids
        FROM f LEFT JOIN forecast_outcomes o USING (forecast_id)
        WHERE {' AND '.join(where)}
        ORDER BY f.as_of, f.scan_id, f.tech_id, f.type
    """
    rows = fetch_dicts(con, sql, {"scan_id": scan_id, "tech_id": tech_id, "backtest": backtest})
    for r in rows:
        if r["observed"] is None:
            r["observed"] = {}
    return _parse(rows)


def resolved_record(con: duckdb.DuckDBPyConnection, *, backtest: bool, known_by: dt.date) -> list[dict[str, Any]]:
    """type, the rule's own probability and the outcome of every forecast (one per claim) of one family decided by known_by."""
    return fetch_dicts(
        con,
        f"WITH f AS ({_ONE_PER_CLAIM}) "
        "SELECT f.type, coalesce(TRY_CAST(json_extract(f.inputs, '$.rule_probability') AS DOUBLE), f.probability) AS rule_probability, "
        "o.outcome FROM f JOIN forecast_outcomes o USING (forecast_id) "
        "WHERE f.backtest = $backtest AND o.outcome IS NOT NULL AND o.resolved_as_of <= $known_by AND f.as_of < $known_by "
        "ORDER BY f.forecast_id",
        {"backtest": backtest, "known_by": known_by},
    )


def forecast_count(con: duckdb.DuckDBPyConnection, scan_id: str) -> int:
    """How many forecasts a scan froze."""
    row = fetch_one(con, "SELECT count(*) FROM forecasts WHERE scan_id = ?", [scan_id])
    return int(row[0]) if row else 0


# ───────────────────────────── scans and scores ─────────────────────────────


def scan_info(con: duckdb.DuckDBPyConnection, scan_id: str) -> dict[str, Any] | None:
    """as_of (from its scores), weights hash and backtest flag of a scored scan; None when it has no scores."""
    row = fetch_one(
        con,
        "SELECT max(as_of), max(weights_hash), count(*) FROM tech_scores WHERE scan_id = ?",
        [scan_id],
    )
    if not row or not row[2]:
        return None
    return {"scan_id": scan_id, "as_of": row[0], "weights_hash": row[1], "technologies": int(row[2]),
            "backtest": scan_id.startswith("asof-")}


def family_scans(con: duckdb.DuckDBPyConnection, *, backtest: bool, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Scored scans of one family (replayed 'asof-…' or regular) with as_of in [start, end], oldest first."""
    return fetch_dicts(
        con,
        "SELECT scan_id, max(as_of) AS as_of FROM tech_scores GROUP BY scan_id "
        "HAVING (scan_id LIKE 'asof-%') = $backtest AND max(as_of) BETWEEN $start AND $end "
        "ORDER BY as_of, scan_id",
        {"backtest": backtest, "start": start, "end": end},
    )


def horizon_calls(con: duckdb.DuckDBPyConnection, tech_id: str, scan_ids: Sequence[str]) -> list[dict[str, Any]]:
    """A technology's horizon call in each of the given scans (those that scored it), oldest first."""
    if not scan_ids:
        return []
    return fetch_dicts(
        con,
        "SELECT scan_id, as_of, horizon, horizon_confidence, trl_estimate, weights_hash, "
        "CAST(horizon_evidence AS VARCHAR) AS horizon_evidence FROM tech_scores "
        "WHERE tech_id = $tech_id AND scan_id IN (SELECT unnest($scans)) ORDER BY as_of, scan_id",
        {"tech_id": tech_id, "scans": list(scan_ids)},
    )


def indicator_readings(con: duckdb.DuckDBPyConnection, scan_id: str, names: Sequence[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """tech_id → indicator → {value, score, details} for the named indicators of a scan."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    rows = con.execute(
        "SELECT tech_id, indicator, value, score, CAST(details AS VARCHAR) FROM indicator_values "
        "WHERE scan_id = $scan_id AND indicator IN (SELECT unnest($names)) ORDER BY tech_id, indicator",
        {"scan_id": scan_id, "names": list(names)},
    ).fetchall()
    for tech_id, name, value, score, details in rows:
        out.setdefault(tech_id, {})[name] = {"value": value, "score": score, "details": json.loads(details) if details else {}}
    return out


def technology_directions(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str, str]]:
    """tech_id → (name_en, name_zh, direction)."""
    return {
        r[0]: (r[1] or r[0], r[2] or "", r[3] or "")
        for r in con.execute("SELECT tech_id, name_en, name_zh, direction FROM technologies").fetchall()
    }


# ───────────────────────────── documents that resolve forecasts ─────────────────────────────


def linked_spans(
    con: duckdb.DuckDBPyConnection,
    tech_ids: Sequence[str],
    *,
    start: dt.date,
    end: dt.date,
    min_confidence: float,
    known_by: dt.date,
) -> list[dict[str, Any]]:
    """Documents linked to the technologies whose date span overlaps [start, end) and ends by known_by.

    known_by is the date the count is made at: a paper dated only "2025" is not known on 2025-06-01.
    """
    if not tech_ids:
        return []
    return fetch_dicts(
        con,
        query("ledger_linked_spans"),
        {"min_conf": min_confidence, "techs": list(tech_ids), "start": start, "end": end, "known_by": known_by},
    )


def source_spans(
    con: duckdb.DuckDBPyConnection, *, start: dt.date, end: dt.date, known_by: dt.date
) -> list[dict[str, Any]]:
    """All documents per (source, date, precision) whose span overlaps [start, end) and ends by known_by: share denominators."""
    return fetch_dicts(
        con,
        query("ledger_source_spans"),
        {"start": start, "end": end, "known_by": known_by},
    )


def policy_links(
    con: duckdb.DuckDBPyConnection, tech_ids: Sequence[str], *, start: dt.date | None, end: dt.date, min_confidence: float
) -> list[dict[str, Any]]:
    """Policy documents linked to the technologies, published in [start, end) (whole span before end), oldest first."""
    if not tech_ids:
        return []
    return fetch_dicts(
        con,
        query("ledger_policy_links"),
        {"min_conf": min_confidence, "techs": list(tech_ids), "start": start, "end": end},
    )


def policy_documents(con: duckdb.DuckDBPyConnection, *, start: dt.date, end: dt.date) -> int:
    """How many policy documents of any technology the warehouse holds in [start, end): whether policy was watched."""
    row = fetch_one(
        con,
        query("ledger_policy_documents"),
        {"start": start, "end": end},
    )
    return int(row[0]) if row else 0


def document_titles(con: duckdb.DuckDBPyConnection, doc_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """doc_id → title, kind, published, url for showing evidence."""
    ids = sorted(set(doc_ids))
    if not ids:
        return {}
    with registered(con, "_fs_ledger_doc_ids", ids_table(ids)):
        rows = con.execute(
            "SELECT d.doc_id, d.title, d.kind, d.published, d.url FROM documents d JOIN _fs_ledger_doc_ids USING (doc_id)"
        ).fetchall()
    return {r[0]: {"title": r[1], "kind": r[2], "published": r[3], "url": r[4]} for r in rows}


def document_hashes(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """doc_id → content hash of every document (what alias linking keys its bookkeeping on)."""
    return dict(con.execute("SELECT doc_id, content_hash FROM documents").fetchall())
