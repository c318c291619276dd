"""Lineage: ids follow documents; continue, grow, split, merge, birth and death are named; ids never reused."""

from __future__ import annotations

import itertools

import numpy as np

from scoring.topics.lineage import keyword_vectors, match_topics


def ids(prefix: str, n: int, start: int = 0) -> list[str]:
    return [f"{prefix}{i}" for i in range(start, start + n)]


def new_ids(start: int = 100):
    counter = itertools.count(start)
    return lambda: f"T{next(counter):04d}"


def test_continuation_keeps_the_id_and_growth_is_named() -> None:
    prev = {"T0001": ids("a", 20), "T0002": ids("b", 20)}
    cur = {0: ids("a", 20) + ids("n", 15), 1: ids("b", 19)}
    res = match_topics(prev, cur, current_docs=set(cur[0] + cur[1] + ["b19"]), new_id=new_ids())
    assert res.ids == {0: "T0001", 1: "T0002"}
    kinds = {e.from_topics[0]: e.event for e in res.events}
    assert kinds == {"T0001": "grow", "T0002": "continue"}
    assert res.ended == {}


def test_split_keeps_id_on_the_larger_part_and_merge_on_the_larger_parent() -> None:
    prev = {"T0001": ids("a", 30), "T0002": ids("b", 12), "T0003": ids("c", 10)}
    cur = {0: ids("a", 18), 1: ids("a", 12, start=18), 2: ids("b", 12) + ids("c", 10)}
    docs = set(ids("a", 30) + ids("b", 12) + ids("c", 10))
    res = match_topics(prev, cur, current_docs=docs, new_id=new_ids())
    assert res.ids[0] == "T0001" and res.ids[1] == "T0100" and res.ids[2] == "T0002"
    split = [e for e in res.events if e.event == "split"]
    merge = [e for e in res.events if e.event == "merge"]
    assert len(split) == 1 and split[0].from_topics == ("T0001",) and split[0].to_topics == ("T0001", "T0100")
    assert len(merge) == 1 and merge[0].from_topics == ("T0002", "T0003") and merge[0].to_topics == ("T0002",)
    assert res.ended == {"T0003": ("merged", ["T0002"])}
    assert not [e for e in res.events if e.event in ("birth", "death")]


def test_birth_and_death() -> None:
    prev = {"T0001": ids("a", 10), "T0002": ids("gone", 10)}
    cur = {0: ids("a", 10), 1: ids("new", 25)}
    docs = set(ids("a", 10) + ids("new", 25) + ids("gone", 10))  # gone's docs are still in the window, unassigned
    res = match_topics(prev, cur, current_docs=docs, new_id=new_ids(7))
    assert res.ids == {0: "T0001", 1: "T0007"}
    events = {e.event: e for e in res.events}
    assert events["birth"].to_topics == ("T0007",)
    assert events["death"].from_topics == ("T0002",)
    assert res.ended["T0002"] == ("dead", [])


def test_scattered_members_do_not_count_as_a_split() -> None:
    # 10% of the old topic's members drift into each of three other topics: noise, not a split.
    prev = {"T0001": ids("a", 100)}
    cur = {0: ids("a", 70), 1: ids("a", 10, 70) + ids("x", 40), 2: ids("a", 10, 80) + ids("y", 40),
           3: ids("a", 10, 90) + ids("z", 40)}
    docs = {d for m in cur.values() for d in m}
    res = match_topics(prev, cur, current_docs=docs, new_id=new_ids())
    assert res.ids[0] == "T0001"
    assert sorted(e.event for e in res.events) == ["birth", "birth", "birth", "continue"]


def test_centroid_similarity_links_topics_when_no_documents_are_shared() -> None:
    rng = np.random.default_rng(0)
    v = rng.standard_normal(16)
    prev = {"T0001": ids("old", 10)}
    cur = {0: ids("fresh", 10)}
    res = match_topics(prev, cur, current_docs=set(cur[0]), new_id=new_ids(),
                       prev_vectors={"T0001": v}, cur_vectors={0: v + 0.05 * rng.standard_normal(16)})
    assert res.ids == {0: "T0001"}
    assert res.events[0].event == "continue" and res.events[0].details["matched_by"] == "centroid"
    far = match_topics(prev, cur, current_docs=set(cur[0]), new_id=new_ids(),
                       prev_vectors={"T0001": v}, cur_vectors={0: -v})
    assert far.ids == {0: "T0100"}


def test_members_that_left_the_window_do_not_count_against_a_topic() -> None:
    prev = {"T0001": ids("a", 100)}
    cur = {0: ids("a", 20, 80)}  # 80 old members aged out of the window; the 20 left stay together
    res = match_topics(prev, cur, current_docs=set(cur[0]), new_id=new_ids())
    assert res.ids == {0: "T0001"}
    assert res.events[0].event == "shrink"


def test_keyword_vectors_share_one_vocabulary() -> None:
    p, c = keyword_vectors({"T1": {"量子": 2.0, "芯片": 1.0}}, {0: {"量子": 1.0, "通信": 1.0}})
    assert p["T1"].shape == c[0].shape == (3,)
    assert float(p["T1"] @ c[0]) == 2.0
