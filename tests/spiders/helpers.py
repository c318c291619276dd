"""Test helpers: run `scrapy crawl` subprocesses against local servers, read their reports, compare expected items."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "spiders"
REPO = Path(__file__).resolve().parents[2]

# Localhost replay: no politeness delays, fast backoff. Everything else stays as shipped.
FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "FUTURESCAN_BACKOFF_BASE": "0.05",
    "LOG_LEVEL": "INFO",
}


@dataclass
class CrawlResult:
    """What one crawl left behind."""

    returncode: int
    report: dict[str, Any]
    items: list[dict[str, Any]]
    log: str
    landing: Path

    @property
    def errors(self) -> dict[str, int]:
        return self.report.get("errors_by_kind", {})


@dataclass
class Crawl:
    """One `scrapy crawl` subprocess, started by :func:`start`."""

    spider: str
    workdir: Path
    args: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def landing(self) -> Path:
        return self.workdir / f"{self.spider}.jsonl"

    def start(self) -> Crawl:
        self.workdir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "scrapy", "crawl", self.spider]
        for k, v in self.args.items():
            cmd += ["-a", f"{k}={v}"]
        settings = {
            **FAST,
            "FUTURESCAN_LANDING_FILE": str(self.landing),
            "FUTURESCAN_STATS_FILE": str(self.workdir / "report.json"),
            "LOG_FILE": str(self.workdir / "crawl.log"),
            **self.settings,
        }
        for k, v in settings.items():
            cmd += ["-s", f"{k}={v}"]
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "spiders.settings"}
        self.proc = subprocess.Popen(
            cmd, cwd=self.workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        return self

    def wait(self, timeout: float = 60) -> CrawlResult:
        assert self.proc is not None
        out, _ = self.proc.communicate(timeout=timeout)
        log_file = self.workdir / "crawl.log"
        log = out.decode(errors="replace") + (
            log_file.read_text(errors="replace") if log_file.exists() else ""
        )
        report_file = self.workdir / "report.json"
        report = json.loads(report_file.read_text()) if report_file.exists() else {}
        path = self.landing if self.landing.exists() else self.landing.with_name(self.landing.name + ".part")
        items = (
            [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            if path.exists()
            else []
        )
        return CrawlResult(self.proc.returncode, report, items, log, self.landing)


def run_all(crawls: Iterable[Crawl], timeout: float = 90) -> list[CrawlResult]:
    """Start crawls side by side (each its own process) and wait for all of them."""
    started = [c.start() for c in crawls]
    return [c.wait(timeout) for c in started]


def write_recordings(folder: Path, entries: list[dict[str, Any]]) -> Path:
    """A recordings.json for the replay server; `file` may be absolute (a fixture file)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "recordings.json").write_text(
        json.dumps(entries, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return folder


def normalised(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items without the crawl-time field, in a stable order (crawls are concurrent)."""
    out = [{k: v for k, v in item.items() if k != "fetched_at"} for item in items]
    return sorted(out, key=lambda i: (i["source"], i.get("source_record_id") or "", i.get("url") or ""))


def check_expected(name: str, folder: Path, items: list[dict[str, Any]]) -> None:
    """Compare items with expected/<name>.jsonl next to the recording (FUTURESCAN_UPDATE_EXPECTED=1 rewrites it)."""
    path = folder / "expected" / f"{name}.jsonl"
    got = normalised(items)
    if os.environ.get("FUTURESCAN_UPDATE_EXPECTED") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(
            "".join(json.dumps(i, ensure_ascii=False, sort_keys=True) + "\n" for i in got), encoding="utf-8"
        )
    want = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(got) == len(want), f"{name}: {len(got)} items, expected {len(want)}"
    for g, w in zip(got, want, strict=True):
        assert g == w, f"{name}: item {w.get('source_record_id')} differs"
