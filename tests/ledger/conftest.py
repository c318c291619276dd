"""Helpers for the ledger tests: hand-inserted documents, links and scores on a migrated temporary warehouse."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

NOW = dt.datetime(2026, 1, 1)


def add_tech(con: Any, tech_id: str, name_en: str, name_zh: str = "", direction: str = "future_information") -> None:
    con.execute(
        "INSERT INTO technologies (tech_id, name_en, name_zh, aliases, direction, status, origin, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, 'seeded', 'taxonomy', ?, ?)",
        [tech_id, name_en, name_zh, [name_en.lower()], direction, NOW, NOW],
    )


def add_docs(
    con: Any,
    source: str,
    kind: str,
    dates: Sequence[str],
    *,
    tech_id: str | None = None,
    precision: str = "day",
    prefix: str | None = None,
    title: str = "document",
    extra: dict[str, Any] | None = None,
) -> list[str]:
    """Insert documents directly (dates 'YYYY-MM-DD'), optionally linked to a technology; returns their ids."""
    import pyarrow as pa

    stem = prefix or f"{source}-{kind}-{tech_id or 'bg'}"
    start = con.execute("SELECT count(*) FROM documents").fetchall()[0][0]
    ids = [f"{stem}-{start + i}" for i in range(len(dates))]
    table = pa.table({
        "doc_id": ids,
        "title": [f"{title} {i}" for i in range(len(dates))],
        "published": pa.array([dt.date.fromisoformat(d) for d in dates], pa.date32()),
    })
    # One set-wise insert: row-by-row inserts make a fixture of a few hundred documents take seconds.
    con.register("_t_docs", table)
    try:
        con.execute(
            "INSERT INTO documents (doc_id, kind, language, title, published, date_precision, primary_source, primary_record, "
            "extra, content_hash, first_seen, last_seen, updated_at) "
            "SELECT doc_id, $kind, 'en', title, published, $precision, $source, doc_id, $extra, doc_id, $now, $now, $now FROM _t_docs",
            {"kind": kind, "precision": precision, "source": source, "extra": json.dumps(extra or {}), "now": NOW},
        )
        if tech_id:
            con.execute(
                "INSERT INTO document_technologies SELECT doc_id, $tech, 'alias', 0.9, $tech, $now FROM _t_docs",
                {"tech": tech_id, "now": NOW},
            )
    finally:
        con.unregister("_t_docs")
    return ids


def add_score(
    con: Any,
    scan_id: str,
    tech_id: str,
    as_of: dt.date,
    *,
    strategic: float | None = 0.6,
    disruptive: float | None = 0.6,
    horizon: str = "mid",
    confidence: float | None = 0.8,
    drivers: Sequence[str] = (),
) -> None:
    """A tech_scores row as the screening step writes it (only what the ledger reads is meaningful)."""
    def label(x: float | None) -> str:
        return "insufficient evidence" if x is None else ("yes" if x >= 0.5 else "no")

    con.execute(
        "INSERT INTO tech_scores (scan_id, tech_id, as_of, strategic, strategic_label, disruptive, disruptive_label, "
        "horizon, horizon_confidence, trl_estimate, reasons, horizon_evidence, evidence_count, recent_evidence, "
        "weights_hash, method_version, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 5.0, ?, ?, 10, 5, 'w', 'test', ?)",
        [scan_id, tech_id, as_of, strategic, label(strategic), disruptive, label(disruptive), horizon, confidence,
         json.dumps({"strategic": ["s"], "disruptive": ["d"], "horizon": ["h"]}),
         json.dumps({"channels": {}, "drivers": [{"doc_id": d} for d in drivers]}), NOW],
    )


def add_reading(con: Any, scan_id: str, tech_id: str, indicator: str, value: float | None, details: dict[str, Any]) -> None:
    con.execute(
        "INSERT INTO indicator_values VALUES (?, ?, ?, ?, ?, ?, [])",
        [scan_id, tech_id, indicator, value, None if value is None else 0.5, json.dumps(details)],
    )


def forecast_row(**over: Any) -> dict[str, Any]:
    """A complete forecasts row; keyword arguments override fields."""
    row: dict[str, Any] = {
        "forecast_id": "s1/t1/growth_12m",
        "scan_id": "s1",
        "tech_id": "t1",
        "made_at": NOW,
        "as_of": dt.date(2020, 1, 1),
        "type": "growth_12m",
        "statement": "T1 grows / T1 增长",
        "target": {"months": 12},
        "probability": 0.4,
        "resolves_on": dt.date(2021, 1, 1),
        "inputs": {"priority": 0.6},
        "horizon": "mid",
        "direction": "future_information",
        "source_mix": "paper",
        "backtest": False,
        "rule_version": "test",
    }
    row.update(over)
    return row
