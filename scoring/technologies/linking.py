"""Link documents and topics to technologies (aliases, embedding similarity, topic membership) and propose candidates."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.technologies.taxonomy import AliasHit, AliasMatcher, Technology
from scoring.topics.config import CandidateConfig, LinkingConfig

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_EXACT = re.compile(r"^(?=.*[A-Z0-9])[A-Z0-9][A-Za-z0-9+\-.]{0,7}$")  # acronyms: "BCI", "6G", "CAR-T"

Link = tuple[str, str, float, str | None]  # doc_id, tech_id, confidence, matched


# ───────────────────────────── vocabulary ─────────────────────────────


def taxonomy_rows(techs: Iterable[Technology]) -> list[dict[str, Any]]:
    """Rows for `technologies` from the seeded taxonomy (what sync_taxonomy stores)."""
    return [
        {
            "tech_id": t.id,
            "name_en": t.name_en,
            "name_zh": t.name_zh,
            "aliases": list(t.aliases),
            "keywords": list(t.keywords),
            "description": t.description_en + (f"\n{t.description_zh}" if t.description_zh else ""),
            "direction": t.direction,
            "status": t.status or "seeded",
        }
        for t in techs
    ]


def technology_from_row(row: Mapping[str, Any]) -> Technology:
    """A Technology for matching from a `technologies` row (added by the CLI or accepted from a candidate)."""
    en, exact, zh = [], [], []
    for alias in row.get("aliases") or []:
        alias = alias.strip()
        if not alias:
            continue
        if _CJK.search(alias):
            zh.append(alias)
        elif _EXACT.match(alias) and alias != alias.lower():
            exact.append(alias)
        else:
            en.append(alias)
    kw_en = [k for k in row.get("keywords") or [] if k and not _CJK.search(k)]
    kw_zh = [k for k in row.get("keywords") or [] if k and _CJK.search(k)]
    desc = (row.get("description") or "").split("\n")
    return Technology(
        id=row["tech_id"],
        name_en=row.get("name_en") or row["tech_id"],
        name_zh=row.get("name_zh") or "",
        direction=row.get("direction") or "",
        aliases_en=tuple(dict.fromkeys(en)),
        aliases_en_exact=tuple(dict.fromkeys(exact)),
        aliases_zh=tuple(dict.fromkeys(zh)),
        keywords_en=tuple(kw_en),
        keywords_zh=tuple(kw_zh),
        description_en=desc[0] if desc else "",
        description_zh="\n".join(desc[1:]),
        status=row.get("status") or "accepted",
    )


def technologies_for_linking(taxonomy: Sequence[Technology], rows: Sequence[Mapping[str, Any]]) -> list[Technology]:
    """The vocabulary documents are matched against: the taxonomy file plus accepted additions, minus dismissed.

    Candidates are not alias-matched (their proposed names are raw topic keywords); they are linked
    through their topic until a consultant accepts them.
    """
    status = {r["tech_id"]: r.get("status") for r in rows}
    out = [t for t in taxonomy if status.get(t.id) != "dismissed"]
    known = {t.id for t in taxonomy}
    for r in rows:
        if r["tech_id"] in known or r.get("status") not in ("accepted", "seeded"):
            continue
        tech = technology_from_row(r)
        if tech.aliases:
            out.append(tech)
    return out


def vocabulary_digest(techs: Sequence[Technology]) -> str:
    """Hash of every technology's match strings: alias links are redone when it changes."""
    blob = json.dumps(
        [[t.id, list(t.aliases_en), list(t.aliases_en_exact), list(t.aliases_zh), list(t.keywords)] for t in techs],
        ensure_ascii=False,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


# ───────────────────────────── alias links ─────────────────────────────


def _alias_confidence(title_hits: list[AliasHit], text_hits: list[AliasHit], cfg: LinkingConfig) -> dict[str, tuple[float, str]]:
    by_tech: dict[str, dict[str, Any]] = defaultdict(lambda: {"title": [], "text": [], "kw": set()})
    for h in title_hits:
        if h.strength == "alias":
            by_tech[h.tech_id]["title"].append(h.alias)
        else:
            by_tech[h.tech_id]["kw"].add(h.alias)
    for h in text_hits:
        if h.strength == "alias":
            by_tech[h.tech_id]["text"].append(h.alias)
        else:
            by_tech[h.tech_id]["kw"].add(h.alias)
    out: dict[str, tuple[float, str]] = {}
    for tech_id, hits in by_tech.items():
        if hits["title"]:
            distinct = len(set(hits["title"]) | set(hits["text"]))
            conf = cfg.alias_title + cfg.alias_repeat_bonus * min(distinct - 1, 1)
            out[tech_id] = (min(conf, 0.99), hits["title"][0])
        elif hits["text"]:
            occurrences = len(hits["text"])
            conf = cfg.alias_text + cfg.alias_repeat_bonus * min(occurrences - 1, 2)
            out[tech_id] = (min(conf, 0.95), max(set(hits["text"]), key=hits["text"].count))
        elif hits["kw"]:
            conf = cfg.keyword_many if len(hits["kw"]) >= 3 else cfg.keyword_only
            out[tech_id] = (conf, ";".join(sorted(hits["kw"])[:5]))
    return out


def alias_document_links(
    doc_ids: Sequence[str],
    titles: Sequence[str],
    texts: Sequence[str],
    matcher: AliasMatcher,
    cfg: LinkingConfig,
) -> list[Link]:
    """Links from aliases and keywords found in each document's title and text (abstract or start of body).

    Confidence: an alias in the title alias_title (+bonus for a second distinct alias), an alias in
    the text alias_text (+bonus for repeats), weak keywords only keyword_only / keyword_many.
    """
    links: list[Link] = []
    for doc_id, title, text in zip(doc_ids, titles, texts, strict=True):
        found = _alias_confidence(matcher.match(title or ""), matcher.match(text or ""), cfg)
        for tech_id in sorted(found):
            conf, matched = found[tech_id]
            links.append((doc_id, tech_id, round(conf, 4), matched))
    return links


# ───────────────────────────── embedding links ─────────────────────────────


def prototype_text(tech: Technology) -> str:
    """What a technology's description vector is made from: English name, aliases and description."""
    aliases = ", ".join(list(tech.aliases_en)[:8] + list(tech.aliases_en_exact)[:4])
    parts = [tech.name_en]
    if aliases:
        parts.append(f"Also: {aliases}.")
    if tech.description_en:
        parts.append(tech.description_en)
    return " ".join(parts)


def tech_prototypes(
    techs: Sequence[Technology],
    description_vectors: np.ndarray,
    doc_centres: Mapping[str, tuple[np.ndarray, int]],
    cfg: LinkingConfig,
) -> np.ndarray:
    """Unit vectors per technology: the description vector blended with the centre of its strongly alias-linked documents.

    A description alone is a short text unlike the documents; the centre of documents that name the
    technology outright is where its evidence actually lies. Blended only when at least
    prototype_min_docs such documents exist.
    """
    out = np.array(description_vectors, dtype=np.float32, copy=True)
    for i, tech in enumerate(techs):
        centre = doc_centres.get(tech.id)
        if centre is not None and centre[1] >= cfg.prototype_min_docs:
            w = cfg.prototype_doc_weight
            out[i] = (1.0 - w) * out[i] + w * centre[0]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return out / norms


def embedding_confidence(similarity: float, cfg: LinkingConfig) -> float:
    """Map a cosine to a confidence: 0.3 at embedding_min rising to embedding_max_confidence at embedding_full."""
    span = max(cfg.embedding_full - cfg.embedding_min, 1e-6)
    frac = min(max((similarity - cfg.embedding_min) / span, 0.0), 1.0)
    return round(0.3 + (cfg.embedding_max_confidence - 0.3) * frac, 4)


def embedding_document_links(
    doc_ids: Sequence[str],
    vectors: np.ndarray,
    tech_ids: Sequence[str],
    prototypes: np.ndarray,
    cfg: LinkingConfig,
    *,
    already: set[tuple[str, str]] | None = None,
    chunk: int = 20000,
) -> list[Link]:
    """One link per document to its most similar technology when it is close enough and clearly ahead of the next.

    Pairs already linked by alias (in `already`) are skipped: the embedding link adds what aliases missed.
    """
    already = already or set()
    links: list[Link] = []
    if not len(tech_ids) or not len(doc_ids):
        return links
    for start in range(0, len(doc_ids), chunk):
        sims = vectors[start : start + chunk] @ prototypes.T
        if sims.shape[1] > 1:
            top2 = np.partition(-sims, 1, axis=1)[:, :2] * -1
            best_val, second = top2.max(axis=1), top2.min(axis=1)
        else:
            best_val, second = sims[:, 0], np.full(len(sims), -1.0)
        best = sims.argmax(axis=1)
        ok = (best_val >= cfg.embedding_min) & (best_val - second >= cfg.embedding_margin)
        for j in np.where(ok)[0]:
            doc_id, tech_id = doc_ids[start + j], tech_ids[best[j]]
            if (doc_id, tech_id) in already:
                continue
            links.append((doc_id, tech_id, embedding_confidence(float(best_val[j]), cfg), f"cosine {best_val[j]:.3f}"))
    return links


# ───────────────────────────── topic links ─────────────────────────────


@dataclass(frozen=True)
class TopicInput:
    """What topic linking needs to know about one topic."""

    topic_id: str
    member_ids: Sequence[str]
    member_similarities: Sequence[float]
    keywords: Sequence[str]
    centroid: np.ndarray | None = None


def topic_technology_links(
    topics: Sequence[TopicInput],
    alias_by_doc: Mapping[str, Mapping[str, float]],
    matcher: AliasMatcher,
    tech_ids: Sequence[str],
    prototypes: np.ndarray | None,
    cfg: LinkingConfig,
    *,
    strong: float = 0.8,
) -> list[dict[str, Any]]:
    """Topic → technology links by the share of members with strong alias links, centre similarity, or keywords."""
    rows: list[dict[str, Any]] = []
    for topic in topics:
        size = max(len(topic.member_ids), 1)
        counts: dict[str, int] = defaultdict(int)
        for d in topic.member_ids:
            for tech_id, conf in alias_by_doc.get(d, {}).items():
                if conf >= strong:
                    counts[tech_id] += 1
        sims: dict[str, float] = {}
        if topic.centroid is not None and prototypes is not None and len(tech_ids):
            s = prototypes @ topic.centroid
            sims = {tech_ids[i]: float(s[i]) for i in range(len(tech_ids))}
        kw_hits: dict[str, list[str]] = defaultdict(list)
        for kw in topic.keywords:
            for hit in matcher.match(kw):
                kw_hits[hit.tech_id].append(kw)
        for tech_id in sorted(set(counts) | set(kw_hits) | {t for t, v in sims.items() if v >= cfg.topic_similarity}):
            share = counts.get(tech_id, 0) / size
            sim = sims.get(tech_id)
            n_kw = len(set(kw_hits.get(tech_id, [])))
            if share >= cfg.topic_alias_share:
                method, conf = "alias", min(0.95, 0.5 + share)
                evidence = f"{counts[tech_id]} of {size} members name it"
            elif sim is not None and sim >= cfg.topic_similarity and share >= 0.05:
                method, conf = "embedding", min(0.85, 0.55 + (sim - cfg.topic_similarity))
                evidence = f"centre cosine {sim:.2f}; {counts.get(tech_id, 0)} of {size} members name it"
            elif n_kw >= 2 or (n_kw >= 1 and share >= 0.1):
                method, conf = "keywords", min(0.85, 0.55 + 0.1 * n_kw + share)
                evidence = "keywords " + ", ".join(sorted(set(kw_hits[tech_id]))[:5])
                evidence += f"; {counts.get(tech_id, 0)} of {size} members name it"
            else:
                continue
            rows.append({
                "topic_id": topic.topic_id, "tech_id": tech_id, "method": method, "confidence": round(conf, 4),
                "alias_share": round(share, 4), "similarity": None if sim is None else round(sim, 4),
                "evidence": evidence,
            })
    return rows


def member_confidence(topic_confidence: float, cfg: LinkingConfig) -> float:
    """Confidence of a link a document gets only from its topic: weak unless the topic is strongly linked.

    Rises linearly from 0.2 (topic link 0.5) to topic_member_confidence (topic link 0.95), so with
    the default evidence cut of 0.5 only members of topics where about 40% or more of the documents
    name the technology (or of a discovered candidate's own topic) count.
    """
    frac = min(max((topic_confidence - 0.5) / 0.45, 0.0), 1.0)
    return round(max(0.2, cfg.topic_member_confidence * frac), 4)


def topic_member_links(
    topics: Sequence[TopicInput],
    topic_links: Sequence[Mapping[str, Any]],
    alias_by_doc: Mapping[str, Mapping[str, float]],
    cfg: LinkingConfig,
) -> list[Link]:
    """Method-'topic' links for members of linked topics that do not name the technology themselves."""
    by_topic = {t.topic_id: t for t in topics}
    best: dict[tuple[str, str], tuple[float, str]] = {}
    for link in topic_links:
        topic = by_topic.get(link["topic_id"])
        if topic is None:
            continue
        conf = member_confidence(float(link["confidence"]), cfg)
        for d, s in zip(topic.member_ids, topic.member_similarities, strict=True):
            if s < cfg.topic_member_min_similarity or alias_by_doc.get(d, {}).get(link["tech_id"], 0.0) >= 0.8:
                continue
            key = (d, link["tech_id"])
            if key not in best or best[key][0] < conf:
                best[key] = (conf, topic.topic_id)
    return [(d, t, c, topic_id) for (d, t), (c, topic_id) in sorted(best.items())]


# ───────────────────────────── candidates ─────────────────────────────


def propose_candidates(
    snapshots: Sequence[Mapping[str, Any]],
    linked_topics: set[str],
    previous_growth: Mapping[str, float | None],
    already_proposed: Mapping[str, str],
    cfg: CandidateConfig,
    *,
    representative_titles: Mapping[str, Sequence[str]] | None = None,
    direction_guess: Mapping[str, tuple[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """Technology rows (status 'candidate') for growing topics no technology explains.

    A topic qualifies when it has at least min_size members, grows at least min_growth (its recent
    year against the year before, relative to its space), matches no technology, was not proposed
    before, and, with growing_scans >= 2, also grew in the previous scan.
    """
    representative_titles = representative_titles or {}
    direction_guess = direction_guess or {}
    found = []
    for s in snapshots:
        tid = s["topic_id"]
        growth = s.get("growth")
        if tid in linked_topics or tid in already_proposed or s["size"] < cfg.min_size:
            continue
        if growth is None or growth < cfg.min_growth:
            continue
        if cfg.growing_scans >= 2:
            before = previous_growth.get(tid)
            if before is None or before < cfg.min_growth:
                continue
        found.append(s)
    found.sort(key=lambda s: (-(s.get("growth") or 0) * s["size"], s["topic_id"]))
    rows = []
    for s in found[: cfg.max_per_scan]:
        tid = s["topic_id"]
        keywords = list(s.get("keywords") or [])
        zh = any(_CJK.search(k) for k in keywords[:3])
        guess = direction_guess.get(tid)
        titles = "; ".join(list(representative_titles.get(tid, []))[:3])
        description = (
            f"Discovered from topic {tid}: {s['size']} documents, growth x{(s.get('growth') or 0):.1f} "
            f"(recent year vs the year before, relative to all {s.get('space', '')} topics). "
            f"Keywords: {', '.join(keywords[:8])}."
            + (f" Representative: {titles}." if titles else "")
            + (f" Direction guessed from the nearest technology ({guess[1]})." if guess else "")
        )
        rows.append({
            "tech_id": f"cand_{tid.lower()}",
            "name_en": s["label"] if not zh else f"Topic {tid}",
            "name_zh": s["label"] if zh else None,
            # Proposed names to match once accepted: phrases first (a lone word like "models" is no name).
            "aliases": sorted(keywords[:10], key=lambda k: (" " not in k and not _CJK.search(k), keywords.index(k)))[:3],
            "keywords": keywords[:10],
            "description": description,
            "direction": guess[0] if guess else None,
            "status": "candidate",
            "origin": "discovered",
            "topic_id": tid,
        })
    return rows
