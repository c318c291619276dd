"""Describe topics: class-based TF-IDF keywords (English terms and Chinese words), representative documents, labels."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from scoring.chinese import has_cjk

# Letters of any alphabet ("göbekli" is one word), digits inside or leading ("3d-aware", "6g"),
# hyphen/apostrophe joins; bare numbers are not words.
_EN_WORD = re.compile(r"(?:\d+[^\W\d_]|[^\W\d_])[^\W_]*(?:[-'][^\W_]+)*")

# Words that say how a paper was written, not what it is about.
_ACADEMIC = ["paper", "papers", "propose", "proposed", "proposes", "present", "presents", "presented", "approach", "approaches", "method", "methods", "methodology", "result", "results", "show", "shows", "shown", "demonstrate", "demonstrates", "demonstrated", "experiment", "experiments", "experimental", "novel", "new", "existing", "based", "using", "use", "used", "uses", "work", "works", "study", "studies", "analysis", "problem", "problems", "task", "tasks", "performance", "state-of-the-art", "art", "state", "effective", "efficient", "efficiently", "improve", "improved", "improves", "improvement", "significantly", "significant", "various", "different", "large", "small", "high", "low", "better", "best", "first", "second", "also", "however", "furthermore", "moreover", "paper's", "can", "could", "may", "might", "would", "one", "two", "three", "well", "via", "within", "without", "towards", "toward", "extensive", "code", "available", "publicly", "datasets", "dataset", "benchmark", "benchmarks", "framework", "frameworks", "outperforms", "achieve", "achieves", "achieved", "achieving", "address", "addresses", "introduce", "introduces", "introduced", "provide", "provides", "including", "include", "includes", "recent", "recently", "previous", "prior", "key", "main", "general", "specific", "particular", "often", "allow", "allows", "enable", "enables", "enabling", "make", "makes", "made", "take", "takes", "given", "give", "gives", "show", "able", "thus", "hence"]


def _english_stopwords() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | frozenset(_ACADEMIC)


STOPWORDS_EN = _english_stopwords()


def english_terms(text: str | None) -> list[str]:
    """Content words (3+ letters, stopwords removed) and two-word phrases of adjacent content words."""
    if not text:
        return []
    words = _EN_WORD.findall(text.lower())
    terms: list[str] = []
    prev: str | None = None
    for w in words:
        if "'" in w:
            w = w.split("'", 1)[0]  # "model's" → "model", "don't" → "don" (a stopword)
        short = len(w) < 3 and not (w[0].isdigit() and w[-1].isalpha())  # keep "3d", "6g"
        if w in STOPWORDS_EN or short:
            prev = None
            continue
        terms.append(w)
        if prev is not None:
            terms.append(f"{prev} {w}")
        prev = w
    return terms


def document_terms(text: str | None, segment: object | None = None) -> list[str]:
    """Terms of one text in either language: jieba words where it has Chinese, English terms otherwise."""
    if not text:
        return []
    if segment is not None and has_cjk(text):
        return list(segment(text))  # type: ignore[operator]
    return english_terms(text)


@dataclass(frozen=True)
class TopicDescription:
    """How a topic is shown to people."""

    keywords: tuple[str, ...]
    weights: tuple[float, ...]
    label: str
    representative_idx: tuple[int, ...]


def class_tfidf(
    term_lists_by_topic: Mapping[int, Sequence[Sequence[str]]],
    *,
    n_keywords: int = 10,
    min_docs: int = 2,
    shares: dict[int, dict[str, float]] | None = None,
) -> dict[int, list[tuple[str, float]]]:
    """Best keywords per topic by class-based TF-IDF over document frequencies.

    weight(t, c) = (documents of c containing t / documents of c) * log(1 + A / f_t), with f_t the
    documents containing t across all topics and A the mean number of term occurrences per topic.
    Counting documents rather than occurrences, and identical texts once, keeps one repetitive
    text from owning a topic.
    """
    df_by_topic: dict[int, Counter[str]] = {}
    sizes: dict[int, int] = {}
    for topic, docs in term_lists_by_topic.items():
        c: Counter[str] = Counter()
        # Near-identical texts (a hot-list title repeated day after day) count once.
        distinct = {frozenset(terms) for terms in docs if terms}
        for terms in distinct:
            c.update(terms)
        df_by_topic[topic] = c
        sizes[topic] = max(len(distinct), 1)
    total: Counter[str] = Counter()
    for c in df_by_topic.values():
        total.update(c)
    if not total:
        return {t: [] for t in term_lists_by_topic}
    mean_mass = sum(sum(c.values()) for c in df_by_topic.values()) / max(len(df_by_topic), 1)
    out: dict[int, list[tuple[str, float]]] = {}
    for topic, c in df_by_topic.items():
        need = min(min_docs, sizes[topic])
        scored = [
            (term, (n / sizes[topic]) * math.log(1.0 + mean_mass / total[term]))
            for term, n in c.items()
            if n >= need
        ]
        scored.sort(key=lambda x: (-x[1], x[0]))
        out[topic] = [(t, round(w, 6)) for t, w in scored[: n_keywords * 3]]
        if shares is not None:
            shares[topic] = {t: c[t] / sizes[topic] for t, _ in out[topic]}
    return out


def _redundant(term: str, chosen: Sequence[str]) -> bool:
    for other in chosen:
        if term in other or other in term:
            return True
        if " " in term and " " in other and set(term.split()) & set(other.split()):
            return True
    return False


def pick_keywords(scored: Sequence[tuple[str, float]], n: int) -> list[tuple[str, float]]:
    """The top keywords, dropping those contained in (or containing) a better one."""
    chosen: list[tuple[str, float]] = []
    for term, weight in scored:
        if not _redundant(term, [c[0] for c in chosen]):
            chosen.append((term, weight))
        if len(chosen) >= n:
            break
    return chosen


def make_label(keywords: Sequence[str], n_terms: int = 3) -> str:
    """A short readable label from the best keywords, e.g. 'gaussian splatting / view synthesis / slam'."""
    if not keywords:
        return "(no keywords)"
    return " / ".join(keywords[:n_terms])


def sample_members(
    labels: np.ndarray, similarities: np.ndarray, sample_per_topic: int, random_state: int = 42
) -> dict[int, list[int]]:
    """Which members of each topic to read for keywords: the most central half and a seeded random draw from the rest."""
    rng = np.random.default_rng(random_state)
    chosen: dict[int, list[int]] = {}
    for topic in sorted(int(t) for t in np.unique(labels) if t >= 0):
        idx = np.where(labels == topic)[0]
        order = idx[np.argsort(-similarities[idx], kind="stable")]
        if len(order) <= sample_per_topic:
            chosen[topic] = [int(i) for i in order]
        else:
            core = order[: sample_per_topic // 2]
            rest = rng.choice(order[sample_per_topic // 2 :], size=sample_per_topic - len(core), replace=False)
            chosen[topic] = [int(i) for i in np.concatenate([core, np.sort(rest)])]
    return chosen


def describe_topics(
    labels: np.ndarray,
    similarities: np.ndarray,
    term_lists: Mapping[int, Sequence[str]] | Sequence[Sequence[str] | None],
    *,
    n_keywords: int = 10,
    n_label_terms: int = 3,
    n_representatives: int = 5,
    sample_per_topic: int = 300,
    random_state: int = 42,
    min_keyword_share: float = 0.05,
) -> dict[int, TopicDescription]:
    """Keywords, label and representative documents for every topic in `labels` (-1 ignored).

    A topic whose best keyword occurs in fewer than `min_keyword_share` of its (distinct) documents
    is labelled "mixed: …": its members share no vocabulary a reader could name it by.

    term_lists maps a document's row index to its terms; only the rows `sample_members` picks are read.
    """
    chosen = sample_members(labels, similarities, sample_per_topic, random_state)
    by_topic = {t: [term_lists[i] or [] for i in members] for t, members in chosen.items()}
    shares: dict[int, dict[str, float]] = {}
    scored = class_tfidf(by_topic, n_keywords=n_keywords, shares=shares)
    out: dict[int, TopicDescription] = {}
    for topic in chosen:
        idx = np.where(labels == topic)[0]
        central = idx[np.argsort(-similarities[idx], kind="stable")][:n_representatives]
        best = pick_keywords(scored.get(topic, []), n_keywords)
        words = tuple(t for t, _ in best)
        label = make_label(words, n_label_terms)
        if words and shares.get(topic, {}).get(words[0], 0.0) < min_keyword_share:
            label = "mixed: " + label  # no word is shared by a real part of the topic
        out[topic] = TopicDescription(
            keywords=words,
            weights=tuple(w for _, w in best),
            label=label,
            representative_idx=tuple(int(i) for i in central),
        )
    return out
