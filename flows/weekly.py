"""Prefect flows: thin tables of contents over flows/scan.py — weekly_scan, its stage flows, and rescore.

Every task calls one plain function that is tested without Prefect. Crawls are one task per source,
each running `scrapy crawl` in its own subprocess (the Twisted reactor cannot restart in-process),
so one failing source is retried on its own and, if it still fails, leaves the scan partial.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows import scan as plain
from flows.settings import Settings
from flows.summary import scan_markdown, watchlist_rows
from spiders.registry import DEFAULT_SOURCES

RETRY_DELAYS = [10, 60, 300]


def _options(
    sources: list[str] | None,
    crawl: bool,
    snapshot: bool,
    as_of: str | None,
    model_name: str | None,
    weights_path: str | None,
    scan_id: str | None,
    fake_embedder: bool,
) -> plain.ScanOptions:
    return plain.ScanOptions(
        sources=list(sources or []),
        crawl=crawl,
        snapshot=snapshot,
        as_of=dt.date.fromisoformat(as_of) if as_of else None,
        model_name=model_name,
        weights_path=Path(weights_path) if weights_path else None,
        scan_id=scan_id,
        fake_embedder=fake_embedder,
    )


@task(name="crawl-source", retries=2, retry_delay_seconds=RETRY_DELAYS[:2])
def crawl_source(settings: Settings, opts: plain.ScanOptions, scan_id: str, source: str) -> dict[str, Any]:
    """Crawl one source; raises (and so retries) only when the crawl failed outright."""
    summary = plain.crawl_sources(settings, opts, scan_id, sources=[source])
    if summary["failed"]:
        raise RuntimeError(f"crawl of {source} failed: {summary['failed'][source]}")
    return summary


@task(name="stage")
def stage_task(settings: Settings, opts: plain.ScanOptions, scan_id: str, stage: str) -> plain.StageResult:
    """Run one recorded, resumable stage."""
    return plain.run_stage(settings, opts, scan_id, stage, plain.DEFAULT_STAGES[stage])


def _crawl(settings: Settings, opts: plain.ScanOptions, scan_id: str, retries: int) -> plain.StageResult:
    """One task per source, concurrently; failures (after retries) are collected, not raised."""
    sources = opts.sources or list(DEFAULT_SOURCES)
    task_ = crawl_source.with_options(retries=retries)
    futures = {s: task_.submit(settings, opts, scan_id, s) for s in sources}
    per_source: dict[str, Any] = {}
    failed: dict[str, str] = {}
    for source, fut in futures.items():
        outcome = fut.result(raise_on_failure=False)
        if isinstance(outcome, dict):
            per_source.update(outcome["sources"])
        else:
            failed[source] = str(outcome)
    summary = {"sources": per_source, "failed": failed, "status": "partial" if failed else "succeeded"}
    return plain.run_stage(settings, opts, scan_id, "crawl", lambda *_: summary, force=True)


@flow(name="weekly-scan", log_prints=True)
def weekly_scan(
    sources: list[str] | None = None,
    crawl: bool = True,
    snapshot: bool = False,
    as_of: str | None = None,
    model_name: str | None = None,
    weights_path: str | None = None,
    scan_id: str | None = None,
    fake_embedder: bool = False,
    crawl_retries: int = 2,
) -> dict[str, Any]:
    """crawl → ingest → analyse → score → publish, resuming a scan id that failed before."""
    logger = get_run_logger()
    settings = Settings.from_env()
    opts = _options(sources, crawl, snapshot, as_of, model_name, weights_path, scan_id, fake_embedder)
    sid, resumed = plain.begin_scan(settings, opts)
    logger.info("scan %s %s", sid, "resumed" if resumed else "started")
    results: list[plain.StageResult] = []
    try:
        if crawl:
            results.append(_crawl(settings, opts, sid, crawl_retries))
        for stage in ("ingest", "analyse", "score", "publish"):
            results.append(stage_task(settings, opts, sid, stage))
    except Exception as exc:
        plain.end_scan(settings, sid, results, error=f"{type(exc).__name__}: {exc}")
        raise
    status = plain.end_scan(settings, sid, results)
    _publish_artifacts(settings, sid, status, results)
    return {"scan_id": sid, "status": status, "stages": {r.stage: r.status for r in results}}


@flow(name="rescore", log_prints=True)
def rescore(
    scan_id: str | None = None, weights_path: str | None = None, as_of: str | None = None, force: bool = False
) -> dict[str, Any]:
    """Re-score the latest (or a given) scan after the weights changed, then re-publish.

    Scores whose inputs (evidence, weights, method) are unchanged are kept; force=True recomputes them.
    """
    settings = Settings.from_env()
    opts = dataclasses.replace(_options(None, False, False, as_of, None, weights_path, scan_id, False), force_score=force)
    sid, _ = plain.begin_scan(settings, opts)
    results = [plain.run_stage(settings, opts, sid, s, plain.DEFAULT_STAGES[s], force=True) for s in ("score", "publish")]
    status = plain.end_scan(settings, sid, results)
    _publish_artifacts(settings, sid, status, results)
    return {"scan_id": sid, "status": status}


def _publish_artifacts(settings: Settings, scan_id: str, status: str, results: list[plain.StageResult]) -> None:
    """The watchlist as a Prefect table artifact and a Markdown summary of the scan."""
    rows = watchlist_rows(settings, scan_id)
    if rows:
        create_table_artifact(key="watchlist", table=rows, description=f"futurescan watchlist, scan {scan_id}")
    create_markdown_artifact(key="scan-summary", markdown=scan_markdown(scan_id, status, results, rows),
                             description=f"futurescan scan {scan_id}")
