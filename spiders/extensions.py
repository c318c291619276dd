"""The crawl report: a progress heartbeat while crawling, the landing file sealed and the stats dumped at close."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from twisted.internet import task

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

ERROR_PREFIX = "futurescan/errors/"
DROP_PREFIX = "futurescan/dropped/"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (dict, list, str, int, float, bool)) or value is None:
        return value
    return str(value)


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON so that a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)


def errors_by_kind(stats: dict[str, Any]) -> dict[str, int]:
    """Final errors of a crawl by kind, from the spider's records plus uncaught callback exceptions."""
    out = {k[len(ERROR_PREFIX) :]: int(v) for k, v in stats.items() if k.startswith(ERROR_PREFIX)}
    for k, v in stats.items():
        if k.startswith("spider_exceptions/"):
            name = "exception:" + k.split("/", 1)[1]
            out[name] = out.get(name, 0) + int(v)
    return dict(sorted(out.items()))


class CrawlReport:
    """Writes FUTURESCAN_PROGRESS_FILE every few seconds and FUTURESCAN_STATS_FILE at close.

    At close it also seals the landing file: ``<file>.part`` becomes ``<file>`` only when the
    crawl finished normally (reason ``finished``); after a shutdown or a crash the ``.part`` stays,
    the report says so, and nothing downstream mistakes it for a complete crawl.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        s = crawler.settings
        self.stats_file = Path(s["FUTURESCAN_STATS_FILE"]) if s.get("FUTURESCAN_STATS_FILE") else None
        self.progress_file = (
            Path(s["FUTURESCAN_PROGRESS_FILE"]) if s.get("FUTURESCAN_PROGRESS_FILE") else None
        )
        self.interval = s.getfloat("FUTURESCAN_PROGRESS_INTERVAL", 1.0)
        self.started = dt.datetime.now(dt.UTC)
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlReport:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.started = dt.datetime.now(dt.UTC)
        if self.progress_file:
            self.loop = task.LoopingCall(self.write_progress, "running")
            self.loop.start(self.interval, now=True)

    def counts(self) -> dict[str, Any]:
        stats = self.crawler.stats.get_stats()
        return {
            "requests": int(stats.get("downloader/request_count", 0)),
            "responses": int(stats.get("downloader/response_count", 0)),
            "items": int(stats.get("futurescan/items_written", 0)),
            "dropped": int(stats.get("futurescan/dropped", 0)),
            "errors": sum(errors_by_kind(stats).values()),
        }

    def write_progress(self, state: str) -> None:
        if not self.progress_file:
            return
        try:
            write_json_atomic(
                self.progress_file,
                {"state": state, "updated": dt.datetime.now(dt.UTC).isoformat(), **self.counts()},
            )
        except OSError as exc:  # a progress display must never break a crawl
            logger.debug("progress file not written: %s", exc)

    def seal_landing(self, reason: str) -> str | None:
        stats = self.crawler.stats
        final, part = stats.get_value("futurescan/landing_file"), stats.get_value("futurescan/landing_part")
        if not final or not part or not Path(part).exists():
            return None
        if reason != "finished":
            return None
        os.replace(part, final)
        return str(final)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        landing = self.seal_landing(reason)
        stats = self.crawler.stats.get_stats()
        finished = dt.datetime.now(dt.UTC)
        watermark = spider.watermark() if hasattr(spider, "watermark") else None
        report = {
            "spider": spider.name,
            "finish_reason": reason,
            "started_at": self.started.isoformat(),
            "finished_at": finished.isoformat(),
            "elapsed_seconds": round((finished - self.started).total_seconds(), 3),
            **self.counts(),
            "retries": int(stats.get("retry/count", 0)),
            "incomplete": int(stats.get("futurescan/incomplete", 0)),
            "errors_by_kind": errors_by_kind(stats),
            "dropped_by_reason": {
                k[len(DROP_PREFIX) :]: int(v) for k, v in sorted(stats.items()) if k.startswith(DROP_PREFIX)
            },
            "watermark": watermark,
            "landing_file": landing,
            "landing_part": None if landing else stats.get("futurescan/landing_part"),
            "error_samples": stats.get("futurescan/error_samples", []),
            "drop_samples": stats.get("futurescan/drop_samples", []),
            "stats": {k: _jsonable(v) for k, v in sorted(stats.items()) if not k.endswith("_samples")},
        }
        if self.stats_file:
            write_json_atomic(self.stats_file, report)
        self.write_progress("finished" if reason == "finished" else reason)
        logger.info(
            "futurescan report: %s items, %s dropped, errors %s, watermark %s, landing %s",
            report["items"],
            report["dropped"],
            report["errors_by_kind"] or "none",
            watermark,
            landing or report["landing_part"],
        )
