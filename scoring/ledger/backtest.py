"""Backtest by replay: score the warehouse as of past dates, freeze those scans' forecasts, resolve them against what followed."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from scoring.ledger.forecasts import freeze_forecasts
from scoring.ledger.resolution import resolve_due
from scoring.screening.indicators.base import add_months
from scoring.screening.run import score_scan

ProgressFn = Callable[[str], None]


def replay_dates(start: dt.date, end: dt.date, step_months: int) -> list[dt.date]:
    """as-of dates from start to end (inclusive) every step_months."""
    if step_months <= 0:
        raise ValueError("step must be at least one month")
    out, k = [], 0
    while (d := add_months(start, k * step_months)) <= end:
        out.append(d)
        k += 1
    return out


def replay_scan_id(as_of: dt.date) -> str:
    """The id of a replayed scan (the 'asof-' convention the views use to keep backtests apart)."""
    return f"asof-{as_of.isoformat()}"


def backtest(
    con: Any,
    dates: Sequence[dt.date],
    *,
    weights_path: Path | None = None,
    rules_path: Path | None = None,
    resolve_until: dt.date | None = None,
    progress: ProgressFn | None = None,
) -> list[dict[str, Any]]:
    """Replay scans at past dates with as-of scoring, freeze their forecasts, and resolve against what followed.

    Each step scores the warehouse as of the date (only documents published before it), freezes
    the watchlist's forecasts, then resolves every forecast decidable by that date. A final
    resolution at `resolve_until` (default: the last date) settles the rest that can be settled.
    Returns one summary row per step.
    """

    say = progress or (lambda _m: None)
    steps = []
    for d in sorted(dates):
        t0 = time.perf_counter()
        scan_id = replay_scan_id(d)
        summary = score_scan(con, scan_id=scan_id, as_of=d, weights_path=weights_path)
        frozen = freeze_forecasts(con, scan_id, rules_path=rules_path)
        resolved = resolve_due(con, d)
        step = {"as_of": d.isoformat(), "scan_id": scan_id, "technologies": summary.technologies,
                "forecasts": frozen, "resolved": resolved, "seconds": round(time.perf_counter() - t0, 1)}
        steps.append(step)
        say(f"{scan_id}: {summary.technologies} scored, {frozen} forecasts frozen, {resolved} resolved ({step['seconds']} s)")
    final = resolve_until or (max(dates) if dates else None)
    if final is not None and (not dates or final >= max(dates)):
        extra = resolve_due(con, final)
        if extra:
            steps.append({"as_of": final.isoformat(), "scan_id": "", "technologies": 0, "forecasts": 0,
                          "resolved": extra, "seconds": 0.0})
            say(f"final resolution as of {final}: {extra} resolved")
    return steps
