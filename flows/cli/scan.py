"""`futurescan scan`: the weekly scan, run locally (Prefect's ephemeral mode, or plain with --no-prefect).

Prefect (flows.weekly) is imported only when the scan runs with it: it takes seconds to import, and
its settings come from the environment defaults the CLI entry sets (flows.settings).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import typer

from flows import scan as plain
from flows.cli.common import console, err_console, fail, parse_date, settings
from flows.summary import scan_summary_tables


def _print_stage(stage: str, result: Any) -> None:
    if result is None:
        err_console.print(f"[bold cyan]▶ {stage}[/] …")
    else:
        colour = {"succeeded": "green", "skipped": "dim", "partial": "yellow"}.get(result.status, "red")
        err_console.print(f"  [{colour}]{stage}: {result.status}[/] ({result.seconds:.1f} s)")


def scan_cmd(
    snapshot: bool = typer.Option(False, "--snapshot", help="Crawl the bundled snapshot of recorded responses (offline)."),
    crawl: bool = typer.Option(True, "--crawl/--no-crawl", help="--no-crawl scores what the warehouse already holds."),
    sources: list[str] = typer.Option([], "--source", "-s", help="Crawl only these sources (repeatable)."),
    as_of: str = typer.Option(None, "--as-of", help="Replay the scan as of this date (YYYY-MM-DD)."),
    model: str = typer.Option(None, "--model", help="Embedding model name (default: FUTURESCAN_MODEL or all-MiniLM-L6-v2)."),
    weights: Path = typer.Option(None, "--weights", help="Weights file (default: scoring/screening/weights.toml)."),
    scan_id: str = typer.Option(None, "--scan-id", help="Scan id (default: the ISO week, e.g. 2026-W47); re-running one resumes it."),
    use_prefect: bool = typer.Option(True, "--prefect/--no-prefect", help="Run as a Prefect flow (ephemeral API) or as plain functions."),
    fake_embedder: bool = typer.Option(False, "--fake-embedder", hidden=True, help="Deterministic hashing embedder (tests)."),
) -> None:
    """Run the weekly scan: crawl → ingest → analyse → score → publish, then print a summary."""
    cfg = settings()
    as_of_date = parse_date(as_of)
    if weights is not None and not weights.is_file():
        raise fail(f"no such weights file: {weights}")
    opts = plain.ScanOptions(
        sources=list(sources), crawl=crawl, snapshot=snapshot, as_of=as_of_date, model_name=model,
        weights_path=weights, scan_id=scan_id, fake_embedder=fake_embedder,
    )
    plain.STAGE_LISTENERS.append(_print_stage)
    started = time.perf_counter()
    try:
        if use_prefect:
            # Prefect creates only the last folder of its home (where its SQLite database lives).
            Path(os.environ.get("PREFECT_HOME") or cfg.prefect_home).mkdir(parents=True, exist_ok=True)
            from flows.weekly import weekly_scan

            out = weekly_scan(
                sources=opts.sources, crawl=crawl, snapshot=snapshot, as_of=as_of, model_name=model,
                weights_path=str(weights) if weights else None, scan_id=scan_id, fake_embedder=fake_embedder,
            )
            sid, status = out["scan_id"], out["status"]
        else:
            sid, status, _results = plain.run_scan(cfg, opts)
    except plain.ScanFailed as exc:
        raise fail(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - Prefect re-raises the task's error; say it plainly
        raise fail(f"scan failed: {type(exc).__name__}: {exc} (run the same command again to resume)") from None
    finally:
        plain.STAGE_LISTENERS.remove(_print_stage)
    print_scan_summary(sid, status, time.perf_counter() - started)


def print_scan_summary(scan_id: str, status: str, seconds: float) -> None:
    """The end-of-scan summary: per-source documents, topics, scores, watchlist, where the report is."""
    cfg = settings()
    colour = {"succeeded": "green", "partial": "yellow"}.get(status, "red")
    console.print(f"\n[bold]scan {scan_id}[/]: [{colour}]{status}[/] in {seconds:.1f} s")
    for table in scan_summary_tables(cfg, scan_id):
        console.print(table)


def register(app: typer.Typer) -> None:
    """Add `scan` to the main command."""
    app.command("scan")(scan_cmd)
