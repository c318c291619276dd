"""Running crawls: each spider in its own `scrapy crawl` process, its state read from and recorded in the warehouse.

The Twisted reactor cannot restart inside one process, so every crawl is a subprocess. Before it
starts, the source's last successful watermark is read (``-a since=...``); after it ends, its
report (spiders.extensions.CrawlReport) is recorded as a crawl run. Landing files are sealed by
the crawl itself only when it finishes; their paths are returned for the ingest step.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import ipaddress
import json
import os
import signal
import subprocess
import sys
import tarfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flows.settings import Settings

# What a bare `futurescan crawl` (and the weekly scan) runs.
SOURCES: tuple[str, ...] = ("arxiv", "pubmed", "crossref", "news", "policy")
# Also crawlable by name: `epo` needs an EPO OPS client.
ALL_SOURCES: tuple[str, ...] = (*SOURCES, "epo")
DEFAULT_SOURCES = SOURCES
SNAPSHOT_ARCHIVE = Path(str(resources.files("spiders") / "snapshot" / "futurescan-snapshot.tar.gz"))

Progress = Callable[[str, dict[str, Any]], None]
# A crawl that ends while another command writes the warehouse waits this long to record itself.
WRITER_WAIT = 120.0


class CrawlError(RuntimeError):
    """A crawl command cannot start (unknown source, no snapshot, warehouse busy)."""


@dataclass
class CrawlPlan:
    """Everything one crawl subprocess needs, decided before it starts."""

    source: str
    run_id: str
    mode: str
    args: dict[str, str]
    settings: dict[str, str]
    landing_file: Path
    workdir: Path

    @property
    def stats_file(self) -> Path:
        return self.workdir / "report.json"

    @property
    def progress_file(self) -> Path:
        return self.workdir / "progress.json"

    @property
    def log_file(self) -> Path:
        return self.workdir / "crawl.log"

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "scrapy", "crawl", self.source]
        for k, v in self.args.items():
            cmd += ["-a", f"{k}={v}"]
        settings = {
            **self.settings,
            "FUTURESCAN_LANDING_FILE": str(self.landing_file),
            "FUTURESCAN_STATS_FILE": str(self.stats_file),
            "FUTURESCAN_PROGRESS_FILE": str(self.progress_file),
        }
        for k, v in settings.items():
            cmd += ["-s", f"{k}={v}"]
        return cmd


@dataclass
class CrawlOutcome:
    """How a crawl ended, as recorded in the warehouse."""

    source: str
    run_id: str
    status: str  # succeeded | partial | failed
    seconds: float
    report: dict[str, Any] = field(default_factory=dict)
    landing_file: Path | None = None
    log_file: Path | None = None
    error: str | None = None

    def summary(self) -> dict[str, Any]:
        """One row of the per-source summary table."""
        r = self.report
        errors = r.get("errors_by_kind") or {}
        return {
            "source": self.source,
            "status": self.status,
            "requests": r.get("requests", 0),
            "items": r.get("items", 0),
            "dropped": r.get("dropped", 0),
            "errors": ", ".join(f"{k}:{v}" for k, v in errors.items()) or "-",
            "seconds": round(self.seconds, 1),
            "landing_file": str(self.landing_file) if self.landing_file else (self.error or "-"),
        }


def crawl_status(report: dict[str, Any] | None, returncode: int) -> tuple[str, str | None]:
    """(status, error) of a finished crawl process from its exit code and report."""
    if not report:
        return "failed", f"the crawl process exited with code {returncode} without a report"
    reason = report.get("finish_reason")
    if reason != "finished":
        return "failed", f"the crawl stopped early ({reason}); its items stay in {report.get('landing_part')}"
    if returncode != 0:
        return "failed", f"the crawl process exited with code {returncode}"
    if report.get("incomplete"):
        return (
            "partial",
            f"{report['incomplete']} request(s) failed that may have held documents; watermark kept",
        )
    return "succeeded", None


def is_loopback(url: str | None) -> bool:
    """Whether a base URL points at this machine (only then are politeness delays relaxed)."""
    if not url:
        return False
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# ───────────────────────────── the snapshot ─────────────────────────────


def unpack_snapshot(cache_dir: Path, archive: Path = SNAPSHOT_ARCHIVE) -> Path:
    """Unpack the shipped snapshot under the cache (once per archive version); returns its folder.

    Crawls of several sources may start at once (Prefect runs one task per source, in threads and
    processes), so the unpacking is serialised by a file lock and a finished folder is never touched.
    """
    import fcntl
    import shutil

    if not archive.exists():
        raise CrawlError(f"no snapshot archive at {archive}")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()[:12]
    target = cache_dir / "snapshot" / digest
    folder = target / "snapshot"
    if (target / ".complete").exists():
        return folder
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".complete").exists():  # another crawl unpacked it while we waited
            return folder
        tmp = target.with_name(f".{digest}.{os.getpid()}.tmp")
        if tmp.exists():
            shutil.rmtree(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(tmp, filter="data")
        if target.exists():  # a half-unpacked earlier attempt (no .complete marker)
            shutil.rmtree(target)
        os.replace(tmp, target)
        (target / ".complete").write_text(digest)
    return folder


def snapshot_args(folder: Path) -> dict[str, dict[str, str]]:
    """Per-source spider arguments pinned by the snapshot (file arguments made absolute)."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    out: dict[str, dict[str, str]] = {}
    for source, args in manifest["crawls"].items():
        out[source] = {k: str(folder / v) if k.endswith("_file") else str(v) for k, v in args.items()}
    return out


@contextlib.contextmanager
def snapshot_server(
    cache_dir: Path, archive: Path = SNAPSHOT_ARCHIVE
) -> Iterator[tuple[str, dict[str, dict[str, str]]]]:
    """Serve the unpacked snapshot on 127.0.0.1 (a random port) for a block: (base URL, pinned args)."""
    from spiders.replay import serve

    folder = unpack_snapshot(cache_dir, archive)
    with serve(folder) as server:
        yield server.base_url, snapshot_args(folder)


# ───────────────────────────── planning and running ─────────────────────────────


def plan_crawl(
    source: str,
    settings: Settings,
    *,
    mode: str = "live",
    since: str | None = None,
    base_url: str | None = None,
    args: dict[str, str] | None = None,
    now: dt.datetime | None = None,
) -> CrawlPlan:
    """Decide a crawl's arguments, settings and files."""
    now = now or dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    run_id = f"{source}-{stamp}-{uuid.uuid4().hex[:6]}"
    landing = settings.landing_dir / f"{source}-{stamp}.jsonl"
    n = 2
    while landing.exists() or landing.with_name(landing.name + ".part").exists():
        landing = settings.landing_dir / f"{source}-{stamp}-{n}.jsonl"
        n += 1
    spider_args = dict(args or {})
    if since and "since" not in spider_args:
        spider_args["since"] = since
    if base_url:
        spider_args["base_url"] = base_url
    crawl_settings = {"FUTURESCAN_CONTACT": settings.contact, "LOG_LEVEL": "INFO"}
    if source == "epo":
        # Settings may carry an OPS client (epo_key/epo_secret); without one the spider says so.
        for field_name, key in (("epo_key", "FUTURESCAN_EPO_KEY"), ("epo_secret", "FUTURESCAN_EPO_SECRET")):
            if value := getattr(settings, field_name, None):
                crawl_settings[key] = value
    if is_loopback(base_url):
        # Replaying recordings from this machine: nobody to be polite to. Only here are the
        # delays and AutoThrottle switched off; robots.txt, retries and limits stay as shipped.
        crawl_settings.update({"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False"})
    return CrawlPlan(
        source=source,
        run_id=run_id,
        mode=mode,
        args=spider_args,
        settings=crawl_settings,
        landing_file=landing,
        workdir=settings.home / "crawls" / run_id,
    )


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["SCRAPY_SETTINGS_MODULE"] = "spiders.settings"
    # tldextract must not fetch the public-suffix list (see spiders/settings.py).
    env["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""
    env["PYTHONUNBUFFERED"] = "1"
    return env


def execute(plan: CrawlPlan, progress: Progress | None = None, timeout: float | None = None) -> CrawlOutcome:
    """Run one planned crawl in a subprocess, reporting progress; never raises for a crawl that fails."""
    plan.workdir.mkdir(parents=True, exist_ok=True)
    plan.landing_file.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with plan.log_file.open("wb") as log:
        proc = subprocess.Popen(
            plan.command(), cwd=plan.workdir, env=_env(), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            while proc.poll() is None:
                if timeout is not None and time.monotonic() - started > timeout:
                    proc.send_signal(signal.SIGINT)  # Scrapy closes gracefully on the first SIGINT
                    try:
                        proc.wait(30)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                    break
                _report_progress(plan, progress)
                time.sleep(0.3)
        except BaseException:
            # Interrupted (Ctrl-C): let the crawl close gracefully so its report is written.
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(30)
            raise
    seconds = time.monotonic() - started
    report = json.loads(plan.stats_file.read_text(encoding="utf-8")) if plan.stats_file.exists() else None
    status, error = crawl_status(report, proc.returncode if proc.returncode is not None else -1)
    if status == "failed" and report is None:
        error = f"{error}; last log lines: {_tail(plan.log_file)}"
    landing = Path(report["landing_file"]) if report and report.get("landing_file") else None
    if progress:
        progress(plan.source, {"state": status, **(report or {})})
    return CrawlOutcome(
        plan.source, plan.run_id, status, seconds, report or {}, landing, plan.log_file, error
    )


def _report_progress(plan: CrawlPlan, progress: Progress | None) -> None:
    if progress is None or not plan.progress_file.exists():
        return
    try:
        data = json.loads(plan.progress_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # being replaced right now: next poll
        return
    progress(plan.source, data)


def _tail(path: Path, lines: int = 5) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])


class _State:
    """Short writer sessions on the warehouse, one at a time, so other commands are blocked only briefly."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = threading.Lock()
        self.migrated = False

    @contextlib.contextmanager
    def open(self, wait: float = 0.0) -> Iterator[Any]:
        """A migrated writer connection; waits up to `wait` seconds while another process writes."""
        from warehouse.db import WarehouseBusy, connect_writer
        from warehouse.migrate import migrate

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
        from warehouse.db import publish

        with self.open(wait=WRITER_WAIT) as con:
            publish(con, self.settings.db_path, self.settings.published_path)


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
    with. `extra_args` go to every spider (`-a key=value`). Raises CrawlError before starting anything when a source is unknown or the warehouse is
    held by another writer.
    """
    from warehouse.crawl_store import finish_run, last_watermark, start_run
    from warehouse.db import WarehouseError

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
        plans: list[CrawlPlan] = []
        try:
            with state.open() as con:
                for source in chosen:
                    start = since if snapshot or since else last_watermark(con, source, mode)
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

        def one(plan: CrawlPlan) -> CrawlOutcome:
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

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            outcomes = list(pool.map(one, plans))
    state.publish()
    return outcomes
