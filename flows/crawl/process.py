"""Running one planned crawl as a `scrapy crawl` subprocess, and reading how it ended from its report."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows.crawl.plan import CrawlPlan

Progress = Callable[[str, dict[str, Any]], None]


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


def _env() -> dict[str, str]:
    """The subprocess's environment: this one, with the spiders' Scrapy settings and unbuffered output."""
    return {**os.environ, "SCRAPY_SETTINGS_MODULE": "spiders.settings", "PYTHONUNBUFFERED": "1"}


def _watch(
    proc: subprocess.Popen[bytes], plan: CrawlPlan, progress: Progress | None, timeout: float | None, started: float
) -> None:
    """Poll a running crawl, passing on its progress, until it ends or runs `timeout` seconds past `started`."""
    try:
        while proc.poll() is None:
            if timeout is not None and time.monotonic() - started > timeout:
                proc.send_signal(signal.SIGINT)  # Scrapy closes gracefully on the first SIGINT
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                return
            _report_progress(plan, progress)
            time.sleep(0.3)
    except BaseException:
        # Interrupted (Ctrl-C): let the crawl close gracefully so its report is written.
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(30)
        raise


def execute(plan: CrawlPlan, progress: Progress | None = None, timeout: float | None = None) -> CrawlOutcome:
    """Run one planned crawl in a subprocess, reporting progress; never raises for a crawl that fails."""
    plan.workdir.mkdir(parents=True, exist_ok=True)
    plan.landing_file.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with plan.log_file.open("wb") as log:
        proc = subprocess.Popen(
            plan.command(), cwd=plan.workdir, env=_env(), stdout=log, stderr=subprocess.STDOUT
        )
        _watch(proc, plan, progress, timeout, started)
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
