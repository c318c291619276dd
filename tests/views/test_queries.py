"""The query layer: scan order, ranks, candidates, evidence parts, topic lineage."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.views import scenario
from warehouse import views

AS_OF = dt.date(2026, 11, 16)


def test_latest_scan_skips_backtests_and_previous_is_started_before(con: Any) -> None:
    assert views.resolve_scan(con)["scan_id"] == scenario.S2  # the backtest started later but is not "latest"
    assert views.resolve_scan(con, scenario.BACKTEST)["scan_id"] == scenario.BACKTEST
    assert views.previous_scan(con, scenario.S2)["scan_id"] == scenario.S1
    assert views.previous_scan(con, scenario.S1) is None
    assert views.previous_scan(con, scenario.BACKTEST) is None


def test_unknown_scan_names_the_scans_that_exist(con: Any) -> None:
    with pytest.raises(views.ViewError, match="2026-W47"):
        views.resolve_scan(con, "2020-W01")


def test_rank_is_mean_of_strategic_and_disruptive_and_insufficient_is_unranked(con: Any) -> None:
    rows = views.ranked_scores(con, scenario.S2)
    ranked = [r["tech_id"] for r in rows if r["rank"] is not None]
    assert ranked[:4] == ["brain_computer_interface", "quantum_computing", "silicon_photonics", "commercial_space"]
    bci = rows[0]
    assert bci["priority"] == pytest.approx((0.85 + 0.80) / 2)
    unranked = {r["tech_id"] for r in rows if r["rank"] is None}
    assert unranked == {"embodied_ai", "cand_solid_state_battery"}
    # overrides beside the computed values, the withdrawn one not at all
    assert bci["override_horizon"] == "near" and bci["horizon"] == "near"
    assert bci["override_strategic"] == "yes"
    qc = next(r for r in rows if r["tech_id"] == "quantum_computing")
    assert qc["override_horizon"] is None and qc["horizon"] == "far"


def test_new_candidates_are_those_created_since_the_previous_scan(con: Any) -> None:
    since = views.previous_scan(con, scenario.S2)["started_at"]
    got = views.new_candidates(con, since)
    assert [c["tech_id"] for c in got] == ["cand_solid_state_battery"]
    assert got[0]["evidence_count"] == 1
    assert {c["tech_id"] for c in views.new_candidates(con, None)} == {"cand_solid_state_battery", "cand_old_topic"}


def test_evidence_trend_counts_by_year_and_kind_before_as_of(con: Any) -> None:
    trend = views.evidence_trends(con, AS_OF, "quantum_computing")["quantum_computing"]
    assert trend[2025] == {"paper": 1, "news": 1, "policy": 1}
    assert trend[2019] == {"paper": 1}
    early = views.evidence_trends(con, dt.date(2023, 1, 1), "quantum_computing")["quantum_computing"]
    assert max(early) == 2022


def test_leaders_policy_and_milestones(con: Any, doc_keys: dict[str, str]) -> None:
    lead = views.leaders(con, "quantum_computing", AS_OF)
    assert lead["country"][0] == {"name": "China", "documents": 4}
    assert {"name": "Google Quantum AI", "documents": 3} in lead["institution"]
    pol = views.policy_mentions(con, "quantum_computing", AS_OF)
    assert [(p["title"], p["issuer"], p["doc_number"]) for p in pol] == [
        ("上海市未来产业先导区建设行动方案", "上海市科学技术委员会", "沪科〔2025〕12号")
    ]
    events = {m["event"]: m for m in views.milestones(con, "brain_computer_interface", AS_OF)}
    assert events["first_paper"]["published"] == dt.date(2021, 2, 1)
    assert events["first_trial"]["doc_id"] == doc_keys["bci_trial"]
    assert events["first_clinical_trial"]["doc_id"] == doc_keys["bci_trial"]
    assert events["first_policy"]["doc_id"] == doc_keys["qc_pol"]
    assert events["funding_round"]["doc_id"] == doc_keys["bci_fund"]
    assert events["first_approval"]["doc_id"] == doc_keys["bci_zh"]
    before = {m["event"] for m in views.milestones(con, "brain_computer_interface", dt.date(2024, 1, 1))}
    assert before == {"first_paper"}


def test_topic_lineage_follows_merges(con: Any, doc_keys: dict[str, str]) -> None:
    if "_topics" not in doc_keys:
        pytest.skip("topic tables absent or of another shape")
    lin = views.topic_lineage(con, "quantum_computing")
    assert lin["available"]
    assert [t["topic_id"] for t in lin["topics"]] == ["T0003", "T0002"]
    assert lin["topics"][1]["successors"] == ["T0003"]
    assert [(e["event"], e["from_topics"], e["to_topics"]) for e in lin["events"]] == [
        ("merge", ["T0002", "T0004"], ["T0003"])
    ]
    assert views.topic_lineage(con, "controlled_fusion")["topics"] == []


def test_topic_lineage_degrades_without_topic_tables() -> None:
    import duckdb

    c = duckdb.connect()
    c.execute("CREATE TABLE technologies (tech_id VARCHAR, topic_id VARCHAR)")
    lin = views.topic_lineage(c, "x")
    assert lin["available"] is False and "no topic tables" in lin["note"]


def test_no_scores_yet_is_a_clear_error(warehouse_con: Any) -> None:
    with pytest.raises(views.ViewError, match="no scored scan"):
        views.resolve_scan(warehouse_con)
