"""Freezing and resolving on a hand-built warehouse: every outcome below follows from counts that can be checked by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from scoring import ledger
from tests.ledger.conftest import add_docs, add_reading, add_score, add_tech
from warehouse import ledger_store as store

D = dt.date
AS_OF = D(2020, 1, 1)
SCAN = "s-2020-01-01"  # a regular scan (not an 'asof-' replay)


def monthly(year: int, n: int, day: int = 15) -> list[str]:
    return [f"{year}-{1 + i % 12:02d}-{day:02d}" for i in range(n)]


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """The shipped rules with a top-2 watchlist, so three technologies exercise both sides of the cut."""
    text = ledger.LEDGER_PATH.read_text(encoding="utf-8").replace("top = 10", "top = 2")
    path = tmp_path / "ledger.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def con(warehouse_con: Any) -> Any:
    return build(warehouse_con)


def build(c: Any, *, same_day_rescan: str | None = None) -> Any:
    """Three technologies, their documents and the scans of 2020-2021; same_day_rescan: a second scan with
    that id on AS_OF with the same scores and readings (a re-scan with nothing new)."""
    add_tech(c, "t1", "Grower", "增长技术")
    add_tech(c, "t2", "Flat", "平稳技术", direction="future_energy")
    add_tech(c, "t3", "Newcomer", "新技术", direction="future_health")
    # Source a: t1 doubles its share (10 of 110 documents in 2019, 20 of 110 in 2020); t2 stays at 10.
    add_docs(c, "src_a", "paper", monthly(2019, 10), tech_id="t1")
    add_docs(c, "src_a", "paper", monthly(2020, 20), tech_id="t1")
    add_docs(c, "src_a", "paper", monthly(2019, 10, day=16), tech_id="t2")
    add_docs(c, "src_a", "paper", monthly(2020, 10, day=16), tech_id="t2")
    add_docs(c, "src_a", "paper", monthly(2019, 90, day=20))
    add_docs(c, "src_a", "paper", monthly(2020, 80, day=20))
    # Source c starts in 2020 and is full of t2: it covers only one window, so it must not make t2 grow.
    add_docs(c, "src_c", "news", monthly(2020, 50), tech_id="t2")
    # A paper dated only "2020" is not known on 2020-06-01, and must not count before 2021.
    add_docs(c, "src_a", "paper", ["2020-01-01"], tech_id="t3", precision="year", prefix="t3-year")
    # Policy: t2 was named before the forecast; t1 is first named in August 2020.
    add_docs(c, "policy", "policy", ["2018-05-01"], tech_id="t2", title="关于发展平稳技术的意见")
    t1_policy = add_docs(c, "policy", "policy", ["2020-08-01"], tech_id="t1", title="增长技术行动方案")

    # The scan that makes the forecasts: t1 mid, t2 far, t3 near; priorities 0.8 > 0.6 > 0.4.
    for scan in (SCAN, same_day_rescan) if same_day_rescan else (SCAN,):
        add_score(c, scan, "t1", AS_OF, strategic=0.8, disruptive=0.8, horizon="mid", confidence=0.8)
        add_score(c, scan, "t2", AS_OF, strategic=0.6, disruptive=0.6, horizon="far", confidence=0.9)
        add_score(c, scan, "t3", AS_OF, strategic=0.4, disruptive=0.4, horizon="near", confidence=0.9)
        growth = {"recent_window": ["2018-01-01", "2020-01-01"], "baseline_window": ["2015-01-01", "2018-01-01"]}
        add_reading(c, scan, "t1", "growth", 1.0, growth)
        add_reading(c, scan, "t2", "growth", 0.0, growth)
        add_reading(c, scan, "t1", "volume", 30.0, {"by_kind": {"paper": 30.0}})
        add_reading(c, scan, "t2", "volume", 20.0, {"by_kind": {"paper": 15.0, "news": 5.0}})
        add_reading(c, scan, "t3", "volume", 1.0, {"by_kind": {"news": 1.0}})
    # Later scans: t1 is called near in September 2020 but falls to rank 3 by 2021; t2 stays far.
    add_score(c, "s-2020-09-01", "t1", D(2020, 9, 1), strategic=0.8, disruptive=0.8, horizon="near", drivers=t1_policy)
    add_score(c, "s-2020-09-01", "t2", D(2020, 9, 1), strategic=0.6, disruptive=0.6, horizon="far")
    add_score(c, "s-2021-01-01", "t1", D(2021, 1, 1), strategic=0.3, disruptive=0.3, horizon="near")
    add_score(c, "s-2021-01-01", "t2", D(2021, 1, 1), strategic=0.7, disruptive=0.7, horizon="far")
    add_score(c, "s-2021-01-01", "t3", D(2021, 1, 1), strategic=0.5, disruptive=0.5, horizon="near")
    add_score(c, "s-2021-12-20", "t2", D(2021, 12, 20), strategic=0.7, disruptive=0.7, horizon="far")
    # A replayed scan at the same date must not stand in for regular scans.
    add_score(c, "asof-2021-12-20", "t2", D(2021, 12, 20), strategic=0.7, disruptive=0.7, horizon="mid")
    return c


def outcomes(con: Any) -> dict[str, tuple[int | None, str | None]]:
    return {r["forecast_id"].split("/", 1)[1]: (r["outcome"], r["void_reason"]) for r in store.forecasts(con) if r["resolved"]}


def test_freezing_makes_the_expected_forecasts(con: Any, rules: Path) -> None:
    assert ledger.freeze_forecasts(con, SCAN, rules_path=rules) == 10
    made = {r["forecast_id"].split("/", 1)[1]: r for r in store.forecasts(con)}
    # t2 was named by a policy in 2018 (no first-policy call); t3 is third on a top-2 list, has no
    # baseline documents (its only paper, dated "2020", was not yet known) and is near already.
    assert set(made) == {
        "t1/first_policy", "t1/growth_12m", "t1/growth_48m", "t1/horizon_shift", "t1/stays_listed",
        "t2/growth_12m", "t2/growth_48m", "t2/horizon_shift", "t2/stays_listed",
        "t3/first_policy",
    }
    g = made["t1/growth_12m"]
    assert g["resolves_on"] == D(2021, 1, 1)
    assert g["target"]["baseline_window"] == ["2019-01-01", "2020-01-01"]
    assert g["inputs"]["baseline_documents"] == 10.0
    assert g["probability"] > made["t2/growth_12m"]["probability"]  # t1's share was growing, t2's flat
    assert made["t1/horizon_shift"]["target"] == {"from": "mid", "to": "near", "months": 24, "grace_days": 45}
    assert made["t1/stays_listed"]["inputs"]["rule"]["cutoff"] == pytest.approx(0.5)
    assert made["t1/stays_listed"]["probability"] > made["t2/stays_listed"]["probability"] > 0.5
    assert "增长技术" in g["statement"] and "Grower" in g["statement"]
    assert (g["horizon"], g["direction"], g["source_mix"], g["backtest"]) == ("mid", "future_information", "paper", False)
    # Freezing again adds nothing.
    assert ledger.freeze_forecasts(con, SCAN, rules_path=rules) == 0


def test_first_policy_is_offered_only_where_no_policy_named_it(con: Any, rules: Path) -> None:
    ledger.freeze_forecasts(con, SCAN, rules_path=rules)
    kinds = {r["forecast_id"].split("/", 1)[1] for r in store.forecasts(con) if r["type"] == "first_policy"}
    assert kinds == {"t1/first_policy", "t3/first_policy"}  # t2 was named in 2018


def test_resolution_step_by_step(con: Any, rules: Path) -> None:
    ledger.freeze_forecasts(con, SCAN, rules_path=rules)

    # June 2020: nothing has happened and nothing is due.
    assert ledger.resolve_due(con, D(2020, 6, 1)) == 0

    # September 2020: t1's first policy document (August) and its move to near resolve early.
    assert ledger.resolve_due(con, D(2020, 9, 2)) == 2
    got = outcomes(con)
    assert got == {"t1/first_policy": (1, None), "t1/horizon_shift": (1, None)}
    rows = {r["forecast_id"].split("/", 1)[1]: r for r in store.forecasts(con)}
    assert rows["t1/first_policy"]["observed"]["first"]["title"] == "增长技术行动方案 0"
    assert rows["t1/horizon_shift"]["observed"]["scan_id"] == "s-2020-09-01"
    assert rows["t1/horizon_shift"]["evidence_doc_ids"] == rows["t1/first_policy"]["evidence_doc_ids"]

    # January 2021: the 12-month growth calls and the top-2 calls are due.
    ledger.resolve_due(con, D(2021, 1, 1))
    got = outcomes(con)
    assert got["t1/growth_12m"] == (1, None)   # share ×1.91 ≥ ×1.08
    assert got["t2/growth_12m"] == (0, None)   # share ×1.00; the 2020-only source does not count
    assert got["t1/stays_listed"] == (0, None)  # rank 3 in the 2021-01-01 scan
    assert got["t2/stays_listed"] == (1, None)  # rank 1
    rows = {r["forecast_id"].split("/", 1)[1]: r for r in store.forecasts(con)}
    obs = rows["t1/growth_12m"]["observed"]
    # src_a holds 110 documents in 2019 and 111 in 2020 (t3's "2020" paper is known by now).
    assert obs["rate_ratio"] == pytest.approx((20 * 110 / 221 + 0.5) / (10 * 111 / 221 + 0.5), rel=1e-5)
    assert (obs["target_documents"], obs["baseline_documents"], obs["sources_in_both_windows"]) == (20.0, 10.0, 1)
    assert rows["t2/growth_12m"]["observed"]["rate_ratio"] == pytest.approx((10 * 110 / 221 + 0.5) / (10 * 111 / 221 + 0.5), rel=1e-5)
    assert rows["t1/stays_listed"]["observed"]["rank"] == 3
    assert len(rows["t1/growth_12m"]["evidence_doc_ids"]) == 20

    # January 2022: t2 is still far in the last regular scan before the date (the replayed 'mid' does not count).
    ledger.resolve_due(con, D(2022, 1, 1))
    got = outcomes(con)
    assert got["t2/horizon_shift"] == (0, None)
    assert got["t3/first_policy"] == (0, None)  # policy was watched (t1's document) but none named t3
    # The 48-month calls stay open.
    assert {r["type"] for r in store.forecasts(con) if not r["resolved"]} == {"growth_48m"}


def test_void_when_the_warehouse_cannot_tell(warehouse_con: Any, rules: Path) -> None:
    c = warehouse_con
    add_tech(c, "t1", "Lonely")
    add_docs(c, "src_a", "paper", monthly(2019, 10), tech_id="t1")
    add_docs(c, "src_a", "paper", monthly(2019, 50, day=20))
    add_score(c, SCAN, "t1", AS_OF, horizon="mid")
    add_score(c, SCAN, "t9", AS_OF, strategic=0.1, disruptive=0.1, horizon="far")
    ledger.freeze_forecasts(c, SCAN, rules_path=rules)
    # No scan after the forecast, no document of src_a after 2019, no policy document at all.
    ledger.resolve_due(c, D(2022, 1, 2))
    got = outcomes(c)
    assert got["t1/growth_12m"][0] is None and "both windows" in got["t1/growth_12m"][1]
    assert got["t1/stays_listed"][0] is None and "no scan" in got["t1/stays_listed"][1]
    assert got["t1/horizon_shift"][0] is None and "no scan" in got["t1/horizon_shift"][1]
    assert got["t1/first_policy"][0] is None and "policy was not watched" in got["t1/first_policy"][1]
    rec = ledger.track_record(store.forecasts(c))
    # t1: 12-month growth, stays, horizon, first policy; t9: stays, horizon, first policy.
    assert rec["overall"]["void"] == 7 and rec["overall"]["pending"] == 1 and rec["overall"]["brier"] is None


def test_documents_not_yet_known_do_not_count(warehouse_con: Any, rules: Path) -> None:
    """A paper dated only '2020' is unknown on 2020-06-01: the baseline of a mid-year forecast leaves it out."""
    c = warehouse_con
    add_tech(c, "t1", "Yearly")
    add_docs(c, "src_a", "paper", monthly(2019, 6, day=10) + ["2019-07-10"] * 4, tech_id="t1")
    add_docs(c, "src_a", "paper", ["2020-01-01"] * 30, tech_id="t1", precision="year", prefix="y2020")
    add_docs(c, "src_a", "paper", monthly(2019, 40, day=20))
    add_score(c, "s-mid", "t1", D(2020, 6, 1), horizon="near")
    ledger.freeze_forecasts(c, "s-mid", rules_path=rules)
    g = next(r for r in store.forecasts(c) if r["type"] == "growth_12m")
    # Window [2019-06-01, 2020-06-01): the four July 2019 papers and one of the monthly ones (June); not the "2020" papers.
    assert g["inputs"]["baseline_documents"] == 5.0


def test_ledger_summary_for_the_views(con: Any, rules: Path) -> None:
    ledger.freeze_forecasts(con, SCAN, rules_path=rules)
    ledger.resolve_due(con, D(2021, 1, 1))
    overall = ledger.ledger_summary(con)
    assert overall["scope"] == "regular scans"
    assert (overall["forecasts"], overall["resolved"], overall["pending"]) == (10, 6, 4)
    assert overall["brier"] is not None and overall["open"] and overall["recent"]
    one = ledger.ledger_summary(con, "t2")
    assert one["tech_id"] == "t2" and one["forecasts"] == 4
    assert {g["type"] for g in one["by_type"]} == {"growth_12m", "growth_48m", "horizon_shift", "stays_listed"}
    assert ledger.ledger_summary(con, backtest=True)["forecasts"] == 0
    # The report templates and `assess --format json` take it as it is.
    import json

    assert json.loads(json.dumps(overall))["tech_id"] is None


def test_recalibration_only_sees_outcomes_known_at_the_scan(con: Any, rules: Path) -> None:
    ledger.freeze_forecasts(con, SCAN, rules_path=rules)
    ledger.resolve_due(con, D(2020, 9, 2))
    ledger.resolve_due(con, D(2021, 1, 1))
    assert store.resolved_record(con, backtest=False, known_by=D(2020, 9, 1)) == []
    assert len(store.resolved_record(con, backtest=False, known_by=D(2020, 9, 2))) == 2
    assert len(store.resolved_record(con, backtest=False, known_by=D(2021, 1, 2))) == 6
    assert store.resolved_record(con, backtest=True, known_by=D(2030, 1, 1)) == []


def test_two_scans_on_the_same_day_keep_the_record_of_one(con: Any, rules: Path, tmp_path: Path) -> None:
    """A same-day re-scan freezes the same claims again: nothing is written and the track record is that of one scan."""
    from flows.present.track_record import build_record
    from warehouse.db import connect_writer
    from warehouse.migrate import migrate

    twice = connect_writer(tmp_path / "twice.duckdb")
    migrate(twice)
    build(twice, same_day_rescan="s-2020-01-01-again")
    assert ledger.freeze_forecasts(con, SCAN, rules_path=rules) == 10
    assert ledger.freeze_forecasts(twice, SCAN, rules_path=rules) == 10
    assert ledger.freeze_forecasts(twice, "s-2020-01-01-again", rules_path=rules) == 0
    assert twice.execute("SELECT count(*) FROM forecasts").fetchall() == [(10,)]
    for day in (D(2020, 9, 2), D(2021, 1, 1), D(2022, 1, 1)):
        assert ledger.resolve_due(twice, day) == ledger.resolve_due(con, day) > 0
        assert ledger.ledger_summary(twice) == ledger.ledger_summary(con)
        assert ledger.ledger_summary(twice, "t1") == ledger.ledger_summary(con, "t1")
        assert ledger.track_record(store.forecasts(twice), by="type") == ledger.track_record(store.forecasts(con), by="type")
        assert build_record(twice) == build_record(con)
    assert ledger.ledger_summary(con)["resolved"] == 8  # the two 48-month growth calls stay open
    twice.close()
