"""Planning one crawl: the spider arguments, Scrapy settings and files its subprocess will use."""

from __future__ import annotations

import datetime as dt
import ipaddress
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flows.settings import Settings
from spiders.registry import BY_NAME


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
        """The `scrapy crawl` command line, with the files the crawl reports into."""
        cmd = [sys.executable, "-m", "scrapy", "crawl", BY_NAME[self.source].spider]
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


def _landing_file(settings: Settings, source: str, stamp: str) -> Path:
    """A landing file name no earlier crawl of this source used (finished or still `.part`)."""
    landing = settings.landing_dir / f"{source}-{stamp}.jsonl"
    n = 2
    while landing.exists() or landing.with_name(landing.name + ".part").exists():
        landing = settings.landing_dir / f"{source}-{stamp}-{n}.jsonl"
        n += 1
    return landing


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
    spider_args = dict(args or {})
    if since and "since" not in spider_args:
        spider_args["since"] = since
    if base_url:
        spider_args["base_url"] = base_url
    crawl_settings = {"FUTURESCAN_CONTACT": settings.contact, "LOG_LEVEL": "INFO"}
    # The credentials the source's spider reads, where the settings hold them; without them it says so.
    held = settings.crawl_credentials()
    crawl_settings.update({key: held[key] for key in BY_NAME[source].credentials if key in held})
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
        landing_file=_landing_file(settings, source, stamp),
        workdir=settings.home / "crawls" / run_id,
    )
