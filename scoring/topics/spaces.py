"""Clustering one space into topics: fit (warm from last scan's topics), describe, follow lineage, snapshot, store.

A space is a set of documents in one representation: the embedding space of a model, or the
Chinese term space (jieba words → TF-IDF) while the model does not embed Chinese.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.technologies.link_stage import SpaceTopics
from scoring.topics.cluster import TopicClusterer
from scoring.topics.config import ClusterConfig, TopicsConfig
from scoring.topics.corpus import Timing
from scoring.topics.lineage import LineageResult, keyword_vectors, match_topics
from scoring.topics.represent import TopicDescription, describe_topics, sample_members
from scoring.topics.summary import SpaceSummary
from warehouse import topics_store as store

ZH_SPACE = "zh-terms"
TermLists = Mapping[int, list[str]] | Callable[[list[int]], Mapping[int, list[str]]]


def embedding_space(model: str) -> str:
    """The space name of topics clustered on one model's embeddings."""
    return f"embedding:{model}"


def clusterer_for(cfg: ClusterConfig, **over: Any) -> TopicClusterer:
    """The topic clusterer topics.toml describes, with some parameters overridden (the Chinese space's)."""
    params = dict(
        n_topics=cfg.n_topics, topics_per_sqrt=cfg.topics_per_sqrt, min_topics=cfg.min_topics,
        max_topics=cfg.max_topics, n_components=cfg.n_components, min_topic_size=cfg.min_topic_size,
        min_similarity=cfg.min_similarity, outlier_z=cfg.outlier_z, random_state=cfg.random_state,
        restart_gain=cfg.restart_gain, max_iter=cfg.max_iter,
    )
    params.update(over)
    return TopicClusterer(**params)


@dataclass(frozen=True)
class SpaceInput:
    """One space to cluster: its documents, their representation and metadata, and last scan's topics there."""

    space: str
    doc_ids: list[str]
    X: Any
    vectors: np.ndarray | None
    term_lists: TermLists
    languages: np.ndarray
    published: np.ndarray
    timing: Timing
    prev_members: Mapping[str, list[str]]
    prev_snaps: Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class SpaceResult:
    """A clustered space: its topics for the linker, what changed since last scan, and its summary."""

    topics: SpaceTopics
    lineage: LineageResult
    summary: SpaceSummary


def _warm_labels(doc_ids: Sequence[str], prev_members: Mapping[str, list[str]]) -> np.ndarray:
    """Each document's index of last scan's topic (sorted topic ids), -1 where it had none."""
    pos = {d: i for i, d in enumerate(doc_ids)}
    init = np.full(len(doc_ids), -1, dtype=np.int64)
    for k, tid in enumerate(sorted(prev_members)):
        for d in prev_members[tid]:
            i = pos.get(d)
            if i is not None:
                init[i] = k
    return init


def _centroids(labels: np.ndarray, vectors: np.ndarray | None, topics: Sequence[int]) -> dict[int, np.ndarray | None]:
    out: dict[int, np.ndarray | None] = {}
    for t in topics:
        if vectors is None:
            out[t] = None
            continue
        c = vectors[labels == t].mean(axis=0)
        out[t] = c / (np.linalg.norm(c) or 1.0)
    return out


def _lineage(
    inp: SpaceInput, members: Mapping[int, list[str]], centroids: Mapping[int, np.ndarray | None],
    desc: Mapping[int, TopicDescription], config: TopicsConfig, next_id: Callable[[], str],
) -> LineageResult:
    """Match this scan's clusters to last scan's topics: by shared documents, then by centroids or keywords."""
    prev = inp.prev_snaps
    if inp.vectors is not None:
        prev_vec = {s["topic_id"]: s["centroid"] for s in prev if s.get("centroid") is not None}
        cur_vec = {t: c for t, c in centroids.items() if c is not None}
        threshold = config.lineage.centroid_match
    else:
        prev_vec, cur_vec = keyword_vectors(
            {s["topic_id"]: dict(zip(s["keywords"], s["keyword_weights"], strict=True)) for s in prev},
            {t: dict(zip(desc[t].keywords, desc[t].weights, strict=True)) for t in members},
        )
        threshold = config.lineage.keyword_match
    return match_topics(
        inp.prev_members, members, current_docs=frozenset(inp.doc_ids), new_id=next_id,
        prev_vectors=prev_vec, cur_vectors=cur_vec, prev_labels={s["topic_id"]: s["label"] for s in prev},
        cur_labels={t: desc[t].label for t in members},
        min_flow_share=config.lineage.min_flow_share, min_flow_docs=config.lineage.min_flow_docs,
        centroid_match=threshold, size_change=config.lineage.size_change,
    )


def _snapshots(
    inp: SpaceInput, labels: np.ndarray, sims: np.ndarray, members: Mapping[int, list[str]],
    desc: Mapping[int, TopicDescription], centroids: Mapping[int, np.ndarray | None], ids: Mapping[int, str],
    config: TopicsConfig,
) -> list[dict[str, Any]]:
    """One row per topic: size, label, keywords, representatives, centroid, cohesion, growth, dates."""
    t_ = inp.timing
    base = (float(t_.recent_w.sum()) + 1.0) / (float(t_.prior_w.sum()) + 1.0)
    out = []
    for t, docs in members.items():
        idx = np.where(labels == t)[0]
        r, p = float(t_.recent_w[idx].sum()), float(t_.prior_w[idx].sum())
        dates = [inp.published[i] for i in idx if inp.published[i] is not None]
        d = desc[t]
        out.append({
            "topic_id": ids[t], "space": inp.space,
            "language": Counter(inp.languages[i] or "?" for i in idx).most_common(1)[0][0], "size": len(docs),
            "new_members": int(t_.is_new[idx].sum()), "label": d.label, "keywords": list(d.keywords),
            "keyword_weights": [float(w) for w in d.weights],
            "representative_doc_ids": [inp.doc_ids[i] for i in d.representative_idx],
            "centroid": centroids[t], "cohesion": float(sims[idx].mean()),
            "recent_share": r / len(docs),
            # Too few dated documents in the two windows say nothing about growth.
            "growth": ((r + 1.0) / (p + 1.0)) / base if r + p >= config.window.min_growth_docs else None,
            "first_published": min(dates) if dates else None, "last_published": max(dates) if dates else None,
        })
    return out


def cluster_space(
    inp: SpaceInput, clusterer: TopicClusterer, config: TopicsConfig, *, warm: bool, next_id: Callable[[], str]
) -> SpaceResult:
    """Fit the space's topics, describe them, give them last scan's ids where they continue, and snapshot them."""
    init = _warm_labels(inp.doc_ids, inp.prev_members) if warm and inp.prev_members else None
    clusterer.fit(inp.X, init_labels=init)
    labels, sims = clusterer.labels_, clusterer.similarities_
    rep = config.represent
    sample = sample_members(labels, sims, rep.sample_per_topic, config.cluster.random_state)
    needed = sorted({i for members in sample.values() for i in members})
    terms = inp.term_lists(needed) if callable(inp.term_lists) else inp.term_lists
    desc = describe_topics(
        labels, sims, terms, n_keywords=rep.n_keywords, n_label_terms=rep.n_label_terms,
        n_representatives=rep.n_representatives, sample_per_topic=rep.sample_per_topic,
        random_state=config.cluster.random_state,
    )
    members = {int(t): [inp.doc_ids[i] for i in np.where(labels == t)[0]] for t in range(clusterer.n_topics_)}
    centroids = _centroids(labels, inp.vectors, list(members))
    lineage = _lineage(inp, members, centroids, desc, config, next_id)
    snapshots = _snapshots(inp, labels, sims, members, desc, centroids, lineage.ids, config)
    summary = SpaceSummary(
        space=inp.space, documents=len(inp.doc_ids), topics=clusterer.n_topics_, unassigned=int((labels < 0).sum()),
        start=clusterer.start_, events=lineage.counts(),
        restart_gain=(None if not clusterer.inertia_warm_ else
                      round(1.0 - clusterer.inertia_cold_ / clusterer.inertia_warm_, 4)),
    )
    topics = SpaceTopics(inp.space, inp.doc_ids, labels, sims, lineage.ids, snapshots, centroids, inp.vectors)
    return SpaceResult(topics, lineage, summary)


def store_space(con: Any, result: SpaceResult, *, scan_id: str, previous_scan_id: str | None) -> None:
    """Write a clustered space's topics, members, lineage events and topic registry."""
    t = result.topics
    member_rows = [(t.topic_ids[int(k)], t.doc_ids[i], float(t.sims[i])) for i, k in enumerate(t.labels) if k >= 0]
    store.write_topics(
        con, scan_id=scan_id, snapshots=t.snapshots,
        member_topic_ids=[r[0] for r in member_rows], member_doc_ids=[r[1] for r in member_rows],
        member_similarities=np.array([r[2] for r in member_rows], dtype=np.float32),
    )
    store.write_events(
        con, scan_id=scan_id, previous_scan_id=previous_scan_id, space=t.space,
        events=[(e.event, e.from_topics, e.to_topics, e.details) for e in result.lineage.events],
    )
    store.update_registry(con, scan_id=scan_id, snapshots=t.snapshots, ended=result.lineage.ended)
