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
    ids = []
    stem = prefix or f"{source}-{kind}-{tech_id or 'bg'}"
    start = con.execute("SELECT count(*) FROM documents").fetchall()[0][0]
    for i, day in enumerate(dates):
        doc_id = f"{stem}-{start + i}"
        con.execute(
            "INSERT INTO documents (doc_id, kind, language, title, published, date_precision, primary_source, primary_record, "
            "extra, content_hash, first_seen, last_seen, updated_at) VALUES (?, ?, 'en', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [doc_id, kind, f"{title} {i}", dt.date.fromisoformat(day), precision, source, doc_id,
             json.dumps(extra or {}), doc_id, NOW, NOW, NOW],
        )
        if tech_id:
            con.execute(
                "INSERT INTO document_technologies VALUES (?, ?, 'alias', 0.9, ?, ?)", [doc_id, tech_id, tech_id, NOW]
            )
        ids.append(doc_id)
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
