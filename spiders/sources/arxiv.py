"""arXiv API spider: Atom pages of new submissions per technology query, newest first, 3 s apart."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, ClassVar
from urllib.parse import urlencode

import scrapy
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Response

from spiders.base import PagedApiSpider
from spiders.config import TechQuery
from spiders.settings import DELAY_MARGIN
from spiders.text import text_of

API = "https://export.arxiv.org/api/query"
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
    "arxiv": "http://arxiv.org/schemas/atom",
}
_ID = re.compile(r"arxiv\.org/abs/(.+?)(v\d+)?$")


def search_query(tech: TechQuery, since: dt.date, until: dt.date) -> str:
    """The arXiv search_query for a technology and a submission window (both days inclusive).

    (every paper of the "all" categories) OR (a paper of the categories mentioning a keyword),
    AND submitted within the window.
    """
    clauses = []
    if tech.arxiv_all_categories:
        clauses.append(_any("cat:", tech.arxiv_all_categories))
    narrow = []
    if tech.arxiv_categories:
        narrow.append(_any("cat:", tech.arxiv_categories))
    if tech.keywords:
        narrow.append(_any("all:", tech.keywords))
    if narrow:
        clauses.append(" AND ".join(narrow) if len(narrow) == 1 else "(" + " AND ".join(narrow) + ")")
    topic = clauses[0] if len(clauses) == 1 else "(" + " OR ".join(clauses) + ")"
    return f"{topic} AND submittedDate:[{since:%Y%m%d}0000 TO {until:%Y%m%d}2359]"


def _any(field: str, terms: tuple[str, ...]) -> str:
    # Quote anything but a bare word or category id: arXiv's parser splits on spaces and hyphens.
    def term(t: str) -> str:
        return f"{field}{t}" if field == "cat:" or t.isalnum() else f'{field}"{t}"'

    return "(" + " OR ".join(term(t) for t in terms) + ")"


def page_url(tech: TechQuery, since: dt.date, until: dt.date, start: int, size: int, api: str = API) -> str:
    """URL of one result page, newest submissions first (so paging is stable while arXiv grows)."""
    params = {
        "search_query": search_query(tech, since, until),
        "start": start,
        "max_results": size,
        "sortBy": "submittedDate",
        "sortOrder": "descending",
    }
    return f"{api}?{urlencode(params)}"


def parse_entry(entry: Any) -> dict[str, Any] | None:
    """Landing fields of one Atom <entry>; None for arXiv's error entries."""
    raw_id = text_of(entry.find("atom:id", NS))
    m = _ID.search(raw_id)
    if not m:
        return None
    arxiv_id, version = m.group(1), (m.group(2) or "")
    authors, affiliations = [], []
    for a in entry.findall("atom:author", NS):
        authors.append(text_of(a.find("atom:name", NS)))
        for aff in a.findall("arxiv:affiliation", NS):
            if (t := text_of(aff)) and t not in affiliations:
                affiliations.append(t)
    primary = entry.find("arxiv:primary_category", NS)
    categories = [c.get("term") for c in entry.findall("atom:category", NS) if c.get("term")]
    return {
        "source_record_id": arxiv_id,
        "arxiv_id": arxiv_id,
        "title": text_of(entry.find("atom:title", NS)),
        "abstract": text_of(entry.find("atom:summary", NS)),
        "url": f"https://arxiv.org/abs/{arxiv_id}",
        "published": text_of(entry.find("atom:published", NS)),
        "authors": authors,
        "affiliations": affiliations,
        "categories": categories,
        "doi": text_of(entry.find("arxiv:doi", NS)) or None,
        "extra": {
            "version": version.lstrip("v") or None,
            "updated": text_of(entry.find("atom:updated", NS)) or None,
            "primary_category": primary.get("term") if primary is not None else None,
            "journal_ref": text_of(entry.find("arxiv:journal_ref", NS)) or None,
            "comment": text_of(entry.find("arxiv:comment", NS)) or None,
        },
    }


class ArxivSpider(PagedApiSpider):
    """New arXiv submissions for every technology with arXiv categories or keywords in queries.toml."""

    name = "arxiv"
    kind = "paper"
    # arXiv's terms of use: no more than one request every three seconds, one connection.
    custom_settings: ClassVar[dict[str, Any]] = {
        "DOWNLOAD_DELAY": 3.0 * DELAY_MARGIN,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "AUTOTHROTTLE_START_DELAY": 3.0 * DELAY_MARGIN,
    }
    empty_page_retries = 2

    def wants(self, tech: TechQuery) -> bool:
        return tech.has_arxiv

    def page_request(self, tech: TechQuery, page: int, start: int, cursor: Any) -> scrapy.Request:
        url = page_url(tech, self.window_start(), self.until, start, self.page_size)
        return self.get(url, self.parse_page, cb_kwargs={"tech": tech, "page": page, "start": start})

    def parse_page(self, response: Response, tech: TechQuery, page: int, start: int) -> Any:
        root = self.xml_or_error(response)
        if root is None:
            return
        total = int(text_of(root.find("opensearch:totalResults", NS)) or 0)
        start = int(text_of(root.find("opensearch:startIndex", NS)) or start)
        entries = root.findall("atom:entry", NS)
        if not entries and start < total:
            # arXiv sometimes answers a valid page with no entries; asking again usually works.
            retry = get_retry_request(
                response.request, spider=self, reason="empty_page", max_retry_times=self.empty_page_retries
            )
            if retry is not None:
                yield retry
            else:
                self.record_error("empty_page", response.url, f"no entries at start={start} of {total}")
            return
        for entry in entries:
            fields = parse_entry(entry)
            if fields is None:
                self.record_error("api_error", response.url, text_of(entry.find("atom:summary", NS)))
                continue
            self.advance(fields["published"])
            if self.first_time(fields["arxiv_id"]):
                fields["extra"]["technology"] = tech.id
                yield self.item(**fields)
        yield from self.next_page(response, tech, page, start + len(entries), total, None)
