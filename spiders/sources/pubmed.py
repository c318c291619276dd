"""PubMed spider: E-utilities esearch (ids entered in a date window) then efetch (full records) per technology."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from spiders.base import PagedApiSpider
from spiders.config import TechQuery
from spiders.text import text_of

API = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
# PubMed's <Language> holds MARC codes; the ones a future-industry scan meets.
_LANG = {
    "eng": "en",
    "chi": "zh",
    "ger": "de",
    "fre": "fr",
    "jpn": "ja",
    "spa": "es",
    "rus": "ru",
    "ita": "it",
    "kor": "ko",
}


def search_url(
    term: str, since: dt.date, until: dt.date, retstart: int, retmax: int, contact: str, api: str = API
) -> str:
    """esearch for records entered into PubMed (Entrez date) within a window, newest first."""
    params = {
        "db": "pubmed",
        "term": term,
        "datetype": "edat",
        "mindate": f"{since:%Y/%m/%d}",
        "maxdate": f"{until:%Y/%m/%d}",
        "retstart": retstart,
        "retmax": retmax,
        "sort": "pub_date",
        "retmode": "xml",
        "tool": "futurescan",
        "email": contact,
    }
    return f"{api}esearch.fcgi?{urlencode(params)}"


def fetch_url(ids: list[str], contact: str, api: str = API) -> str:
    """efetch of full PubMed records for a page of ids."""
    params = {"db": "pubmed", "id": ",".join(ids), "retmode": "xml", "tool": "futurescan", "email": contact}
    return f"{api}efetch.fcgi?{urlencode(params)}"


def _date(node: Any) -> str | None:
    """YYYY, YYYY-MM or YYYY-MM-DD from a PubMed date element (<Year>/<Month>/<Day> or <MedlineDate>)."""
    if node is None:
        return None
    year = text_of(node.find("Year"))
    if not year:
        medline = text_of(node.find("MedlineDate"))  # "1998 Dec-1999 Jan": the year is all we can trust
        return medline[:4] if medline[:4].isdigit() else None
    month = text_of(node.find("Month")).lower()[:3]
    mon = _MONTHS.get(month) or (int(month) if month.isdigit() else None)
    if not mon:
        return year
    day = text_of(node.find("Day"))
    return f"{year}-{mon:02d}-{int(day):02d}" if day.isdigit() else f"{year}-{mon:02d}"


def parse_article(art: Any) -> dict[str, Any]:
    """Landing fields of one <PubmedArticle>."""
    cit = art.find("MedlineCitation")
    article = cit.find("Article")
    pmid = text_of(cit.find("PMID"))
    parts = []
    for ab in article.findall("Abstract/AbstractText"):
        label, text = ab.get("Label"), text_of(ab)
        if text:
            parts.append(f"{label}: {text}" if label else text)
    authors, affiliations = [], []
    for a in article.findall("AuthorList/Author"):
        name = " ".join(x for x in (text_of(a.find("ForeName")), text_of(a.find("LastName"))) if x)
        if name := name or text_of(a.find("CollectiveName")):
            authors.append(name)
        for aff in a.findall("AffiliationInfo/Affiliation"):
            if (t := text_of(aff)) and t not in affiliations:
                affiliations.append(t)
    doi = None
    for aid in art.findall("PubmedData/ArticleIdList/ArticleId"):
        if aid.get("IdType") == "doi":
            doi = text_of(aid)
    if not doi:
        for loc in article.findall("ELocationID"):
            if loc.get("EIdType") == "doi":
                doi = text_of(loc)
    published = _date(article.find("ArticleDate")) or _date(article.find("Journal/JournalIssue/PubDate"))
    entrez = next(
        (_date(d) for d in art.findall("PubmedData/History/PubMedPubDate") if d.get("PubStatus") == "entrez"),
        None,
    )
    lang = text_of(article.find("Language"))
    return {
        "source_record_id": pmid,
        "pmid": pmid,
        "title": text_of(article.find("ArticleTitle")) or text_of(article.find("VernacularTitle")),
        "abstract": "\n".join(parts) or None,
        "url": f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        "published": published,
        "language": _LANG.get(lang),
        "authors": authors,
        "affiliations": affiliations,
        "categories": [text_of(d) for d in cit.findall("MeshHeadingList/MeshHeading/DescriptorName")],
        "keywords": [text_of(k) for k in cit.findall("KeywordList/Keyword") if text_of(k)],
        "doi": doi,
        "extra": {
            "venue": text_of(article.find("Journal/Title")) or None,
            "publication_types": [text_of(p) for p in article.findall("PublicationTypeList/PublicationType")],
            "entrez_date": entrez,
        },
    }


class PubmedSpider(PagedApiSpider):
    """New PubMed records for every technology with a `pubmed` term in queries.toml."""

    name = "pubmed"
    kind = "paper"
    # NCBI allows 3 requests/s without an API key; the project-wide 1 s delay stays well under it.
    custom_settings: ClassVar[dict[str, Any]] = {"CONCURRENT_REQUESTS_PER_DOMAIN": 1}

    def wants(self, tech: TechQuery) -> bool:
        return bool(tech.pubmed)

    @property
    def contact(self) -> str:
        return self.settings.get("FUTURESCAN_CONTACT", "")

    def page_request(self, tech: TechQuery, page: int, start: int, cursor: Any) -> scrapy.Request:
        assert tech.pubmed
        url = search_url(tech.pubmed, self.window_start(), self.until, start, self.page_size, self.contact)
        return self.get(url, self.parse_search, cb_kwargs={"tech": tech, "page": page, "start": start})

    def parse_search(self, response: Response, tech: TechQuery, page: int, start: int) -> Any:
        root = self.xml_or_error(response)
        if root is None:
            return
        if root.tag != "eSearchResult":
            self.record_error(
                "unexpected_document", response.url, f"root <{root.tag}>, expected <eSearchResult>"
            )
            return
        for err in root.findall("ERROR"):
            self.record_error("api_error", response.url, text_of(err))
        count = int(text_of(root.find("Count")) or 0)
        start = int(text_of(root.find("RetStart")) or start)
        ids = [text_of(i) for i in root.findall("IdList/Id") if text_of(i)]
        new = [i for i in ids if self.first_time(i)]
        if new:
            yield self.get(
                fetch_url(new, self.contact), self.parse_fetch, cb_kwargs={"tech": tech, "asked": new}
            )
        if ids:
            yield from self.next_page(response, tech, page, start + len(ids), count, None)

    def parse_fetch(self, response: Response, tech: TechQuery, asked: list[str]) -> Any:
        root = self.xml_or_error(response)
        if root is None:
            return
        if root.tag != "PubmedArticleSet":
            self.record_error(
                "unexpected_document", response.url, f"root <{root.tag}>, expected <PubmedArticleSet>"
            )
            return
        got = 0
        for art in root.findall("PubmedArticle"):
            fields = parse_article(art)
            got += 1
            self.advance(fields["extra"].get("entrez_date"))
            fields["extra"]["technology"] = tech.id
            yield self.item(**fields)
        if got < len(asked):
            # PubMed drops withdrawn or merged records silently; worth a count, not an error.
            self.crawler.stats.inc_value("futurescan/pubmed_records_missing", len(asked) - got)
