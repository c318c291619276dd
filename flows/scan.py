"""The weekly scan as plain functions: crawl → ingest → analyse → score → publish, resumable by stage.

Prefect (flows/weekly.py) wraps these functions as tasks; the CLI can also call them directly. Each
stage holds the warehouse for writing while it works (`run_scan` holds one connection from the first
stage after the crawl to the end), records its outcome in `scan_stages`, and is skipped when a re-run
of the same scan finds it already succeeded — so a failed or killed scan resumes without redoing
finished work, and every stage is itself idempotent.

The ingest, analyse and score stages import their scoring/ and warehouse/ modules inside the
function: those bring numpy, pyarrow and pydantic (0.1-0.4 s each), which `futurescan scan
--help` and a scan resumed past those stages do not need.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from flows.crawl import run_crawls
from flows.present.report import write_scan_report
from flows.settings import Settings
from spiders.registry import DEFAULT_SOURCES
from warehouse.db import connect_writer, publish
from warehouse.migrate import migrate_once
from warehouse.scans_store import finish_scan, record_stage, scan_landing_files, stage_status, start_scan

STAGES: tuple[str, ...] = ("crawl", "ingest", "analyse", "score", "publish")


@dataclass
class ScanOptions:
    """What a scan does: the parameters of the `weekly-scan` deployment and of `futurescan scan`."""

    sources: list[str] = field(default_factory=list)  # empty: every configured source
    crawl: bool = True
    snapshot: bool = False
    as_of: dt.date | None = None
    model_name: str | None = None
    weights_path: Path | None = None
    scan_id: str | None = None
    fake_embedder: bool = False  # tests and dry runs: a deterministic hashing embedder, no model load
    crawl_timeout: float | None = 900.0
    force_score: bool = False  # recompute scores even when their inputs equal an earlier scan's


    def to_params(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path | dt.date) else v) for k, v in asdict(self).items()}


@dataclass
class StageResult:
    """One stage's outcome, as recorded."""

    stage: str
    status: str  # succeeded | partial | failed | skipped
    seconds: float
    summary: dict[str, Any]
    error: str | None = None


def default_scan_id(opts: ScanOptions, today: dt.date | None = None) -> str:
    """The scan's own id if it has one, else its conventional one (scan_id_for); re-running the same id resumes."""
    return opts.scan_id or scan_id_for(opts.as_of, today)


def scan_id_for(as_of: dt.date | None, today: dt.date | None = None) -> str:
    """'asof-YYYY-MM-DD' for a replay, else the ISO week of today ('2026-W47')."""
    if as_of:
        return f"asof-{as_of.isoformat()}"
    year, week, _ = (today or dt.date.today()).isocalendar()
    return f"{year}-W{week:02d}"


# A writer connection held by an enclosing `holding_writer` (per thread, per database path): the
# stages and their bookkeeping reuse it instead of opening and migrating the warehouse again.
_HELD = threading.local()


def _held() -> dict[str, Any]:
    held = getattr(_HELD, "connections", None)
    if held is None:
        held = _HELD.connections = {}
    return held


@contextlib.contextmanager
def _writer(settings: Settings) -> Iterator[Any]:
    """A migrated writer connection: the one held by an enclosing `holding_writer`, else a fresh one."""
    held = _held().get(str(settings.db_path))
    if held is not None:
        yield held
        return
    con = connect_writer(settings.db_path)
    try:
        migrate_once(con, settings.db_path)
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def holding_writer(settings: Settings) -> Iterator[Any]:
    """Hold one writer connection for a block of stages (each open and migration check cost ~0.1 s).

    Other processes cannot open the live file meanwhile (they read the published copy), as while
    any one stage runs; crawls are left out, since a crawl may wait on the warehouse for minutes.
    """
    key = str(settings.db_path)
    held = _held()
    if key in held:
        yield held[key]
        return
    with _writer(settings) as con:
        held[key] = con
        try:
            yield con
        finally:
            del held[key]


# --------------------------------------------------------------------------------------------------
# The stages. Each takes (settings, options, scan_id) and returns a JSON-able summary.


def crawl_sources(settings: Settings, opts: ScanOptions, scan_id: str, sources: list[str] | None = None) -> dict[str, Any]:
    """Crawl each source in its own subprocess; a failing source is reported, not raised."""
    wanted = sources if sources is not None else (opts.sources or list(DEFAULT_SOURCES))
    with _writer(settings) as con:
        done = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT source_id FROM crawl_runs WHERE scan_id = ? AND status IN ('succeeded', 'partial')",
                [scan_id],
            ).fetchall()
        }
    todo = [s for s in wanted if s not in done]
    outcomes = run_crawls(todo, settings, snapshot=opts.snapshot, scan_id=scan_id, timeout=opts.crawl_timeout) if todo else []
    per_source = {o.source: o.summary() for o in outcomes}
    failed = {o.source: (o.error or o.status) for o in outcomes if o.status == "failed"}
    return {
        "sources": per_source,
        "resumed_done": sorted(done & set(wanted)),
        "failed": failed,
        "status": "partial" if failed else "succeeded",
    }


def ingest_landing(settings: Settings, opts: ScanOptions, scan_id: str) -> dict[str, Any]:
    """Load every landing file this scan's crawls wrote (files loaded before are skipped by content)."""
    per_source: dict[str, dict[str, int]] = {}
    with _writer(settings) as con:
        files = [(source, Path(p)) for source, p in scan_landing_files(con, scan_id)]
        for source, path in files:
            if not path.exists():
                continue
            # Validation and Arrow are imported only when there is a file to load.
            from warehouse.ingest import ingest_file

            rep = ingest_file(con, path)
            agg = per_source.setdefault(source, {"files": 0, "new": 0, "updated": 0, "unchanged": 0, "rejected": 0})
            agg["files"] += 1
            agg["new"] += rep.docs_new
            agg["updated"] += rep.docs_updated
            agg["unchanged"] += rep.docs_unchanged
            agg["rejected"] += rep.rows_rejected
    return {"files": len(files), "sources": per_source}


def analyse_documents(settings: Settings, opts: ScanOptions, scan_id: str) -> dict[str, Any]:
    """Embed new/changed documents, cluster into topics, follow lineage, link to technologies."""
    from scoring.topics.pipeline import run_analysis

    with _writer(settings) as con:
        summary = run_analysis(
            con,
            scan_id=scan_id,
            as_of=opts.as_of,
            model_name=opts.model_name or settings.model_name,
            fake_embedder=opts.fake_embedder,
            cache_dir=settings.cache_dir,
        )
    return summary if isinstance(summary, dict) else asdict(summary)


def score_technologies(settings: Settings, opts: ScanOptions, scan_id: str) -> dict[str, Any]:
    """Resolve forecasts now due, score every technology, then freeze this scan's forecasts."""
    from scoring.ledger import freeze_forecasts, resolve_due
    from scoring.screening.run import score_scan

    with _writer(settings) as con:
        resolved = resolve_due(con, opts.as_of or dt.date.today())
        summary = score_scan(
            con, scan_id=scan_id, as_of=opts.as_of, weights_path=opts.weights_path, force=opts.force_score
        )
        frozen = freeze_forecasts(con, scan_id)
    out = summary if isinstance(summary, dict) else asdict(summary)
    return {**out, "forecasts_resolved": resolved, "forecasts_frozen": frozen}


def publish_outputs(settings: Settings, opts: ScanOptions, scan_id: str) -> dict[str, Any]:
    """Write the scan report and publish the read-only copy that read commands use."""
    out: dict[str, Any] = {}
    with _writer(settings) as con:
        out["report"] = str(write_scan_report(con, scan_id, settings.reports_dir))
        publish(con, settings.db_path, settings.published_path)
    out["published_copy"] = str(settings.published_path)
    return out


StageFn = Callable[[Settings, ScanOptions, str], dict[str, Any]]
StageListener = Callable[[str, "StageResult | None"], None]
# Callbacks told when a stage starts (result None) and ends: how the CLI shows progress even when
# the stages run as Prefect tasks in this process.
STAGE_LISTENERS: list[StageListener] = []


def _notify(stage: str, result: StageResult | None) -> None:
    for listener in list(STAGE_LISTENERS):
        listener(stage, result)

DEFAULT_STAGES: dict[str, StageFn] = {
    "crawl": crawl_sources,
    "ingest": ingest_landing,
    "analyse": analyse_documents,
    "score": score_technologies,
    "publish": publish_outputs,
}


def run_stage(
    settings: Settings, opts: ScanOptions, scan_id: str, stage: str, fn: StageFn, *, force: bool = False
) -> StageResult:
    """Run one stage unless it already succeeded for this scan; record what happened."""
    # Checking, running and recording a stage share one connection (crawls open their own, briefly).
    with contextlib.nullcontext() if stage == "crawl" else holding_writer(settings):
        return _run_stage(settings, opts, scan_id, stage, fn, force=force)


def _run_stage(
    settings: Settings, opts: ScanOptions, scan_id: str, stage: str, fn: StageFn, *, force: bool
) -> StageResult:
    if not force:
        with _writer(settings) as con:
            previous = stage_status(con, scan_id).get(stage)
        if previous and previous[0] in ("succeeded", "partial") and stage != "publish":
            result = StageResult(stage, "skipped", 0.0, previous[1])
            _notify(stage, result)
            return result
    _notify(stage, None)
    started = dt.datetime.now().replace(microsecond=0)
    t0 = time.perf_counter()
    try:
        summary = fn(settings, opts, scan_id)
    except Exception as exc:
        with _writer(settings) as con:
            record_stage(con, scan_id, stage, "failed", started_at=started, error=f"{type(exc).__name__}: {exc}")
        raise
    status = summary.get("status", "succeeded") if isinstance(summary, dict) else "succeeded"
    with _writer(settings) as con:
        record_stage(con, scan_id, stage, status, started_at=started, summary=summary)
    result = StageResult(stage, status, time.perf_counter() - t0, summary)
    _notify(stage, result)
    return result


def begin_scan(settings: Settings, opts: ScanOptions) -> tuple[str, bool]:
    """Create (or reopen) the scan row; returns (scan_id, resumed)."""
    scan_id = default_scan_id(opts)
    with _writer(settings) as con:
        resumed = start_scan(con, scan_id, as_of=opts.as_of, params=opts.to_params())
    return scan_id, resumed


def end_scan(settings: Settings, scan_id: str, results: list[StageResult], error: str | None = None) -> str:
    """Close the scan: failed if a stage raised, partial if any stage was partial, else succeeded."""
    if error:
        status = "failed"
    elif any(r.status == "partial" for r in results):
        status = "partial"
    else:
        status = "succeeded"
    summary = {r.stage: {"status": r.status, "seconds": round(r.seconds, 2), **r.summary} for r in results}
    if error:
        summary["error"] = error
    with _writer(settings) as con:
        finish_scan(con, scan_id, status, summary)
    return status


def run_scan(
    settings: Settings,
    opts: ScanOptions,
    *,
    stages: Mapping[str, StageFn] | None = None,
) -> tuple[str, str, list[StageResult]]:
    """Run a whole scan without Prefect; returns (scan_id, status, stage results)."""
    fns = dict(stages or DEFAULT_STAGES)
    results: list[StageResult] = []
    with contextlib.ExitStack() as held:
        # One writer connection from the first stage after the crawl to the end of the scan.
        holding = not opts.crawl
        if holding:
            held.enter_context(holding_writer(settings))
        scan_id, _resumed = begin_scan(settings, opts)
        for stage in STAGES:
            if stage == "crawl" and not opts.crawl:
                continue
            if stage != "crawl" and not holding:
                holding = True
                held.enter_context(holding_writer(settings))
            try:
                result = run_stage(settings, opts, scan_id, stage, fns[stage])
            except Exception as exc:
                end_scan(settings, scan_id, results, error=f"{stage}: {type(exc).__name__}: {exc}")
                raise ScanFailed(scan_id, stage, exc) from exc
            results.append(result)
        status = end_scan(settings, scan_id, results)
    return scan_id, status, results


class ScanFailed(RuntimeError):
    """A stage raised; the scan is recorded as failed and can be resumed by running it again."""

    def __init__(self, scan_id: str, stage: str, cause: BaseException) -> None:
        super().__init__(f"scan {scan_id} failed in stage {stage!r}: {cause}; run it again to resume")
        self.scan_id = scan_id
        self.stage = stage
