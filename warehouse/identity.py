"""Document identity: normalised identifiers, canonical URLs, and the stable id a document is stored under.

A record is known by several keys (arXiv id, DOI, PMID, the source's own id, its canonical URL and,
for papers, a normalised-title key). Any shared key means "same document"; the document's id is the
best key it had when first seen, and never changes afterwards (later keys become aliases).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_ARXIV_NEW = re.compile(r"(\d{4}\.\d{4,5})(v\d+)?", re.I)
_ARXIV_OLD = re.compile(r"([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?", re.I)
_DOI = re.compile(r"(10\.\d{4,9}/\S+)", re.I)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.I)
_PMID = re.compile(r"^\d{1,9}$")

# Query parameters that only track clicks; dropping them makes two links to one page equal.
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga|_gl|yclid|igshid|spm|from|share_token|"
    r"ref|ref_src|ref_url|cmpid|src|s_cid|ncid|ocid|rss|feature|xtor|wt_mc|at_medium|at_campaign)$",
    re.I,
)

# Key kinds in priority order: the first one a document has becomes its id.
KEY_PRIORITY = ("arxiv", "doi", "pmid", "rec", "url", "title")


def normalize_arxiv_id(value: str | None) -> str | None:
    """'arXiv:2312.00690v2' / 'http://arxiv.org/abs/2312.00690' -> '2312.00690' (old style kept as 'hep-th/9901001')."""
    if not value:
        return None
    text = value.strip()
    if m := _ARXIV_NEW.search(text):
        return m[1]
    if m := _ARXIV_OLD.search(text):
        return m[1].lower()
    return None


def normalize_doi(value: str | None) -> str | None:
    """'https://doi.org/10.1371/JOURNAL.pone.1' -> '10.1371/journal.pone.1' (DOIs are case-insensitive)."""
    if not value:
        return None
    m = _DOI.search(value.strip())
    if not m:
        return None
    return m[1].rstrip(".,;)").lower()


def normalize_pmid(value: str | int | None) -> str | None:
    """PubMed ids are plain integers; anything else is not a PMID."""
    if value is None:
        return None
    text = str(value).strip().removeprefix("PMID:").removeprefix("pmid:").strip()
    return text.lstrip("0") or None if _PMID.match(text) else None


_SIMPLE_URL = re.compile(r"^https?://(?:www\.)?([A-Za-z0-9.-]+)(?::(?:80|443))?(/[^?#\s]*)?(#.*)?$", re.I)


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme and host, no fragment, no tracking parameters, sorted query, no trailing slash."""
    if not url:
        return None
    text = url.strip()
    if m := _SIMPLE_URL.match(text):  # no query, no odd port: the common case, without urllib
        return f"https://{m[1].lower()}{(m[2] or '').rstrip('/')}"
    if not re.match(r"^https?://", text, re.I):
        return None
    try:
        parts = urlsplit(text)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
        host = (parts.hostname or "").lower()
        if host.startswith("www."):
            host = host[4:]
        port = parts.port
        netloc = host if port in (None, 80, 443) else f"{host}:{port}"
        path = parts.path.rstrip("/") or ""
        return urlunsplit(("https", netloc, path, urlencode(sorted(query)), ""))
    except ValueError:
        return None


def title_key(title: str) -> str | None:
    """A normalised title for matching one paper across sources; None when too short to be distinctive."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    words = re.findall(r"\w+", folded)
    if len(words) < 6:
        return None
    return hashlib.sha1(" ".join(words).encode()).hexdigest()[:20]


def record_keys(
    *,
    source: str,
    kind: str,
    title: str,
    arxiv_id: str | None,
    doi: str | None,
    pmid: str | None,
    source_record_id: str | None,
    url: str | None,
) -> list[str]:
    """Every key a record is known by, best first."""
    keys: list[str] = []
    if arxiv_id:
        keys.append(f"arxiv:{arxiv_id}")
    if doi:
        if m := _ARXIV_DOI.match(doi):  # arXiv's own DataCite DOI is the arXiv id
            if aid := normalize_arxiv_id(m[1]):
                keys.append(f"arxiv:{aid}")
        else:
            keys.append(f"doi:{doi}")
    if pmid:
        keys.append(f"pmid:{pmid}")
    if source_record_id:
        keys.append(f"rec:{source}:{source_record_id}")
    if url and not keys:
        # A URL identifies a page only when nothing stronger does: aggregators (HN, weekly digests)
        # link to the same article as a crawled feed, but their items are documents of their own.
        keys.append(f"url:{url}")
    if kind == "paper" and (tk := title_key(title)):
        keys.append(f"title:{tk}")
    return keys


def doc_id_from_key(key: str) -> str:
    """The stored id for a document whose best key is `key`: readable, and bounded in length."""
    kind, _, value = key.partition(":")
    if kind in ("arxiv", "doi", "pmid"):
        return key
    if kind == "rec":
        return value if len(value) <= 120 else "rec:" + hashlib.sha1(value.encode()).hexdigest()[:24]
    return f"{kind}:" + hashlib.sha1(value.encode()).hexdigest()[:24]
