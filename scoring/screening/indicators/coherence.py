"""Coherence (how tight and persistent the technology's evidence is) and prominence (attention it draws)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from scoring.screening.indicators.base import (
    EvidenceDoc,
    IndicatorValue,
    ScanContext,
    TechEvidence,
    add_months,
    clip01,
    doc_period_counts,
    missing,
    period_edges,
    recent_docs,
    rounded,
    saturate,
    tokens,
    top_ids,
)
from scoring.screening.indicators.novelty import own_terms, stable_sample


def _language_group(language: str | None) -> str:
    return "zh" if language and language.startswith("zh") else "en" if language == "en" else "other"


def mean_pairwise_cosine(docs: Sequence[Counter], idf: dict[str, float], drop: set[str]) -> float | None:
    """Mean cosine similarity over all pairs of TF-IDF vectors, from the norm of their sum.

    For unit vectors v_i, sum_{i != j} v_i·v_j = |sum v_i|^2 - n, so no n×n matrix is needed.
    The reference for `EncodedDocs.mean_pairwise_cosine`, which gives the same float on arrays.
    """
    total: dict[str, float] = {}
    n = 0
    for counts in docs:
        weights = {t: (1 + math.log(c)) * idf.get(t, 1.0) for t, c in counts.items() if t not in drop}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        if norm == 0:
            continue
        n += 1
        for t, w in weights.items():
            total[t] = total.get(t, 0.0) + w / norm
    if n < 2:
        return None
    sq = sum(v * v for v in total.values())
    return (sq - n) / (n * (n - 1))


class Vocabulary:
    """Term ids for one scan, and 1 + ln(count) as `mean_pairwise_cosine` computes it (math.log, once per count)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self._lf: dict[int, float] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def encode(self, docs: Sequence[Counter]) -> EncodedDocs:
        keys: list[str] = []
        counts: list[int] = []
        lengths: list[int] = []
        for c in docs:
            keys.extend(c)
            counts.extend(c.values())
            lengths.append(len(c))
        new = set(keys).difference(self.ids)
        self.ids.update(zip(sorted(new), range(len(self.ids), len(self.ids) + len(new)), strict=True))
        for c in set(counts).difference(self._lf):
            self._lf[c] = 1 + math.log(c)
        ids = np.fromiter(map(self.ids.__getitem__, keys), dtype=np.int64, count=len(keys))
        lf = np.fromiter(map(self._lf.__getitem__, counts), dtype=np.float64, count=len(counts))
        return EncodedDocs(ids, lf, np.array(lengths, dtype=np.int64))

    def mask(self, terms: set[str]) -> np.ndarray:
        """True at the ids of the given terms."""
        out = np.zeros(len(self.ids), dtype=bool)
        out[[self.ids[t] for t in terms if t in self.ids]] = True
        return out


class EncodedDocs:
    """Documents' term counts as arrays: term ids and 1 + ln(count), document after document, each in
    its Counter's order."""

    def __init__(self, ids: np.ndarray, lf: np.ndarray, lengths: np.ndarray) -> None:
        self.ids, self.lf, self.lengths = ids, lf, lengths
        self.row = np.repeat(np.arange(len(lengths)), lengths)

    def document_frequency(self, size: int) -> np.ndarray:
        """Documents holding each term id (terms are distinct within a document)."""
        return np.bincount(self.ids, minlength=size)

    def mean_pairwise_cosine(self, idf: np.ndarray, drop: np.ndarray) -> float | None:
        """`mean_pairwise_cosine` on arrays, bit for bit: every sum runs in the same order.

        Per-document sums of squares are row-wise cumulative sums of a zero-padded matrix (sequential,
        as Python's sum is), the sum vector is a `bincount` (which adds its weights in input order, so
        each term's total adds documents in order), and its squared norm runs over terms in order of
        first appearance, as the dict does. Products, quotients and square roots are the same IEEE
        operations. tests/scoring/test_evidence_memo.py checks equality against the reference.
        """
        n_docs = len(self.lengths)
        keep = ~drop[self.ids]
        ids, row = self.ids[keep], self.row[keep]
        w = self.lf[keep] * idf[ids]
        lengths = np.bincount(row, minlength=n_docs)
        if not len(w):
            return None
        offsets = np.cumsum(lengths) - lengths
        pos = np.arange(len(w)) - offsets[row]
        squares = np.zeros((n_docs, int(lengths.max())))
        squares[row, pos] = w * w
        norm = np.sqrt(np.cumsum(squares, axis=1)[:, -1])
        valid = norm != 0
        n = int(valid.sum())
        if n < 2:
            return None
        used = valid[row]
        ids, row, w = ids[used], row[used], w[used]
        total = np.bincount(ids, weights=w / norm[row], minlength=len(idf))
        uniq, first = np.unique(ids, return_index=True)
        in_order = total[uniq[np.argsort(first)]]
        sq = float(np.cumsum(in_order * in_order)[-1])
        return (sq - n) / (n * (n - 1))


def _idf(df: np.ndarray, n_all: int) -> np.ndarray:
    """log((1 + n) / (1 + df)) + 1 per term id, with math.log as the reference does (1 where df is 0)."""
    values, inverse = np.unique(df, return_inverse=True)
    table = np.array([math.log((1 + n_all) / (1 + int(k))) + 1 if k > 0 else 1.0 for k in values])
    return table[inverse.reshape(-1)]


def _baseline(ctx: ScanContext) -> tuple[Vocabulary, dict[str, EncodedDocs], np.ndarray, int]:
    """Tokenised baseline sample by language group and its document frequencies: computed once per scan."""
    if "coherence_baseline" not in ctx.cache:
        vocab = Vocabulary()
        groups: dict[str, list[Counter]] = {}
        for language, text in ctx.baseline_texts:
            counts = Counter(tokens(text))
            if not counts:
                continue
            groups.setdefault(_language_group(language), []).append(counts)
        encoded = {g: vocab.encode(docs) for g, docs in groups.items()}
        df = np.zeros(len(vocab), dtype=np.int64)
        for enc in encoded.values():
            df += enc.document_frequency(len(vocab))
        ctx.cache["coherence_baseline"] = (vocab, encoded, df, sum(len(g) for g in groups.values()))
    return ctx.cache["coherence_baseline"]


def _baseline_key(ctx: ScanContext) -> str:
    """A digest of the baseline sample's texts, once per scan."""
    if "coherence_baseline_key" not in ctx.cache:
        ctx.cache["coherence_baseline_key"] = ctx.memo.key([list(t) for t in ctx.baseline_texts])
    return ctx.cache["coherence_baseline_key"]


def _similarities(
    sample: Sequence[EvidenceDoc], drop: set[str], need: int, ctx: ScanContext
) -> list[tuple[str, float, float | None, int]]:
    """(language group, mean pairwise TF-IDF cosine within the technology's documents, the same within
    the baseline sample, documents) for each language group with at least `need` documents."""
    vocab, baseline, df_base, n_base = _baseline(ctx)
    tech_counts = [Counter(tokens(d.short_text)) for d in sample]
    by_group: dict[str, list[Counter]] = {}
    for d, c in zip(sample, tech_counts, strict=True):
        by_group.setdefault(_language_group(d.language), []).append(c)
    encoded = {g: vocab.encode(docs) for g, docs in by_group.items()}  # grows the vocabulary first
    size = len(vocab)
    df_all = np.zeros(size, dtype=np.int64)
    df_all[: len(df_base)] = df_base
    for enc in encoded.values():
        df_all += enc.document_frequency(size)
    idf = _idf(df_all, n_base + len(tech_counts))
    dropped = vocab.mask(drop)
    out = []
    for group, enc in sorted(encoded.items()):
        if len(enc.lengths) < need:
            continue
        within = enc.mean_pairwise_cosine(idf, dropped)
        base_docs = baseline.get(group)
        base = base_docs.mean_pairwise_cosine(idf, dropped) if base_docs is not None else None
        if within is None:
            continue
        out.append((group, within, base, len(enc.lengths)))
    return out


def _coherence(ev: TechEvidence, ctx: ScanContext) -> IndicatorValue:
    p = ctx.params.indicators.coherence
    windows = ctx.params.windows
    months = windows.recent_months
    recent = [d for d, _ in recent_docs(ev, ctx.as_of, months)]
    need = p.min_documents
    if len(recent) < need:
        return missing("coherence", f"only {len(recent)} recent documents (need {need})")
    sample = stable_sample(recent, p.max_documents)
    drop = own_terms(ev)
    # The text similarities depend on the sampled documents, the baseline sample and the technology's
    # names, not on as_of: kept between scans, keyed by exactly those.
    memo = ctx.memo
    key = memo.key(sorted(drop), need, _baseline_key(ctx), [memo.doc_key(d) for d in sample])
    similarities = memo.get("coherence_text", key, lambda: _similarities(sample, drop, need, ctx))
    parts: dict[str, dict[str, float | int | None]] = {}
    weighted = weight = 0.0
    for group, within, base, n_docs in similarities:
        base = base or 0.0
        # The share of the within-technology similarity that random documents of the same language
        # do not have: 0 when the technology's documents are no closer than any, towards 1 when tight.
        excess = clip01(1.0 - base / within) if within > 0 else 0.0
        parts[group] = {"within": rounded(within, 4), "baseline": rounded(base, 4), "excess": rounded(excess, 4), "n": n_docs}
        weighted += excess * n_docs
        weight += n_docs
    # Persistence: a coherent technology keeps appearing period after period (Rotolo et al. 2015), so
    # it is the share of the last `persistence_periods` periods with evidence; a newcomer has not cohered yet.
    history = p.persistence_periods
    edges = period_edges(ctx.as_of, windows.period_months, history)
    counts = doc_period_counts(ev.docs, edges)
    first = next((i for i, c in enumerate(counts) if c > 0), None)
    persistence = float(np.mean(counts >= 0.5))
    components = {"persistence": persistence}
    if weight:
        components["textual"] = weighted / weight
    value = sum(components.values()) / len(components)
    details = {
        "components": {k: rounded(v, 4) for k, v in components.items()},
        "by_language": parts,
        "periods_observed": None if first is None else history - first,
        "since": add_months(ctx.as_of, -months).isoformat(),
    }
    limit = ctx.params.evidence.max_doc_ids
    return IndicatorValue("coherence", rounded(value), rounded(value), details, top_ids(sample, limit))


def _prominence(ev: TechEvidence, ctx: ScanContext) -> IndicatorValue:
    p = ctx.params.indicators.prominence
    windows = ctx.params.windows
    months = windows.recent_months
    recent = [d for d, _ in recent_docs(ev, ctx.as_of, months)]
    if not recent:
        return missing("prominence", "no recent documents")
    components: dict[str, float] = {}
    attended: list[EvidenceDoc] = []
    percentiles = []
    for d in recent:
        ranks = ctx.attention.get(d.doc_id)
        if ranks:
            attended.append(d)
            percentiles.append(max(ranks.values()))
    if len(percentiles) >= p.min_attention_docs:
        components["attention_percentile"] = float(np.mean(percentiles))
    start = add_months(ctx.as_of, -months)
    edges = [start, ctx.as_of]
    active = {s for s, arr in ctx.source_totals(edges).items() if arr.sum() > 0}
    carrying = {d.source for d in recent}
    if active:
        components["source_coverage"] = len(carrying & active) / len(active)
    public = [d for d in recent if d.kind in ("news", "policy")]
    components["repeated_coverage"] = saturate(sum(d.confidence for d in public), p.coverage_half)
    value = sum(components.values()) / len(components)
    details = {
        "components": {k: rounded(v, 4) for k, v in components.items()},
        "documents_with_attention": len(attended),
        "sources_carrying": sorted(carrying),
        "sources_active": len(active),
        "news_and_policy_documents": len(public),
    }
    limit = ctx.params.evidence.max_doc_ids
    order = sorted(attended, key=lambda d: -max(ctx.attention[d.doc_id].values()))
    ids = tuple(d.doc_id for d in order)[:limit] or top_ids(public or recent, limit)
    return IndicatorValue("prominence", rounded(value), rounded(value), details, ids)


def compute(ev: TechEvidence, ctx: ScanContext) -> list[IndicatorValue]:
    """`coherence` and `prominence`."""
    return [_coherence(ev, ctx), _prominence(ev, ctx)]
