"""The ledger's arithmetic on hand-built cases: window counts, share growth, probability rules, verification scores."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from scoring import ledger

D = dt.date


def span(source: str, day: str, precision: str = "day") -> dict:
    return {"source": source, "published": D.fromisoformat(day), "precision": precision}


def test_window_counts_spread_year_dates_by_overlap() -> None:
    spans = [span("a", "2020-03-01"), span("a", "2020-12-31"), span("a", "2021-01-01"),
             span("b", "2020-01-01", "year"), span("b", "2019-07-01", "month")]
    # A calendar-year window takes the whole "2020" paper; a half-year window half of it.
    assert ledger.window_counts(spans, D(2020, 1, 1), D(2021, 1, 1)) == {"a": 2.0, "b": 1.0}
    half = ledger.window_counts(spans, D(2020, 7, 1), D(2021, 1, 1))
    assert half["a"] == 1.0
    assert half["b"] == pytest.approx(184 / 366)
    assert ledger.window_counts(spans, D(2019, 7, 15), D(2019, 8, 1)) == {"b": pytest.approx(17 / 31)}


def test_share_growth_pools_sources_and_ignores_one_window_sources() -> None:
    # Source a: 10 of 100 documents, then 20 of 100 (share doubles). Source c exists only in the
    # target window and must not count, however many technology documents it holds.
    g = ledger.share_growth({"a": 10}, {"a": 20, "c": 50}, {"a": 100}, {"a": 100, "c": 60})
    assert g.sources == 1
    assert (g.baseline, g.target) == (10, 20)
    assert g.ratio == pytest.approx((20 * 100 / 200 + 0.5) / (10 * 100 / 200 + 0.5))
    # A corpus that doubles while the technology doubles is no growth of its share.
    flat = ledger.share_growth({"a": 10}, {"a": 20}, {"a": 100}, {"a": 200})
    assert flat.ratio == pytest.approx(1.0)
    gone = ledger.share_growth({"a": 10}, {"c": 5}, {"a": 100}, {"c": 100})
    assert gone.ratio is None and "both windows" in gone.reason


def test_growth_probability_is_half_on_the_threshold_and_moves_with_the_trend() -> None:
    theta = math.log(1.08)  # one year at 8 %
    at, terms = ledger.growth_probability(current_log_growth=theta / 0.5, months=12, annual_rate=0.08,
                                          baseline_documents=50, persistence=0.5, sigma_year=0.35)
    assert at == pytest.approx(0.5)
    assert terms["mu"] == pytest.approx(theta)
    up, _ = ledger.growth_probability(current_log_growth=1.0, months=12, annual_rate=0.08, baseline_documents=50,
                                      persistence=0.5, sigma_year=0.35)
    down, _ = ledger.growth_probability(current_log_growth=-1.0, months=12, annual_rate=0.08, baseline_documents=50,
                                        persistence=0.5, sigma_year=0.35)
    assert down < 0.5 < up
    # Few documents: counting noise pulls the probability towards 0.5.
    thin, _ = ledger.growth_probability(current_log_growth=1.0, months=12, annual_rate=0.08, baseline_documents=3,
                                        persistence=0.5, sigma_year=0.35)
    assert 0.5 < thin < up


def test_annualised_growth_reads_the_indicator_windows() -> None:
    reading = {"value": 1.0, "details": {"recent_window": ["2018-01-01", "2020-01-01"],
                                         "baseline_window": ["2015-01-01", "2018-01-01"]}}
    g, note = ledger.annualised_growth(reading)
    gap = ((D(2019, 1, 1) - D(2016, 7, 2)).days) / 365.25
    assert g == pytest.approx(math.log(2) / gap, rel=1e-3)
    assert "log2" in note
    assert ledger.annualised_growth({"value": None, "details": {"reason": "only 3 documents"}})[0] == 0.0


def test_other_probability_rules() -> None:
    # Certain call and no hazard: no shift; half the doubt of an uncertain call counts towards a shift.
    assert ledger.horizon_probability(confidence=1.0, hazard=0.0, months=24) == 0.0
    assert ledger.horizon_probability(confidence=0.6, hazard=0.0, months=24) == pytest.approx(0.2)
    assert ledger.horizon_probability(confidence=1.0, hazard=0.5, months=24) == pytest.approx(1 - math.exp(-1.0))
    assert ledger.stays_probability(margin=0.0, sigma_year=0.1, months=12) == pytest.approx(0.5)
    assert ledger.stays_probability(margin=0.1, sigma_year=0.1, months=12) == pytest.approx(ledger.normal_cdf(1.0))
    assert ledger.first_policy_probability(recent_news=0, base=0.1, press=0.5, half=20, months=12) == pytest.approx(1 - math.exp(-0.1))
    assert ledger.first_policy_probability(recent_news=20, base=0.1, press=0.5, half=20, months=24) == pytest.approx(1 - math.exp(-0.7))
    assert ledger.clip_probability(0.999, 0.02) == 0.98 and ledger.clip_probability(0.0, 0.02) == 0.02


def test_source_mix() -> None:
    assert ledger.source_mix({"paper": 70, "news": 30, "policy": 1}) == "paper+news"
    assert ledger.source_mix({"news": 5}) == "news"
    assert ledger.source_mix({}) == "none"
    assert ledger.source_mix({"a": 1, "b": 1, "c": 1, "d": 1, "e": 1}) == "mixed"


def test_verification_scores_on_a_hand_built_record() -> None:
    ps = [0.9, 0.8, 0.3, 0.6, 0.1, 0.2]
    os_ = [1, 1, 1, 0, 0, 0]
    c = ledger.contingency(ps, os_)
    assert (c["hits"], c["misses"], c["false_alarms"], c["correct_negatives"]) == (2, 1, 1, 2)
    assert c["threat_score"] == 0.5  # 2 / (2 + 1 + 1)
    assert c["hit_rate"] == pytest.approx(4 / 6, abs=1e-4)
    assert c["probability_of_detection"] == pytest.approx(2 / 3, abs=1e-4)
    assert ledger.brier_score(ps, os_) == pytest.approx((0.01 + 0.04 + 0.49 + 0.36 + 0.01 + 0.04) / 6)
    table = ledger.calibration_table(ps, os_, bins=2)
    assert table == [
        {"bin": "0.0–0.5", "forecasts": 3, "mean_probability": 0.2, "observed_frequency": pytest.approx(1 / 3, abs=1e-4)},
        {"bin": "0.5–1.0", "forecasts": 3, "mean_probability": pytest.approx(0.7667, abs=1e-4), "observed_frequency": pytest.approx(2 / 3, abs=1e-4)},
    ]
    assert ledger.contingency([], [])["threat_score"] is None


def test_track_record_groups_and_worst_misses() -> None:
    def row(fid: str, p: float, o: int | None, kind: str, horizon: str, resolved: bool = True) -> dict:
        return {"forecast_id": fid, "tech_id": "t", "as_of": D(2020, 1, 1), "type": kind, "statement": fid,
                "probability": p, "outcome": o, "resolved": resolved, "resolves_on": D(2021, 1, 1), "horizon": horizon,
                "observed": {}, "evidence_doc_ids": ["d1"], "void_reason": None if o is not None or not resolved else "x"}

    rows = [row("a", 0.9, 0, "growth_12m", "mid"), row("b", 0.7, 1, "growth_12m", "near"),
            row("c", 0.2, None, "stays_listed", "mid"), row("d", 0.5, None, "first_policy", "mid", resolved=False)]
    rec = ledger.track_record(rows, by="horizon")
    assert rec["overall"]["resolved"] == 2 and rec["overall"]["void"] == 1 and rec["overall"]["pending"] == 1
    groups = {g["horizon"]: g for g in rec["groups"]}
    assert groups["mid"]["forecasts"] == 3 and groups["mid"]["brier"] == pytest.approx(0.81)
    assert rec["growth"]["growth_12m"]["threat_score"] == 0.5
    assert [m["forecast_id"] for m in rec["worst_misses"]] == ["a"]
    # The reference forecasts each type's own frequency: one type always happened, the other never,
    # so the reference is perfect (0), where one pooled base rate (50 %) would score 0.25.
    two = [row("x1", 0.6, 1, "stays_listed", "mid"), row("x2", 0.6, 1, "stays_listed", "mid"),
           row("y1", 0.4, 0, "first_policy", "mid"), row("y2", 0.4, 0, "first_policy", "mid")]
    stats = ledger.track_record(two)["overall"]
    assert stats["brier_climatology"] == 0.0 and stats["brier"] == pytest.approx(0.16) and stats["brier_skill"] is None
    with pytest.raises(ValueError, match="unknown grouping"):
        ledger.track_record(rows, by="colour")


def test_replay_dates() -> None:
    assert ledger.replay_dates(D(2013, 1, 1), D(2015, 6, 1), 12) == [D(2013, 1, 1), D(2014, 1, 1), D(2015, 1, 1)]
    assert len(ledger.replay_dates(D(2020, 1, 31), D(2020, 12, 31), 1)) == 12
    with pytest.raises(ValueError):
        ledger.replay_dates(D(2020, 1, 1), D(2021, 1, 1), 0)


def test_recalibration_learns_from_the_record_and_starts_at_the_rule() -> None:
    assert ledger.fit_recalibration([]) == (0.0, 1.0)
    assert ledger.apply_recalibration(0.7, 0.0, 1.0) == pytest.approx(0.7)
    # The rule said 80 % forty times and it happened eight times: the record pulls 80 % well down.
    over = [(0.8, 1)] * 8 + [(0.8, 0)] * 32 + [(0.2, 0)] * 40
    a, b = ledger.fit_recalibration(over, prior_sd=0.5)
    assert ledger.apply_recalibration(0.8, a, b) < 0.45
    # A well-calibrated record leaves the rule close to where it was.
    fair = [(0.8, 1)] * 32 + [(0.8, 0)] * 8 + [(0.2, 1)] * 8 + [(0.2, 0)] * 32
    a, b = ledger.fit_recalibration(fair, prior_sd=0.5)
    assert ledger.apply_recalibration(0.8, a, b) == pytest.approx(0.8, abs=0.03)
    # A tighter prior trusts the rule more.
    loose = ledger.apply_recalibration(0.8, *ledger.fit_recalibration(over, prior_sd=2.0))
    tight = ledger.apply_recalibration(0.8, *ledger.fit_recalibration(over, prior_sd=0.1))
    assert loose < tight


def test_build_forecasts_recalibrates_only_types_with_enough_history() -> None:
    rules, digest = ledger.load_rules()
    scan = {"scan_id": "s", "as_of": D(2020, 1, 1), "backtest": False, "weights_hash": "w"}
    entries = [{"tech_id": "t", "rank": 1, "priority": 0.8, "horizon": "mid", "horizon_confidence": 0.7, "direction": "d"}]
    plain = ledger.build_forecasts(scan, entries, {}, {"t": 20.0}, {}, {}, rules, digest)
    history = {"horizon_shift": [(0.3, 1)] * 40, "stays_listed": [(0.98, 1)] * 5}
    learned = ledger.build_forecasts(scan, entries, {}, {"t": 20.0}, {}, {}, rules, digest, history)
    before = {r["type"]: r for r in plain}
    after = {r["type"]: r for r in learned}
    assert set(before) == set(after) == {"growth_48m", "growth_12m", "horizon_shift", "stays_listed", "first_policy"}
    # Every shift the rule gave 30 % happened: its record raises the probability; others keep the rule's.
    assert after["horizon_shift"]["probability"] > before["horizon_shift"]["probability"]
    assert after["horizon_shift"]["inputs"]["rule_probability"] == before["horizon_shift"]["probability"]
    assert after["horizon_shift"]["inputs"]["recalibration"]["resolved_forecasts"] == 40
    assert after["stays_listed"]["probability"] == before["stays_listed"]["probability"]
    assert "recalibration" not in after["stays_listed"]["inputs"]
