"""The documents an analysis clusters: which ones, in which space, and their publication weights for growth."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.topics.chinese import has_cjk
from scoring.topics.config import TopicsConfig
from warehouse import topics_store as store


def minus_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def minus_months(day: dt.date, months: int) -> dt.date:
    """About the same day `months` earlier (at most the 28th, so every month has it)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(y, m + 1, min(day.day, 28))


def _period(day: dt.date, precision: str | None) -> tuple[dt.date, dt.date]:
    if precision == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1)
    if precision == "month":
        nxt = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        return dt.date(day.year, day.month, 1), nxt
    return day, day + dt.timedelta(days=1)


def window_shares(
    published: Sequence[dt.date | None], precision: Sequence[str | None], start: dt.date, end: dt.date
) -> np.ndarray:
    """How much of each document falls in [start, end): a year-dated paper counts by the share of its year inside."""
    out = np.zeros(len(published), dtype=np.float64)
    cache: dict[tuple[dt.date, str | None], float] = {}
    for i, (day, prec) in enumerate(zip(published, precision, strict=True)):
        if day is None:
            continue
        key = (day, prec)
        share = cache.get(key)
        if share is None:
            lo, hi = _period(day, prec)
            overlap = (min(hi, end) - max(lo, start)).days
            share = cache[key] = max(overlap, 0) / (hi - lo).days
        out[i] = share
    return out


@dataclass
class Corpus:
    """The analysis's documents in warehouse order, with the columns every later step reads."""

    doc_ids: list[str]
    hashes: list[str]
    languages: list[str]
    titles: list[str]
    published: list[dt.date | None]
    precision: list[str | None]
    first_seen: list[Any]

    @property
    def hash_of(self) -> dict[str, str]:
        return dict(zip(self.doc_ids, self.hashes, strict=True))

    def language_counts(self) -> dict[str, int]:
        return dict(Counter(lang or "?" for lang in self.languages).most_common())

    def is_chinese(self) -> np.ndarray:
        """Chinese by its language tag, or (untagged) by Chinese characters in the title."""
        return np.array([(lang or "").lower().startswith("zh") or (not lang and has_cjk(t))
                         for lang, t in zip(self.languages, self.titles, strict=True)], dtype=bool)


def load_corpus(con: Any, config: TopicsConfig, as_of: dt.date | None) -> Corpus:
    """Documents published before as_of (all, undated included, when None), within the configured lookback."""
    since = minus_years(as_of or dt.date.today(), config.window.lookback_years) if config.window.lookback_years else None
    docs = store.analysis_documents(con, as_of=as_of, since=since)
    col = docs.column
    return Corpus(col("doc_id").to_pylist(), col("content_hash").to_pylist(), col("language").to_pylist(),
                  col("title").to_pylist(), col("published").to_pylist(), col("date_precision").to_pylist(),
                  col("first_seen").to_pylist())


@dataclass(frozen=True)
class Timing:
    """Per document: its share in the recent window and in the one before, and whether it is new since last scan."""

    recent_w: np.ndarray
    prior_w: np.ndarray
    is_new: np.ndarray

    def take(self, idx: np.ndarray) -> Timing:
        return Timing(self.recent_w[idx], self.prior_w[idx], self.is_new[idx])


def timing(corpus: Corpus, config: TopicsConfig, as_of: dt.date | None, prev: dict[str, Any] | None) -> Timing:
    """Publication facts for topic growth (recent months against the same span before) and "new since last scan"."""
    ref = as_of or dt.date.today()
    recent_from = minus_months(ref, config.window.recent_months)
    prior_from = minus_months(recent_from, config.window.recent_months)
    recent_w = window_shares(corpus.published, corpus.precision, recent_from, ref)
    prior_w = window_shares(corpus.published, corpus.precision, prior_from, recent_from)
    n = len(corpus.doc_ids)
    is_new = np.ones(n, dtype=bool)
    if prev:
        p_as_of, p_started = prev.get("as_of"), prev.get("started_at")
        for i in range(n):
            first, pub = corpus.first_seen[i], corpus.published[i]
            seen_before = first is not None and p_started is not None and first <= p_started
            in_window = p_as_of is None or (pub is not None and pub < p_as_of)
            is_new[i] = not (seen_before and in_window)
    return Timing(recent_w, prior_w, is_new)
