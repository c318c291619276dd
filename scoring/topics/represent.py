"""Describe topics: class-based TF-IDF keywords (English terms and Chinese words), representative documents, labels."""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from scoring.topics.chinese import has_cjk

# Letters of any alphabet ("göbekli" is one word), digits inside or leading ("3d-aware", "6g"),
# hyphen/apostrophe joins; bare numbers are not words.
_EN_WORD = re.compile(r"(?:\d+[^\W\d_]|[^\W\d_])[^\W_]*(?:[-'][^\W_]+)*")

# Words that say how a paper was written, not what it is about.
_ACADEMIC = ["paper", "papers", "propose", "proposed", "proposes", "present", "presents", "presented", "approach", "approaches", "method", "methods", "methodology", "result", "results", "show", "shows", "shown", "demonstrate", "demonstrates", "demonstrated", "experiment", "experiments", "experimental", "novel", "new", "existing", "based", "using", "use", "used", "uses", "work", "works", "study", "studies", "analysis", "problem", "problems", "task", "tasks", "performance", "state-of-the-art", "art", "state", "effective", "efficient", "efficiently", "improve", "improved", "improves", "improvement", "significantly", "significant", "various", "different", "large", "small", "high", "low", "better", "best", "first", "second", "also", "however", "furthermore", "moreover", "paper's", "can", "could", "may", "might", "would", "one", "two", "three", "well", "via", "within", "without", "towards", "toward", "extensive", "code", "available", "publicly", "datasets", "dataset", "benchmark", "benchmarks", "framework", "frameworks", "outperforms", "achieve", "achieves", "achieved", "achieving", "address", "addresses", "introduce", "introduces", "introduced", "provide", "provides", "including", "include", "includes", "recent", "recently", "previous", "prior", "key", "main", "general", "specific", "particular", "often", "allow", "allows", "enable", "enables", "enabling", "make", "makes", "made", "take", "takes", "given", "give", "gives", "show", "able", "thus", "hence"]


# scikit-learn's ENGLISH_STOP_WORDS (318 words, BSD licence), copied: importing scikit-learn for a
# word list costs ~150 MB and ~2 s in every process that describes topics.
_GENERAL = ["a", "about", "above", "across", "after", "afterwards", "again", "against", "all", "almost", "alone", "along", "already", "also", "although", "always", "am", "among", "amongst", "amoungst", "amount", "an", "and", "another", "any", "anyhow", "anyone", "anything", "anyway", "anywhere", "are", "around", "as", "at", "back", "be", "became", "because", "become", "becomes", "becoming", "been", "before", "beforehand", "behind", "being", "below", "beside", "besides", "between", "beyond", "bill", "both", "bottom", "but", "by", "call", "can", "cannot", "cant", "co", "con", "could", "couldnt", "cry", "de", "describe", "detail", "do", "done", "down", "due", "during", "each", "eg", "eight", "either", "eleven", "else", "elsewhere", "empty", "enough", "etc", "even", "ever", "every", "everyone", "everything", "everywhere", "except", "few", "fifteen", "fifty", "fill", "find", "fire", "first", "five", "for", "former", "formerly", "forty", "found", "four", "from", "front", "full", "further", "get", "give", "go", "had", "has", "hasnt", "have", "he", "hence", "her", "here", "hereafter", "hereby", "herein", "hereupon", "hers", "herself", "him", "himself", "his", "how", "however", "hundred", "i", "ie", "if", "in", "inc", "indeed", "interest", "into", "is", "it", "its", "itself", "keep", "last", "latter", "latterly", "least", "less", "ltd", "made", "many", "may", "me", "meanwhile", "might", "mill", "mine", "more", "moreover", "most", "mostly", "move", "much", "must", "my", "myself", "name", "namely", "neither", "never", "nevertheless", "next", "nine", "no", "nobody", "none", "noone", "nor", "not", "nothing", "now", "nowhere", "of", "off", "often", "on", "once", "one", "only", "onto", "or", "other", "others", "otherwise", "our", "ours", "ourselves", "out", "over", "own", "part", "per", "perhaps", "please", "put", "rather", "re", "same", "see", "seem", "seemed", "seeming", "seems", "serious", "several", "she", "should", "show", "side", "since", "sincere", "six", "sixty", "so", "some", "somehow", "someone", "something", "sometime", "sometimes", "somewhere", "still", "such", "system", "take", "ten", "than", "that", "the", "their", "them", "themselves", "then", "thence", "there", "thereafter", "thereby", "therefore", "therein", "thereupon", "these", "they", "thick", "thin", "third", "this", "those", "though", "three", "through", "throughout", "thru", "thus", "to", "together", "too", "top", "toward", "towards", "twelve", "twenty", "two", "un", "under", "until", "up", "upon", "us", "very", "via", "was", "we", "well", "were", "what", "whatever", "when", "whence", "whenever", "where", "whereafter", "whereas", "whereby", "wherein", "whereupon", "wherever", "whether", "which", "while", "whither", "who", "whoever", "whole", "whom", "whose", "why", "will", "with", "within", "without", "would", "yet", "you", "your", "yours", "yourself", "yourselves"]

STOPWORDS_EN = frozenset(_GENERAL) | frozenset(_ACADEMIC)


def english_terms(text: str | None) -> list[str]:
    """Content words (3+ letters, stopwords removed) and two-word phrases of adjacent content words.

    Terms are interned: the same word in many documents is then one string, which more than halves
    the memory of the term lists that describing topics holds (10,000 abstracts: ~55 → ~20 MB).
    """
    if not text:
        return []
    terms: list[str] = []
    append = terms.append  # the hot loop of describing topics: locals, no attribute look-ups
    stop = STOPWORDS_EN
    intern = sys.intern
    prev: str | None = None
    for w in _EN_WORD.findall(text.lower()):
        if "'" in w:
            w = w.partition("'")[0]  # "model's" → "model", "don't" → "don" (a stopword)
        if w in stop or (len(w) < 3 and not (w[0].isdigit() and w[-1].isalpha())):  # keep "3d", "6g"
            prev = None
            continue
        w = intern(w)
        append(w)
        if prev is not None:
            append(intern(prev + " " + w))
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
    df_by_topic: dict[int, dict[str, int]] = {}
    sizes: dict[int, int] = {}
    total: Counter[str] = Counter()
    for topic, docs in term_lists_by_topic.items():
        # Near-identical texts (a hot-list title repeated day after day) count once.
        distinct = {frozenset(terms) for terms in docs if terms}
        # Counted from iterables (in C, not term by term); the sets are dropped topic by topic.
        c = Counter(chain.from_iterable(distinct))
        total.update(chain.from_iterable(distinct))
        sizes[topic] = max(len(distinct), 1)
        need = min(min_docs, sizes[topic])
        # Terms in fewer than `need` documents are never scored: most are one-off phrases, and
        # keeping them for every topic at once is most of this function's memory.
        df_by_topic[topic] = {t: n for t, n in c.items() if n >= need} if need > 1 else c
    if not total:
        return {t: [] for t in term_lists_by_topic}
    mean_mass = sum(total.values()) / max(len(df_by_topic), 1)
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


def _ranked_members(labels: np.ndarray, similarities: np.ndarray) -> dict[int, np.ndarray]:
    """Each topic's member rows, most central first (ties by row): one sort for all topics, not one scan per topic."""
    assigned = np.where(labels >= 0)[0]
    # By topic, then by descending similarity, then by row (lexsort: the last key is the first).
    order = assigned[np.lexsort((assigned, -similarities[assigned], labels[assigned]))]
    topics, starts = np.unique(labels[order], return_index=True)
    ends = list(starts[1:]) + [len(order)]
    return {int(t): order[a:b] for t, a, b in zip(topics, starts, ends, strict=True)}


def _sample_ranked(ranked: dict[int, np.ndarray], sample_per_topic: int, random_state: int) -> dict[int, list[int]]:
    rng = np.random.default_rng(random_state)
    chosen: dict[int, list[int]] = {}
    for topic, order in ranked.items():
        if len(order) <= sample_per_topic:
            chosen[topic] = [int(i) for i in order]
        else:
            core = order[: sample_per_topic // 2]
            rest = rng.choice(order[sample_per_topic // 2 :], size=sample_per_topic - len(core), replace=False)
            chosen[topic] = [int(i) for i in np.concatenate([core, np.sort(rest)])]
    return chosen


def sample_members(
    labels: np.ndarray, similarities: np.ndarray, sample_per_topic: int, random_state: int = 42
) -> dict[int, list[int]]:
    """Which members of each topic to read for keywords: the most central half and a seeded random draw from the rest."""
    return _sample_ranked(_ranked_members(labels, similarities), sample_per_topic, random_state)


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
    ranked = _ranked_members(labels, similarities)
    chosen = _sample_ranked(ranked, sample_per_topic, random_state)
    by_topic = {t: [term_lists[i] or [] for i in members] for t, members in chosen.items()}
    shares: dict[int, dict[str, float]] = {}
    scored = class_tfidf(by_topic, n_keywords=n_keywords, shares=shares)
    out: dict[int, TopicDescription] = {}
    for topic in chosen:
        central = ranked[topic][:n_representatives]
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
