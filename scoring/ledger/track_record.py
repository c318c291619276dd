"""The ledger's track record: Brier score against climatology, threat score, calibration, worst misses."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from scoring.ledger.rules import GROUPINGS, load_rules
from warehouse import ledger_store as store


def brier_score(probabilities: Sequence[float], outcomes: Sequence[int]) -> float | None:
    """Mean squared difference between probability and outcome (0 best, 0.25 for always saying 50 %)."""
    if not probabilities:
        return None
    return sum((p - o) ** 2 for p, o in zip(probabilities, outcomes, strict=True)) / len(probabilities)


def calibration_table(probabilities: Sequence[float], outcomes: Sequence[int], bins: int = 10) -> list[dict[str, Any]]:
    """Forecasts grouped by probability (equal-width bins): how often what was forecast happened."""
    rows: list[dict[str, Any]] = []
    for i in range(bins):
        lo, hi = i / bins, (i + 1) / bins
        sel = [(p, o) for p, o in zip(probabilities, outcomes, strict=True) if lo <= p < hi or (i == bins - 1 and p == 1.0)]
        if not sel:
            continue
        rows.append({
            "bin": f"{lo:.1f}–{hi:.1f}",
            "forecasts": len(sel),
            "mean_probability": round(sum(p for p, _ in sel) / len(sel), 4),
            "observed_frequency": round(sum(o for _, o in sel) / len(sel), 4),
        })
    return rows


def contingency(probabilities: Sequence[float], outcomes: Sequence[int], threshold: float = 0.5) -> dict[str, Any]:
    """Yes/no calls (probability ≥ threshold) against outcomes: hits, misses, false alarms, threat score.

    Threat score (critical success index) = hits / (hits + misses + false alarms), the measure
    Klavans, Boyack & Murdick (2022) report for growth forecasts; correct negatives do not count.
    """
    hits = misses = false_alarms = negatives = 0
    for p, o in zip(probabilities, outcomes, strict=True):
        yes = p >= threshold
        if yes and o:
            hits += 1
        elif yes:
            false_alarms += 1
        elif o:
            misses += 1
        else:
            negatives += 1
    n = hits + misses + false_alarms + negatives
    denom = hits + misses + false_alarms
    return {
        "hits": hits, "misses": misses, "false_alarms": false_alarms, "correct_negatives": negatives,
        "hit_rate": round((hits + negatives) / n, 4) if n else None,
        "threat_score": round(hits / denom, 4) if denom else None,
        "probability_of_detection": round(hits / (hits + misses), 4) if hits + misses else None,
        "false_alarm_ratio": round(false_alarms / (hits + false_alarms), 4) if hits + false_alarms else None,
        "base_rate": round((hits + misses) / n, 4) if n else None,
    }


def _stats(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Counts and scores of a set of ledger rows.

    brier_climatology is the Brier score of always forecasting the observed frequency of each
    forecast's own type (within these rows): the bar a rule must clear to say more than "how often
    things of this kind happen". Pooling types under one base rate would flatter the record.
    """
    decided = [r for r in rows if r["resolved"] and r["outcome"] is not None]
    ps = [float(r["probability"]) for r in decided]
    os_ = [int(r["outcome"]) for r in decided]
    brier = brier_score(ps, os_)
    by_type: dict[str, list[int]] = defaultdict(list)
    for r in decided:
        by_type[str(r["type"])].append(int(r["outcome"]))
    freq = {t: sum(v) / len(v) for t, v in by_type.items()}
    ref = brier_score([freq[str(r["type"])] for r in decided], os_) if decided else None
    out = {
        "forecasts": len(rows),
        "resolved": len(decided),
        "void": sum(1 for r in rows if r["resolved"] and r["outcome"] is None),
        "pending": sum(1 for r in rows if not r["resolved"]),
        "brier": round(brier, 4) if brier is not None else None,
        "brier_climatology": round(ref, 4) if ref is not None else None,
        "brier_skill": round(1 - brier / ref, 4) if brier is not None and ref else None,
        "mean_probability": round(sum(ps) / len(ps), 4) if ps else None,
    }
    out.update(contingency(ps, os_))
    return out


def track_record(rows: Sequence[Mapping[str, Any]], *, by: str | None = None, bins: int = 10, worst: int = 10) -> dict[str, Any]:
    """Hit rate, Brier score, threat score, calibration and worst misses of ledger rows (store.forecasts()).

    by: one of GROUPINGS to split the figures (type, horizon at forecast time, direction, source mix).
    Growth calls get their own threat score, comparable with Klavans et al. (2022).
    """
    if by is not None and by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; use one of: {', '.join(GROUPINGS)}")
    decided = [r for r in rows if r["resolved"] and r["outcome"] is not None]
    groups = []
    if by:
        keyed: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for r in rows:
            keyed[str(r.get(by) or "—")].append(r)
        groups = [{by: k, **_stats(v)} for k, v in sorted(keyed.items())]
    growth = [r for r in rows if str(r["type"]).startswith("growth_")]
    growth_by_type = {t: _stats([r for r in growth if r["type"] == t]) for t in sorted({r["type"] for r in growth})}
    misses = sorted(decided, key=lambda r: (-(float(r["probability"]) - int(r["outcome"])) ** 2, r["forecast_id"]))[:worst]
    return {
        "overall": _stats(rows),
        "by": by,
        "groups": groups,
        "growth": growth_by_type,
        "calibration": calibration_table([float(r["probability"]) for r in decided], [int(r["outcome"]) for r in decided], bins),
        "worst_misses": [
            {"forecast_id": r["forecast_id"], "tech_id": r["tech_id"], "as_of": str(r["as_of"]), "type": r["type"],
             "statement": r["statement"], "probability": r["probability"], "outcome": r["outcome"],
             "resolves_on": str(r["resolves_on"]), "observed": r["observed"], "evidence_doc_ids": r["evidence_doc_ids"][:5]}
            for r in misses if (float(r["probability"]) - int(r["outcome"])) ** 2 > 0.25
        ],
    }


def ledger_summary(con: Any, tech_id: str | None = None, *, backtest: bool | None = False) -> dict[str, Any]:
    """The ledger's record for the report and `assess`: overall (or one technology's) figures, open and recent calls.

    backtest=False: forecasts of regular scans; True: of replayed scans; None: both. When the regular
    record has nothing resolved yet, `backtest_record` carries the replayed scans' figures beside it.
    """

    rows = store.forecasts(con, tech_id=tech_id, backtest=backtest)
    rules, _ = load_rules()
    record = track_record(rows, by="type", bins=rules.metrics.calibration_bins, worst=rules.metrics.worst_misses)
    out: dict[str, Any] = {
        "tech_id": tech_id,
        "scope": {False: "regular scans", True: "replayed scans (backtest)", None: "all scans"}[backtest],
        **record["overall"],
        "by_type": record["groups"],
        "growth": record["growth"],
        "calibration": record["calibration"],
        "worst_misses": record["worst_misses"],
        "open": [
            {"forecast_id": r["forecast_id"], "statement": r["statement"], "probability": r["probability"],
             "resolves_on": str(r["resolves_on"])}
            for r in rows if not r["resolved"]
        ][-20:],
        "recent": [
            {"forecast_id": r["forecast_id"], "statement": r["statement"], "probability": r["probability"],
             "outcome": r["outcome"], "void_reason": r["void_reason"], "resolved_as_of": str(r["resolved_as_of"])}
            for r in sorted((r for r in rows if r["resolved"]), key=lambda r: (r["resolved_as_of"], r["forecast_id"]))
        ][-10:],
        "backtest_record": None,
    }
    if backtest is False and not out["resolved"]:
        replay = [r for r in store.forecasts(con, tech_id=tech_id, backtest=True)]
        if replay:
            out["backtest_record"] = track_record(replay, by="type")["overall"]
    return out
