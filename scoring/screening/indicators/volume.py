"""Volume: how much evidence there is, by document kind and language, recently and in all."""

from __future__ import annotations

from collections import Counter

from scoring.screening.indicators.base import (
    IndicatorValue,
    ScanContext,
    TechEvidence,
    recent_docs,
    rounded,
    saturate,
    top_ids,
)


def compute(ev: TechEvidence, ctx: ScanContext) -> list[IndicatorValue]:
    """`volume`: confidence-weighted recent document count; details split it by kind, language and source."""
    windows = ctx.params.windows
    months = windows.recent_months
    params = ctx.params.indicators.volume
    limit = ctx.params.evidence.max_doc_ids
    recent = recent_docs(ev, ctx.as_of, months)
    by_kind: Counter[str] = Counter()
    by_language: Counter[str] = Counter()
    by_source: Counter[str] = Counter()
    total = 0.0
    for doc, share in recent:
        w = doc.confidence * share
        total += w
        by_kind[doc.kind] += w
        by_language[doc.language or "unknown"] += w
        by_source[doc.source] += w
    all_kinds = Counter(d.kind for d in ev.docs)
    details = {
        "window_months": months,
        "recent_documents": len(recent),
        "recent_weighted": rounded(total, 3),
        "by_kind": {k: rounded(v, 3) for k, v in sorted(by_kind.items())},
        "by_language": {k: rounded(v, 3) for k, v in sorted(by_language.items())},
        "by_source": {k: rounded(v, 3) for k, v in sorted(by_source.items())},
        "all_time_documents": len(ev.docs),
        "all_time_by_kind": dict(sorted(all_kinds.items())),
        "first_published": ev.docs[0].published.isoformat() if ev.docs else None,
    }
    score = saturate(total, params.half)
    return [IndicatorValue("volume", rounded(total), rounded(score), details, top_ids((d for d, _ in recent), limit))]
