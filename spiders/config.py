"""Typed loading of the spiders' TOML configuration: technology queries, news feeds, policy bodies."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

# Shipped next to this module; a spider takes another file with `-a queries_file=...` etc.
QUERIES_FILE = "queries.toml"
FEEDS_FILE = "feeds.toml"
POLICY_BODIES_FILE = "policy_bodies.toml"

ARTICLE_MODES = ("never", "if_summary", "always")


class ConfigError(ValueError):
    """A configuration file is missing a field or has a wrong value; the message names the file and entry."""


def default_path(name: str) -> Path:
    """Path of a configuration file shipped with the spiders package."""
    return Path(str(resources.files("spiders") / name))


def _load(path: Path | str | None, default: str) -> tuple[Path, dict[str, Any]]:
    p = Path(path) if path else default_path(default)
    try:
        with p.open("rb") as fh:
            return p, tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"configuration file not found: {p}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None


def _req(entry: dict[str, Any], key: str, where: str) -> Any:
    if key not in entry or entry[key] in ("", None):
        raise ConfigError(f"{where}: missing required field {key!r}")
    return entry[key]


def _str_list(entry: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: {key!r} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


# ─────────────────────────────── technology queries ───────────────────────────────


@dataclass(frozen=True)
class TechQuery:
    """How the paper APIs are asked about one technology of the taxonomy."""

    id: str
    name: str
    arxiv_all_categories: tuple[str, ...] = ()
    arxiv_categories: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    pubmed: str | None = None
    crossref: str | None = None
    epo: str | None = None

    @property
    def has_arxiv(self) -> bool:
        return bool(self.arxiv_all_categories or self.arxiv_categories or self.keywords)


@dataclass(frozen=True)
class QueryConfig:
    """All technology queries plus the paging limits that apply to every paper API."""

    path: Path
    technologies: tuple[TechQuery, ...]
    page_size: int = 100
    max_records_per_query: int = 1000
    first_crawl_days: int = 14

    def select(self, ids: str | None) -> tuple[TechQuery, ...]:
        """The technologies named in a comma-separated list (all when empty)."""
        if not ids:
            return self.technologies
        wanted = [i.strip() for i in ids.split(",") if i.strip()]
        known = {t.id: t for t in self.technologies}
        unknown = [i for i in wanted if i not in known]
        if unknown:
            raise ConfigError(f"{self.path}: unknown technology id(s) {', '.join(unknown)}")
        return tuple(known[i] for i in wanted)


def load_queries(path: Path | str | None = None) -> QueryConfig:
    """Load the technology query configuration (default: the shipped queries.toml)."""
    p, data = _load(path, QUERIES_FILE)
    defaults = data.get("defaults", {})
    techs: list[TechQuery] = []
    seen: set[str] = set()
    for i, entry in enumerate(data.get("technology", [])):
        where = f"{p.name} technology #{i + 1}"
        tid = str(_req(entry, "id", where))
        where = f"{p.name} technology {tid!r}"
        if tid in seen:
            raise ConfigError(f"{where}: duplicate id")
        seen.add(tid)
        techs.append(
            TechQuery(
                id=tid,
                name=str(entry.get("name", tid)),
                arxiv_all_categories=_str_list(entry, "arxiv_all_categories", where),
                arxiv_categories=_str_list(entry, "arxiv_categories", where),
                keywords=_str_list(entry, "keywords", where),
                pubmed=(entry.get("pubmed") or None),
                crossref=(entry.get("crossref") or None),
                epo=(entry.get("epo") or None),
            )
        )
    if not techs:
        raise ConfigError(f"{p}: no [[technology]] entries")
    return QueryConfig(
        path=p,
        technologies=tuple(techs),
        page_size=int(defaults.get("page_size", 100)),
        max_records_per_query=int(defaults.get("max_records_per_query", 1000)),
        first_crawl_days=int(defaults.get("first_crawl_days", 14)),
    )


# ─────────────────────────────────── news feeds ───────────────────────────────────


@dataclass(frozen=True)
class Feed:
    """One RSS/Atom feed."""

    id: str
    url: str
    name: str = ""
    language: str | None = None
    fetch_article: str = "if_summary"
    # Below this many characters of feed text an item counts as "summary only".
    min_text_chars: int = 800
    enabled: bool = True

    @property
    def source(self) -> str:
        return f"rss:{self.id}"


def load_feeds(path: Path | str | None = None) -> tuple[Feed, ...]:
    """Load the feed list (default: the shipped feeds.toml); disabled feeds are left out."""
    p, data = _load(path, FEEDS_FILE)
    feeds: list[Feed] = []
    seen: set[str] = set()
    for i, entry in enumerate(data.get("feed", [])):
        where = f"{p.name} feed #{i + 1}"
        fid = str(_req(entry, "id", where))
        where = f"{p.name} feed {fid!r}"
        if fid in seen:
            raise ConfigError(f"{where}: duplicate id")
        seen.add(fid)
        mode = entry.get("fetch_article", "if_summary")
        if mode not in ARTICLE_MODES:
            raise ConfigError(f"{where}: fetch_article must be one of {', '.join(ARTICLE_MODES)}")
        feed = Feed(
            id=fid,
            url=str(_req(entry, "url", where)),
            name=str(entry.get("name", fid)),
            language=entry.get("language"),
            fetch_article=mode,
            min_text_chars=int(entry.get("min_text_chars", 800)),
            enabled=bool(entry.get("enabled", True)),
        )
        if feed.enabled:
            feeds.append(feed)
    return tuple(feeds)


# ───────────────────────────────── policy bodies ──────────────────────────────────


@dataclass(frozen=True)
class PolicyBody:
    """A government body whose policy documents are read from list pages and detail pages.

    Selectors are parsel CSS selectors (``::text``, ``::attr(href)``), or XPath when they start
    with ``xpath:``. ``fields`` maps a landing field (issuing_body, doc_number, published) to the
    label printed next to it on the detail page (发文机关, 发文字号, 成文日期 ...).
    """

    id: str
    name: str
    list_urls: tuple[str, ...]
    item: str
    item_link: str
    item_title: str | None = None
    item_date: str | None = None
    next_page: str | None = None
    detail_title: str | None = None
    detail_text: str = "body"
    detail_date: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    max_pages: int = 3
    language: str = "zh"
    verified: bool = False
    enabled: bool = True

    @property
    def source(self) -> str:
        return f"policy:{self.id}"


def load_policy_bodies(path: Path | str | None = None) -> tuple[PolicyBody, ...]:
    """Load the policy bodies (default: the shipped policy_bodies.toml); disabled ones are left out."""
    p, data = _load(path, POLICY_BODIES_FILE)
    bodies: list[PolicyBody] = []
    seen: set[str] = set()
    for i, entry in enumerate(data.get("body", [])):
        where = f"{p.name} body #{i + 1}"
        bid = str(_req(entry, "id", where))
        where = f"{p.name} body {bid!r}"
        if bid in seen:
            raise ConfigError(f"{where}: duplicate id")
        seen.add(bid)
        fields = entry.get("fields", {})
        if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
            raise ConfigError(f"{where}: fields must map field names to label strings")
        unknown = set(fields) - {"issuing_body", "doc_number", "published"}
        if unknown:
            raise ConfigError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        body = PolicyBody(
            id=bid,
            name=str(_req(entry, "name", where)),
            list_urls=_str_list(entry, "list_urls", where) or (str(_req(entry, "list_urls", where)),),
            item=str(_req(entry, "item", where)),
            item_link=str(_req(entry, "item_link", where)),
            item_title=entry.get("item_title"),
            item_date=entry.get("item_date"),
            next_page=entry.get("next_page"),
            detail_title=entry.get("detail_title"),
            detail_text=str(entry.get("detail_text", "body")),
            detail_date=entry.get("detail_date"),
            fields=dict(fields),
            max_pages=int(entry.get("max_pages", 3)),
            language=str(entry.get("language", "zh")),
            verified=bool(entry.get("verified", False)),
            enabled=bool(entry.get("enabled", True)),
        )
        if body.enabled:
            bodies.append(body)
    return tuple(bodies)
