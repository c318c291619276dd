"""Shared vocabulary of the indicators: evidence documents, the scan context, time periods and 0..1 helpers."""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scoring.screening.indicators.memo import EvidenceMemo
from scoring.screening.weights import Weights

# ───────────────────────────── values ─────────────────────────────


@dataclass(frozen=True)
class IndicatorValue:
    """One indicator for one technology: raw value, 0..1 score, details, and the documents behind it.

    `value` and `score` are None when the indicator cannot be computed; `details["reason"]` then says why.
    """

    name: str
    value: float | None
    score: float | None
    details: Mapping[str, Any]
    doc_ids: tuple[str, ...] = ()

    @property
    def available(self) -> bool:
        return self.score is not None


def missing(name: str, reason: str, **details: Any) -> IndicatorValue:
    """An indicator that cannot be computed, saying why (never a silent zero)."""
    return IndicatorValue(name, None, None, {"reason": reason, **details}, ())


# ───────────────────────────── evidence ─────────────────────────────


@dataclass(frozen=True)
class EvidenceDoc:
    """A document linked to a technology, with what the indicators read from it."""

    doc_id: str
    kind: str
    language: str | None
    source: str
    published: dt.date
    precision: str
    title: str
    abstract: str = ""
    body: str = ""
    countries: tuple[str, ...] = ()
    affiliations: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    confidence: float = 1.0
    matched: tuple[str, ...] = ()

    @property
    def start(self) -> dt.date:
        return self.published

    @functools.cached_property
    def end(self) -> dt.date:
        """First day after the span the date stands for (a year-precision date covers the whole year)."""
        return interval_end(self.published, self.precision)

    @property
    def text(self) -> str:
        return "\n".join(p for p in (self.title, self.abstract, self.body) if p)

    @property
    def short_text(self) -> str:
        """Title and the start of the abstract: what topic-level indicators compare."""
        return self.title + "\n" + (self.abstract or self.body or "")[:800]

    def age_years(self, as_of: dt.date) -> float:
        """Years between the middle of the document's date span and as_of."""
        mid = self.start.toordinal() + (self.end.toordinal() - self.start.toordinal()) / 2
        return max(0.0, (as_of.toordinal() - mid) / 365.25)


@dataclass(frozen=True)
class TechMeta:
    """A technology as scoring needs it: names, aliases (to find mentions), direction."""

    tech_id: str
    name_en: str
    name_zh: str = ""
    aliases: tuple[str, ...] = ()
    direction: str = ""


@dataclass
class TechEvidence:
    """Every linked document of one technology published before as_of, oldest first."""

    tech: TechMeta
    docs: list[EvidenceDoc]
    # recent_docs answers by (as_of, months, the docs list): several indicators ask the same question.
    recent_cache: dict[tuple, tuple[list[EvidenceDoc], list[tuple[EvidenceDoc, float]]]] = field(
        default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.docs = sorted(self.docs, key=lambda d: (d.published, d.doc_id))


@dataclass
class ScanContext:
    """What indicators need beyond one technology's documents: as_of, parameters, corpus baselines.

    `source_days` holds, per source, the document counts by (start ordinal, end ordinal) date span of
    every document before as_of: the denominators that make rates comparable across sources.
    """

    as_of: dt.date
    params: Weights
    source_spans: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    kind_counts: Mapping[str, int] = field(default_factory=dict)  # all documents before as_of, by kind
    attention: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    doc_techs: Mapping[str, frozenset[str]] = field(default_factory=dict)
    tech_directions: Mapping[str, str] = field(default_factory=dict)
    baseline_texts: Sequence[tuple[str | None, str]] = ()
    embeddings: Mapping[str, np.ndarray] = field(default_factory=dict)
    players: Sequence[Any] = ()
    memo: EvidenceMemo = field(default_factory=EvidenceMemo)  # evidence-only results kept between scans
    _totals_cache: dict[tuple, dict[str, np.ndarray]] = field(default_factory=dict, repr=False)
    cache: dict[str, Any] = field(default_factory=dict, repr=False)  # per-scan work shared by technologies

    def source_totals(self, edges: Sequence[dt.date]) -> dict[str, np.ndarray]:
        """Per source, the (fractional) number of all its documents in each period between `edges`."""
        key = tuple(edges)
        if key not in self._totals_cache:
            ords = np.array([d.toordinal() for d in edges], dtype=float)
            self._totals_cache[key] = {
                src: spread_counts(starts, ends, counts, ords) for src, (starts, ends, counts) in self.source_spans.items()
            }
        return self._totals_cache[key]


class LazyVectors(Mapping[str, np.ndarray]):
    """Document vectors read from the warehouse on first use: a scan whose novelty results are all
    kept from an earlier scan (`EvidenceMemo`) never reads them."""

    def __init__(self, load: Callable[[], Mapping[str, np.ndarray]]) -> None:
        self._load = load
        self._data: Mapping[str, np.ndarray] | None = None

    @property
    def loaded(self) -> bool:
        return self._data is not None

    def _get(self) -> Mapping[str, np.ndarray]:
        if self._data is None:
            self._data = self._load()
        return self._data

    def __getitem__(self, key: str) -> np.ndarray:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


# ───────────────────────────── time ─────────────────────────────


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), clamped to the month's last day."""
    month0 = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month0, 12)
    month += 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def interval_end(published: dt.date, precision: str | None) -> dt.date:
    """First day after the span a date of this precision stands for."""
    if precision == "year":
        return dt.date(published.year + 1, 1, 1)
    if precision == "month":
        return add_months(published.replace(day=1), 1)
    return published + dt.timedelta(days=1)


def period_edges(as_of: dt.date, months: int, periods: int) -> list[dt.date]:
    """`periods + 1` ascending edges of consecutive periods of `months` months ending at as_of."""
    return [add_months(as_of, -months * k) for k in range(periods, -1, -1)]


def spread_counts(starts: np.ndarray, ends: np.ndarray, weights: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Spread each weighted date span over the periods between `edges` in proportion to overlap.

    A conference paper dated only "2023" contributes to every period that 2023 overlaps, in
    proportion to the overlap, so periods that do not align with calendar years stay unbiased.
    """
    if len(edges) < 2:
        return np.zeros(0)
    starts = np.asarray(starts, dtype=float)
    ends = np.asarray(ends, dtype=float)
    weights = np.asarray(weights, dtype=float)
    span = np.maximum(ends - starts, 1.0)
    lo = np.maximum(starts[:, None], edges[None, :-1])
    hi = np.minimum(ends[:, None], edges[None, 1:])
    overlap = np.clip(hi - lo, 0.0, None) / span[:, None]
    return (overlap * weights[:, None]).sum(axis=0)


def doc_period_counts(docs: Iterable[EvidenceDoc], edges: Sequence[dt.date], *, weighted: bool = True) -> np.ndarray:
    """Counts of documents per period (fractional for month/year dates), optionally link-confidence weighted."""
    docs = list(docs)
    if not docs:
        return np.zeros(max(len(edges) - 1, 0))
    starts = np.array([d.start.toordinal() for d in docs], dtype=float)
    ends = np.array([d.end.toordinal() for d in docs], dtype=float)
    weights = np.array([d.confidence if weighted else 1.0 for d in docs], dtype=float)
    return spread_counts(starts, ends, weights, np.array([e.toordinal() for e in edges], dtype=float))


def in_window(doc: EvidenceDoc, start: dt.date, end: dt.date) -> float:
    """Share of the document's date span that lies in [start, end)."""
    s, e = doc.start.toordinal(), doc.end.toordinal()
    overlap = min(e, end.toordinal()) - max(s, start.toordinal())
    return max(0.0, overlap) / max(e - s, 1)


def recent_docs(ev: TechEvidence, as_of: dt.date, months: int) -> list[tuple[EvidenceDoc, float]]:
    """Documents overlapping the last `months` months, each with the share of its span inside.

    Several indicators ask the same question of a technology: the answer is kept on the evidence
    object (a new list per as_of and window; callers only read it).
    """
    cache = ev.recent_cache
    key = (as_of, months, id(ev.docs), len(ev.docs))
    if key not in cache:
        start = add_months(as_of, -months)
        out = []
        for d in ev.docs:
            share = in_window(d, start, as_of)
            if share > 0:
                out.append((d, share))
        cache[key] = (ev.docs, out)  # the list is held so its id names it while cached
    return cache[key][1]


# ───────────────────────────── 0..1 helpers ─────────────────────────────


def saturate(n: float, half: float) -> float:
    """n / (n + half): 0 for nothing, 0.5 at `half`, towards 1 for plenty."""
    if n <= 0:
        return 0.0
    return n / (n + half) if half > 0 else 1.0


def logistic(x: float) -> float:
    """Map a log-scale quantity onto 0..1 with 0 → 0.5."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def clip01(x: float) -> float:
    return min(1.0, max(0.0, x))


def rounded(x: float | None, digits: int = 6) -> float | None:
    """Round stored figures so a replayed scan gives byte-identical values."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return None
    return round(float(x), digits)


def top_ids(docs: Iterable[EvidenceDoc | str], limit: int) -> tuple[str, ...]:
    """Evidence ids, newest first, capped to `limit`."""
    ids = [d if isinstance(d, str) else d.doc_id for d in docs]
    return tuple(dict.fromkeys(reversed(ids)))[:limit] if limit > 0 else ()


# ───────────────────────────── text ─────────────────────────────

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_WORD = re.compile(r"[a-z][a-z0-9]+(?:-[a-z0-9]+)*")
STOPWORDS = frozenset(
    ["the", "and", "for", "with", "from", "that", "this", "these", "those", "are", "was", "were", "been", "being", "have", "has", "had", "not", "but", "can", "could", "may", "might", "will", "would", "should", "our", "their", "its", "his", "her", "they", "them", "than", "then", "there", "here", "into", "onto", "over", "under", "about", "above", "below", "between", "via", "using", "use", "used", "based", "new", "novel", "approach", "approaches", "method", "methods", "paper", "study", "studies", "result", "results", "show", "shows", "shown", "propose", "proposed", "present", "presents", "work", "also", "such", "which", "while", "where", "when", "who", "whom", "what", "how", "all", "any", "each", "both", "more", "most", "less", "other", "some", "many", "much", "very", "well", "however", "thus", "therefore", "further", "first", "two", "three", "one", "large", "high", "low", "two-stage", "via", "data", "model", "models", "system", "systems", "task", "tasks", "learning", "network", "networks", "performance", "framework", "via"]
)


def tokens(text: str) -> list[str]:
    """Words (English, lower-cased, no stop words) and character bigrams (Chinese) of a text."""
    lowered = text.lower()
    out = [w for w in _WORD.findall(lowered) if len(w) > 2 and w not in STOPWORDS]
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:
            continue
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


_SENTENCE_END = re.compile(r"[。！？；!?;\n]+|(?<=[a-z0-9)\]])\.\s+")


def mention_contexts(doc: EvidenceDoc, names: Sequence[str], radius: int) -> list[str]:
    """The sentences that mention the technology (each cut to `radius` characters around the mention).

    Stage words are read in the mentioning sentence only, so a news bulletin or policy document
    naming the technology once is not judged by what it says about something else. When no
    mention is found (an embedding or topic link), the title and the first sentence stand in.
    """
    text = doc.text
    lowered = text.lower()
    needles = sorted({n.lower() for n in names if n and len(n) >= 2}, key=len, reverse=True)
    hits: list[int] = []
    for needle in needles:
        start = 0
        while len(hits) < 100:
            i = lowered.find(needle, start)
            if i < 0:
                break
            hits.append(i)
            start = i + len(needle)
    if not hits:
        lead = _SENTENCE_END.split(doc.abstract or doc.body or "", maxsplit=1)[0]
        return [doc.title, lead[: 2 * radius]]
    bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]
    out: dict[int, str] = {}
    for i in sorted(hits):
        k = bisect.bisect_right(bounds, i) - 1
        s, e = bounds[k], bounds[min(k + 1, len(bounds) - 1)]
        if k in out:
            continue
        if e - s > 2 * radius:  # an unpunctuated run (a title list, a long clause): keep the mention's surroundings
            s, e = max(s, i - radius), min(e, i + radius)
        out[k] = text[s:e]
    return list(out.values())
