"""Resolving the ledger's forecasts: each type's outcome from what the warehouse shows after the forecast.

Growth and stays-listed calls wait for their resolution date; horizon shifts and first-policy calls
resolve as soon as they happen. Only documents whose whole date span lies before the resolving
date count. Outcomes are immutable, as forecasts are.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scoring.ledger.probabilities import share_growth, window_counts
from scoring.ledger.rules import HORIZON_RANK
from warehouse import ledger_store as store
from warehouse import views


@dataclass
class Resolution:
    """The outcome of one forecast: 1 / 0, or void with the reason; what was observed and the documents showing it."""

    outcome: int | None
    observed: dict[str, Any]
    evidence: list[str] = field(default_factory=list)
    void_reason: str | None = None


def resolve_growth(
    target: Mapping[str, Any],
    tech_base: Mapping[str, float],
    tech_target: Mapping[str, float],
    total_base: Mapping[str, float],
    total_target: Mapping[str, float],
) -> Resolution:
    """Outcome of a growth call from window counts: share ratio ≥ threshold."""
    sg = share_growth(tech_base, tech_target, total_base, total_target)
    observed = {
        "rate_ratio": None if sg.ratio is None else round(sg.ratio, 6),
        "threshold_ratio": target["threshold_ratio"],
        "target_documents": round(sg.target, 3),
        "baseline_documents": round(sg.baseline, 3),
        "sources_in_both_windows": sg.sources,
        "annual_rate": None if sg.ratio is None or sg.ratio <= 0 else round(sg.ratio ** (12.0 / target["months"]) - 1.0, 6),
    }
    if sg.ratio is None:
        return Resolution(None, observed, void_reason=sg.reason)
    return Resolution(int(sg.ratio >= float(target["threshold_ratio"]) - 1e-12), observed)


def resolve_horizon_shift(
    forecast: Mapping[str, Any], calls: Sequence[Mapping[str, Any]], scans: Sequence[Mapping[str, Any]], as_of: dt.date
) -> Resolution | None:
    """Outcome of a horizon shift from later calls; None while it cannot be decided yet.

    calls: the technology's horizon calls in later scans of the same family with as_of up to the
    resolution date. scans: every such scan (whether or not it scored the technology).
    """
    target = forecast["target"]
    goal = HORIZON_RANK[target["to"]]
    for c in calls:
        if c["horizon"] in HORIZON_RANK and HORIZON_RANK[c["horizon"]] >= goal:
            return Resolution(1, {"scan_id": c["scan_id"], "as_of": str(c["as_of"]), "horizon": c["horizon"],
                                  "confidence": c.get("horizon_confidence")}, list(c.get("drivers") or []))
    if as_of < forecast["resolves_on"]:
        return None
    lo = forecast["resolves_on"] - dt.timedelta(days=int(target["grace_days"]))
    final = [s for s in scans if lo <= s["as_of"] <= forecast["resolves_on"]]
    if not final:
        return Resolution(None, {"scans_seen": len(scans)},
                          void_reason=f"no scan between {lo} and {forecast['resolves_on']} to judge the horizon by")
    last = final[-1]
    call = next((c for c in calls if c["scan_id"] == last["scan_id"]), None)
    observed = {"scan_id": last["scan_id"], "as_of": str(last["as_of"]), "horizon": call["horizon"] if call else None,
                "path": [f"{c['as_of']}: {c['horizon']}" for c in calls]}
    return Resolution(0, observed, list((call or {}).get("drivers") or []))


def resolve_stays(forecast: Mapping[str, Any], ranks: Mapping[str, Mapping[str, Any]] | None, scan: Mapping[str, Any] | None) -> Resolution:
    """Outcome of a stays-listed call from the ranks of the scan that stands for the resolution date."""
    target = forecast["target"]
    if scan is None or ranks is None:
        lo = forecast["resolves_on"] - dt.timedelta(days=int(target["grace_days"]))
        return Resolution(None, {}, void_reason=f"no scan between {lo} and {forecast['resolves_on']} to read the watchlist from")
    row = ranks.get(forecast["tech_id"])
    rank = row.get("rank") if row else None
    observed = {"scan_id": scan["scan_id"], "as_of": str(scan["as_of"]), "rank": rank,
                "priority": row.get("priority") if row else None, "top": target["top"]}
    if row and row.get("reasons"):
        observed["reasons"] = {k: list(v)[:2] for k, v in row["reasons"].items() if k in ("strategic", "disruptive")}
    return Resolution(int(rank is not None and rank <= int(target["top"])), observed)


def resolve_first_policy(
    forecast: Mapping[str, Any], docs: Sequence[Mapping[str, Any]], policy_in_window: int, as_of: dt.date
) -> Resolution | None:
    """Outcome of a first-policy call from the policy documents linked to it since the forecast; None while open."""
    if docs:
        first = docs[0]
        return Resolution(1, {"first": {"doc_id": first["doc_id"], "title": first["title"], "published": str(first["published"]),
                                        "issuer": first.get("issuer"), "matched": first.get("matched")},
                              "documents": len(docs)}, [d["doc_id"] for d in docs][:20])
    if as_of < forecast["resolves_on"]:
        return None
    if policy_in_window == 0:
        return Resolution(None, {"policy_documents_in_window": 0},
                          void_reason="the warehouse holds no policy document at all in the window: policy was not watched")
    return Resolution(0, {"policy_documents_in_window": policy_in_window})


def _drivers(horizon_evidence: str | None) -> list[str]:
    try:
        ev = json.loads(horizon_evidence) if horizon_evidence else {}
    except ValueError:
        return []
    return [d["doc_id"] for d in ev.get("drivers", []) if isinstance(d, Mapping) and d.get("doc_id")][:10]


def resolve_due(con: Any, as_of: dt.date) -> int:
    """Resolve every open forecast that can be decided from the warehouse as of this date; returns how many.

    The weekly flow calls it at the start of a scan. Each type is resolved in batches (one warehouse
    read per window, not per forecast), so a week later every open call is checked cheaply.
    """
    pending = [f for f in store.forecasts(con, unresolved_only=True) if f["as_of"] < as_of]
    if not pending:
        return 0
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in pending:
        by_type["growth" if f["type"].startswith("growth_") else f["type"]].append(f)
    scans = _FamilyScans(con)
    results: dict[str, Resolution] = {}
    results.update(_resolve_growth_calls(con, by_type.get("growth", []), as_of))
    results.update(_resolve_horizon_shifts(con, by_type.get("horizon_shift", []), as_of, scans))
    results.update(_resolve_stays_listed(con, by_type.get("stays_listed", []), as_of, scans))
    results.update(_resolve_first_policies(con, by_type.get("first_policy", []), as_of))
    now = dt.datetime.now().replace(microsecond=0)
    rows = [
        {"forecast_id": fid, "resolved_at": now, "resolved_as_of": as_of, "outcome": r.outcome,
         "void_reason": r.void_reason, "observed": r.observed, "evidence_doc_ids": list(r.evidence)}
        for fid, r in sorted(results.items())
    ]
    return store.insert_outcomes(con, rows, strict=False).inserted


class _FamilyScans:
    """Later scans of a family (regular or replayed) and their ranks, each read once per resolution run."""

    def __init__(self, con: Any) -> None:
        self._con = con
        self._scans: dict[tuple, list[dict[str, Any]]] = {}
        self._ranks: dict[str, dict[str, dict[str, Any]]] = {}

    def between(self, backtest: bool, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        key = (backtest, start, end)
        if key not in self._scans:
            self._scans[key] = store.family_scans(self._con, backtest=backtest, start=start, end=end)
        return self._scans[key]

    def ranks(self, scan_id: str) -> dict[str, dict[str, Any]]:
        if scan_id not in self._ranks:
            self._ranks[scan_id] = {r["tech_id"]: r for r in views.ranked_scores(self._con, scan_id)}
        return self._ranks[scan_id]


def _window_counts_by_tech(
    con: Any, techs: Sequence[str], start: dt.date, end: dt.date, min_conf: float, as_of: dt.date
) -> tuple[dict[str, dict[str, float]], dict[str, float], dict[str, list[dict[str, Any]]]]:
    """Per technology its documents per source in [start, end), all documents per source, and the linked rows."""
    per: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in store.linked_spans(con, techs, start=start, end=end, min_confidence=min_conf, known_by=as_of):
        per[r["tech_id"]].append(r)
    totals = window_counts(store.source_spans(con, start=start, end=end, known_by=as_of), start, end, weight="documents")
    return {t: window_counts(rows, start, end) for t, rows in per.items()}, totals, per


def _resolve_growth_calls(con: Any, forecasts: Sequence[dict[str, Any]], as_of: dt.date) -> dict[str, Resolution]:
    """Growth calls past their resolution date, batched by their (baseline, target) windows."""
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for f in forecasts:
        if f["resolves_on"] <= as_of:
            t = f["target"]
            groups[(tuple(t["baseline_window"]), tuple(t["target_window"]), float(t["min_link_confidence"]))].append(f)
    results: dict[str, Resolution] = {}
    for (bw, tw, min_conf), fs in groups.items():
        b0, b1 = (dt.date.fromisoformat(x) for x in bw)
        t0, t1 = (dt.date.fromisoformat(x) for x in tw)
        techs = sorted({f["tech_id"] for f in fs})
        tech_base, total_base, _ = _window_counts_by_tech(con, techs, b0, b1, min_conf, as_of)
        tech_target, total_target, target_rows = _window_counts_by_tech(con, techs, t0, t1, min_conf, as_of)
        for f in fs:
            tid = f["tech_id"]
            res = resolve_growth(f["target"], tech_base.get(tid, {}), tech_target.get(tid, {}), total_base, total_target)
            newest = sorted(target_rows.get(tid, []), key=lambda r: (r["published"], r["doc_id"]), reverse=True)
            res.evidence = [r["doc_id"] for r in newest[:20]]
            results[f["forecast_id"]] = res
    return results


def _resolve_horizon_shifts(
    con: Any, forecasts: Sequence[dict[str, Any]], as_of: dt.date, family: _FamilyScans
) -> dict[str, Resolution]:
    """Horizon shifts from the technology's calls in later scans of the same family."""
    results: dict[str, Resolution] = {}
    for f in forecasts:
        end = min(f["resolves_on"], as_of)
        scans = [s for s in family.between(f["backtest"], f["as_of"] + dt.timedelta(days=1), end) if s["as_of"] <= as_of]
        calls = store.horizon_calls(con, f["tech_id"], [s["scan_id"] for s in scans])
        for c in calls:
            c["drivers"] = _drivers(c.pop("horizon_evidence", None))
        res = resolve_horizon_shift(f, calls, scans, as_of)
        if res is not None:
            results[f["forecast_id"]] = res
    return results


def _resolve_stays_listed(
    con: Any, forecasts: Sequence[dict[str, Any]], as_of: dt.date, family: _FamilyScans
) -> dict[str, Resolution]:
    """Stays-listed calls past their date, from the ranks of the last scan within the grace period."""
    results: dict[str, Resolution] = {}
    for f in forecasts:
        if f["resolves_on"] > as_of:
            continue
        lo = f["resolves_on"] - dt.timedelta(days=int(f["target"]["grace_days"]))
        scans = [s for s in family.between(f["backtest"], lo, f["resolves_on"]) if s["scan_id"] != f["scan_id"]]
        scan = scans[-1] if scans else None
        ranks = family.ranks(scan["scan_id"]) if scan is not None else None
        results[f["forecast_id"]] = resolve_stays(f, ranks, scan)
    return results


def _resolve_first_policies(con: Any, forecasts: Sequence[dict[str, Any]], as_of: dt.date) -> dict[str, Resolution]:
    """First-policy calls: one warehouse read per window for all technologies."""
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for f in forecasts:
        end = min(f["resolves_on"], as_of)
        groups[(f["as_of"], end, float(f["target"]["min_link_confidence"]))].append(f)
    results: dict[str, Resolution] = {}
    for (start, end, min_conf), fs in sorted(groups.items()):
        linked: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for d in store.policy_links(con, sorted({f["tech_id"] for f in fs}), start=start, end=end, min_confidence=min_conf):
            linked[d["tech_id"]].append(d)
        watched: int | None = None
        for f in fs:
            docs = linked.get(f["tech_id"], [])
            n_policy = 0
            if not docs and f["resolves_on"] <= as_of:
                if watched is None:
                    watched = store.policy_documents(con, start=start, end=end)
                n_policy = watched
            res = resolve_first_policy(f, docs, n_policy, as_of)
            if res is not None:
                results[f["forecast_id"]] = res
    return results
