"""Running crawls: each spider in its own `scrapy crawl` process, its state read from and recorded in the warehouse.

The Twisted reactor cannot restart inside one process, so every crawl is a subprocess. Before it
starts, the source's last successful watermark is read (``-a since=...``); after it ends, its
report (spiders.extensions.CrawlReport) is recorded as a crawl run. Landing files are sealed by
the crawl itself only when it finishes; their paths are returned for the ingest step.

The parts, each its own module: ``plan`` (one crawl's arguments, settings and files), ``process``
(running one planned crawl), ``snapshot`` (the shipped recordings, unpacked and served) and
``runs`` (many crawls, recorded). Which sources exist is spiders.registry's to say.
"""

from __future__ import annotations

from flows.crawl.plan import CrawlError, CrawlPlan, is_loopback, plan_crawl
from flows.crawl.process import CrawlOutcome, Progress, crawl_status, execute
from flows.crawl.runs import WRITER_WAIT, run_crawls
from flows.crawl.snapshot import SNAPSHOT_ARCHIVE, snapshot_args, snapshot_server, unpack_snapshot

__all__ = [
    "SNAPSHOT_ARCHIVE",
    "WRITER_WAIT",
    "CrawlError",
    "CrawlOutcome",
    "CrawlPlan",
    "Progress",
    "crawl_status",
    "execute",
    "is_loopback",
    "plan_crawl",
    "run_crawls",
    "snapshot_args",
    "snapshot_server",
    "unpack_snapshot",
]
