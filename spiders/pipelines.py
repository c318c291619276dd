"""Item pipelines: validate every item as a LandingRecord, then append it to this crawl's landing file."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pydantic import ValidationError
from scrapy.exceptions import DropItem

from warehouse.landing import LandingRecord

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

MAX_SAMPLES = 20


def drop_reason(exc: ValidationError) -> str:
    """A short, countable reason for a rejected item: ``<field>:<error type>`` of the first error."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ())) or "item"
    return f"{where}:{err.get('type', 'invalid')}"


class ValidatePipeline:
    """Drops items that are not valid landing records, counting each reason in the crawl stats.

    Stats: ``futurescan/dropped`` (total), ``futurescan/dropped/<field>:<type>`` per reason, and
    ``futurescan/drop_samples``: the first few rejects with their messages, for the crawl report.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> dict[str, Any]:
        data = dict(item)
        data.setdefault("fetched_at", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        try:
            record = LandingRecord.model_validate(data)
        except ValidationError as exc:
            reason = drop_reason(exc)
            stats = self.crawler.stats
            stats.inc_value("futurescan/dropped")
            stats.inc_value(f"futurescan/dropped/{reason}")
            samples = stats.get_value("futurescan/drop_samples") or []
            if len(samples) < MAX_SAMPLES:
                samples.append(
                    {"reason": reason, "message": exc.errors()[0].get("msg", ""), "url": data.get("url")}
                )
                stats.set_value("futurescan/drop_samples", samples)
            # INFO, not WARNING: Scrapy logs the whole item, and the reason is already counted.
            raise DropItem(
                f"invalid landing record ({reason}): {data.get('url') or data.get('title')!r}",
                log_level="INFO",
            ) from None
        return record.model_dump(mode="json", exclude_none=True)


class LandingWriterPipeline:
    """Appends validated items, one JSON object per line, to ``<landing file>.part``.

    The ``.part`` file becomes the landing file only when the crawl finishes normally
    (spiders.extensions.CrawlReport renames it), so an interrupted crawl never leaves something that
    looks complete. Each line is flushed as written: a crash loses at most the line in flight.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.path: Path | None = None
        self.fh: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LandingWriterPipeline:
        return cls(crawler)

    def landing_path(self) -> Path:
        s = self.crawler.settings
        if s.get("FUTURESCAN_LANDING_FILE"):
            return Path(s.get("FUTURESCAN_LANDING_FILE"))
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        assert self.crawler.spider is not None
        return Path(s.get("FUTURESCAN_LANDING_DIR", "landing")) / f"{self.crawler.spider.name}-{stamp}.jsonl"

    def open_spider(self) -> None:
        self.path = self.landing_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        part = self.path.with_name(self.path.name + ".part")
        self.fh = part.open("w", encoding="utf-8")
        self.crawler.stats.set_value("futurescan/landing_file", str(self.path))
        self.crawler.stats.set_value("futurescan/landing_part", str(part))

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        assert self.fh is not None
        self.fh.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.fh.flush()
        self.crawler.stats.inc_value("futurescan/items_written")
        return item

    def close_spider(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None
