"""Cross-domain reach: how widely the evidence spreads over categories and over other technologies' directions."""

from __future__ import annotations

import math
from collections import Counter

from scoring.screening.indicators.base import (
    IndicatorValue,
    ScanContext,
    TechEvidence,
    missing,
    recent_docs,
    rounded,
    top_ids,
)


def hill_diversity(counts: Counter) -> float:
    """Effective number of categories, exp(Shannon entropy) (Hill 1973): 1 for one category, k for k even ones."""
    total = sum(counts.values())
    if total <= 0:
        return 0.0
    h = -sum((c / total) * math.log(c / total) for c in counts.values() if c > 0)
    return math.exp(h)


def compute(ev: TechEvidence, ctx: ScanContext) -> list[IndicatorValue]:
    """`reach`: mean of category spread (1 - 1/effective categories) and the share of co-linked directions."""
    p = ctx.params.indicators.reach
    months = ctx.params.windows.recent_months
    recent = [d for d, _ in recent_docs(ev, ctx.as_of, months)]
    need = p.min_documents
    if len(recent) < need:
        return [missing("reach", f"only {len(recent)} recent documents (need {need})")]
    categories: Counter[str] = Counter()
    categorised = 0
    for d in recent:
        cats = [c.strip().lower() for c in d.categories if c and c.strip()]
        if cats:
            categorised += 1
            for c in cats:
                categories[c] += 1.0 / len(cats)
    components: dict[str, float] = {}
    if categorised >= need:
        components["category_spread"] = 1.0 - 1.0 / max(hill_diversity(categories), 1.0)
    # Documents that also name technologies of other directions show application breadth.
    own = ctx.tech_directions.get(ev.tech.tech_id, ev.tech.direction)
    directions: Counter[str] = Counter()
    co_docs = []
    for d in recent:
        others = {ctx.tech_directions.get(t, "") for t in ctx.doc_techs.get(d.doc_id, frozenset()) if t != ev.tech.tech_id}
        others.discard("")
        foreign = others - {own}
        if foreign:
            co_docs.append(d)
            directions.update(foreign)
    all_directions = set(ctx.tech_directions.values()) - {own}
    if all_directions:
        components["direction_spread"] = len(directions) / len(all_directions)
        components["cross_direction_share"] = len(co_docs) / len(recent)
    if not components:
        return [missing("reach", "no categories or co-linked technologies to measure spread")]
    value = sum(components.values()) / len(components)
    details = {
        "components": {k: rounded(v, 4) for k, v in components.items()},
        "effective_categories": rounded(hill_diversity(categories), 3),
        "top_categories": [c for c, _ in sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))[:10]],
        "co_linked_directions": dict(sorted(directions.items())),
        "documents": len(recent),
        "categorised_documents": categorised,
    }
    limit = ctx.params.evidence.max_doc_ids
    return [IndicatorValue("reach", rounded(value), rounded(value), details, top_ids(co_docs or recent, limit))]
