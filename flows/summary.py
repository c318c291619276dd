"""What a finished scan says to its operator: the console summary, the Markdown artifact, the watchlist rows."""

from __future__ import annotations

import json
from typing import Any

from rich.table import Table

from flows.present.watchlist import build_watchlist
from flows.settings import Settings
from warehouse.db import connect_reader


def watchlist_rows(settings: Settings, scan_id: str, top: int = 25) -> list[dict[str, Any]]:
    """The scan's ranked watchlist as plain rows (the same ranking as `futurescan watchlist`)."""
    con, _info = connect_reader(settings.db_path, settings.published_path)
    try:
        items = build_watchlist(con, scan_id, top=top)["items"]
    except Exception:  # noqa: BLE001 - a summary must never fail a finished scan
        return []
    finally:
        con.close()
    keep = ("rank", "tech_id", "name_zh", "horizon", "horizon_confidence", "strategic", "disruptive",
            "evidence_count", "change")
    return [{k: (round(r[k], 2) if isinstance(r.get(k), float) else r.get(k)) for k in keep} for r in items]


def scan_markdown(scan_id: str, status: str, results: list[Any], rows: list[dict[str, Any]]) -> str:
    """A Markdown summary of the scan: stages, their timings, and the top of the watchlist."""
    lines = [f"# futurescan scan {scan_id}: {status}", "", "| stage | status | seconds |", "|---|---|---|"]
    lines += [f"| {r.stage} | {r.status} | {r.seconds:.1f} |" for r in results]
    if rows:
        cols = list(rows[0])
        lines += ["", "## Watchlist", "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows[:15]]
    return "\n".join(lines) + "\n"


def _flat(summary: dict[str, Any], skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    out = []
    for k, v in summary.items():
        if k in skip or isinstance(v, dict | list):
            continue
        out.append((k, f"{v:,.2f}" if isinstance(v, float) else str(v)))
    return out


def scan_summary_tables(settings: Settings, scan_id: str) -> list[Table]:
    """Rich tables for the end of `futurescan scan`: stages, sources, analysis, scoring, watchlist."""
    con, _info = connect_reader(settings.db_path, settings.published_path)
    try:
        stages = con.execute(
            "SELECT stage, status, seconds, summary, error FROM scan_stages WHERE scan_id = ? ORDER BY started_at",
            [scan_id],
        ).fetchall()
    finally:
        con.close()
    tables: list[Any] = []
    t = Table(title="Stages")
    for c in ("stage", "status", "seconds", "note"):
        t.add_column(c)
    by_stage: dict[str, dict[str, Any]] = {}
    for stage, status, secs, summary, error in stages:
        data = json.loads(summary) if summary else {}
        by_stage[stage] = data
        note = error or ", ".join(f"{k}={v}" for k, v in _flat(data, skip=("status",))[:4])
        t.add_row(stage, status, f"{secs or 0:.1f}", note)
    tables.append(t)

    crawl = by_stage.get("crawl", {})
    ingest = by_stage.get("ingest", {}).get("sources", {})
    names = sorted(set(crawl.get("sources", {})) | set(crawl.get("failed", {})) | set(ingest))
    if names:
        t = Table(title="Documents per source")
        for c in ("source", "crawl", "items", "new", "updated", "rejected"):
            t.add_column(c)
        for name in names:
            c = crawl.get("sources", {}).get(name, {})
            status = "failed: " + str(crawl["failed"][name])[:60] if name in crawl.get("failed", {}) else c.get("status", "")
            i = next((v for k, v in ingest.items() if k == name or k.startswith(name)), {})
            t.add_row(name, status, str(c.get("items", "")), str(i.get("new", "")), str(i.get("updated", "")),
                      str(i.get("rejected", "")))
        tables.append(t)
    for stage, title in (("analyse", "Topics and links"), ("score", "Scores"), ("publish", "Published")):
        data = by_stage.get(stage)
        if data:
            t = Table(title=title, show_header=False)
            t.add_column("what")
            t.add_column("value")
            for k, v in _flat(data, skip=("status",)):
                t.add_row(k, v)
            tables.append(t)
    rows = watchlist_rows(settings, scan_id, top=10)
    if rows:
        t = Table(title=f"Watchlist (top {len(rows)})")
        for c in rows[0]:
            t.add_column(str(c))
        for r in rows:
            t.add_row(*[("" if v is None else str(v)) for v in r.values()])
        tables.append(t)
    return tables
