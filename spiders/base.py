"""Base spiders: shared arguments, error recording and watermarks; the paged-API shape (arxiv, pubmed, crossref)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionLost, TimeoutError
from twisted.python.failure import Failure

from spiders.config import QueryConfig, TechQuery, load_queries
from spiders.text import IncompleteDocument, looks_like_html, parse_xml

logger = logging.getLogger(__name__)

MAX_ERROR_SAMPLES = 20


def parse_day(value: str | None) -> dt.date | None:
    """A YYYY-MM-DD (or longer ISO) string as a date; None for empty."""
    if not value:
        return None
    return dt.date.fromisoformat(value.strip()[:10])


def classify_failure(failure: Failure) -> tuple[str, str]:
    """(kind, detail) for a failed request: the error kinds a crawl report counts."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}", f"HTTP {exc.response.status}"
    if isinstance(exc, (DownloadTimeoutError, TimeoutError)):
        return "timeout", str(exc)
    if isinstance(exc, DownloadCancelledError):
        # Scrapy cancels a download that passes DOWNLOAD_MAXSIZE (and says so in the message).
        return ("too_large" if "size" in str(exc).lower() else "cancelled"), str(exc)
    if isinstance(exc, ResponseDataLossError):
        return "truncated", str(exc)
    if isinstance(exc, CannotResolveHostError):
        return "dns", str(exc)
    if isinstance(exc, (DownloadConnectionRefusedError, ConnectionLost)):
        return "connection", str(exc)
    if isinstance(exc, IgnoreRequest):
        return ("robots_forbidden" if "robots" in str(exc).lower() else "ignored"), str(exc)
    return type(exc).__name__, str(exc)


class FuturescanSpider(scrapy.Spider):
    """What every futurescan spider shares.

    Arguments (``-a name=value``): ``base_url`` replays from a recording server instead of the
    network (see spiders.replay); ``since`` is the watermark of the last successful crawl
    (a date, or a JSON object of dates per stream for spiders with several streams); ``until``
    bounds the crawl (default: today, UTC); ``max_pages`` caps pages per stream.

    Errors are recorded, not raised: ``record_error`` counts ``futurescan/errors/<kind>``, keeps a
    few samples, and, when the failed request could lose documents (``essential``), counts
    ``futurescan/incomplete`` so the crawl is reported partial and its watermark is not advanced.
    """

    kind: ClassVar[str] = "paper"
    # Spiders with several streams (feeds, policy bodies) keep one watermark per stream.
    per_stream_watermark: ClassVar[bool] = False

    def __init__(
        self,
        *args: Any,
        base_url: str | None = None,
        since: str | None = None,
        until: str | None = None,
        max_pages: str | int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.base_url = base_url or None
        self.until: dt.date = parse_day(until) or dt.datetime.now(dt.UTC).date()
        self.max_pages: int | None = int(max_pages) if max_pages not in (None, "", "0", 0) else None
        self.since_default, self.since_by_stream = self._parse_since(since)
        self._marks: dict[str, str] = dict(self.since_by_stream)
        if self.since_default:
            self._marks.setdefault("", self.since_default.isoformat())

    # ── incremental state ────────────────────────────────────────────────

    def _parse_since(self, since: str | None) -> tuple[dt.date | None, dict[str, str]]:
        if not since:
            return None, {}
        text = since.strip()
        if text.startswith("{"):
            data = json.loads(text)
            return None, {str(k): str(v) for k, v in data.items() if v}
        return parse_day(text), {}

    def since_for(self, stream: str = "") -> dt.date | None:
        """The first day this crawl asks for in a stream (inclusive): the stream's watermark."""
        if stream in self.since_by_stream:
            return parse_day(self.since_by_stream[stream])
        return self.since_default

    def advance(self, value: str | None, stream: str = "") -> None:
        """Note a date (ISO, day precision) seen in a stream; the watermark is the latest one."""
        if not value:
            return
        day = value[:10]
        if day > self.until.isoformat():  # a future-dated item must not push the watermark past today
            day = self.until.isoformat()
        if day > self._marks.get(stream, ""):
            self._marks[stream] = day

    def watermark(self) -> str | None:
        """What the next crawl starts from: a date, or JSON {stream: date} for per-stream spiders."""
        if self.per_stream_watermark:
            marks = {k: v for k, v in self._marks.items() if k}
            return json.dumps(dict(sorted(marks.items())), ensure_ascii=False) if marks else None
        return self._marks.get("") or None

    # ── requests and errors ──────────────────────────────────────────────

    def get(
        self,
        url: str,
        callback: Callable[..., Any],
        *,
        essential: bool = True,
        cb_kwargs: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
        errback: Callable[[Failure], Any] | None = None,
        **kwargs: Any,
    ) -> scrapy.Request:
        """A GET request whose failures are recorded (errback) rather than only logged."""
        return scrapy.Request(
            url,
            callback=callback,
            errback=errback or self.on_error,
            cb_kwargs=cb_kwargs or {},
            meta={"essential": essential, **(meta or {})},
            **kwargs,
        )

    def on_error(self, failure: Failure) -> None:
        """Errback: record why a request finally failed (after retries)."""
        request = failure.request  # type: ignore[attr-defined]
        kind, detail = classify_failure(failure)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("request failed: %s", failure.getTraceback())
        self.record_error(kind, request.url, detail, essential=request.meta.get("essential", True))

    def record_error(self, kind: str, url: str | None, detail: str = "", *, essential: bool = True) -> None:
        """Count an error of a kind, keep a sample, and mark the crawl incomplete when documents may be lost."""
        stats = self.crawler.stats
        stats.inc_value(f"futurescan/errors/{kind}")
        if essential:
            stats.inc_value("futurescan/incomplete")
        samples = stats.get_value("futurescan/error_samples") or []
        if len(samples) < MAX_ERROR_SAMPLES:
            samples.append({"kind": kind, "url": url, "detail": detail[:500], "essential": essential})
            stats.set_value("futurescan/error_samples", samples)
        logger.warning("%s error on %s: %s", kind, url, detail[:200])

    def check_body(self, response: Response, expect: str) -> bool:
        """False (with an error recorded) when a response is an HTML page where XML/JSON was expected."""
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
        if looks_like_html(response.body, ctype if expect != "html" else None):
            self.record_error(
                "error_page", response.url, f"HTML page (Content-Type {ctype!r}) where {expect} was expected"
            )
            return False
        return True

    def xml_or_error(self, response: Response) -> Any | None:
        """The parsed XML root of a response, or None with an error recorded (error page, cut off, malformed)."""
        if not self.check_body(response, "XML"):
            return None
        try:
            return parse_xml(response.body)
        except IncompleteDocument as exc:
            self.record_error("malformed", response.url, str(exc))
            return None

    def json_or_error(self, response: Response) -> Any | None:
        """The parsed JSON of a response, or None with an error recorded."""
        if not self.check_body(response, "JSON"):
            return None
        try:
            return json.loads(response.body)
        except ValueError as exc:
            self.record_error("malformed", response.url, f"not valid JSON: {exc}")
            return None

    def item(self, **fields: Any) -> dict[str, Any]:
        """A landing item with this spider's defaults (source, kind); the pipelines validate it."""
        fields.setdefault("source", self.name)
        fields.setdefault("kind", self.kind)
        if isinstance(fields.get("extra"), dict):
            fields["extra"] = {k: v for k, v in fields["extra"].items() if v not in (None, "", [], {})}
        return {k: v for k, v in fields.items() if v not in (None, "", [], {})}


class PagedApiSpider(FuturescanSpider):
    """A search API asked once per technology of queries.toml, page after page.

    Subclasses build a page request (``page_request``) and, after reading a page, ask
    ``next_page`` for the following one with the offset and total the API reported. Paging stops at the
    API's total, at ``max_records_per_query`` from the query config, at ``max_pages``, or at an
    empty page. Extra arguments: ``queries_file`` (another queries.toml), ``techs`` (ids to crawl).
    """

    default_api: ClassVar[str] = ""

    def __init__(
        self, *args: Any, queries_file: str | None = None, techs: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.queries: QueryConfig = load_queries(queries_file)
        self.techs: tuple[TechQuery, ...] = tuple(t for t in self.queries.select(techs) if self.wants(t))
        self.page_size = self.queries.page_size
        self.seen: set[str] = set()

    def wants(self, tech: TechQuery) -> bool:
        """Whether this API has a query for a technology."""
        raise NotImplementedError

    def window_start(self) -> dt.date:
        """First day asked for: the watermark, or `first_crawl_days` back on a first crawl."""
        return self.since_for() or (self.until - dt.timedelta(days=self.queries.first_crawl_days))

    async def start(self) -> Any:
        if not self.techs:
            self.record_error(
                "no_queries", None, f"no technology in {self.queries.path} has a {self.name} query"
            )
        for tech in self.techs:
            yield self.page_request(tech, page=0, start=0, cursor=None)

    def page_request(self, tech: TechQuery, page: int, start: int, cursor: Any) -> scrapy.Request:
        """The request for one page: `page` counts from 0, `start` is the offset of its first record."""
        raise NotImplementedError

    def next_page(
        self, response: Response, tech: TechQuery, page: int, fetched: int, total: int | None, cursor: Any
    ) -> Iterator[scrapy.Request]:
        """The request for the next page, unless a limit says stop.

        `fetched` is the offset after this page as the API reported it: APIs may return fewer
        records than asked for, so the next page starts there, not at page * page_size.
        """
        limit = self.queries.max_records_per_query
        if total is not None:
            limit = min(limit, total)
        if fetched >= limit:
            return
        if self.max_pages is not None and page + 1 >= self.max_pages:
            self.crawler.stats.inc_value("futurescan/stopped_at_max_pages")
            return
        yield self.page_request(tech, page=page + 1, start=fetched, cursor=cursor)

    def first_time(self, key: str) -> bool:
        """True the first time a record id is met in this crawl (several technologies match one paper)."""
        if key in self.seen:
            self.crawler.stats.inc_value("futurescan/duplicates_skipped")
            return False
        self.seen.add(key)
        return True
