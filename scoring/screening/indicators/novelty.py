"""Novelty: how far the technology's recent documents sit from its earlier ones, and which terms are new."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from scoring.screening.indicators.base import (
    EvidenceDoc,
    IndicatorValue,
    ScanContext,
    TechEvidence,
    add_months,
    clip01,
    missing,
    rounded,
    tokens,
    top_ids,
)


def stable_sample(docs: Sequence[EvidenceDoc], limit: int) -> list[EvidenceDoc]:
    """At most `limit` documents, chosen by a hash of their id so a replay picks the same ones."""
    if len(docs) <= limit:
        return list(docs)
    return sorted(docs, key=lambda d: hashlib.md5(d.doc_id.encode()).hexdigest())[:limit]


def own_terms(ev: TechEvidence) -> set[str]:
    """Tokens of the technology's own names and aliases: every linked document has them by construction."""
    out: set[str] = set()
    for name in (ev.tech.name_en, ev.tech.name_zh, *ev.tech.aliases):
        out.update(tokens(name))
    return out


def _doc_terms(docs: Sequence[EvidenceDoc], drop: set[str]) -> list[set[str]]:
    return [set(tokens(d.short_text)) - drop for d in docs]


def _centroid_distance(a: list[set[str]], b: list[set[str]]) -> float:
    """1 - cosine of the two sets' document-frequency profiles (IDF-weighted over both sets)."""
    df_a, df_b = Counter(), Counter()
    for terms in a:
        df_a.update(terms)
    for terms in b:
        df_b.update(terms)
    vocab = sorted(set(df_a) | set(df_b))
    if not vocab:
        return 0.0
    n = len(a) + len(b)
    idf = np.array([np.log((1 + n) / (1 + df_a[t] + df_b[t])) + 1 for t in vocab])
    va = np.array([df_a[t] / len(a) for t in vocab]) * idf
    vb = np.array([df_b[t] / len(b) for t in vocab]) * idf
    denom = float(np.linalg.norm(va) * np.linalg.norm(vb))
    return clip01(1.0 - float(va @ vb) / denom) if denom else 0.0


def _embedding_distance(a: Sequence[EvidenceDoc], b: Sequence[EvidenceDoc], emb: dict, coverage: float) -> float | None:
    va = [emb[d.doc_id] for d in a if d.doc_id in emb]
    vb = [emb[d.doc_id] for d in b if d.doc_id in emb]
    # Embeddings stand in for terms only when they cover most documents of both sets.
    if len(va) < coverage * len(a) or len(vb) < coverage * len(b) or not va or not vb:
        return None
    ca, cb = np.mean(va, axis=0), np.mean(vb, axis=0)
    denom = float(np.linalg.norm(ca) * np.linalg.norm(cb))
    return clip01(1.0 - float(ca @ cb) / denom) if denom else None


def compute(ev: TechEvidence, ctx: ScanContext) -> list[IndicatorValue]:
    """`novelty`: mean of the share of recent salient terms never seen before and the profile distance."""
    p = ctx.params.indicators.novelty
    months = ctx.params.windows.period_months * p.recent_periods
    cut = add_months(ctx.as_of, -months)
    recent = [d for d in ev.docs if d.start >= cut]
    earlier = [d for d in ev.docs if d.end <= cut]
    need = p.min_documents
    if len(recent) < need or len(earlier) < need:
        return [missing("novelty", f"{len(recent)} recent and {len(earlier)} earlier documents (need {need} of each)")]
    # Compare within sources present in both sets where possible: a corpus that only starts in the
    # recent window brings its own vocabulary, which is not novelty of the technology.
    common = {d.source for d in recent} & {d.source for d in earlier}
    same_sources = False
    if common:
        r_common = [d for d in recent if d.source in common]
        e_common = [d for d in earlier if d.source in common]
        if len(r_common) >= need and len(e_common) >= need:
            recent, earlier, same_sources = r_common, e_common, True
    cap = p.max_documents
    recent_s, earlier_s = stable_sample(recent, cap), stable_sample(earlier, cap)
    drop = own_terms(ev)
    min_docs = max(p.min_term_docs, int(p.min_term_share * len(recent_s)))
    # Terms and distances depend on the two samples (and their vectors), not on as_of: kept between
    # scans, keyed by the documents, the technology's names and the vectors' digest.
    memo = ctx.memo
    key = memo.key(sorted(drop), min_docs, memo.bound("embeddings", "unbound"),
                   [memo.doc_key(d) for d in recent_s], [memo.doc_key(d) for d in earlier_s])
    got = memo.get("novelty_text", key, lambda: _compare(recent_s, earlier_s, drop, min_docs, ctx))
    new_share, distance, basis = got["new_share"], got["distance"], got["basis"]
    new_top, carriers = got["new_top"], got["carriers"]
    value = 0.5 * new_share + 0.5 * distance
    details = {
        "new_term_share": rounded(new_share, 4),
        "profile_distance": rounded(distance, 4),
        "distance_basis": basis,
        "same_sources_only": same_sources,
        "new_terms": [t for t, _ in new_top],
        "recent_documents": len(recent),
        "earlier_documents": len(earlier),
        "since": cut.isoformat(),
    }
    limit = ctx.params.evidence.max_doc_ids
    return [IndicatorValue("novelty", rounded(value), rounded(value), details, top_ids(carriers, limit))]


def _compare(
    recent_s: Sequence[EvidenceDoc], earlier_s: Sequence[EvidenceDoc], drop: set[str], min_docs: int, ctx: ScanContext
) -> dict[str, Any]:
    """Share of recent salient terms never seen earlier, profile distance and its basis, the newest
    terms and the recent documents carrying them."""
    r_terms, e_terms = _doc_terms(recent_s, drop), _doc_terms(earlier_s, drop)
    seen = set().union(*e_terms)
    df_r = Counter()
    for terms in r_terms:
        df_r.update(terms)
    salient = {t: n for t, n in df_r.items() if n >= min_docs}
    new = {t: n for t, n in salient.items() if t not in seen}
    new_share = sum(new.values()) / sum(salient.values()) if salient else 0.0
    distance = _embedding_distance(recent_s, earlier_s, dict(ctx.embeddings), ctx.params.indicators.novelty.embedding_coverage) if ctx.embeddings else None
    basis = "embeddings"
    if distance is None:
        distance = _centroid_distance(r_terms, e_terms)
        basis = "terms"
    new_top = sorted(new.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
    new_term_set = {t for t, _ in new_top}
    carriers = [d.doc_id for d, terms in zip(recent_s, r_terms, strict=True) if terms & new_term_set]
    return {"new_share": new_share, "distance": distance, "basis": basis, "new_top": new_top, "carriers": carriers}
