"""Crossref spider: journal works created in a date window per technology, cursor-paged JSON with DOIs and affiliations."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from spiders.base import PagedApiSpider
from spiders.config import TechQuery
from spiders.text import clean_inline, html_to_text

API = "https://api.crossref.org/works"
FIELDS = "DOI,title,abstract,author,created,published,issued,container-title,subject,URL,type,language,is-referenced-by-count"


def works_url(
    query: str, since: dt.date, until: dt.date, rows: int, cursor: str, contact: str, api: str = API
) -> str:
    """One cursor page of works created in a window that match a bibliographic query."""
    params = {
        "query.bibliographic": query,
        "filter": f"from-created-date:{since.isoformat()},until-created-date:{until.isoformat()},type:journal-article",
        "sort": "created",
        "order": "desc",
        "rows": rows,
        "cursor": cursor,
        "select": FIELDS,
        "mailto": contact,
    }
    return f"{api}?{urlencode(params)}"


def _date_parts(node: dict[str, Any] | None) -> str | None:
    parts = (node or {}).get("date-parts") or [[]]
    first = [p for p in (parts[0] or []) if p is not None]
    if not first:
        return None
    return "-".join(f"{p:04d}" if i == 0 else f"{p:02d}" for i, p in enumerate(first[:3]))


def parse_work(work: dict[str, Any]) -> dict[str, Any] | None:
    """Landing fields of one Crossref work; None when it has no DOI."""
    doi = (work.get("DOI") or "").strip().lower()
    if not doi:
        return None
    authors, affiliations = [], []
    for a in work.get("author") or []:
        name = " ".join(x for x in (a.get("given"), a.get("family")) if x) or a.get("name")
        if name:
            authors.append(name)
        for aff in a.get("affiliation") or []:
            if (t := clean_inline(aff.get("name"))) and t not in affiliations:
                affiliations.append(t)
    titles = work.get("title") or []
    abstract = work.get("abstract")
    venue = (work.get("container-title") or [None])[0]
    return {
        "source_record_id": doi,
        "doi": doi,
        "title": clean_inline(titles[0]) if titles else "",
        # Crossref abstracts are JATS XML fragments (<jats:p>, <jats:title>Abstract</jats:title>).
        "abstract": html_to_text(abstract).removeprefix("Abstract\n") if abstract else None,
        "url": work.get("URL") or f"https://doi.org/{doi}",
        "published": _date_parts(work.get("published")) or _date_parts(work.get("issued")),
        "language": work.get("language"),
        "authors": authors,
        "affiliations": affiliations,
        "categories": list(work.get("subject") or []),
        "extra": {
            "venue": venue,
            "type": work.get("type"),
            "citations": work.get("is-referenced-by-count"),
            "created": (work.get("created") or {}).get("date-time"),
        },
    }


class CrossrefSpider(PagedApiSpider):
    """New journal works for every technology with a `crossref` query in queries.toml (polite pool via mailto)."""

    name = "crossref"
    kind = "paper"
    custom_settings: ClassVar[dict[str, Any]] = {"CONCURRENT_REQUESTS_PER_DOMAIN": 1}

    def wants(self, tech: TechQuery) -> bool:
        return bool(tech.crossref)

    def page_request(self, tech: TechQuery, page: int, start: int, cursor: Any) -> scrapy.Request:
        assert tech.crossref
        contact = self.settings.get("FUTURESCAN_CONTACT", "")
        url = works_url(
            tech.crossref, self.window_start(), self.until, self.page_size, cursor or "*", contact
        )
        return self.get(url, self.parse_page, cb_kwargs={"tech": tech, "page": page, "fetched": start})

    def parse_page(self, response: Response, tech: TechQuery, page: int, fetched: int) -> Any:
        data = self.json_or_error(response)
        if data is None:
            return
        if data.get("status") != "ok" or "message" not in data:
            self.record_error("api_error", response.url, str(data.get("message"))[:300])
            return
        message = data["message"]
        works = message.get("items") if data.get("message-type") == "work-list" else [message]
        for work in works or []:
            fields = parse_work(work)
            if fields is None:
                self.crawler.stats.inc_value("futurescan/crossref_without_doi")
                continue
            self.advance(fields["extra"].get("created"))
            if self.first_time(fields["doi"]):
                fields["extra"]["technology"] = tech.id
                yield self.item(**fields)
        cursor = message.get("next-cursor")
        fetched += len(works or [])
        if works and cursor:
            yield from self.next_page(response, tech, page, fetched, message.get("total-results"), cursor)
