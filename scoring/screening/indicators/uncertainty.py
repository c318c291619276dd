"""Uncertainty and non-consensus: volatility of the technology's share, disagreement between kinds, contested language."""

from __future__ import annotations

import math
import re
from collections import defaultdict

import numpy as np

from scoring.screening.indicators.base import (
    EvidenceDoc,
    IndicatorValue,
    ScanContext,
    TechEvidence,
    doc_period_counts,
    missing,
    period_edges,
    recent_docs,
    rounded,
    saturate,
    top_ids,
)

# Words of doubt, controversy and hype (Rotolo et al. 2015: emergence is marked by uncertainty and ambiguity).
CONTESTED = re.compile(
    r"\b(?:hype[ds]?|bubble|overhyped|skeptic\w*|sceptic\w*|controvers\w*|debate[ds]?|doubts?|uncertain\w*|"
    r"disputed?|ethic\w*|risks?|concerns?|backlash|setbacks?|failed|failures?)\b"
    r"|争议|泡沫|质疑|炒作|风险|不确定|伦理|担忧|隐患|失败|遇冷|降温",
    re.IGNORECASE,
)


def share_series(ev: TechEvidence, ctx: ScanContext, docs: list[EvidenceDoc], periods: int) -> np.ndarray:
    """The technology's share of its sources' documents per period (NaN where the sources are silent)."""
    months = ctx.params.windows.period_months
    edges = period_edges(ctx.as_of, months, periods)
    tech = doc_period_counts(docs, edges)
    totals = ctx.source_totals(edges)
    denom = np.sum([totals[s] for s in {d.source for d in docs} if s in totals], axis=0) if docs else np.zeros(periods)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.asarray(denom) > 0, tech / np.maximum(denom, 1e-9), np.nan)


def compute(ev: TechEvidence, ctx: ScanContext) -> list[IndicatorValue]:
    """`uncertainty`: mean of volatility, disagreement between document kinds and contested-language share."""
    p = ctx.params.indicators.uncertainty
    windows = ctx.params.windows
    months = windows.recent_months
    recent = [d for d, _ in recent_docs(ev, ctx.as_of, months)]
    need = p.min_documents
    if len(recent) < need:
        return [missing("uncertainty", f"only {len(recent)} recent documents (need {need})")]
    components: dict[str, float] = {}
    history = windows.history_periods
    shares = share_series(ev, ctx, ev.docs, min(history, p.volatility_periods))
    ok = shares[~np.isnan(shares)]
    if len(ok) >= 3:
        # Year-on-year log changes of the share, with a floor so an empty year is not -inf.
        floor = max(float(np.nanmax(ok)) * p.share_floor, 1e-6)
        changes = np.diff(np.log(np.maximum(ok, floor)))
        components["volatility"] = saturate(float(np.std(changes)), p.volatility_half)
    # Disagreement: do papers, news and policy move in different directions?
    by_kind: dict[str, list[EvidenceDoc]] = defaultdict(list)
    for d in ev.docs:
        by_kind[d.kind].append(d)
    directions = {}
    for kind, docs in by_kind.items():
        series = share_series(ev, ctx, docs, p.kind_periods)
        if np.isnan(series).any() or len(docs) < p.kind_min_documents:
            continue
        half = p.kind_periods // 2
        early, late = float(series[:half].sum()), float(series[half:].sum())
        directions[kind] = math.copysign(1.0, late - early) if late != early else 0.0
    if len(directions) >= 2:
        signs = list(directions.values())
        components["kind_disagreement"] = 1.0 - abs(sum(signs)) / len(signs)
    # Whether a text uses contested language does not depend on as_of: kept between scans.
    memo = ctx.memo
    contested = [
        d for d in recent
        if memo.get("contested_text", memo.key(memo.doc_key(d)), lambda d=d: CONTESTED.search(d.short_text) is not None)
    ]
    components["contested_share"] = min(1.0, p.contested_gain * len(contested) / len(recent))
    value = sum(components.values()) / len(components)
    details = {
        "components": {k: rounded(v, 4) for k, v in components.items()},
        "kind_directions": {k: v for k, v in sorted(directions.items())},
        "contested_documents": len(contested),
        "recent_documents": len(recent),
    }
    limit = ctx.params.evidence.max_doc_ids
    return [IndicatorValue("uncertainty", rounded(value), rounded(value), details, top_ids(contested, limit))]
