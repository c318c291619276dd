"""Coherence (how tight and persistent the technology's evidence is) and prominence (attention it draws)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from scoring.indicators.base import (
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
from scoring.indicators.novelty import own_terms, stable_sample


def _language_group(language: str | None) -> str:
    return "zh" if language and language.startswith("zh") else "en" if language == "en" else "other"


def _baseline(ctx: ScanContext) -> tuple[dict[str, list[Counter]], Counter, int]:
    """Tokenised baseline sample by language group, and document frequencies: computed once per scan."""
    if "coherence_baseline" not in ctx.cache:
        groups: dict[str, list[Counter]] = {}
        df: Counter = Counter()
        for language, text in ctx.baseline_texts:
            counts = Counter(tokens(text))
            if not counts:
                continue
            groups.setdefault(_language_group(language), []).append(counts)
            df.update(counts.keys())
        ctx.cache["coherence_baseline"] = (groups, df, sum(len(g) for g in groups.values()))
    return ctx.cache["coherence_baseline"]


def mean_pairwise_cosine(docs: Sequence[Counter], idf: dict[str, float], drop: set[str]) -> float | None:
    """Mean cosine similarity over all pairs of TF-IDF vectors, from the norm of their sum.

    For unit vectors v_i, sum_{i != j} v_i·v_j = |sum v_i|^2 - n, so no n×n matrix is needed.
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


def _coherence(ev: TechEvidence, ctx: ScanContext) -> IndicatorValue:
    p = ctx.section("indicators", "coherence")
    windows = ctx.section("windows")
    months = int(windows.get("period_months", 12)) * int(windows.get("recent_periods", 3))
    recent = [d for d, _ in recent_docs(ev, ctx.as_of, months)]
    need = int(p.get("min_documents", 5))
    if len(recent) < need:
        return missing("coherence", f"only {len(recent)} recent documents (need {need})")
    sample = stable_sample(recent, int(p.get("max_documents", 1500)))
    groups, df, n_base = _baseline(ctx)
    tech_counts = [Counter(tokens(d.short_text)) for d in sample]
    df_all = Counter(df)
    for c in tech_counts:
        df_all.update(c.keys())
    n_all = n_base + len(tech_counts)
    idf = {t: math.log((1 + n_all) / (1 + k)) + 1 for t, k in df_all.items()}
    drop = own_terms(ev)
    by_group: dict[str, list[Counter]] = {}
    for d, c in zip(sample, tech_counts, strict=True):
        by_group.setdefault(_language_group(d.language), []).append(c)
    parts: dict[str, dict[str, float | int | None]] = {}
    weighted = weight = 0.0
    for group, docs in sorted(by_group.items()):
        if len(docs) < need:
            continue
        within = mean_pairwise_cosine(docs, idf, drop)
        base = mean_pairwise_cosine(groups.get(group, []), idf, drop)
        if within is None:
            continue
        base = base or 0.0
        # The share of the within-technology similarity that random documents of the same language
        # do not have: 0 when the technology's documents are no closer than any, towards 1 when tight.
        excess = clip01(1.0 - base / within) if within > 0 else 0.0
        parts[group] = {"within": rounded(within, 4), "baseline": rounded(base, 4), "excess": rounded(excess, 4), "n": len(docs)}
        weighted += excess * len(docs)
        weight += len(docs)
    # Persistence: a coherent technology keeps appearing period after period (Rotolo et al. 2015), so
    # it is the share of the last `persistence_periods` periods with evidence; a newcomer has not cohered yet.
    history = int(p.get("persistence_periods", 8))
    edges = period_edges(ctx.as_of, int(windows.get("period_months", 12)), history)
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
    limit = int(ctx.section("evidence").get("max_doc_ids", 300))
    return IndicatorValue("coherence", rounded(value), rounded(value), details, top_ids(sample, limit))


def _prominence(ev: TechEvidence, ctx: ScanContext) -> IndicatorValue:
    p = ctx.section("indicators", "prominence")
    windows = ctx.section("windows")
    months = int(windows.get("period_months", 12)) * int(windows.get("recent_periods", 3))
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
    if len(percentiles) >= int(p.get("min_attention_docs", 3)):
        components["attention_percentile"] = float(np.mean(percentiles))
    start = add_months(ctx.as_of, -months)
    edges = [start, ctx.as_of]
    active = {s for s, arr in ctx.source_totals(edges).items() if arr.sum() > 0}
    carrying = {d.source for d in recent}
    if active:
        components["source_coverage"] = len(carrying & active) / len(active)
    public = [d for d in recent if d.kind in ("news", "policy")]
    components["repeated_coverage"] = saturate(sum(d.confidence for d in public), float(p.get("coverage_half", 20)))
    value = sum(components.values()) / len(components)
    details = {
        "components": {k: rounded(v, 4) for k, v in components.items()},
        "documents_with_attention": len(attended),
        "sources_carrying": sorted(carrying),
        "sources_active": len(active),
        "news_and_policy_documents": len(public),
    }
    limit = int(ctx.section("evidence").get("max_doc_ids", 300))
    order = sorted(attended, key=lambda d: -max(ctx.attention[d.doc_id].values()))
    ids = tuple(d.doc_id for d in order)[:limit] or top_ids(public or recent, limit)
    return IndicatorValue("prominence", rounded(value), rounded(value), details, ids)


def compute(ev: TechEvidence, ctx: ScanContext) -> list[IndicatorValue]:
    """`coherence` and `prominence`."""
    return [_coherence(ev, ctx), _prominence(ev, ctx)]
