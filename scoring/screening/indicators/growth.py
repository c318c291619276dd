"""Growth, acceleration and bursts of a technology's share of each source, robust to small counts."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from scoring.screening.indicators.base import (
    EvidenceDoc,
    IndicatorValue,
    ScanContext,
    TechEvidence,
    doc_period_counts,
    logistic,
    missing,
    period_edges,
    rounded,
    top_ids,
)


@dataclass(frozen=True)
class RateRatio:
    """A Mantel-Haenszel rate ratio of recent against baseline, pooled over sources."""

    ratio: float          # with a 0.5 pseudo-count on each side
    log2_shrunk: float    # log2 ratio shrunk towards 0 by n / (n + shrink)
    z: float              # Mantel-Haenszel test statistic (0 when not computable)
    recent: float         # technology documents in the recent window (sources present in both)
    baseline: float       # ... and in the baseline window
    strata: int           # sources present in both windows


def mantel_haenszel(
    tech: Mapping[str, np.ndarray],
    totals: Mapping[str, np.ndarray],
    recent: slice,
    baseline: slice,
    *,
    shrink: float = 10.0,
) -> RateRatio | None:
    """Rate ratio of the technology's share of each source, recent vs baseline, pooled over sources.

    Each source is a stratum (Mantel & Haenszel 1959; Greenland & Robins 1985 for person-time): a
    source that only exists in one window says nothing about growth and drops out, so a corpus that
    starts mid-way cannot fake a trend. None when no source covers both windows.
    """
    num = den = a_tot = b_tot = expected = variance = 0.0
    strata = 0
    for src, counts in tech.items():
        if src not in totals:
            continue
        n1 = float(totals[src][recent].sum())
        n0 = float(totals[src][baseline].sum())
        if n1 <= 0 or n0 <= 0:
            continue
        a = float(counts[recent].sum())
        b = float(counts[baseline].sum())
        t = n1 + n0
        strata += 1
        num += a * n0 / t
        den += b * n1 / t
        a_tot += a
        b_tot += b
        n = a + b
        expected += n * n1 / t
        variance += n * n1 * n0 / (t * t)
    if strata == 0:
        return None
    ratio = (num + 0.5) / (den + 0.5)
    n = a_tot + b_tot
    log2 = math.log2(ratio) * (n / (n + shrink) if shrink > 0 else 1.0)
    z = (a_tot - expected) / math.sqrt(variance) if variance > 0 else 0.0
    return RateRatio(ratio, log2, z, a_tot, b_tot, strata)


def _by_source(docs: Sequence[EvidenceDoc], edges: Sequence) -> dict[str, np.ndarray]:
    groups: dict[str, list[EvidenceDoc]] = defaultdict(list)
    for d in docs:
        groups[d.source].append(d)
    return {src: doc_period_counts(group, edges) for src, group in groups.items()}


def kleinberg_states(r: Sequence[float], d: Sequence[float], *, s: float = 2.0, gamma: float = 1.0) -> list[int]:
    """Kleinberg's (2003) two-state burst automaton on batched counts: 1 marks a burst bin.

    r[t] relevant documents out of d[t] in bin t. The base state emits at the overall rate p0, the
    burst state at s·p0; entering the burst state costs gamma·ln(bins). Costs are binomial
    log-likelihoods, so fractional counts (month/year dates spread over bins) are fine and a handful
    of documents cannot make a burst on their own.
    """
    r = np.asarray(r, dtype=float)
    d = np.asarray(d, dtype=float)
    n = len(r)
    if n == 0 or d.sum() <= 0 or r.sum() <= 0:
        return [0] * n
    p0 = min(r.sum() / d.sum(), 0.999)
    p1 = min(s * p0, 0.9999)
    eps = 1e-12

    def cost(p: float) -> np.ndarray:
        return -(r * math.log(p + eps) + np.clip(d - r, 0, None) * math.log(1 - p + eps))

    c = np.stack([cost(p0), cost(p1)])
    c[:, d <= 0] = 0.0  # an empty bin says nothing either way
    up = gamma * math.log(max(n, 2))
    best = np.array([c[0, 0], c[1, 0] + up])
    back = np.zeros((n, 2), dtype=int)
    for t in range(1, n):
        stay0, from1 = best[0], best[1]
        new0 = min(stay0, from1)
        back[t, 0] = 0 if stay0 <= from1 else 1
        enter, stay1 = best[0] + up, best[1]
        new1 = min(enter, stay1)
        back[t, 1] = 0 if enter < stay1 else 1
        best = np.array([new0 + c[0, t], new1 + c[1, t]])
    state = int(np.argmin(best))
    states = [0] * n
    for t in range(n - 1, -1, -1):
        states[t] = state
        state = back[t, state]
    return states


def compute(ev: TechEvidence, ctx: ScanContext) -> list[IndicatorValue]:
    """`growth`, `acceleration` and `burst` of the technology's share of its sources."""
    return [_growth(ev, ctx), _acceleration(ev, ctx), _burst(ev, ctx)]


def _growth(ev: TechEvidence, ctx: ScanContext) -> IndicatorValue:
    p = ctx.params.indicators.growth
    months = ctx.params.windows.period_months
    rp, bp = p.recent_periods, p.baseline_periods
    edges = period_edges(ctx.as_of, months, rp + bp)
    window_docs = [d for d in ev.docs if d.end > edges[0]]
    if len(window_docs) < p.min_documents:
        return missing("growth", f"only {len(window_docs)} documents in the last {rp + bp} periods (need {p.min_documents})")
    tech = _by_source(window_docs, edges)
    rr = mantel_haenszel(tech, ctx.source_totals(edges), slice(bp, bp + rp), slice(0, bp), shrink=p.shrink)
    if rr is None:
        return missing("growth", "no source covers both the recent and the baseline window", sources=sorted(tech))
    by_kind: dict[str, float | None] = {}
    for kind in sorted({d.kind for d in window_docs}):
        kind_rr = mantel_haenszel(
            _by_source([d for d in window_docs if d.kind == kind], edges),
            ctx.source_totals(edges),
            slice(bp, bp + rp),
            slice(0, bp),
            shrink=p.shrink,
        )
        by_kind[kind] = rounded(kind_rr.log2_shrunk, 4) if kind_rr else None
    details = {
        "rate_ratio": rounded(rr.ratio, 4),
        "log2_rate_ratio_shrunk": rounded(rr.log2_shrunk, 4),
        "mantel_haenszel_z": rounded(rr.z, 3),
        "recent_documents": rounded(rr.recent, 3),
        "baseline_documents": rounded(rr.baseline, 3),
        "sources_in_both_windows": rr.strata,
        "recent_window": [edges[bp].isoformat(), edges[-1].isoformat()],
        "baseline_window": [edges[0].isoformat(), edges[bp].isoformat()],
        "log2_by_kind": by_kind,
    }
    score = logistic(rr.log2_shrunk / p.scale)
    limit = ctx.params.evidence.max_doc_ids
    recent_ids = top_ids((d for d in window_docs if d.end > edges[bp]), limit)
    return IndicatorValue("growth", rounded(rr.log2_shrunk), rounded(score), details, recent_ids)


def _acceleration(ev: TechEvidence, ctx: ScanContext) -> IndicatorValue:
    p = ctx.params.indicators.growth
    months = ctx.params.windows.period_months
    edges = period_edges(ctx.as_of, months, 3)
    window_docs = [d for d in ev.docs if d.end > edges[0]]
    if len(window_docs) < p.min_documents:
        return missing("acceleration", f"only {len(window_docs)} documents in the last 3 periods")
    tech = _by_source(window_docs, edges)
    totals = ctx.source_totals(edges)
    shrink = p.shrink
    last = mantel_haenszel(tech, totals, slice(2, 3), slice(1, 2), shrink=shrink)
    before = mantel_haenszel(tech, totals, slice(1, 2), slice(0, 1), shrink=shrink)
    if last is None or before is None:
        return missing("acceleration", "no source covers three consecutive periods")
    acc = last.log2_shrunk - before.log2_shrunk
    details = {
        "log2_growth_last_period": rounded(last.log2_shrunk, 4),
        "log2_growth_period_before": rounded(before.log2_shrunk, 4),
        "periods": [e.isoformat() for e in edges],
    }
    score = logistic(acc / p.scale)
    limit = ctx.params.evidence.max_doc_ids
    return IndicatorValue("acceleration", rounded(acc), rounded(score), details, top_ids((d for d in window_docs if d.end > edges[2]), limit))


def _burst(ev: TechEvidence, ctx: ScanContext) -> IndicatorValue:
    p = ctx.params.indicators.burst
    bins = p.bins
    edges = period_edges(ctx.as_of, p.bin_months, bins)
    window_docs = [d for d in ev.docs if d.end > edges[0]]
    if len(window_docs) < p.min_documents:
        return missing("burst", f"only {len(window_docs)} documents in the last {bins} bins")
    tech = _by_source(window_docs, edges)
    totals = ctx.source_totals(edges)
    r = np.sum([tech[s] for s in tech], axis=0)
    d = np.sum([totals.get(s, np.zeros(bins)) for s in tech], axis=0)
    d = np.maximum(d, r)  # a document linked but missing from the totals must not make p > 1
    states = kleinberg_states(r, d, s=p.s, gamma=p.gamma)
    intervals = []
    start = None
    for i, st in enumerate([*states, 0]):
        if st and start is None:
            start = i
        elif not st and start is not None:
            intervals.append([edges[start].isoformat(), edges[i].isoformat()])
            start = None
    recent = states[-2:]
    value = sum(recent) / len(recent)
    details = {
        "burst_intervals": intervals,
        "in_burst_now": bool(states[-1]),
        "bin_counts": [rounded(x, 2) for x in r],
        "bin_edges": [e.isoformat() for e in edges],
    }
    limit = ctx.params.evidence.max_doc_ids
    burst_docs = [
        doc for doc in window_docs
        if any(states[i] and doc.end > edges[i] and doc.start < edges[i + 1] for i in range(bins))
    ]
    return IndicatorValue("burst", rounded(value), rounded(value), details, top_ids(burst_docs, limit))
