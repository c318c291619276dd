"""Downloader middlewares: an honest user agent, and retries that back off and honour Retry-After."""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
from importlib import metadata
from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import reactor
from twisted.internet.task import deferLater

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


def _version() -> str:
    try:
        return metadata.version("futurescan")
    except metadata.PackageNotFoundError:  # running from a bare checkout
        return "0"


def user_agent(contact: str, project_url: str) -> str:
    """The user agent futurescan announces: name, version, where to read about it, whom to write to."""
    return f"futurescan/{_version()} (+{project_url}; mailto:{contact})"


class ContactUserAgentMiddleware:
    """Sets the User-Agent from FUTURESCAN_CONTACT unless USER_AGENT is set explicitly."""

    def __init__(self, agent: str) -> None:
        self.agent = agent

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ContactUserAgentMiddleware:
        s = crawler.settings
        agent = s.get("USER_AGENT") or user_agent(
            s.get("FUTURESCAN_CONTACT"), s.get("FUTURESCAN_PROJECT_URL")
        )
        return cls(agent)

    def process_request(self, request: Request) -> None:
        request.headers.setdefault(b"User-Agent", self.agent)


def parse_retry_after(value: str | bytes | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None when absent or garbled."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


async def _sleep(seconds: float) -> None:
    if seconds > 0:
        await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware that waits before each retry.

    The wait is the server's Retry-After when it sends one (429/503), else exponential backoff
    (FUTURESCAN_BACKOFF_BASE doubled per attempt, capped at FUTURESCAN_BACKOFF_MAX). A Retry-After
    longer than FUTURESCAN_RETRY_AFTER_MAX gives up at once: the spider records the final status.
    Waiting here holds one download slot, which is the point: the host asked us to slow down.
    """

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("FUTURESCAN_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("FUTURESCAN_BACKOFF_MAX", 120.0)
        self.retry_after_max = settings.getfloat("FUTURESCAN_RETRY_AFTER_MAX", 600.0)

    def _backoff(self, request: Request) -> float:
        attempt = request.meta.get("retry_times", 0)
        return min(self.backoff_max, self.backoff_base * (2**attempt))

    async def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        stats = self.crawler.stats
        wait = parse_retry_after(response.headers.get(b"Retry-After"))
        if wait is not None and wait > self.retry_after_max:
            stats.inc_value("futurescan/retry_after_too_long")
            logger.warning(
                "%s asked to retry after %.0f s (more than %.0f s): giving up",
                request.url,
                wait,
                self.retry_after_max,
            )
            return response
        if wait is None:
            wait = self._backoff(request)
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        stats.inc_value("futurescan/backoff_seconds", wait)
        await _sleep(wait)
        return retry

    async def process_exception(
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | Response | None:
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        wait = self._backoff(request)
        retry = self._retry(request, exception)
        if retry is None:
            return None
        self.crawler.stats.inc_value("futurescan/backoff_seconds", wait)
        await _sleep(wait)
        return retry
