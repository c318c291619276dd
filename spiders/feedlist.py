"""The feed-list shape: RSS/Atom feeds from a config file; summary-only items completed from the article page."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

import feedparser
import trafilatura
from scrapy.http import Response
from twisted.python.failure import Failure

from spiders.base import FuturescanSpider, classify_failure
from spiders.config import Feed, load_feeds
from spiders.text import clean_inline, html_to_text, looks_like_html, transcode_gb_xml, xml_is_complete
from warehouse.landing import parse_published

# Lenient parsing is the point of feedparser (real feeds carry bare '&' and the like), but these
# bozo exceptions mean the document itself is unusable rather than merely sloppy.
_FATAL_BOZO = ("no element found", "unclosed token", "junk after document element")


def _published(entry: Any) -> str | None:
    """The entry's date (UTC day); feedparser's parse first, else the raw text when the landing contract reads it."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return dt.datetime.fromtimestamp(calendar.timegm(value), dt.UTC).date().isoformat()
    for key in ("published", "updated", "created"):
        # e.g. QQ's "2018-09-18 14:38:10", which feedparser does not read
        try:
            parsed = parse_published(entry.get(key))
        except ValueError:
            continue
        if parsed is not None:
            return parsed[0].isoformat()
    return None


def _language(code: str | None) -> str | None:
    if not code:
        return None
    return code.strip().lower().replace("_", "-").split("-")[0] or None


class FeedListSpider(FuturescanSpider):
    """Every feed of a feeds file; each feed is a stream with its own watermark.

    Arguments: ``feeds_file`` (another feeds.toml), ``feeds`` (comma-separated ids to crawl).
    Items older than a feed's watermark are skipped; items without a date are always kept (the
    warehouse deduplicates them on URL). When a feed item carries less text than the feed's
    ``min_text_chars`` (or ``fetch_article = "always"``), the article page is fetched and its main
    text extracted with trafilatura; the item keeps the feed's title, date and link either way.
    """

    kind = "news"
    per_stream_watermark = True

    def __init__(
        self, *args: Any, feeds_file: str | None = None, feeds: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        all_feeds = load_feeds(feeds_file)
        wanted = {f.strip() for f in feeds.split(",")} if feeds else None
        self.feeds: tuple[Feed, ...] = tuple(f for f in all_feeds if wanted is None or f.id in wanted)

    async def start(self) -> Any:
        for feed in self.feeds:
            yield self.get(feed.url, self.parse_feed, cb_kwargs={"feed": feed})

    def parse_feed(self, response: Response, feed: Feed) -> Any:
        body = response.body
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
        if looks_like_html(body, None) or ("html" in ctype.lower() and not xml_is_complete(body)):
            self.record_error(
                "error_page", response.url, f"HTML page where the feed was expected ({ctype!r})"
            )
            return
        if not xml_is_complete(body):
            self.record_error("truncated", response.url, "feed does not close its root element")
            return
        parsed = feedparser.parse(transcode_gb_xml(body), response_headers={"content-location": response.url})
        if parsed.bozo:
            reason = str(parsed.get("bozo_exception", ""))
            if not parsed.entries or any(f in reason for f in _FATAL_BOZO):
                self.record_error("malformed", response.url, reason)
                return
            # Sloppy but whole (a bare '&'): keep the items, count it.
            self.crawler.stats.inc_value(f"futurescan/feed_not_well_formed/{feed.id}")
        language = feed.language or _language(parsed.feed.get("language"))
        since = self.since_for(feed.id)
        for entry in parsed.entries:
            item = self.feed_item(feed, entry, language, parsed.feed.get("title"))
            if item is None:
                continue
            day = item.get("published")
            if since and day and day < since.isoformat():
                self.crawler.stats.inc_value("futurescan/skipped_older_than_watermark")
                continue
            self.advance(day, feed.id)
            text = item.get("text") or ""
            wants_page = feed.fetch_article == "always" or (
                feed.fetch_article == "if_summary" and len(text) < feed.min_text_chars
            )
            if wants_page and item.get("url"):
                yield self.get(
                    item["url"],
                    self.parse_article,
                    essential=False,
                    cb_kwargs={"item": item},
                    errback=self.article_failed,
                    meta={"item": item},
                )
            else:
                yield self.item(**item)

    def feed_item(
        self, feed: Feed, entry: Any, language: str | None, feed_title: str | None
    ) -> dict[str, Any] | None:
        """Landing fields of one feed entry (before any article text)."""
        title = clean_inline(entry.get("title"))
        link = (entry.get("link") or "").strip() or None
        summary = html_to_text(entry.get("summary") or "") or None
        content = "\n".join(html_to_text(c.get("value", "")) for c in entry.get("content") or []).strip()
        if not title and not link:
            self.crawler.stats.inc_value("futurescan/feed_entries_without_title_or_link")
            return None
        return {
            "source": feed.source,
            "source_record_id": (entry.get("id") or link or "").strip() or None,
            "title": title,
            "abstract": summary,
            "text": content if content and content != summary else None,
            "url": link,
            "published": _published(entry),
            "language": language,
            "authors": [clean_inline(entry.get("author"))] if entry.get("author") else [],
            "categories": [t.get("term") for t in entry.get("tags") or [] if t.get("term")],
            "extra": {"feed": feed.id, "feed_title": clean_inline(feed_title) or None, "text_from": "feed"},
        }

    def parse_article(self, response: Response, item: dict[str, Any]) -> Any:
        """Complete a feed item with the main text of its article page."""
        item = {**item, "extra": dict(item["extra"])}
        html = response.text if hasattr(response, "text") else ""
        closed = "</html" in html[-4096:].lower() or "</body" in html.lower()
        if not html or not closed:
            # No closing tag: the page was cut off; its text would be a fragment posing as the article.
            self.record_error(
                "article_truncated", response.url, "page has no closing </html>", essential=False
            )
            item["extra"]["text_from"] = "summary_only"
            yield self.item(**item)
            return
        # Tables stay in: older Chinese news sites lay the article body out in one. No
        # `deduplicate`: its cache spans documents and would drop text shared by two articles.
        text = trafilatura.extract(html, url=response.url, include_comments=False, favor_precision=True)
        if text and "\ufffd" in text:
            self.record_error(
                "article_encoding", response.url, "undecodable characters in page", essential=False
            )
            text = None
        if text and len(text) <= len(item.get("abstract") or ""):
            # No longer than the feed's own summary: an error or consent page, not the article.
            text = None
        if not text:
            self.crawler.stats.inc_value("futurescan/article_without_main_text")
            item["extra"]["text_from"] = "summary_only"
            yield self.item(**item)
            return
        item["text"] = text
        item["extra"]["text_from"] = "article"
        if not item.get("published"):
            meta = trafilatura.extract_metadata(html, default_url=response.url)
            if meta is not None and meta.date:
                item["published"] = meta.date
                item["extra"]["date_from"] = "article"
        yield self.item(**item)

    def article_failed(self, failure: Failure) -> Any:
        """The article page failed: record why, and keep the feed item with its summary."""
        request = failure.request  # type: ignore[attr-defined]
        kind, detail = classify_failure(failure)
        self.record_error(f"article_{kind}", request.url, detail, essential=False)
        item = dict(request.meta["item"])
        item["extra"] = {**item["extra"], "text_from": "summary_only"}
        yield self.item(**item)
