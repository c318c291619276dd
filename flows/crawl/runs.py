"""Running many crawls, `jobs` at a time, each recorded as a crawl run in the warehouse."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from flows.crawl.plan import CrawlError, CrawlPlan, plan_crawl
from flows.crawl.process import CrawlOutcome, Progress, execute
from flows.crawl.snapshot import SNAPSHOT_ARCHIVE, snapshot_server
from flows.settings import Settings
from spiders.registry import ALL_SOURCES, DEFAULT_SOURCES
from warehouse.crawl_store import finish_run, last_watermark, start_run
from warehouse.db import WarehouseBusy, WarehouseError, connect_writer, publish
from warehouse.migrate import migrate

# A crawl that ends while another command writes the warehouse waits this long to record itself.
WRITER_WAIT = 120.0


class _State:
    """Short writer sessions on the warehouse, one at a time, so other commands are blocked only briefly."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = threading.Lock()
        self.migrated = False

    @contextlib.contextmanager
    def open(self, wait: float = 0.0) -> Iterator[Any]:
        """A migrated writer connection; waits up to `wait` seconds while another process writes."""
        with self.lock:
            deadline = time.monotonic() + wait
            while True:
                try:
                    con = connect_writer(self.settings.db_path)
                    break
                except WarehouseBusy:
                    if time.monotonic() >= deadline:
                        raise
                    time.sleep(1.0)
            try:
                if not self.migrated:
                    migrate(con)
                    self.migrated = True
                yield con
            finally:
                con.close()

    def publish(self) -> None:
        with self.open(wait=WRITER_WAIT) as con:
            publish(con, self.settings.db_path, self.settings.published_path)


def _start_runs(
    state: _State,
    settings: Settings,
    chosen: Sequence[str],
    *,
    mode: str,
    pinned: dict[str, dict[str, str]],
    base_url: str | None,
    since: str | None,
    scan_id: str | None,
    extra_args: dict[str, str] | None,
) -> list[CrawlPlan]:
    """Plan each chosen crawl and record it as started; a live crawl starts at its source's watermark."""
    plans: list[CrawlPlan] = []
    try:
        with state.open() as con:
            for source in chosen:
                start = since if mode == "snapshot" or since else last_watermark(con, source, mode)
                args = {**pinned.get(source, {}), **(extra_args or {})}
                plan = plan_crawl(source, settings, mode=mode, since=start, base_url=base_url, args=args)
                start_run(
                    con,
                    plan.run_id,
                    source,
                    mode=mode,
                    scan_id=scan_id,
                    since=plan.args.get("since"),
                    landing_file=str(plan.landing_file),
                )
                plans.append(plan)
    except WarehouseError as exc:
        raise CrawlError(str(exc)) from exc
    return plans


def _run_recorded(state: _State, plan: CrawlPlan, progress: Progress | None, timeout: float | None) -> CrawlOutcome:
    """Run one started crawl and record how it ended (failed, when interrupted)."""
    try:
        outcome = execute(plan, progress, timeout)
    except BaseException as exc:
        outcome = CrawlOutcome(plan.source, plan.run_id, "failed", 0.0, error=f"interrupted: {exc!r}")
        with state.open(wait=WRITER_WAIT) as con:
            finish_run(con, plan.run_id, "failed", None, outcome.error)
        raise
    with state.open(wait=WRITER_WAIT) as con:
        finish_run(con, plan.run_id, outcome.status, outcome.report, outcome.error)
    return outcome


def run_crawls(
    sources: Sequence[str],
    settings: Settings,
    *,
    snapshot: bool = False,
    base_url: str | None = None,
    since: str | None = None,
    scan_id: str | None = None,
    jobs: int = 2,
    timeout: float | None = None,
    extra_args: dict[str, str] | None = None,
    progress: Progress | None = None,
    archive: Path = SNAPSHOT_ARCHIVE,
) -> list[CrawlOutcome]:
    """Crawl sources (all when empty), `jobs` at a time, recording each as a crawl run; returns the outcomes.

    Live mode starts each source after its last successful watermark (or at `since`). Snapshot
    mode replays the shipped recordings from a local server with the arguments they were recorded
    with. `extra_args` go to every spider (`-a key=value`). Raises CrawlError before starting
    anything when a source is unknown or the warehouse is held by another writer.
    """
    unknown = [s for s in sources if s not in ALL_SOURCES]
    if unknown:
        raise CrawlError(f"unknown source(s) {', '.join(unknown)}; known: {', '.join(ALL_SOURCES)}")
    state = _State(settings)
    with contextlib.ExitStack() as stack:
        pinned: dict[str, dict[str, str]] = {}
        mode = "snapshot" if snapshot else "live"
        if snapshot:
            base_url, pinned = stack.enter_context(snapshot_server(settings.cache_dir, archive))
            missing = [s for s in sources if s not in pinned]
            if missing:
                raise CrawlError(
                    f"the snapshot has no recordings for {', '.join(missing)}; it has {', '.join(pinned)}"
                )
            chosen = list(sources or pinned)
        else:
            chosen = list(sources or DEFAULT_SOURCES)
        plans = _start_runs(
            state, settings, chosen, mode=mode, pinned=pinned, base_url=base_url, since=since,
            scan_id=scan_id, extra_args=extra_args,
        )
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            outcomes = list(pool.map(lambda plan: _run_recorded(state, plan, progress, timeout), plans))
    state.publish()
    return outcomes
