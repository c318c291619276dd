"""Typed loading of the spiders' TOML configuration: technology queries, news feeds, policy bodies.

Each entry is validated by its model through the one configuration loader (warehouse/config.py):
an unknown key is an error naming the entry and the nearest valid key. Optional per-entry fields
have their default in the model, the one place it is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BeforeValidator, Field

from warehouse.config import ConfigError, ConfigModel, Count, Name, parse_config, read_toml

__all__ = ["ConfigError", "Feed", "PolicyBody", "QueryConfig", "TechQuery", "load_feeds", "load_policy_bodies",
           "load_queries"]

# Shipped next to this module; a spider takes another file with `-a queries_file=...` etc.
QUERIES_FILE = "queries.toml"
FEEDS_FILE = "feeds.toml"
POLICY_BODIES_FILE = "policy_bodies.toml"

ARTICLE_MODES = ("never", "if_summary", "always")
POLICY_FIELDS = ("issuing_body", "doc_number", "published")
E = TypeVar("E", bound=ConfigModel)


def _string_tuple(value: Any) -> Any:
    """A TOML string or array of strings as a tuple of stripped strings (a bare string is a list of one)."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        return tuple(v.strip() if isinstance(v, str) else v for v in value)
    return value


Strings = Annotated[tuple[Name, ...], BeforeValidator(_string_tuple)]


def default_path(name: str) -> Path:
    """Path of a configuration file shipped with the spiders package."""
    return Path(str(resources.files("spiders") / name))


def _load(path: Path | str | None, default: str) -> tuple[Path, dict[str, Any]]:
    p = Path(path) if path else default_path(default)
    if not p.exists():
        raise ConfigError(f"configuration file not found: {p}")
    return p, read_toml(p)[0]


def _entries(p: Path, data: Mapping[str, Any], table: str, model: type[E]) -> list[E]:
    """Every [[table]] entry validated on its own, so an error names the entry by its id."""
    out: list[E] = []
    seen: set[str] = set()
    for i, entry in enumerate(data.get(table, [])):
        raw_id = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(raw_id, str) or not raw_id.strip():
            raise ConfigError(f"{p.name} {table} #{i + 1}: missing required field 'id'")
        where = f"{p.name} {table} {raw_id!r}"
        if raw_id in seen:
            raise ConfigError(f"{where}: duplicate id")
        seen.add(raw_id)
        out.append(parse_config(entry, model, source=where))
    return out


# ─────────────────────────────── technology queries ───────────────────────────────


class TechQuery(ConfigModel):
    """How the paper APIs are asked about one technology of the taxonomy."""

    id: Name
    name: str = ""
    arxiv_all_categories: Strings = ()
    arxiv_categories: Strings = ()
    keywords: Strings = ()
    pubmed: str | None = None
    crossref: str | None = None
    epo: str | None = None

    @property
    def has_arxiv(self) -> bool:
        return bool(self.arxiv_all_categories or self.arxiv_categories or self.keywords)


class QueryDefaults(ConfigModel):
    """The paging limits that apply to every paper API ([defaults] of the shipped queries.toml)."""

    page_size: Count
    max_records_per_query: Count
    first_crawl_days: Count


class QueryConfig(ConfigModel):
    """All technology queries plus the paging limits that apply to every paper API."""

    path: Path
    technologies: tuple[TechQuery, ...]
    defaults: QueryDefaults

    @property
    def page_size(self) -> int:
        return self.defaults.page_size

    @property
    def max_records_per_query(self) -> int:
        return self.defaults.max_records_per_query

    @property
    def first_crawl_days(self) -> int:
        return self.defaults.first_crawl_days

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
    techs = [t if t.name else t.model_copy(update={"name": t.id}) for t in _entries(p, data, "technology", TechQuery)]
    if not techs:
        raise ConfigError(f"{p}: no [[technology]] entries")
    # Another queries file may set only some limits: the shipped file's [defaults] holds the rest.
    shipped = read_toml(default_path(QUERIES_FILE))[0].get("defaults", {})
    defaults = parse_config({**shipped, **data.get("defaults", {})}, QueryDefaults, source=f"{p.name} [defaults]")
    return QueryConfig(path=p, technologies=tuple(techs), defaults=defaults)


# ─────────────────────────────────── news feeds ───────────────────────────────────


class Feed(ConfigModel):
    """One RSS/Atom feed."""

    id: Name
    url: Name
    name: str = ""
    language: str | None = None
    fetch_article: Literal["never", "if_summary", "always"] = "if_summary"
    # Below this many characters of feed text an item counts as "summary only".
    min_text_chars: Count = 800
    enabled: bool = True
    # The feed's published request limit or terms, for people (the crawler's own politeness applies).
    limits: str = ""

    @property
    def source(self) -> str:
        return f"rss:{self.id}"


def load_feeds(path: Path | str | None = None) -> tuple[Feed, ...]:
    """Load the feed list (default: the shipped feeds.toml); disabled feeds are left out."""
    p, data = _load(path, FEEDS_FILE)
    feeds = [f if f.name else f.model_copy(update={"name": f.id}) for f in _entries(p, data, "feed", Feed)]
    return tuple(f for f in feeds if f.enabled)


# ───────────────────────────────── policy bodies ──────────────────────────────────


class PolicyBody(ConfigModel):
    """A government body whose policy documents are read from list pages and detail pages.

    Selectors are parsel CSS selectors (``::text``, ``::attr(href)``), or XPath when they start
    with ``xpath:``. ``fields`` maps a landing field (issuing_body, doc_number, published) to the
    label printed next to it on the detail page (发文机关, 发文字号, 成文日期 ...).
    """

    id: Name
    name: Name
    list_urls: Annotated[tuple[Name, ...], BeforeValidator(_string_tuple), Field(min_length=1)]
    item: Name
    item_link: Name
    item_title: str | None = None
    item_date: str | None = None
    next_page: str | None = None
    detail_title: str | None = None
    detail_text: str = "body"
    detail_date: str | None = None
    fields: dict[Literal["issuing_body", "doc_number", "published"], str] = Field(default_factory=dict)
    max_pages: Count = 3
    language: str = "zh"
    verified: bool = False
    enabled: bool = True
    limits: str = ""

    @property
    def source(self) -> str:
        return f"policy:{self.id}"


def load_policy_bodies(path: Path | str | None = None) -> tuple[PolicyBody, ...]:
    """Load the policy bodies (default: the shipped policy_bodies.toml); disabled ones are left out."""
    p, data = _load(path, POLICY_BODIES_FILE)
    for i, entry in enumerate(data.get("body", [])):
        fields = entry.get("fields", {}) if isinstance(entry, dict) else {}
        unknown = set(fields) - set(POLICY_FIELDS) if isinstance(fields, dict) else set()
        if unknown:
            raise ConfigError(f"{p.name} body {entry.get('id', f'#{i + 1}')!r}: unknown field(s) {', '.join(sorted(unknown))}")
    return tuple(b for b in _entries(p, data, "body", PolicyBody) if b.enabled)
