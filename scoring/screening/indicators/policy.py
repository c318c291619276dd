"""Policy attention: policy documents naming the technology, weighted by issuer rank and recency; official lists."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from scoring.screening.indicators.base import (
    EvidenceDoc,
    IndicatorValue,
    ScanContext,
    TechEvidence,
    missing,
    rounded,
)


def issuer_weight(issuer: str | None, ranks: Sequence[Sequence[Any]], default: float) -> float:
    """Rank of the issuing body: the first matching pattern's weight (central > ministries > provinces)."""
    if issuer:
        for pattern, weight in ranks:
            if re.search(str(pattern), issuer):
                return float(weight)
    return default


def _names(ev: TechEvidence, doc: EvidenceDoc) -> list[str]:
    return [n for n in (*doc.matched, ev.tech.name_zh, *ev.tech.aliases) if n]


def _in_title(doc: EvidenceDoc, names: Sequence[str]) -> bool:
    title = (doc.title + " " + str(doc.extra.get("doc_title") or "")).lower()
    return any(n.lower() in title for n in names)


def policy_title(doc: EvidenceDoc) -> str:
    return str(doc.extra.get("doc_title") or doc.title)


def compute(ev: TechEvidence, ctx: ScanContext) -> list[IndicatorValue]:
    """`policy_attention`: sum of issuer rank × recency × (1 in title, less in body only), saturated."""
    p: Mapping[str, Any] = ctx.params.indicators.policy
    ranks = p.issuer_rank
    default = p.issuer_default
    half_life = p.half_life_years
    body_factor = p.body_only_factor
    list_re = re.compile(p.list_title_pattern)
    policies = [d for d in ev.docs if d.kind == "policy"]
    if not policies and not ctx.kind_counts.get("policy"):
        return [missing("policy_attention", "the warehouse holds no policy documents before as_of")]
    total = 0.0
    items = []
    on_lists = []
    for d in policies:
        issuer = d.extra.get("issuing_body")
        rank = issuer_weight(str(issuer) if issuer else None, ranks, default)
        age = d.age_years(ctx.as_of)
        recency = math.pow(0.5, age / half_life) if half_life > 0 else 1.0
        in_title = _in_title(d, _names(ev, d))
        w = rank * recency * (1.0 if in_title else body_factor) * d.confidence
        total += w
        is_list = bool(list_re.search(policy_title(d)))
        if is_list:
            on_lists.append(d)
        items.append((w, d, issuer, in_title, is_list))
    items.sort(key=lambda x: (-x[0], x[1].doc_id))
    score = 1.0 - math.exp(-total / p.scale)
    details = {
        "policy_documents": len(policies),
        "weighted_sum": rounded(total, 4),
        "on_official_lists": len(on_lists),
        "lists": [policy_title(d) for d in on_lists[-5:]],
        "top": [
            {
                "doc_id": d.doc_id,
                "title": policy_title(d)[:120],
                "issuer": issuer,
                "published": d.published.isoformat(),
                "in_title": in_title,
                "weight": rounded(w, 4),
            }
            for w, d, issuer, in_title, _ in items[:5]
        ],
    }
    limit = ctx.params.evidence.max_doc_ids
    # No policy is a real finding (score 0), not missing evidence: policy corpora are searched for every technology.
    return [IndicatorValue("policy_attention", rounded(total), rounded(score), details, tuple(d.doc_id for _, d, *_ in items)[:limit])]
