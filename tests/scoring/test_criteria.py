"""Criteria on hand-built indicator values: horizon bands and insufficient evidence, strategic, disruptive, weights."""

from __future__ import annotations

from typing import Any

import pytest

from scoring.screening import criteria
from scoring.screening.indicators.base import IndicatorValue
from scoring.screening.weights import load_weights

PARAMS = load_weights()[0]


def stage(**channels: dict[float, float]) -> dict[str, IndicatorValue]:
    """A stage_evidence indicator whose channels hold the given TRL → weight histograms."""
    details: dict[str, Any] = {}
    for name, hist in channels.items():
        n = sum(hist.values())
        details[name] = {
            "n": n,
            "documents": int(n),
            "mean_trl": sum(k * v for k, v in hist.items()) / n,
            "hist": {f"{k:g}": [w, w / max(1.0, w)] for k, w in hist.items()},  # unit-weight documents
            "top": [{"doc_id": f"{name}-{k:g}", "trl": k, "family": "f", "cue": "c", "published": "2025-01-01", "title": "t"}
                    for k in hist],
        }
    return {"stage_evidence": IndicatorValue("stage_evidence", 0.0, None, {"channels": details})}


def test_industrialisation_evidence_gives_near() -> None:
    call = criteria.horizon(stage(news={8.0: 12, 3.0: 6}, trials={7.0: 8, 6.0: 2}), PARAMS)
    assert call.horizon == "near"
    assert call.confidence is not None and call.confidence > 0.9
    assert call.trl_high >= 7
    assert any("industrialisation" in r for r in call.reasons)


def test_research_dominated_evidence_gives_far() -> None:
    call = criteria.horizon(stage(news={3.0: 20, 8.0: 1}, ventures={4.0: 10}), PARAMS)
    assert call.horizon == "far"
    assert call.trl_high <= 4


def test_development_evidence_gives_mid() -> None:
    call = criteria.horizon(stage(news={5.0: 10, 3.0: 8}, ventures={5.0: 8, 6.0: 4}), PARAMS)
    assert call.horizon == "mid"


def test_research_papers_never_lower_the_readiness() -> None:
    with_papers = criteria.horizon(stage(news={8.0: 12, 3.0: 6}, trials={7.0: 8}, papers={2.0: 5000, 3.0: 500}), PARAMS)
    without = criteria.horizon(stage(news={8.0: 12, 3.0: 6}, trials={7.0: 8}), PARAMS)
    assert with_papers.horizon == without.horizon == "near"
    assert with_papers.trl_estimate == without.trl_estimate


def test_thin_evidence_says_insufficient_evidence_with_the_reason() -> None:
    call = criteria.horizon(stage(news={8.0: 2}, ventures={7.0: 1}), PARAMS)
    assert call.horizon == criteria.INSUFFICIENT
    assert call.leaning == "near"  # shown as a leaning, never as the call
    assert "stage-tagged documents" in call.reasons[0]
    one_channel = criteria.horizon(stage(ventures={5.0: 12}), PARAMS)
    assert one_channel.horizon == criteria.INSUFFICIENT
    assert "channel" in one_channel.reasons[0]
    # A large single channel can carry a call, and says that it does.
    big = criteria.horizon(stage(news={8.0: 30, 3.0: 10}), PARAMS)
    assert big.horizon == "near" and any("rests on one channel (news" in r for r in big.reasons)
    empty = criteria.horizon({}, PARAMS)
    assert empty.horizon == criteria.INSUFFICIENT and empty.confidence is None


def test_a_call_on_the_corroboration_line_is_not_made_silently() -> None:
    # Exactly on the line: the posterior cannot say which side the true share is on.
    call = criteria.horizon(stage(news={8.0: 3, 5.0: 9}, ventures={8.0: 1, 5.0: 3}), PARAMS)
    assert call.horizon == criteria.INSUFFICIENT
    assert "confidence" in call.reasons[0]


def ind(name: str, score: float | None, **details: Any) -> IndicatorValue:
    return IndicatorValue(name, score, score, details or ({"reason": "thin"} if score is None else {}))


def strategic_inputs(policy: float, local: float, reach: float) -> dict[str, IndicatorValue]:
    return {
        "volume": ind("volume", 50.0, recent_documents=50),
        "policy_attention": ind("policy_attention", policy),
        "local_fit": ind("local_fit", local),
        "reach": ind("reach", reach),
    }


def test_strategic_weights_change_the_ranking() -> None:
    a = strategic_inputs(policy=0.9, local=0.1, reach=0.5)
    b = strategic_inputs(policy=0.1, local=0.9, reach=0.5)
    default = PARAMS
    assert criteria.strategic(a, default).score > criteria.strategic(b, default).score
    local_first = PARAMS.updated({"strategic": {"policy_attention": 0.1, "local_fit": 0.8}})
    assert criteria.strategic(a, local_first).score < criteria.strategic(b, local_first).score


def test_strategic_flag_threshold_and_insufficient_evidence() -> None:
    high = criteria.strategic(strategic_inputs(0.8, 0.8, 0.8), PARAMS)
    assert high.flag is True and high.label == "yes"
    low = criteria.strategic(strategic_inputs(0.1, 0.1, 0.1), PARAMS)
    assert low.flag is False and low.label == "no"
    thin = strategic_inputs(0.8, 0.8, 0.8)
    thin["volume"] = ind("volume", 2.0, recent_documents=2)
    call = criteria.strategic(thin, PARAMS)
    assert call.flag is None and call.label == criteria.INSUFFICIENT and call.score is None


def test_strategic_leaves_out_what_cannot_be_computed_and_says_so() -> None:
    inputs = strategic_inputs(0.6, 0.6, 0.6)
    inputs["reach"] = ind("reach", None)
    call = criteria.strategic(inputs, PARAMS)
    assert call.score == pytest.approx(0.6)
    assert any("breadth" in r for r in call.reasons)


def disruptive_inputs(**scores: float | None) -> dict[str, IndicatorValue]:
    names = {"novelty": 0.5, "growth": 0.5, "coherence": 0.5, "prominence": 0.5, "reach": 0.5, "uncertainty": 0.5}
    names.update(scores)
    return {k: ind(k, v) for k, v in names.items()}


def test_disruptive_shows_rotolo_attributes_separately() -> None:
    call = criteria.disruptive(disruptive_inputs(novelty=0.9, growth=0.8, prominence=0.6, reach=0.4), PARAMS)
    attrs = {a.name: a.score for a in call.attributes}
    assert list(attrs) == list(criteria.ROTOLO_ATTRIBUTES)
    assert attrs["radical_novelty"] == 0.9 and attrs["fast_growth"] == 0.8
    assert attrs["prominent_impact"] == pytest.approx(0.5)
    assert call.score == pytest.approx((0.9 + 0.8 + 0.5 + 0.5 + 0.5) / 5)
    # Two attributes present is not enough: emergence shows in the attributes jointly.
    assert call.flag is False and "2 of 5 attributes present" in call.reasons[0]
    three = criteria.disruptive(disruptive_inputs(novelty=0.9, growth=0.8, coherence=0.7), PARAMS)
    assert three.flag is True and "radical_novelty, fast_growth, coherence" in three.reasons[0]


def test_disruptive_needs_enough_attributes() -> None:
    call = criteria.disruptive(
        disruptive_inputs(novelty=None, growth=None, coherence=None, prominence=None, reach=None), PARAMS
    )
    assert call.label == criteria.INSUFFICIENT and call.score is None
    assert "radical_novelty" in call.reasons[0]
