"""Topic lineage: give this scan's clusters the ids of last scan's topics they continue, and name what changed.

Identity follows the documents. For every old topic P and new cluster C the flow |P ∩ C| counts
their shared documents; a flow is significant when it carries at least `min_flow_share` of P's
members that are still in the window (and `min_flow_docs` documents). Significant flows form a
bipartite graph whose shape names the events: one-to-one is a continuation (or grow/shrink), one
old topic flowing into several clusters is a split, several into one is a merge, a cluster with no
significant inflow is a birth, an old topic with no significant outflow a death. The largest flow
passes the old id on (greedily, largest first), so ids are stable and never reused. Where
documents cannot tell (a sliding window that dropped every old member), topics whose centres are
at least `centroid_match` similar continue each other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class LineageEvent:
    """One change between two scans."""

    event: str  # birth | death | continue | grow | shrink | merge | split
    from_topics: tuple[str, ...]
    to_topics: tuple[str, ...]
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class LineageResult:
    """Ids for this scan's clusters, the events, and how each ended topic ended."""

    ids: dict[int, str]
    events: list[LineageEvent]
    ended: dict[str, tuple[str, list[str]]]  # old id → (merged | split | dead, successor ids)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for e in self.events:
            out[e.event] += 1
        return dict(out)


def _cos(a: np.ndarray | None, b: np.ndarray | None) -> float | None:
    if a is None or b is None or len(a) != len(b):
        return None
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    return float(np.dot(a, b) / (na * nb)) if na and nb else None


def keyword_vectors(
    prev: Mapping[str, Mapping[str, float]], cur: Mapping[int, Mapping[str, float]]
) -> tuple[dict[str, np.ndarray], dict[int, np.ndarray]]:
    """Keyword-weight vectors over a shared vocabulary, to compare term-vector topics across scans."""
    vocab = sorted({t for kw in prev.values() for t in kw} | {t for kw in cur.values() for t in kw})
    pos = {t: i for i, t in enumerate(vocab)}

    def vec(kw: Mapping[str, float]) -> np.ndarray:
        v = np.zeros(len(vocab), dtype=np.float32)
        for t, w in kw.items():
            v[pos[t]] = w
        return v

    return {k: vec(v) for k, v in prev.items()}, {k: vec(v) for k, v in cur.items()}


@dataclass
class _Matching:
    """The document flows between last scan's topics and this scan's clusters, and the ids given so far."""

    prev_members: Mapping[str, Sequence[str]]
    cur_members: Mapping[int, Sequence[str]]
    prev_vectors: Mapping[str, np.ndarray]
    cur_vectors: Mapping[int, np.ndarray]
    prev_labels: Mapping[str, str]
    cur_labels: Mapping[int, str]
    flows: dict[tuple[str, int], int] = field(default_factory=dict)
    surviving: dict[str, int] = field(default_factory=dict)
    children: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    parents: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    ids: dict[int, str] = field(default_factory=dict)
    passed: set[str] = field(default_factory=set)
    by_centroid: dict[int, tuple[str, float]] = field(default_factory=dict)

    def give(self, c: int, p: str) -> bool:
        """Cluster c continues topic p, unless either is already taken."""
        if p in self.passed or c in self.ids:
            return False
        self.ids[c] = p
        self.passed.add(p)
        return True

    def info_prev(self, p: str) -> dict[str, Any]:
        return {"id": p, "label": self.prev_labels.get(p), "size": len(self.prev_members[p]),
                "still_in_window": self.surviving[p]}

    def info_cur(self, c: int) -> dict[str, Any]:
        return {"id": self.ids[c], "label": self.cur_labels.get(c), "size": len(self.cur_members[c])}


def _count_flows(m: _Matching, current_docs: set[str] | frozenset[str]) -> None:
    """|P ∩ C| for every old topic P and new cluster C, and how many of P's members are still in the window."""
    owner: dict[str, str] = {}
    for pid in sorted(m.prev_members):
        for d in m.prev_members[pid]:
            owner[d] = pid
    flows: dict[tuple[str, int], int] = defaultdict(int)
    for c in sorted(m.cur_members):
        for d in m.cur_members[c]:
            p = owner.get(d)
            if p is not None:
                flows[(p, c)] += 1
    m.flows = flows
    m.surviving = {p: sum(1 for d in docs if d in current_docs) for p, docs in m.prev_members.items()}


def _match_by_members(m: _Matching, min_flow_share: float, min_flow_docs: int) -> None:
    """Significant flows make parent/child pairs; the largest flow of each pair passes the old id on."""
    significant = sorted(
        ((f, p, c) for (p, c), f in m.flows.items()
         if f >= min_flow_docs and f >= min_flow_share * max(m.surviving[p], 1)),
        key=lambda x: (-x[0], x[1], x[2]),
    )
    for _, p, c in significant:
        m.children[p].append(c)
        m.parents[c].append(p)
    for _, p, c in significant:
        m.give(c, p)


def _match_by_centroids(m: _Matching, centroid_match: float) -> None:
    """Where no documents connect them, similar centres do (e.g. every old member left the window)."""
    lone_prev = [p for p in sorted(m.prev_members) if p not in m.children]
    lone_cur = [c for c in sorted(m.cur_members) if c not in m.parents]
    pairs = []
    for p in lone_prev:
        for c in lone_cur:
            s = _cos(m.prev_vectors.get(p), m.cur_vectors.get(c))
            if s is not None and s >= centroid_match:
                pairs.append((s, p, c))
    for s, p, c in sorted(pairs, key=lambda x: (-x[0], x[1], x[2])):
        if m.give(c, p):
            m.by_centroid[c] = (p, s)


def _old_topic_events(m: _Matching) -> tuple[list[LineageEvent], dict[str, tuple[str, list[str]]]]:
    """Splits of old topics, and how each old topic that passed its id to no cluster ended."""
    events: list[LineageEvent] = []
    ended: dict[str, tuple[str, list[str]]] = {}
    for p in sorted(m.prev_members):
        kids = sorted(m.children.get(p, []))
        if len(kids) >= 2:
            events.append(LineageEvent(
                "split", (p,), tuple(m.ids[c] for c in kids),
                {"from": m.info_prev(p), "to": [m.info_cur(c) | {"shared": m.flows[(p, c)]} for c in kids],
                 "kept_id": p in m.passed},
            ))
        if p in m.passed:
            continue
        if len(kids) >= 2:
            ended[p] = ("split", [m.ids[c] for c in kids])
        elif len(kids) == 1:
            ended[p] = ("merged", [m.ids[kids[0]]])
        else:
            top = sorted(((f, c) for (q, c), f in m.flows.items() if q == p), reverse=True)[:3]
            events.append(LineageEvent(
                "death", (p,), (),
                {"from": m.info_prev(p), "scattered_to": [{"id": m.ids[c], "shared": f} for f, c in top]},
            ))
            ended[p] = ("dead", [])
    return events, ended


def _continuation(m: _Matching, c: int, p: str, size_change: float) -> LineageEvent:
    before, after = len(m.prev_members[p]), len(m.cur_members[c])
    kind = "continue"
    if after >= before * (1.0 + size_change):
        kind = "grow"
    elif after <= before * (1.0 - size_change):
        kind = "shrink"
    sim = _cos(m.prev_vectors.get(p), m.cur_vectors.get(c))
    return LineageEvent(
        kind, (p,), (m.ids[c],),
        {"from": m.info_prev(p), "to": m.info_cur(c), "shared": m.flows.get((p, c), 0),
         "centroid_similarity": None if sim is None else round(sim, 4),
         "matched_by": "centroid" if c in m.by_centroid else "members"},
    )


def _new_cluster_events(m: _Matching, size_change: float) -> list[LineageEvent]:
    """Merges into, births of, and continuations (grow / shrink / continue) by this scan's clusters."""
    events: list[LineageEvent] = []
    for c in sorted(m.cur_members):
        ps = sorted(m.parents.get(c, []))
        if len(ps) >= 2:
            events.append(LineageEvent(
                "merge", tuple(ps), (m.ids[c],),
                {"from": [m.info_prev(p) | {"shared": m.flows[(p, c)]} for p in ps], "to": m.info_cur(c)},
            ))
        elif not ps and c not in m.by_centroid:
            old = [(f, p) for (p, cc), f in m.flows.items() if cc == c]
            events.append(LineageEvent(
                "birth", (), (m.ids[c],),
                {"to": m.info_cur(c), "from_old_topics": sum(f for f, _ in old),
                 "mostly_from": [{"id": p, "shared": f} for f, p in sorted(old, reverse=True)[:3]]},
            ))
        elif len(ps) == 1 and len(m.children[ps[0]]) == 1 or c in m.by_centroid:
            events.append(_continuation(m, c, ps[0] if ps else m.by_centroid[c][0], size_change))
    return events


def match_topics(
    prev_members: Mapping[str, Sequence[str]],
    cur_members: Mapping[int, Sequence[str]],
    *,
    current_docs: set[str] | frozenset[str],
    new_id: Callable[[], str],
    prev_vectors: Mapping[str, np.ndarray] | None = None,
    cur_vectors: Mapping[int, np.ndarray] | None = None,
    prev_labels: Mapping[str, str] | None = None,
    cur_labels: Mapping[int, str] | None = None,
    min_flow_share: float = 0.2,
    min_flow_docs: int = 3,
    centroid_match: float = 0.85,
    size_change: float = 0.5,
) -> LineageResult:
    """Match this scan's clusters (label → member doc ids) to last scan's topics (id → member doc ids).

    current_docs: every document in this scan's window (assigned or not), so that members that left
    the window do not count against an old topic. new_id() is called for each cluster that starts a
    new topic, in label order.
    """
    m = _Matching(prev_members, cur_members, prev_vectors or {}, cur_vectors or {}, prev_labels or {}, cur_labels or {})
    _count_flows(m, current_docs)
    _match_by_members(m, min_flow_share, min_flow_docs)
    _match_by_centroids(m, centroid_match)
    for c in sorted(cur_members):
        if c not in m.ids:
            m.ids[c] = new_id()
    events, ended = _old_topic_events(m)
    events += _new_cluster_events(m, size_change)
    return LineageResult(ids=m.ids, events=events, ended=ended)
