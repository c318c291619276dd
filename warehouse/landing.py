"""The landing-file contract: one JSON object per line, written by spiders, loaded by the warehouse.

A landing file is JSON Lines (optionally gzip-compressed), UTF-8, one :class:`LandingRecord` per
line, one file per spider per scan, named ``<source>-<UTC timestamp>.jsonl``. Spiders never touch
the database: this file is the only thing a crawl hands to the warehouse, so a crawl and a load can
each be re-run alone.

Field notes
-----------
* ``source`` names the spider or corpus that produced the record (``arxiv``, ``pubmed``,
  ``crossref``, ``rss:phys.org``, ``policy:stcsm`` ...). ``source_record_id`` is that source's own
  id for the record (an RSS guid, an HN item id); it is optional.
* Identity is derived by the warehouse from ``arxiv_id``, ``doi``, ``pmid``, ``source_record_id``
  and ``url`` (see :mod:`warehouse.identity`); spiders just fill what they know.
* ``published`` accepts ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or an ISO/RFC 2822 timestamp; the
  precision is kept (``year``/``month``/``day``). A missing date is allowed, an unparseable one is
  not (the row is rejected).
* ``language`` is an ISO 639-1 code; when absent the warehouse detects it.
* ``extra`` carries source-specific facts under documented keys:

  - policy: ``issuing_body`` (e.g. 上海市科学技术委员会), ``doc_number`` (e.g. 沪科合〔2025〕7号),
    ``doc_title``, ``level``;
  - attention: ``points`` and ``comments`` (news aggregators), ``citations`` (papers);
  - papers: ``venue``, ``status`` (Poster/Oral/Reject ...), ``journal_ref``;
  - trials: ``status``, ``phases``, ``conditions``, ``interventions``, ``enrollment``;
  - funding news: ``event_type`` = "funding", ``company``, ``funding_amount``, ``funding_round``;
  - patents: ``family_id``;
  - crawl provenance: ``technology`` (the taxonomy id whose query found the record — a crawl hint,
    never used as a label), ``text_from`` (where the full text came from: feed, article page).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION = 1

DocumentKind = Literal["paper", "news", "policy", "patent", "trial", "company"]
KINDS: tuple[str, ...] = ("paper", "news", "policy", "patent", "trial", "company")

# Hard limits: a row over any of these is rejected as absurd rather than stored.
MAX_TITLE_CHARS = 1_000
MAX_TEXT_CHARS = 2_000_000
MAX_LIST_ITEMS = 5_000
MAX_LINE_BYTES = 8_000_000

_YEAR = re.compile(r"^(\d{4})$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")
_CN_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?")
_SLASH_DATE = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})")


def published_text(value: Any) -> str | None:
    """A publication date as stored text of its precision ('YYYY', 'YYYY-MM', 'YYYY-MM-DD'); as parse_published."""
    parsed = parse_published(value)
    if parsed is None:
        return None
    day, precision = parsed
    return {"year": f"{day:%Y}", "month": f"{day:%Y-%m}", "day": day.isoformat()}[precision]


def parse_published(value: Any) -> tuple[dt.date, str] | None:
    """Parse a publication date into (date, precision); None for missing; ValueError when unparseable.

    Years outside 1800..2100 are treated as unparseable: they are always data errors here.
    """
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, dt.datetime):
        return _checked(value.date(), "day")
    if isinstance(value, dt.date):
        return _checked(value, "day")
    if not isinstance(value, str):
        raise ValueError(f"published must be a string, got {type(value).__name__}")
    text = value.strip()
    if not text:
        return None
    try:
        if m := _YEAR.match(text):
            return _checked(dt.date(int(m[1]), 1, 1), "year")
        if m := _YEAR_MONTH.match(text):
            return _checked(dt.date(int(m[1]), int(m[2]), 1), "month")
        if m := _DATE.match(text):
            return _checked(dt.date(int(m[1]), int(m[2]), int(m[3])), "day")
        if m := _SLASH_DATE.match(text):
            return _checked(dt.date(int(m[1]), int(m[2]), int(m[3])), "day")
        if m := _CN_DATE.match(text):
            if m[3]:
                return _checked(dt.date(int(m[1]), int(m[2]), int(m[3])), "day")
            return _checked(dt.date(int(m[1]), int(m[2]), 1), "month")
    except ValueError as exc:  # e.g. 2024-13-40
        raise ValueError(f"unparseable date {text!r}: {exc}") from None
    try:  # RFC 2822, as RSS feeds write it
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is not None:
        return _checked(parsed.date(), "day")
    raise ValueError(f"unparseable date {text!r}")


def _checked(day: dt.date, precision: str) -> tuple[dt.date, str]:
    if not 1800 <= day.year <= 2100:
        raise ValueError(f"implausible year {day.year}")
    return day, precision


class LandingRecord(BaseModel):
    """One document as a spider (or corpus adapter) saw it. See the module docstring."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    schema_version: int = SCHEMA_VERSION
    source: str = Field(min_length=1, max_length=200)
    source_record_id: str | None = Field(default=None, max_length=2_000)
    kind: DocumentKind
    title: str = Field(min_length=1, max_length=MAX_TITLE_CHARS)
    abstract: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    text: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    url: str | None = Field(default=None, max_length=4_000)
    published: str | None = None
    language: str | None = Field(default=None, max_length=16)
    authors: list[str] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    affiliations: list[str] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    countries: list[str] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    categories: list[str] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    keywords: list[str] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    doi: str | None = Field(default=None, max_length=500)
    arxiv_id: str | None = Field(default=None, max_length=100)
    pmid: str | None = Field(default=None, max_length=40)
    fetched_at: dt.datetime | None = None
    extra: dict[str, Any] = Field(default_factory=dict)

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value != SCHEMA_VERSION:
            raise ValueError(f"unsupported schema_version {value} (this futurescan reads {SCHEMA_VERSION})")
        return value

    @field_validator("title", "abstract", "text")
    @classmethod
    def _clean_text(cls, value: str | None) -> str | None:
        if value is not None and "\ufffd" in value:
            raise ValueError("contains U+FFFD replacement characters (text was decoded with the wrong encoding)")
        return value or None

    @field_validator("published", mode="before")
    @classmethod
    def _valid_date(cls, value: Any) -> str | None:
        return published_text(value)

    @field_validator("authors", "affiliations", "countries", "categories", "keywords", mode="before")
    @classmethod
    def _list_of_str(cls, value: Any) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str):
            value = [part for part in re.split(r"\s*;\s*", value)]
        return [str(v).strip() for v in value if v is not None and str(v).strip()]


def landing_json_schema() -> dict[str, Any]:
    """JSON Schema of a landing record, for documentation and for spiders in other languages."""
    return LandingRecord.model_json_schema()
