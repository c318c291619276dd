"""Indicator arithmetic on small hand-built cases: periods, rate ratios, bursts, diversity, stage rules."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter

import numpy as np
import pytest

from scoring.screening.indicators.base import (
    EvidenceDoc,
    add_months,
    doc_period_counts,
    interval_end,
    mention_contexts,
    period_edges,
    saturate,
)
from scoring.screening.indicators.coherence import mean_pairwise_cosine
from scoring.screening.indicators.growth import kleinberg_states, mantel_haenszel
from scoring.screening.indicators.industrialisation import (
    channel_of,
    text_stage,
    timeline_years,
    trial_stage,
    venture_stage,
)
from scoring.screening.indicators.local import is_chinese, load_local_vocabulary, players_in
from scoring.screening.indicators.policy import issuer_weight
from scoring.screening.indicators.reach import hill_diversity
from scoring.screening.weights import load_weights


def doc(published: str, precision: str = "day", **kw: object) -> EvidenceDoc:
    fields = {"doc_id": "d", "kind": "news", "language": "en", "source": "s", "title": "t"}
    fields.update(kw)
    return EvidenceDoc(published=dt.date.fromisoformat(published), precision=precision, **fields)  # type: ignore[arg-type]


def test_date_spans_follow_precision() -> None:
    assert interval_end(dt.date(2024, 1, 1), "year") == dt.date(2025, 1, 1)
    assert interval_end(dt.date(2024, 12, 1), "month") == dt.date(2025, 1, 1)
    assert interval_end(dt.date(2024, 2, 29), "day") == dt.date(2024, 3, 1)
    assert add_months(dt.date(2024, 3, 31), -1) == dt.date(2024, 2, 29)


def test_year_dated_document_is_spread_over_the_periods_it_overlaps() -> None:
    edges = period_edges(dt.date(2025, 7, 1), 12, 2)  # [2023-07-01, 2024-07-01, 2025-07-01)
    counts = doc_period_counts([doc("2024-01-01", "year")], edges)
    # 2024 has 182 days before 2024-07-01 and 184 after, out of 366.
    assert counts == pytest.approx([182 / 366, 184 / 366])
    assert doc_period_counts([doc("2024-05-03")], edges) == pytest.approx([1.0, 0.0])


def test_mantel_haenszel_pools_sources_and_drops_one_window_sources() -> None:
    recent, base = slice(1, 2), slice(0, 1)
    tech = {"a": np.array([5.0, 10.0]), "new": np.array([0.0, 50.0])}
    totals = {"a": np.array([100.0, 100.0]), "new": np.array([0.0, 100.0])}
    rr = mantel_haenszel(tech, totals, recent, base, shrink=0)
    # Only source "a" covers both windows: (10·100/200 + 0.5) / (5·100/200 + 0.5) = 5.5 / 3.0.
    assert rr is not None and rr.strata == 1
    assert rr.ratio == pytest.approx(5.5 / 3.0)
    assert rr.log2_shrunk == pytest.approx(math.log2(5.5 / 3.0))
    shrunk = mantel_haenszel(tech, totals, recent, base, shrink=15)
    assert shrunk.log2_shrunk == pytest.approx(math.log2(5.5 / 3.0) * 15 / 30)
    # A source that doubles its output while the technology keeps its share is not growth.
    flat = mantel_haenszel({"a": np.array([5.0, 10.0])}, {"a": np.array([100.0, 200.0])}, recent, base, shrink=0)
    assert flat.ratio == pytest.approx(1.0, abs=0.05)
    assert mantel_haenszel(tech, {"a": np.array([0.0, 100.0])}, recent, base) is None


def test_kleinberg_finds_a_real_burst_and_ignores_a_small_blip() -> None:
    d = [100.0] * 8
    assert kleinberg_states([2, 2, 2, 2, 12, 14, 2, 2], d) == [0, 0, 0, 0, 1, 1, 0, 0]
    assert kleinberg_states([1, 1, 2, 1, 1, 1, 1, 1], d) == [0] * 8
    assert kleinberg_states([0, 0, 0], [0, 0, 0]) == [0, 0, 0]


def test_hill_diversity_counts_effective_categories() -> None:
    assert hill_diversity(Counter({"a": 5, "b": 5, "c": 5, "d": 5})) == pytest.approx(4.0)
    assert hill_diversity(Counter({"a": 7})) == pytest.approx(1.0)
    assert 1.0 < hill_diversity(Counter({"a": 9, "b": 1})) < 2.0


def test_mean_pairwise_cosine_matches_brute_force() -> None:
    docs = [Counter({"x": 2, "y": 1}), Counter({"x": 1, "z": 3}), Counter({"y": 1, "z": 1})]
    idf = {"x": 1.0, "y": 2.0, "z": 1.5}
    vecs = []
    for c in docs:
        v = np.array([(1 + math.log(c[t])) * idf[t] if c[t] else 0.0 for t in "xyz"])
        vecs.append(v / np.linalg.norm(v))
    brute = np.mean([a @ b for a, b in itertools.permutations(vecs, 2)])
    assert mean_pairwise_cosine(docs, idf, set()) == pytest.approx(brute)
    assert mean_pairwise_cosine(docs[:1], idf, set()) is None


def test_saturation_is_half_at_the_half_constant() -> None:
    assert saturate(0, 5) == 0.0
    assert saturate(5, 5) == pytest.approx(0.5)
    assert saturate(45, 5) == pytest.approx(0.9)


def test_stage_terms_read_the_highest_unhedged_signal() -> None:
    assert text_stage(["公司宣布神经部件实现量产。"], "news")[:2] == (8.5, "mass_production")
    assert text_stage(["The widget enters mass production in May."], "news")[0] == 9
    # An ambition is not a fact: a hedged stage word does not count.
    assert text_stage(["神经部件有望明年实现量产"], "news") is None
    assert text_stage(["This could enable commercial deployment in future."], "paper") is None
    # Negations, distances in time and questions are not facts either.
    assert text_stage(["黄仁勋称量子计算商用化至少还需15年"], "news") is None
    assert text_stage(["Commercial deployment is still decades away, experts say."], "news") is None
    assert text_stage(["Commercial deployment began in May."], "news")[0] == 8
    assert text_stage(["核聚变发电要实现商业化了吗？"], "news") is None
    assert text_stage(["该技术尚未实现量产"], "news") is None
    # Approval to start a trial is clinical evidence (TRL 6), not market approval (8).
    assert text_stage(["脑机接口人体临床试验获批"], "news")[:2] == (6, "clinical")
    assert text_stage(["NMPA approves the first implant for sale"], "news")[:2] == (8, "approval")
    assert text_stage(["Scientists set a record in the experiment"], "news")[:2] == (3, "research")
    # Policy language states intent, so it is never discounted as hedging.
    assert text_stage(["加快推进神经部件产业化"], "policy")[:2] == (8, "commercialisation")


def test_trials_funding_and_companies_map_to_trl() -> None:
    assert trial_stage(doc("2024-01-01", kind="trial", extra={"phases": "Phase 2|Phase 3"}))[0] == 8.0
    assert trial_stage(doc("2024-01-01", kind="trial", extra={"phases": "Early Phase 1"}))[0] == 5.5
    assert trial_stage(doc("2024-01-01", kind="trial", extra={}))[0] == 6.0
    assert venture_stage(doc("2024-01-01", extra={"funding_round": "Series B"}))[0] == 6.0
    assert venture_stage(doc("2024-01-01", extra={"funding_round": "Pre-Seed"}))[0] == 4.5
    assert venture_stage(doc("2024-01-01", title="某公司完成C轮融资"))[0] == 7.0
    assert venture_stage(doc("2024-01-01", kind="company"))[0] == 4.0
    assert channel_of(doc("2024-01-01", title="Acme raises $5M (Seed)")) == "ventures"
    assert channel_of(doc("2024-01-01", kind="trial")) == "trials"
    assert channel_of(doc("2024-01-01", kind="paper")) == "papers"


def test_stated_timelines_must_lie_after_the_document() -> None:
    d = doc("2025-03-01", title="目标：到2035年实现聚变发电", extra={"break_even_target": "2030s [13]"})
    years = [y for y, _ in timeline_years(d, [d.title])]
    assert years == [2035, 2035]  # "到2035年", and the 2030s read as their middle
    old = doc("2025-03-01", title="by 2020 the plan was done")
    assert timeline_years(old, [old.title]) == []


def test_stage_words_are_read_in_the_sentence_that_names_the_technology() -> None:
    d = doc("2025-01-01", title="国内联播快讯", body="新型电池实现量产。另外，人造太阳实验取得突破；后续继续推进。")
    assert mention_contexts(d, ["人造太阳"], 160) == ["另外，人造太阳实验取得突破；"]
    assert text_stage(mention_contexts(d, ["人造太阳"], 160), "news")[0] == 3


def test_policy_issuer_rank_prefers_central_bodies() -> None:
    ranks = load_weights()[0].indicators.policy.issuer_rank
    assert issuer_weight("国务院", ranks, 0.5) == 1.0
    assert issuer_weight("国务院办公厅", ranks, 0.5) == 0.85
    assert issuer_weight("工业和信息化部", ranks, 0.5) == 0.7
    assert issuer_weight(None, ranks, 0.5) == 0.5


def test_local_vocabulary_finds_players_and_chinese_origin() -> None:
    vocab = load_local_vocabulary()
    assert "复旦大学" in players_in("A team at Fudan University reports", vocab.players)
    assert "中芯国际" in players_in("SMIC expands capacity", vocab.players)
    assert players_in("ASMICS is not a player", vocab.players) == []
    assert is_chinese(doc("2025-01-01", countries=("China", "USA")), vocab) is True
    assert is_chinese(doc("2025-01-01", countries=("Germany",)), vocab) is False
    assert is_chinese(doc("2025-01-01", language="zh"), vocab) is True
    assert is_chinese(doc("2025-01-01", language=None), vocab) is None
