"""The list-and-detail shape: government list pages lead to document pages read with per-body selectors."""

from __future__ import annotations

from typing import Any

from parsel import Selector, SelectorList
from scrapy.http import Response

from spiders.base import FuturescanSpider
from spiders.config import PolicyBody, load_policy_bodies
from spiders.text import clean_inline, find_date, find_doc_number, html_to_text

# Government sites answer a missing page with a 200 and a friendly message.
_ERROR_PAGE_MARKERS = (
    "页面不存在",
    "页面未找到",
    "您访问的页面",
    "404 Not Found",
    "Page Not Found",
    "访问出错",
)


def select(sel: Selector | SelectorList, query: str | None) -> SelectorList:
    """Apply a configured selector: CSS by default, XPath when it starts with ``xpath:``."""
    if not query:
        return SelectorList([])
    if query.startswith("xpath:"):
        return sel.xpath(query[len("xpath:") :])
    return sel.css(query)


def first_text(sel: Selector | SelectorList, query: str | None) -> str:
    """The first non-empty text a selector yields, whitespace collapsed."""
    for value in select(sel, query).getall():
        if text := clean_inline(value):
            return text
    return ""


def labelled_value(sel: Selector, label: str) -> str:
    """The value printed next to a label on a detail page (发文字号：沪科合〔2025〕7号).

    Looks for a cell/term holding the label and takes the next cell's text, or the text after
    the colon in the same node; covers the table and <span>label</span>value layouts.
    """
    nodes = sel.xpath(
        "//*[self::td or self::th or self::dt or self::span or self::b or self::strong or self::label or self::li or self::p]"
        "[contains(normalize-space(.), $label)]",
        label=label,
    )
    for node in nodes:
        own = clean_inline(node.get())
        if len(own) > len(label) + 80:  # a paragraph that merely mentions the label
            continue
        for sep in ("：", ":"):
            if sep in own:
                after = own.split(sep, 1)[1].strip()
                if after:
                    return after
        nxt = node.xpath("following-sibling::*[1]")
        if nxt:
            value = clean_inline(nxt[0].get())
            if value:
                return value
    return ""


class ListDetailSpider(FuturescanSpider):
    """Every body of a policy-bodies file: list pages (newest first) → detail pages → one item each.

    Arguments: ``bodies_file`` (another policy_bodies.toml), ``bodies`` (comma-separated ids).
    Each body is a stream with its own watermark (the latest issue date seen). Paging stops at
    ``max_pages`` or at the first list page whose dated entries are all older than the
    watermark. A list page without entries, or a detail page without title or text, is recorded
    as an error (selector drift or an error page), never stored as a document.
    """

    kind = "policy"
    per_stream_watermark = True

    def __init__(
        self, *args: Any, bodies_file: str | None = None, bodies: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        all_bodies = load_policy_bodies(bodies_file)
        wanted = {b.strip() for b in bodies.split(",")} if bodies else None
        self.bodies: tuple[PolicyBody, ...] = tuple(b for b in all_bodies if wanted is None or b.id in wanted)
        self.seen_urls: set[str] = set()

    async def start(self) -> Any:
        for body in self.bodies:
            for url in body.list_urls:
                yield self.get(url, self.parse_list, cb_kwargs={"body": body, "page": 1})

    def parse_list(self, response: Response, body: PolicyBody, page: int) -> Any:
        if not self.check_body_html(response):
            return
        entries = select(response, body.item)
        if not entries:
            self.record_error("no_list_items", response.url, f"selector {body.item!r} matched nothing")
            return
        since = self.since_for(body.id)
        dated = older = 0
        for entry in entries:
            href = first_text(entry, body.item_link)
            if not href:
                continue
            url = response.urljoin(href)
            date = find_date(first_text(entry, body.item_date)) if body.item_date else None
            if date:
                dated += 1
                if since and date < since.isoformat():
                    older += 1
                    self.crawler.stats.inc_value("futurescan/skipped_older_than_watermark")
                    continue
            if url in self.seen_urls:
                continue
            self.seen_urls.add(url)
            listed = {"title": first_text(entry, body.item_title), "date": date}
            yield self.get(url, self.parse_detail, cb_kwargs={"body": body, "listed": listed})
        all_old = dated > 0 and older == dated
        nxt = first_text(response, body.next_page) if body.next_page else ""
        if (
            nxt
            and not all_old
            and page < body.max_pages
            and (self.max_pages is None or page < self.max_pages)
        ):
            yield self.get(response.urljoin(nxt), self.parse_list, cb_kwargs={"body": body, "page": page + 1})

    def check_body_html(self, response: Response) -> bool:
        if not hasattr(response, "text"):
            self.record_error("unexpected_document", response.url, "not a text page")
            return False
        return True

    def parse_detail(self, response: Response, body: PolicyBody, listed: dict[str, Any]) -> Any:
        if not self.check_body_html(response):
            return
        title = first_text(response, body.detail_title) or listed.get("title") or ""
        container = select(response, body.detail_text)
        text = html_to_text(container[0].get()) if container else ""
        page_title = clean_inline(response.css("title::text").get())
        if not container or not text or not title:
            looks_error = any(m in (page_title + " " + response.text[:3000]) for m in _ERROR_PAGE_MARKERS)
            kind = "error_page" if looks_error else "missing_fields"
            missing = [n for n, v in (("title", title), ("text", text)) if not v]
            self.record_error(kind, response.url, f"{page_title!r}: no {' or '.join(missing)} found")
            return
        fields = {name: labelled_value(response, label) for name, label in body.fields.items()}
        published = (
            find_date(fields.get("published"))
            or find_date(first_text(response, body.detail_date) if body.detail_date else None)
            or listed.get("date")
        )
        doc_number = fields.get("doc_number") or find_doc_number(title, text)
        self.advance(published, body.id)
        yield self.item(
            source=body.source,
            source_record_id=response.url,
            title=title,
            text=text,
            url=response.url,
            published=published,
            language=body.language,
            extra={
                "issuing_body": fields.get("issuing_body") or body.name,
                "doc_number": doc_number,
                "body": body.id,
            },
        )
