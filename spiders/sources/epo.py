"""EPO Open Patent Services spider: CQL search per technology over a publication-date window, then bibliographic data."""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

import scrapy
from scrapy.http import Response

from spiders.base import PagedApiSpider
from spiders.config import TechQuery
from spiders.text import text_of

API = "https://ops.epo.org/3.2/"
NS = {"ops": "http://ops.epo.org", "x": "http://www.epo.org/exchange"}
MAX_RANGE = 100  # OPS returns at most 100 results per search request and 100 documents per biblio request


def search_url(cql: str, since: dt.date, until: dt.date, start: int, size: int, api: str = API) -> str:
    """One Range of an OPS bibliographic search: the technology's CQL within a publication-date window."""
    query = f'({cql}) and pd within "{since:%Y%m%d} {until:%Y%m%d}"'
    params = {"q": query, "Range": f"{start + 1}-{start + min(size, MAX_RANGE)}"}
    return f"{api}rest-services/published-data/search?{urlencode(params)}"


def biblio_url(docdb_ids: list[str], api: str = API) -> str:
    """Bibliographic data of up to 100 publications (docdb ids such as EP.1000000.A1)."""
    return (
        f"{api}rest-services/published-data/publication/docdb/{quote(','.join(docdb_ids), safe=',.')}/biblio"
    )


def _names(parties: Any, path: str) -> list[str]:
    """Party names in the epodoc format ("SCHLOSSER JOHANN [DE]"), falling back to the original one."""
    out: list[str] = []
    for fmt in ("epodoc", "original"):
        for node in parties.findall(f"{path}[@data-format='{fmt}']", NS) if parties is not None else []:
            if (name := text_of(node.find(".//x:name", NS))) and name not in out:
                out.append(name)
        if out:
            return out
    return out


def parse_document(doc: Any) -> dict[str, Any]:
    """Landing fields of one <exchange-document>."""
    country, number, kind = doc.get("country", ""), doc.get("doc-number", ""), doc.get("kind", "")
    biblio = doc.find("x:bibliographic-data", NS)
    titles = {t.get("lang"): text_of(t) for t in biblio.findall("x:invention-title", NS)}
    # OPS marks figures in abstracts with a literal "<IMAGE>".
    abstracts = {
        a.get("lang"): text_of(a).replace("<IMAGE>", "").strip() for a in doc.findall("x:abstract", NS)
    }
    date = ""
    for d in biblio.findall("x:publication-reference/x:document-id", NS):
        if d.get("document-id-type") == "docdb":
            date = text_of(d.find("x:date", NS))
    parties = biblio.find("x:parties", NS)
    applicants = _names(parties, "x:applicants/x:applicant")
    inventors = _names(parties, "x:inventors/x:inventor")
    # Epodoc names end with the party's country: "SCHLOSSER JOHANN [DE]".
    countries = sorted({m for n in applicants + inventors for m in re.findall(r"\[([A-Z]{2})\]", n)})
    cpc = []
    for c in biblio.findall("x:patent-classifications/x:patent-classification", NS):
        parts = [
            text_of(c.find(f"x:{p}", NS)) for p in ("section", "class", "subclass", "main-group", "subgroup")
        ]
        if all(parts):
            code = f"{parts[0]}{parts[1]}{parts[2]}{parts[3]}/{parts[4]}"
            if code not in cpc:
                cpc.append(code)
    ipc = []
    for t in biblio.findall("x:classifications-ipcr/x:classification-ipcr/x:text", NS):
        # "B28B   1/    29            A I": subclass, group/subgroup, then version letters
        if (m := re.match(r"\s*(\w{4})\s*(\d+)\s*/\s*(\d+)", text_of(t))) and (
            code := f"{m[1]} {m[2]}/{m[3]}"
        ) not in ipc:
            ipc.append(code)
    return {
        "source_record_id": f"{country}{number}{kind}",
        "title": titles.get("en") or next(iter(titles.values()), ""),
        "abstract": abstracts.get("en") or next(iter(abstracts.values()), None),
        "url": f"https://worldwide.espacenet.com/patent/search?q=pn%3D{country}{number}{kind}",
        "published": f"{date[:4]}-{date[4:6]}-{date[6:8]}" if len(date) == 8 else None,
        "language": "en" if "en" in titles else None,
        "authors": [re.sub(r"\s*\[[A-Z]{2}\]$", "", n) for n in inventors],
        "affiliations": [re.sub(r"\s*\[[A-Z]{2}\]$", "", n) for n in applicants],
        "countries": countries,
        "categories": cpc or ipc,
        "extra": {"family_id": doc.get("family-id"), "kind_code": kind, "ipc": ipc, "titles": titles or None},
    }


class EpoSpider(PagedApiSpider):
    """New patent publications for every technology with an `epo` CQL query in queries.toml.

    OPS needs an OAuth client: set FUTURESCAN_EPO_KEY and FUTURESCAN_EPO_SECRET (`-s ...`). When
    replaying recordings (`base_url`) without them, no token is asked for.
    """

    name = "epo"
    kind = "patent"
    # OPS's fair-use policy throttles per client; one connection, the default 1 s floor.
    custom_settings: ClassVar[dict[str, Any]] = {"CONCURRENT_REQUESTS_PER_DOMAIN": 1}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.token: str | None = None

    def wants(self, tech: TechQuery) -> bool:
        return bool(tech.epo)

    async def start(self) -> Any:
        key, secret = self.settings.get("FUTURESCAN_EPO_KEY"), self.settings.get("FUTURESCAN_EPO_SECRET")
        if key and secret:
            basic = base64.b64encode(f"{key}:{secret}".encode()).decode()
            yield scrapy.Request(
                f"{API}auth/accesstoken",
                method="POST",
                body="grant_type=client_credentials",
                headers={
                    "Authorization": f"Basic {basic}",
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                callback=self.parse_token,
                errback=self.on_error,
                meta={"essential": True},
                dont_filter=True,
            )
            return
        if not self.base_url:
            self.record_error("no_credentials", API, "set FUTURESCAN_EPO_KEY and FUTURESCAN_EPO_SECRET")
            return
        async for request in super().start():
            yield request

    def parse_token(self, response: Response) -> Any:
        data = self.json_or_error(response)
        if not data or not data.get("access_token"):
            self.record_error("auth", response.url, "no access_token in the token response")
            return
        self.token = data["access_token"]
        for tech in self.techs:
            yield self.page_request(tech, page=0, start=0, cursor=None)

    def authorised(self, request: scrapy.Request) -> scrapy.Request:
        if self.token:
            request.headers["Authorization"] = f"Bearer {self.token}"
        return request

    def page_request(self, tech: TechQuery, page: int, start: int, cursor: Any) -> scrapy.Request:
        assert tech.epo
        url = search_url(tech.epo, self.window_start(), self.until, start, self.page_size)
        return self.authorised(
            self.get(url, self.parse_search, cb_kwargs={"tech": tech, "page": page, "start": start})
        )

    def parse_search(self, response: Response, tech: TechQuery, page: int, start: int) -> Any:
        root = self.xml_or_error(response)
        if root is None:
            return
        search = root.find("ops:biblio-search", NS)
        if search is None:
            self.record_error(
                "unexpected_document", response.url, f"root <{root.tag}> without ops:biblio-search"
            )
            return
        total = int(search.get("total-result-count") or 0)
        ids = []
        for ref in search.findall("ops:search-result/ops:publication-reference", NS):
            d = ref.find("x:document-id", NS)
            parts = (
                [text_of(d.find(f"x:{p}", NS)) for p in ("country", "doc-number", "kind")]
                if d is not None
                else []
            )
            if all(parts) and self.first_time("".join(parts)):
                ids.append(".".join(parts))
        if ids:
            req = self.get(biblio_url(ids), self.parse_biblio, cb_kwargs={"tech": tech, "asked": len(ids)})
            yield self.authorised(req)
        count = len(search.findall("ops:search-result/ops:publication-reference", NS))
        if count:
            yield from self.next_page(response, tech, page, start + count, total, None)

    def parse_biblio(self, response: Response, tech: TechQuery, asked: int) -> Any:
        root = self.xml_or_error(response)
        if root is None:
            return
        docs = root.findall("x:exchange-documents/x:exchange-document", NS)
        for doc in docs:
            if doc.get("status") == "not found":
                continue
            fields = parse_document(doc)
            self.advance(fields["published"])
            fields["extra"]["technology"] = tech.id
            yield self.item(**fields)
        if len(docs) < asked:
            self.crawler.stats.inc_value("futurescan/epo_records_missing", asked - len(docs))
