"""The crawl sources: each one's spider, whether a bare crawl runs it, and the settings its caller fills in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """One crawlable source and what a caller needs to know to start its spider."""

    name: str
    spider: str  # the spider's name, which is also its module in spiders/sources/
    default: bool  # crawled by a bare `futurescan crawl` and by the weekly scan
    about: str
    # Scrapy settings that carry credentials: the caller passes them (`-s KEY=...`) when it has them;
    # without them the spider records a `no_credentials` error instead of crawling.
    credentials: tuple[str, ...] = ()


SOURCES: tuple[Source, ...] = (
    Source("arxiv", "arxiv", True, "arXiv papers (Atom API)"),
    Source("pubmed", "pubmed", True, "PubMed papers (E-utilities)"),
    Source("crossref", "crossref", True, "journal works (Crossref REST API)"),
    Source("news", "news", True, "news feeds of feeds.toml"),
    Source("policy", "policy", True, "policy documents of policy_bodies.toml"),
    Source(
        "epo", "epo", False, "patents (EPO Open Patent Services; needs an OPS client)",
        credentials=("FUTURESCAN_EPO_KEY", "FUTURESCAN_EPO_SECRET"),
    ),
)
BY_NAME: dict[str, Source] = {s.name: s for s in SOURCES}
# What a bare `futurescan crawl` (and the weekly scan) runs; the others are crawled only by name.
DEFAULT_SOURCES: tuple[str, ...] = tuple(s.name for s in SOURCES if s.default)
ALL_SOURCES: tuple[str, ...] = tuple(BY_NAME)
