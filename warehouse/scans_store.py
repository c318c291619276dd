"""Scans and their stages in the warehouse: start, record each stage, finish, and tell what is done."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb

from warehouse.db import fetch_one, transaction


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def start_scan(con: duckdb.DuckDBPyConnection, scan_id: str, *, as_of: dt.date | None, params: dict[str, Any]) -> bool:
    """Create the scan, or reopen it for a re-run; True when it existed before (a resume)."""
    with transaction(con):
        existed = con.execute("SELECT count(*) FROM scans WHERE scan_id = ?", [scan_id]).fetchall()[0][0] > 0
        if existed:
            con.execute(
                "UPDATE scans SET status = 'running', finished_at = NULL, params = ?::JSON WHERE scan_id = ?",
                [json.dumps(params, default=str), scan_id],
            )
        else:
            con.execute(
                "INSERT INTO scans (scan_id, started_at, as_of, status, params) VALUES (?, ?, ?, 'running', ?::JSON)",
                [scan_id, _now(), as_of, json.dumps(params, default=str)],
            )
    return existed


def stage_status(con: duckdb.DuckDBPyConnection, scan_id: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """{stage: (status, summary)} recorded so far for a scan."""
    rows = con.execute("SELECT stage, status, summary FROM scan_stages WHERE scan_id = ?", [scan_id]).fetchall()
    return {stage: (status, json.loads(summary) if summary else {}) for stage, status, summary in rows}


def record_stage(
    con: duckdb.DuckDBPyConnection,
    scan_id: str,
    stage: str,
    status: str,
    *,
    started_at: dt.datetime,
    summary: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Upsert one stage's outcome."""
    finished = _now()
    with transaction(con):
        con.execute(
            """
            INSERT INTO scan_stages VALUES (?, ?, ?, ?, ?, ?, ?::JSON, ?)
            ON CONFLICT (scan_id, stage) DO UPDATE SET status = excluded.status, started_at = excluded.started_at,
                finished_at = excluded.finished_at, seconds = excluded.seconds, summary = excluded.summary,
                error = excluded.error
            """,
            [
                scan_id, stage, status, started_at, finished, (finished - started_at).total_seconds(),
                json.dumps(summary or {}, default=str, ensure_ascii=False), error,
            ],
        )


def finish_scan(con: duckdb.DuckDBPyConnection, scan_id: str, status: str, summary: dict[str, Any]) -> None:
    """Close the scan with its overall status and summary."""
    with transaction(con):
        con.execute(
            "UPDATE scans SET status = ?, finished_at = ?, summary = ?::JSON WHERE scan_id = ?",
            [status, _now(), json.dumps(summary, default=str, ensure_ascii=False), scan_id],
        )


def latest_scan(con: duckdb.DuckDBPyConnection, *, finished_only: bool = True) -> str | None:
    """The id of the most recently started scan (finished ones only by default)."""
    where = "WHERE status IN ('succeeded', 'partial')" if finished_only else ""
    row = fetch_one(con, f"SELECT scan_id FROM scans {where} ORDER BY started_at DESC LIMIT 1")
    return row[0] if row else None


def scan_landing_files(con: duckdb.DuckDBPyConnection, scan_id: str) -> list[tuple[str, str]]:
    """(source, landing file) written by this scan's crawls that finished (succeeded or partial)."""
    rows = con.execute(
        "SELECT source_id, landing_file FROM crawl_runs WHERE scan_id = ? AND status IN ('succeeded', 'partial') "
        "AND landing_file IS NOT NULL ORDER BY started_at",
        [scan_id],
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def scan_rows(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[dict[str, Any]]:
    """Recent scans with status and timing, newest first."""
    rows = con.execute(
        "SELECT scan_id, status, as_of, started_at, finished_at, summary FROM scans ORDER BY started_at DESC LIMIT ?",
        [limit],
    ).fetchall()
    return [
        {"scan_id": r[0], "status": r[1], "as_of": r[2], "started_at": r[3], "finished_at": r[4],
         "summary": json.loads(r[5]) if r[5] else {}}
        for r in rows
    ]
