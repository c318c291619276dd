"""The forecast ledger: each scan freezes dated, probabilistic forecasts per watchlist entry; later scans resolve and score them.

Forecast types (rules and their parameters in scoring/ledger/ledger.toml):

- ``growth_48m`` / ``growth_12m`` — the technology's share of the evidence grows at least 8 % a
  year over the next N months. Share = documents linked to the technology per document of the same
  source, pooled over the sources present in both windows (Mantel-Haenszel, as the growth indicator
  measures it), comparing the last 12 months before the resolution date with the 12 months before
  the forecast. Probability: the current annualised log growth of the growth indicator, damped by
  a persistence factor, against the threshold, with a normal spread of √years × sigma_year plus
  the counting noise of the two windows (1/a + 1/b).
- ``horizon_shift`` — a mid call becomes near (a far call mid or near) in a later scan within N
  months. Probability 1 − (1 − p₀)·exp(−hazard·years), p₀ = (1 − confidence) / 2.
- ``stays_listed`` — still in the watchlist's top N at the last scan before the resolution date.
  Probability Φ(margin / (sigma·√years)), margin = priority − cut-off between ranks N and N+1.
- ``first_policy`` — for a technology no policy document has named yet: one names it within N
  months. Probability 1 − exp(−(base + press·n/(n + half))·years), n = its recent news documents.

Every probability stays inside [floor, 1 − floor]. A forecast is immutable once frozen; its target
holds everything resolution needs, so a later edit of ledger.toml never changes how it resolves.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scoring.ledger.probabilities import (
    annualised_growth,
    apply_recalibration,
    clip_probability,
    first_policy_probability,
    fit_recalibration,
    growth_probability,
    horizon_probability,
    source_mix,
    stays_probability,
    window_counts,
)
from scoring.ledger.rules import HORIZON_ZH, NEARER, RULE_VERSION, LedgerRules, load_rules
from scoring.screening.indicators.base import add_months
from warehouse import ledger_store as store
from warehouse import views


def _ctx_names(meta: Mapping[str, tuple[str, str, str]], tech_id: str) -> tuple[str, str]:
    name_en, name_zh, _ = meta.get(tech_id, (tech_id, "", ""))
    return name_en, name_zh or name_en


def _base_row(entry: Mapping[str, Any], scan: Mapping[str, Any], rule_version: str, kind: str, mix: str) -> dict[str, Any]:
    return {
        "forecast_id": f"{scan['scan_id']}/{entry['tech_id']}/{kind}",
        "scan_id": scan["scan_id"],
        "tech_id": entry["tech_id"],
        "as_of": scan["as_of"],
        "type": kind,
        "horizon": entry.get("horizon"),
        "direction": entry.get("direction") or "",
        "source_mix": mix,
        "backtest": bool(scan["backtest"]),
        "rule_version": rule_version,
    }


def _entry_inputs(entry: Mapping[str, Any], scan: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("rank", "priority", "strategic", "disruptive", "horizon", "horizon_confidence", "trl_band",
            "evidence_count", "recent_evidence")
    out = {k: entry.get(k) for k in keys}
    out["weights_hash"] = scan.get("weights_hash")
    return out


@dataclass(frozen=True)
class _Entry:
    """One ranked watchlist entry with what every forecast about it shares."""

    row: Mapping[str, Any]
    name_en: str
    name_zh: str
    readings: Mapping[str, Mapping[str, Any]]
    mix: str
    inputs: Mapping[str, Any]

    @property
    def tech_id(self) -> str:
        return str(self.row["tech_id"])

    @property
    def volume(self) -> Mapping[str, Any]:
        return (self.readings.get("volume") or {}).get("details") or {}


@dataclass(frozen=True)
class _Frame:
    """What a scan's forecasts share: the scan, the rules and their version, the watchlist cut-off."""

    scan: Mapping[str, Any]
    rules: LedgerRules
    rule_version: str
    cutoff: float

    @property
    def as_of(self) -> dt.date:
        return self.scan["as_of"]

    def row(self, e: _Entry, kind: str, statement: str, target: dict[str, Any], p: float, resolves: dt.date,
            inputs: dict[str, Any]) -> dict[str, Any]:
        row = _base_row(e.row, self.scan, self.rule_version, kind, e.mix)
        row.update({"statement": statement, "target": target, "resolves_on": resolves, "inputs": inputs,
                    "probability": clip_probability(p, self.rules.probability.floor)})
        return row


def build_forecasts(
    scan: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    readings: Mapping[str, Mapping[str, Mapping[str, Any]]],
    baselines: Mapping[str, float],
    policy_before: Mapping[str, int],
    names: Mapping[str, tuple[str, str, str]],
    rules: LedgerRules,
    rules_hash: str,
    history: Mapping[str, Sequence[tuple[float, int]]] | None = None,
) -> list[dict[str, Any]]:
    """The forecasts a scan freezes for its watchlist entries (pure: everything it reads is passed in).

    scan: scan_id, as_of, backtest, weights_hash. entries: ranked watchlist rows (rank, priority,
    horizon, horizon_confidence, direction …). readings: tech_id → indicator → {value, score,
    details} for volume and growth. baselines: tech_id → documents in the growth baseline window
    (sources with documents in that window). policy_before: tech_id → policy documents naming it
    before as_of. history: type → (rule probability, outcome) of forecasts resolved by as_of, from
    which each type's rule is recalibrated once it has a long enough record ([recalibration]).
    """
    top = rules.watchlist.top
    ranked = sorted((e for e in entries if e.get("rank") is not None), key=lambda e: e["rank"])
    priorities = [float(e["priority"]) for e in ranked]
    # With fewer entries than places only losing its rank altogether takes an entry off the list.
    cutoff = (priorities[top - 1] + priorities[top]) / 2.0 if len(priorities) > top else 0.0
    frame = _Frame(scan, rules, f"{RULE_VERSION}+{rules_hash[:12]}", cutoff)
    out: list[dict[str, Any]] = []
    for row in ranked:
        en, zh = _ctx_names(names, row["tech_id"])
        tech_readings = readings.get(row["tech_id"], {})
        volume = (tech_readings.get("volume") or {}).get("details") or {}
        e = _Entry(row, en, zh, tech_readings, source_mix(volume.get("by_kind")), _entry_inputs(row, scan))
        out += _growth_forecasts(frame, e, float(baselines.get(e.tech_id, 0.0)))
        out += _horizon_shift_forecast(frame, e)
        out += _stays_listed_forecast(frame, e)
        out += _first_policy_forecast(frame, e, int(policy_before.get(e.tech_id, 0)))
    return _recalibrated(out, history or {}, rules)


def _growth_forecasts(frame: _Frame, e: _Entry, base_docs: float) -> Iterator[dict[str, Any]]:
    """growth_48m / growth_12m: the share grows at least the call's annual rate (nothing to grow from: none)."""
    g, as_of = frame.rules.growth, frame.as_of
    if base_docs < g.min_baseline_documents:
        return
    g_now, g_note = annualised_growth(e.readings.get("growth"))
    for call in g.calls:
        months, rate = call.months, call.annual_rate
        resolves = add_months(as_of, months)
        p, terms = growth_probability(
            current_log_growth=g_now, months=months, annual_rate=rate, baseline_documents=base_docs,
            persistence=g.persistence, sigma_year=g.sigma_year,
        )
        ratio = (1.0 + rate) ** (months / 12.0)
        statement = (
            f"{e.name_en}: its share of the evidence grows ≥{rate:.0%} a year over the next {months} months "
            f"(12 months to {resolves} vs 12 months to {as_of}: ≥ ×{ratio:.2f}) / "
            f"{e.name_zh}：未来{months}个月证据占比年均增长≥{rate:.0%}（截至{resolves}的12个月对比截至{as_of}的12个月，≥{ratio:.2f}倍）"
        )
        target = {
            "measure": "share_rate_ratio", "months": months, "annual_rate": rate, "threshold_ratio": round(ratio, 6),
            "baseline_window": [add_months(as_of, -g.window_months).isoformat(), as_of.isoformat()],
            "target_window": [add_months(resolves, -g.window_months).isoformat(), resolves.isoformat()],
            "min_link_confidence": frame.rules.evidence.min_link_confidence,
        }
        inputs = {**e.inputs, "current_log_growth_per_year": round(g_now, 6), "growth_note": g_note,
                  "baseline_documents": round(base_docs, 3),
                  "rule": {**terms, "persistence": g.persistence, "sigma_year": g.sigma_year}}
        yield frame.row(e, call.type, statement, target, p, resolves, inputs)


def _horizon_shift_forecast(frame: _Frame, e: _Entry) -> Iterator[dict[str, Any]]:
    """horizon_shift, for definite mid and far calls: a nearer horizon within the window."""
    h = e.row.get("horizon")
    if h not in NEARER:
        return
    hs = frame.rules.horizon_shift
    months, hazard = hs.months, hs.hazard(h)
    resolves = add_months(frame.as_of, months)
    confidence = e.row.get("horizon_confidence")
    p = horizon_probability(confidence=confidence, hazard=hazard, months=months)
    statement = (
        f"{e.name_en}: horizon moves from {h} to {NEARER[h]} or nearer within {months} months (by {resolves}) / "
        f"{e.name_zh}：{months}个月内（{resolves}前）时间窗由{HORIZON_ZH[h]}进入{HORIZON_ZH[NEARER[h]]}或更近"
    )
    target = {"from": h, "to": NEARER[h], "months": months, "grace_days": frame.rules.resolution.grace_days}
    inputs = {**e.inputs, "rule": {"hazard_per_year": hazard, "p_already": round((1 - (confidence or 0.5)) / 2, 6)}}
    yield frame.row(e, "horizon_shift", statement, target, p, resolves, inputs)


def _stays_listed_forecast(frame: _Frame, e: _Entry) -> Iterator[dict[str, Any]]:
    """stays_listed, for entries in the top N: still there at the last scan before the resolution date."""
    top = frame.rules.watchlist.top
    if e.row["rank"] > top:
        return
    st = frame.rules.stays_listed
    resolves = add_months(frame.as_of, st.months)
    margin = float(e.row["priority"]) - frame.cutoff
    p = stays_probability(margin=margin, sigma_year=st.priority_sigma_year, months=st.months)
    statement = (
        f"{e.name_en}: still in the watchlist's top {top} at the last scan before {resolves} / "
        f"{e.name_zh}：{resolves}前最后一次扫描时仍在观察清单前{top}名"
    )
    target = {"top": top, "months": st.months, "grace_days": frame.rules.resolution.grace_days}
    inputs = {**e.inputs, "rule": {"cutoff": round(frame.cutoff, 6), "margin": round(margin, 6),
                                   "priority_sigma_year": st.priority_sigma_year}}
    yield frame.row(e, "stays_listed", statement, target, p, resolves, inputs)


def _first_policy_forecast(frame: _Frame, e: _Entry, policy_before: int) -> Iterator[dict[str, Any]]:
    """first_policy, for technologies no policy document named yet: one names it within the window."""
    if policy_before:
        return
    fp = frame.rules.first_policy
    resolves = add_months(frame.as_of, fp.months)
    news = float((e.volume.get("by_kind") or {}).get("news", 0.0) or 0.0)
    p = first_policy_probability(recent_news=news, base=fp.hazard_base, press=fp.hazard_press, half=fp.press_half,
                                 months=fp.months)
    statement = (
        f"{e.name_en}: a first policy document naming it appears within {fp.months} months (by {resolves}) / "
        f"{e.name_zh}：{fp.months}个月内（{resolves}前）出现首份提及它的政策文件"
    )
    target = {"months": fp.months, "min_link_confidence": frame.rules.evidence.min_link_confidence}
    yield frame.row(e, "first_policy", statement, target, p, resolves, {**e.inputs, "recent_news_documents": round(news, 3)})


def _recalibrated(
    rows: list[dict[str, Any]], history: Mapping[str, Sequence[tuple[float, int]]], rules: LedgerRules
) -> list[dict[str, Any]]:
    """Keep each rule's probability in inputs and, where the type has a long enough record, freeze the recalibrated one."""
    rc = rules.recalibration
    fits: dict[str, tuple[float, float, int]] = {}
    for kind, pairs in history.items():
        if rc.enabled and len(pairs) >= rc.min_history:
            a, b = fit_recalibration(pairs, prior_sd=rc.prior_sd)
            fits[kind] = (a, b, len(pairs))
    for row in rows:
        raw = row["probability"]
        row["inputs"]["rule_probability"] = raw
        fit = fits.get(row["type"])
        if fit is not None:
            a, b, n = fit
            row["probability"] = clip_probability(apply_recalibration(raw, a, b), rules.probability.floor)
            row["inputs"]["recalibration"] = {"a": round(a, 6), "b": round(b, 6), "resolved_forecasts": n}
    return rows


def _baseline_documents(con: Any, scan: Mapping[str, Any], tech_ids: Sequence[str], rules: LedgerRules) -> dict[str, float]:
    """Documents of each technology in the growth baseline window, counting only what was knowable at as_of."""
    as_of = scan["as_of"]
    start = add_months(as_of, -rules.growth.window_months)
    spans = store.linked_spans(con, tech_ids, start=start, end=as_of,
                               min_confidence=rules.evidence.min_link_confidence, known_by=as_of)
    by_tech: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in spans:
        by_tech[s["tech_id"]].append(s)
    return {t: sum(window_counts(rows, start, as_of).values()) for t, rows in by_tech.items()}


def freeze_forecasts(con: Any, scan_id: str, *, rules_path: Path | None = None) -> int:
    """Freeze the forecasts of a scored scan (the weekly flow calls this after scoring); returns how many are new.

    Re-running it for the same scan adds nothing: a forecast already frozen with the same content is
    skipped, and one whose content would now differ (a re-score with new weights) keeps its first
    version — forecasts are immutable.
    """
    scan = store.scan_info(con, scan_id)
    if scan is None:
        raise ValueError(f"scan {scan_id!r} has no scores: score it before freezing forecasts")
    rules, rules_hash = load_rules(rules_path)
    entries = [r for r in views.ranked_scores(con, scan_id) if r.get("rank") is not None]
    tech_ids = [e["tech_id"] for e in entries]
    readings = store.indicator_readings(con, scan_id, ["volume", "growth"])
    baselines = _baseline_documents(con, scan, tech_ids, rules)
    policy_counts: dict[str, int] = defaultdict(int)
    for p in store.policy_links(con, tech_ids, start=None, end=scan["as_of"],
                                min_confidence=rules.evidence.min_link_confidence):
        policy_counts[p["tech_id"]] += 1
    history: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for h in store.resolved_record(con, backtest=scan["backtest"], known_by=scan["as_of"]):
        history[h["type"]].append((float(h["rule_probability"]), int(h["outcome"])))
    rows = build_forecasts(scan, entries, readings, baselines, policy_counts, store.technology_directions(con), rules,
                           rules_hash, history)
    made_at = dt.datetime.now().replace(microsecond=0)
    for r in rows:
        r["made_at"] = made_at
    return store.insert_forecasts(con, rows, strict=False).inserted
