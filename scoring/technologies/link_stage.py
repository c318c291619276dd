"""The linking stage of an analysis: alias, embedding and topic links written to the warehouse, candidates proposed.

The pure rules live in scoring/technologies/linking.py; this module reads what they need from the
warehouse and writes what they return, one step per kind of link.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scoring.technologies.linking import (
    TopicInput,
    alias_document_links,
    embedding_document_links,
    propose_candidates,
    prototype_text,
    taxonomy_rows,
    tech_prototypes,
    technologies_for_linking,
    topic_member_links,
    topic_technology_links,
    vocabulary_digest,
)
from scoring.technologies.taxonomy import AliasMatcher, Technology, load_taxonomy
from scoring.topics.config import TopicsConfig, load_topics_config
from warehouse import ledger_store, topics_store
from warehouse import technologies_store as techstore

ProgressFn = Callable[[str, int, int | None], None]
ALIAS_CHUNK = 20_000  # documents read and linked between two writes


@dataclass(frozen=True)
class SpaceTopics:
    """One clustered space as the linker sees it: its documents, their topics, and the topic snapshots."""

    space: str
    doc_ids: list[str]
    labels: np.ndarray
    sims: np.ndarray
    topic_ids: Mapping[int, str]
    snapshots: list[dict[str, Any]]
    centroids: Mapping[int, np.ndarray | None]
    vectors: np.ndarray | None = None  # the embeddings in doc_ids order (embedding spaces only)


@dataclass
class LinkSummary:
    """What the linking stage wrote."""

    alias_linked_docs: int = 0
    links: dict[str, int] = field(default_factory=dict)
    topic_links: int = 0
    candidates: list[str] = field(default_factory=list)


def refresh_alias_links(
    con: Any,
    doc_ids: Sequence[str],
    hash_of: Mapping[str, str],
    matcher: AliasMatcher,
    vocab: str,
    config: TopicsConfig,
    progress: ProgressFn | None = None,
) -> int:
    """Alias-link the documents whose text or the technology vocabulary changed since they were last linked.

    The only alias-link loop: the analysis and the backtest's replay both call it. Alias links read
    each document's own text, so they carry no knowledge of other documents. Returns documents linked.
    """
    stale = techstore.stale_link_docs(con, list(doc_ids), tech_digest=vocab)
    if stale and progress:
        progress("link", 0, len(stale))
    for start in range(0, len(stale), ALIAS_CHUNK):
        tbl = topics_store.document_texts(con, stale[start : start + ALIAS_CHUNK], body_chars=3000)
        ids = tbl.column("doc_id").to_pylist()
        texts = [a or b for a, b in zip(tbl.column("abstract").to_pylist(), tbl.column("body").to_pylist(), strict=True)]
        links = alias_document_links(ids, tbl.column("title").to_pylist(), texts, matcher, config.linking)
        techstore.replace_alias_links(con, doc_ids=ids, content_hashes=[hash_of[i] for i in ids], tech_digest=vocab,
                                      links=links)
        if progress:
            progress("link", start + len(ids), len(stale))
    return len(stale)


def _alias_links_by_doc(con: Any) -> tuple[dict[str, dict[str, float]], int]:
    tbl = techstore.alias_links(con)
    by_doc: dict[str, dict[str, float]] = defaultdict(dict)
    for d, t, c in zip(tbl.column("doc_id").to_pylist(), tbl.column("tech_id").to_pylist(),
                       tbl.column("confidence").to_pylist(), strict=True):
        by_doc[d][t] = c
    return by_doc, int(tbl.num_rows)


def _prototypes(
    space: SpaceTopics, techs: Sequence[Technology], alias_by_doc: Mapping[str, Mapping[str, float]],
    embed: Callable[[list[str]], np.ndarray], config: TopicsConfig,
) -> np.ndarray:
    """Each technology's prototype vector: its description, pulled towards documents that name it in the title."""
    assert space.vectors is not None
    pos = {d: i for i, d in enumerate(space.doc_ids)}
    strong: dict[str, list[int]] = defaultdict(list)
    for d, by_tech in alias_by_doc.items():
        i = pos.get(d)
        if i is None:
            continue
        for t, c in by_tech.items():
            if c >= config.linking.alias_title - 1e-9:
                strong[t].append(i)
    centres: dict[str, tuple[np.ndarray, int]] = {}
    for t, rows in strong.items():
        c = space.vectors[rows].mean(axis=0)
        centres[t] = (c / (np.linalg.norm(c) or 1.0), len(rows))
    return tech_prototypes(list(techs), embed([prototype_text(t) for t in techs]), centres, config.linking)


def _topic_inputs(spaces: Sequence[SpaceTopics]) -> list[TopicInput]:
    out = []
    for res in spaces:
        for t, tid in res.topic_ids.items():
            idx = np.where(res.labels == t)[0]
            snap = next(s for s in res.snapshots if s["topic_id"] == tid)
            out.append(TopicInput(
                topic_id=tid, member_ids=[res.doc_ids[i] for i in idx],
                member_similarities=[float(res.sims[i]) for i in idx], keywords=snap["keywords"],
                centroid=res.centroids.get(t),
            ))
    return out


def _direction_guesses(
    topic_inputs: Sequence[TopicInput], linked: set[str], prototypes: np.ndarray | None, techs: Sequence[Technology]
) -> dict[str, tuple[str, str]]:
    """For topics no technology claims: the direction (and technology) whose prototype is nearest."""
    if prototypes is None:
        return {}
    tech_ids = [t.id for t in techs]
    direction = {t.id: (t.direction, t.id) for t in techs}
    return {
        ti.topic_id: direction[tech_ids[int(np.argmax(prototypes @ ti.centroid))]]
        for ti in topic_inputs if ti.centroid is not None and ti.topic_id not in linked
    }


def _representative_titles(con: Any, snapshots: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    rep_ids = sorted({d for s in snapshots for d in s["representative_doc_ids"][:3]})
    if not rep_ids:
        return {}
    tbl = topics_store.document_texts(con, rep_ids, body_chars=0)
    title_of = dict(zip(tbl.column("doc_id").to_pylist(), tbl.column("title").to_pylist(), strict=True))
    return {s["topic_id"]: [title_of.get(d, "") for d in s["representative_doc_ids"][:3]] for s in snapshots}


def _origin_links(
    con: Any, topic_inputs: Sequence[TopicInput], rows: Sequence[Mapping[str, Any]], confidence: float
) -> list[dict[str, Any]]:
    """Discovered technologies (candidate or accepted) follow the topic they came from while it lives."""
    present = {ti.topic_id for ti in topic_inputs}
    have = {(r["topic_id"], r["tech_id"]) for r in rows}
    out = []
    for r in techstore.load_technologies(con):
        discovered = r.get("origin") == "discovered" and r.get("status") in ("candidate", "accepted")
        if discovered and r.get("topic_id") in present and (r["topic_id"], r["tech_id"]) not in have:
            out.append({"topic_id": r["topic_id"], "tech_id": r["tech_id"], "method": "origin",
                        "confidence": confidence, "alias_share": None, "similarity": None,
                        "evidence": f"discovered from topic {r['topic_id']}"})
    return out


def link_stage(
    con: Any,
    *,
    scan_id: str,
    previous_scan_id: str | None,
    config: TopicsConfig,
    embed: Callable[[list[str]], np.ndarray],
    spaces: Sequence[SpaceTopics],
    techs: Sequence[Technology],
    matcher: AliasMatcher,
    vocab: str,
    doc_ids: Sequence[str],
    hash_of: Mapping[str, str],
    progress: ProgressFn | None = None,
) -> LinkSummary:
    """Alias links → technology prototypes and embedding links → topic links, candidates, member links."""
    out = LinkSummary()
    out.alias_linked_docs = refresh_alias_links(con, doc_ids, hash_of, matcher, vocab, config, progress)
    alias_by_doc, alias_count = _alias_links_by_doc(con)

    emb = next((s for s in spaces if s.space.startswith("embedding:") and s.vectors is not None), None)
    prototypes = _prototypes(emb, techs, alias_by_doc, embed, config) if emb is not None and techs else None
    emb_links: list[Any] = []
    if emb is not None and prototypes is not None:
        already = {(d, t) for d, by_tech in alias_by_doc.items() for t in by_tech}
        emb_links = embedding_document_links(emb.doc_ids, emb.vectors, [t.id for t in techs], prototypes,
                                             config.linking, already=already)
    out.links["embedding"] = techstore.replace_method_links(con, method="embedding", links=emb_links)

    topic_inputs = _topic_inputs(spaces)
    snapshots = [s for res in spaces for s in res.snapshots]
    rows = topic_technology_links(topic_inputs, alias_by_doc, matcher, [t.id for t in techs], prototypes, config.linking)
    linked = {r["topic_id"] for r in rows}
    prev_growth = ({s["topic_id"]: s.get("growth") for s in topics_store.load_snapshots(con, previous_scan_id)}
                   if previous_scan_id else {})
    candidates = propose_candidates(
        snapshots, linked, prev_growth, techstore.candidate_topics(con), config.candidates,
        representative_titles=_representative_titles(con, snapshots),
        direction_guess=_direction_guesses(topic_inputs, linked, prototypes, techs),
    )
    for c in candidates:
        techstore.add_technology(con, c)
        out.candidates.append(c["tech_id"])
    rows += _origin_links(con, topic_inputs, rows, config.linking.origin_confidence)
    techstore.write_topic_technologies(con, scan_id=scan_id, rows=rows)
    out.topic_links = len(rows)
    member_links = topic_member_links(topic_inputs, rows, alias_by_doc, config.linking)
    out.links["topic"] = techstore.replace_method_links(con, method="topic", links=member_links)
    out.links["alias"] = alias_count
    return out


def alias_links_only(con: Any, *, taxonomy_path: Path | None = None, progress: Callable[[str], None] | None = None) -> int:
    """Alias-link every document not yet matched against the current taxonomy; returns documents linked.

    The backtest's linking: alias links read each document's own text, so a replay at a past date
    sees nothing of later documents through them (embedding and topic links are fitted on the whole
    warehouse and would). The full analysis adds those.
    """
    # Read first: a fully fetched query also clears a result a caller left unfinished (DuckDB 2 refuses
    # to register tables on a connection holding one, e.g. after ingest_file skipped a loaded file).
    hashes = ledger_store.document_hashes(con)
    taxonomy = load_taxonomy(taxonomy_path)
    techstore.sync_taxonomy(con, taxonomy_rows(taxonomy))
    techs = technologies_for_linking(taxonomy, techstore.load_technologies(con))

    def say(stage: str, done: int, total: int | None) -> None:
        if progress and done:
            progress(f"linked {done:,} of {total:,} documents")

    return refresh_alias_links(con, sorted(hashes), hashes, AliasMatcher(techs), vocabulary_digest(techs),
                               load_topics_config(), say)
