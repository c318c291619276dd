"""Adapters from the real JSON Lines corpora in ../shared/data to landing records.

Each corpus keeps its own field names (described in its PROVENANCE.md); an adapter maps one row to a
landing-record dict. The corpora's own topic labels (`field`, `fields`, `domain_hits`) are dropped on
purpose: futurescan must find technologies in the text itself, and its judgement is measured on
fields it was never told about.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

Row = dict[str, Any]
Adapter = Callable[[Row], Row]


def _first(*values: Any) -> Any:
    for v in values:
        if v not in (None, "", []):
            return v
    return None


def _keep(row: Row, *names: str) -> Row:
    return {n: row[n] for n in names if row.get(n) not in (None, "", [])}


def _arxiv_digest(row: Row) -> Row:
    return {
        "source": "corpus:arxiv_recent_digests",
        "source_record_id": row.get("arxiv_id"),
        "kind": "paper",
        "title": row.get("title"),
        "abstract": row.get("abstract"),
        "published": _first(row.get("published"), row.get("listing_date")),
        "authors": row.get("authors"),
        "categories": row.get("categories") or ([row["primary_category"]] if row.get("primary_category") else []),
        "arxiv_id": row.get("arxiv_id"),
        "doi": row.get("doi"),
        "url": f"https://arxiv.org/abs/{row['arxiv_id']}" if row.get("arxiv_id") else None,
        "language": "en",
        "extra": _keep(row, "journal_ref", "listing_date"),
    }


def _conference(row: Row) -> Row:
    categories = [c for c in [row.get("venue"), row.get("primary_area")] if c]
    return {
        "source": "corpus:conference_papers",
        "source_record_id": row.get("id"),
        "kind": "paper",
        "title": row.get("title"),
        "abstract": row.get("abstract"),
        "published": row.get("published") or row.get("year"),
        "authors": row.get("authors"),
        "affiliations": row.get("aff_orgs"),
        "countries": sorted(set(c for c in re.split(r"\s*;\s*", row.get("aff_countries") or "") if c)),
        "categories": categories,
        "keywords": row.get("keywords"),
        "url": row.get("url"),
        "language": row.get("language") or "en",
        "extra": _keep(row, "venue", "track", "status"),
    }


def _frontier_paper(row: Row) -> Row:
    rid = row.get("id") or ""
    return {
        "source": "corpus:frontier_papers",
        "source_record_id": rid,
        "kind": "paper",
        "title": row.get("title"),
        "abstract": row.get("abstract_or_text"),
        "published": row.get("published"),
        "authors": row.get("authors"),
        "arxiv_id": rid.split(":", 1)[1] if rid.startswith("arxiv:") else None,
        "url": row.get("url"),
        "language": row.get("language"),
        "extra": _keep(row, "also_from"),
    }


def _hn(row: Row) -> Row:
    return {
        "source": "corpus:hn_frontpage",
        "source_record_id": row.get("id"),
        "kind": "news",
        "title": row.get("title"),
        "abstract": row.get("summary"),
        "published": row.get("published"),
        "url": row.get("url") or row.get("hn_url"),
        "language": row.get("language") or "en",
        "extra": {
            "points": row.get("max_upvotes"),
            "comments": row.get("max_comments"),
            **_keep(row, "hn_url", "author"),
        },
    }


def _funding(row: Row) -> Row:
    hq = row.get("hq") or ""
    return {
        "source": "corpus:startup_funding",
        "source_record_id": row.get("id"),
        "kind": "news",
        "title": row.get("title"),
        "abstract": row.get("abstract_or_text"),
        "published": row.get("published"),
        "url": row.get("url"),
        "countries": [hq.rsplit(",", 1)[-1].strip()] if hq else [],
        "affiliations": [row["company"]] if row.get("company") else [],
        "language": row.get("language") or "en",
        "extra": _keep(
            row, "company", "website", "funding_amount", "funding_round", "investors", "markets", "hq", "event_type"
        ),
    }


def _feed_zh(row: Row) -> Row:
    return {
        "source": "corpus:feed_zh_tech_news",
        "source_record_id": row.get("id"),
        "kind": "news",
        "title": row.get("title"),
        "abstract": row.get("summary"),
        "published": row.get("published"),
        "url": row.get("url"),
        "categories": row.get("categories"),
        "language": row.get("language") or "zh",
        "extra": _keep(row, "author", "date_source"),
    }


def _hotlist(row: Row) -> Row:
    return {
        "source": "corpus:hotlists_tech",
        "source_record_id": row.get("id"),
        "kind": "news",
        "title": row.get("title"),
        "abstract": row.get("summary"),
        "published": row.get("published"),
        "url": row.get("url"),
        "language": row.get("language") or "zh",
        "extra": _keep(row, "platform"),
    }


def _ruanyf(row: Row) -> Row:
    return {
        "source": "corpus:ruanyf_weekly",
        "source_record_id": row.get("id"),
        "kind": "news",
        "title": row.get("title"),
        "abstract": row.get("text"),
        "published": row.get("date"),
        "url": row.get("url"),
        "language": row.get("lang") or "zh",
        "extra": _keep(row, "issue", "issue_title", "section"),
    }


def _xwlb(row: Row) -> Row:
    return {
        "source": "corpus:xwlb_tech_news",
        "source_record_id": row.get("id"),
        "kind": "news",
        "title": row.get("title"),
        "abstract": row.get("summary"),
        "text": row.get("text"),
        "published": row.get("published"),
        "url": row.get("url"),
        "categories": row.get("categories"),
        "language": row.get("language") or "zh",
        "extra": _keep(row, "published_at", "text_truncated"),
    }


def _policy(row: Row) -> Row:
    return {
        "source": "corpus:policy_zh",
        "source_record_id": row.get("id"),
        "kind": "policy",
        "title": row.get("title"),
        "abstract": row.get("summary"),
        "text": row.get("text"),
        "published": row.get("published"),
        "url": row.get("url"),
        "categories": row.get("categories"),
        "language": row.get("language") or "zh",
        "extra": _keep(row, "doc_title", "issuing_body", "level", "region", "doc_type", "st_related", "text_truncated"),
    }


def _trial(row: Row) -> Row:
    return {
        "source": "corpus:clinicaltrials",
        "source_record_id": row.get("id"),
        "kind": "trial",
        "title": row.get("title"),
        "abstract": row.get("abstract_or_text"),
        "published": row.get("published"),
        "url": row.get("url"),
        "countries": row.get("locations_countries"),
        "affiliations": [s for s in re.split(r"\s*\|\s*", row.get("sponsors") or "") if s],
        "language": row.get("language") or "en",
        "extra": _keep(
            row, "status", "phases", "conditions", "interventions", "enrollment", "study_type", "start_date",
            "completion_date",
        ),
    }


def _company(row: Row) -> Row:
    return {
        "source": "corpus:companies_frontier",
        "source_record_id": row.get("id"),
        "kind": "company",
        "title": row.get("title"),
        "abstract": row.get("abstract_or_text"),
        "published": row.get("published"),
        "url": row.get("url"),
        "countries": [row["hq_country"]] if row.get("hq_country") else [],
        "language": row.get("language") or "en",
        "extra": _keep(
            row, "hq_city", "category", "subsector", "modality", "company_type", "status", "acquired_by",
            "acquired_year", "concept", "location", "break_even_target",
        ),
    }


# File stem (without .jsonl/.gz) -> (format name, adapter).
CORPORA: dict[str, tuple[str, Adapter]] = {
    "arxiv_recent_digests": ("arxiv_recent_digests", _arxiv_digest),
    "conference_papers": ("conference_papers", _conference),
    "frontier_papers": ("frontier_papers", _frontier_paper),
    "hn_frontpage": ("hn_frontpage", _hn),
    "startup_funding_frontier": ("startup_funding", _funding),
    "feed_zh_tech_news": ("feed_zh_tech_news", _feed_zh),
    "hotlists_tech": ("hotlists_tech", _hotlist),
    "ruanyf_weekly_news_items": ("ruanyf_weekly", _ruanyf),
    "xwlb_tech_news": ("xwlb_tech_news", _xwlb),
    "policy_zh": ("policy_zh", _policy),
    "trials_stemcell_gene": ("clinicaltrials", _trial),
    "companies_frontier": ("companies_frontier", _company),
}
ADAPTERS: dict[str, Adapter] = {name: fn for name, fn in CORPORA.values()}

NOT_DOCUMENTS = {
    "pubmed_term_rates": "holds yearly PubMed term rates, not documents; use it with `futurescan eval trends`",
}


def file_stem(path: Path) -> str:
    """'conference_papers.jsonl.gz' -> 'conference_papers'."""
    name = path.name
    for suffix in (".gz", ".jsonl", ".json", ".ndjson"):
        name = name.removesuffix(suffix)
    return name


def format_for(path: Path) -> str:
    """The input format a file is in, by name: a known corpus, else the landing format."""
    stem = file_stem(path)
    if stem in NOT_DOCUMENTS:
        raise ValueError(f"{path.name} {NOT_DOCUMENTS[stem]}")
    if stem in CORPORA:
        return CORPORA[stem][0]
    return "landing"
