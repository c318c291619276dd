"""Crawl runs in the warehouse: open a run, close it with the crawl's report, and find where the next crawl starts."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb

from warehouse.db import fetch_dicts, fetch_one, transaction

STATUSES = ("running", "succeeded", "partial", "failed")
# Runs of a mode only feed watermarks to runs of the same mode: a snapshot replay must not make
# a live crawl skip the weeks the snapshot happens to cover, nor the other way round.
MODES = ("live", "snapshot")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def start_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    source_id: str,
    *,
    mode: str = "live",
    scan_id: str | None = None,
    since: str | None = None,
    landing_file: str | None = None,
    started_at: dt.datetime | None = None,
) -> None:
    """Record that a crawl started (status running); earlier runs of the source still running are closed as abandoned."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    with transaction(con):
        con.execute(
            "UPDATE crawl_runs SET status = 'failed', finished_at = ?, "
            "error = 'abandoned: the crawl never reported back (the process running it was stopped)' "
            "WHERE source_id = ? AND status = 'running'",
            [_now(), source_id],
        )
        con.execute(
            "INSERT INTO crawl_runs (run_id, source_id, scan_id, started_at, status, landing_file, stats) "
            "VALUES (?, ?, ?, ?, 'running', ?, ?)",
            [
                run_id,
                source_id,
                scan_id,
                started_at or _now(),
                landing_file,
                json.dumps({"mode": mode, "since": since}),
            ],
        )


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    status: str,
    report: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Close a run with its status and the crawl report (counts, errors by kind, watermark, landing file)."""
    if status not in STATUSES or status == "running":
        raise ValueError(f"a finished run is succeeded, partial or failed, not {status!r}")
    row = fetch_one(con, "SELECT stats FROM crawl_runs WHERE run_id = ?", [run_id])
    if row is None:
        raise KeyError(f"no crawl run {run_id!r}")
    stats = json.loads(row[0]) if row[0] else {}
    report = report or {}
    stats.update({k: v for k, v in report.items() if k != "stats"})
    stats["scrapy"] = report.get("stats", {})
    with transaction(con):
        con.execute(
            "UPDATE crawl_runs SET finished_at = ?, status = ?, landing_file = ?, watermark = ?, "
            "requests = ?, items = ?, errors = ?, stats = ?, error = ? WHERE run_id = ?",
            [
                _now(),
                status,
                report.get("landing_file"),
                report.get("watermark"),
                report.get("requests"),
                report.get("items"),
                json.dumps(report.get("errors_by_kind", {})),
                json.dumps(stats, ensure_ascii=False, default=str),
                error,
                run_id,
            ],
        )


def last_watermark(con: duckdb.DuckDBPyConnection, source_id: str, mode: str = "live") -> str | None:
    """The watermark of the source's latest succeeded run in a mode: where its next crawl starts.

    Partial and failed runs never count: a page they missed would otherwise be skipped forever.
    """
    row = fetch_one(
        con,
        "SELECT watermark FROM crawl_runs WHERE source_id = ? AND status = 'succeeded' AND watermark IS NOT NULL "
        "AND coalesce(json_extract_string(stats, '$.mode'), 'live') = ? "
        "ORDER BY finished_at DESC, started_at DESC LIMIT 1",
        [source_id, mode],
    )
    return row[0] if row else None


def recent_runs(
    con: duckdb.DuckDBPyConnection, source_id: str | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """The latest crawl runs, newest first, as dicts (for `futurescan crawl --history` and tests)."""
    where, params = ("WHERE source_id = ?", [source_id]) if source_id else ("", [])
    rows = fetch_dicts(
        con,
        "SELECT run_id, source_id, scan_id, started_at, finished_at, status, landing_file, watermark, requests, "
        "items, errors, error, json_extract_string(stats, '$.mode') AS mode, json_extract_string(stats, '$.since') "
        f"AS since FROM crawl_runs {where} ORDER BY started_at DESC LIMIT ?",
        [*params, limit],
    )
    for r in rows:
        r["errors"] = json.loads(r["errors"]) if r["errors"] else {}
    return rows
