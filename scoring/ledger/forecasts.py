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
import hashlib
import math
import time
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scoring.screening.indicators.base import add_months, interval_end, spread_counts
from scoring.screening.indicators.growth import mantel_haenszel

LEDGER_PATH = Path(__file__).with_name("ledger.toml")
# Bumped whenever a change to this code would change forecasts or outcomes made with the same rules.
RULE_VERSION = "ledger-1"
NEARER = {"far": "mid", "mid": "near"}
HORIZON_RANK = {"far": 0, "mid": 1, "near": 2}
HORIZON_ZH = {"near": "近期", "mid": "中期", "far": "远期"}
GROUPINGS = ("type", "horizon", "direction", "source_mix")
ProgressFn = Callable[[str], None]


def load_rules(path: Path | None = None) -> tuple[dict[str, Any], str]:
    """The ledger rules as a dict and the sha256 of the file's bytes."""
    path = Path(path) if path is not None else LEDGER_PATH
    raw = path.read_bytes()
    try:
        rules = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a valid ledger rules file: {exc}") from exc
    return rules, hashlib.sha256(raw).hexdigest()


# ───────────────────────────── arithmetic ─────────────────────────────


def normal_cdf(x: float) -> float:
    """Φ(x), the standard normal distribution function."""
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def clip_probability(p: float, floor: float) -> float:
    """Keep a probability inside [floor, 1 − floor] (rounded so a replay freezes identical bytes)."""
    return round(min(1.0 - floor, max(floor, p)), 6)


def years_between(start: dt.date, end: dt.date) -> float:
    return (end.toordinal() - start.toordinal()) / 365.25


def window_counts(spans: Iterable[Mapping[str, Any]], start: dt.date, end: dt.date, weight: str | None = None) -> dict[str, float]:
    """Per source, documents in [start, end), each counted by the share of its date span inside.

    A conference paper known only as "2023" counts fully in a calendar-year window and by overlap in
    any other, as in the indicators (scoring.screening.indicators.base.spread_counts).
    """
    by_source: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in spans:
        by_source[r["source"]].append(r)
    edges = np.array([start.toordinal(), end.toordinal()], float)
    out: dict[str, float] = {}
    for src, rows in sorted(by_source.items()):
        starts = np.array([r["published"].toordinal() for r in rows], float)
        ends = np.array([interval_end(r["published"], r["precision"]).toordinal() for r in rows], float)
        weights = np.array([float(r[weight]) if weight else 1.0 for r in rows], float)
        n = float(spread_counts(starts, ends, weights, edges)[0])
        if n > 0:
            out[src] = n
    return out


@dataclass(frozen=True)
class ShareGrowth:
    """The technology's share of its sources in a target window against a baseline window."""

    ratio: float | None       # Mantel-Haenszel rate ratio (0.5 pseudo-count each side); None = not measurable
    target: float             # technology documents in the target window (sources present in both)
    baseline: float           # ... and in the baseline window
    sources: int              # sources present in both windows
    reason: str = ""          # why it is not measurable


def share_growth(
    tech_base: Mapping[str, float],
    tech_target: Mapping[str, float],
    total_base: Mapping[str, float],
    total_target: Mapping[str, float],
) -> ShareGrowth:
    """Rate ratio of the technology's share of each source, target vs baseline, pooled over sources.

    A source that exists in only one window says nothing about growth and drops out (Mantel &
    Haenszel 1959), so a corpus that starts or stops between the windows cannot fake a trend.
    """
    sources = sorted(set(tech_base) | set(tech_target))
    tech = {s: np.array([tech_base.get(s, 0.0), tech_target.get(s, 0.0)]) for s in sources}
    totals = {s: np.array([total_base.get(s, 0.0), total_target.get(s, 0.0)]) for s in set(total_base) | set(total_target)}
    rr = mantel_haenszel(tech, totals, slice(1, 2), slice(0, 1), shrink=0.0)
    if rr is None:
        return ShareGrowth(None, 0.0, 0.0, 0, "no source of its evidence has documents in both windows")
    if rr.baseline <= 0:
        return ShareGrowth(None, rr.recent, 0.0, rr.strata, "no linked document in the baseline window of the sources present in both")
    return ShareGrowth(rr.ratio, rr.recent, rr.baseline, rr.strata)


def growth_probability(
    *, current_log_growth: float, months: int, annual_rate: float, baseline_documents: float,
    persistence: float, sigma_year: float,
) -> tuple[float, dict[str, float]]:
    """P(share ratio ≥ (1 + rate)^years): damped trend against the threshold, normal on the log scale.

    current_log_growth is the annualised natural-log growth of the share now. The spread adds the
    counting noise of the two windows that will be compared (≈ 1/a + 1/b for a log rate ratio).
    """
    years = months / 12.0
    mu = persistence * current_log_growth * years
    theta = years * math.log1p(annual_rate)
    b = max(baseline_documents, 0.5)
    a = max(b * math.exp(mu), 0.5)
    sigma = math.sqrt(sigma_year**2 * years + 1.0 / a + 1.0 / b)
    p = normal_cdf((mu - theta) / sigma)
    return p, {"mu": round(mu, 6), "theta": round(theta, 6), "sigma": round(sigma, 6)}


def annualised_growth(reading: Mapping[str, Any] | None) -> tuple[float, str]:
    """Natural-log growth per year of the growth indicator (log2 recent/baseline share, over the gap of the window middles)."""
    if not reading or reading.get("value") is None:
        why = (reading or {}).get("details", {}).get("reason") or "growth indicator not computed"
        return 0.0, f"no current growth ({why}): trend taken as flat"
    details = reading.get("details") or {}
    try:
        r0, r1 = (dt.date.fromisoformat(x) for x in details["recent_window"])
        b0, b1 = (dt.date.fromisoformat(x) for x in details["baseline_window"])
        gap = years_between(b0 + (b1 - b0) / 2, r0 + (r1 - r0) / 2)
    except (KeyError, ValueError, TypeError):
        gap = 2.5  # the default windows: 2 recent and 3 baseline yearly periods
    gap = gap if gap > 0 else 2.5
    return float(reading["value"]) * math.log(2.0) / gap, f"log2 share ratio {reading['value']:+.3f} over {gap:.2f} years"


def horizon_probability(*, confidence: float | None, hazard: float, months: int) -> float:
    """P(a nearer horizon within the window) = 1 − (1 − (1 − confidence)/2)·exp(−hazard·years)."""
    p0 = (1.0 - (confidence if confidence is not None else 0.5)) / 2.0
    return 1.0 - (1.0 - p0) * math.exp(-hazard * months / 12.0)


def stays_probability(*, margin: float, sigma_year: float, months: int) -> float:
    """P(priority stays above the cut-off) with priorities drifting by sigma_year·√years."""
    sigma = sigma_year * math.sqrt(max(months, 1) / 12.0)
    return normal_cdf(margin / sigma) if sigma > 0 else float(margin >= 0)


def first_policy_probability(*, recent_news: float, base: float, press: float, half: float, months: int) -> float:
    """P(a first policy document within the window): a Poisson hazard that rises with press attention."""
    attention = recent_news / (recent_news + half) if recent_news > 0 and half > 0 else 0.0
    return 1.0 - math.exp(-(base + press * attention) * months / 12.0)


def source_mix(by_kind: Mapping[str, float] | None, share: float = 0.25) -> str:
    """The kinds carrying at least `share` of the recent evidence, largest first ('news+paper'), or 'none'."""
    kinds = {k: float(v or 0.0) for k, v in (by_kind or {}).items()}
    total = sum(kinds.values())
    if total <= 0:
        return "none"
    major = sorted((k for k, v in kinds.items() if v / total >= share), key=lambda k: (-kinds[k], k))
    return "+".join(major) if major else "mixed"


def _logit(p: float) -> float:
    p = min(0.99, max(0.01, p))
    return math.log(p / (1.0 - p))


def fit_recalibration(pairs: Sequence[tuple[float, int]], *, prior_sd: float = 0.5) -> tuple[float, float]:
    """(a, b) of p' = σ(a + b·logit(p)) from resolved (probability, outcome) pairs: logistic recalibration
    (Platt scaling) with a normal prior centred on "the rule is right" (a = 0, b = 1), so a short record
    moves the rule a little and a long one as far as it shows.
    """
    theta = np.array([0.0, 1.0])
    prior = np.array([0.0, 1.0])
    if not pairs:
        return 0.0, 1.0
    x = np.array([_logit(p) for p, _ in pairs])
    y = np.array([float(o) for _, o in pairs])
    lam = 1.0 / prior_sd**2 if prior_sd > 0 else 0.0
    X = np.column_stack([np.ones_like(x), x])
    for _ in range(50):
        q = 1.0 / (1.0 + np.exp(-(X @ theta)))
        grad = X.T @ (y - q) - lam * (theta - prior)
        hess = -(X.T * (q * (1 - q))) @ X - lam * np.eye(2)
        step = np.linalg.solve(hess, grad)
        theta = theta - step
        if np.abs(step).max() < 1e-10:
            break
    return float(theta[0]), float(theta[1])


def apply_recalibration(p: float, a: float, b: float) -> float:
    """σ(a + b·logit(p))."""
    z = a + b * _logit(p)
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


# ───────────────────────────── freezing forecasts ─────────────────────────────


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


def build_forecasts(
    scan: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    readings: Mapping[str, Mapping[str, Mapping[str, Any]]],
    baselines: Mapping[str, float],
    policy_before: Mapping[str, int],
    names: Mapping[str, tuple[str, str, str]],
    rules: Mapping[str, Any],
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
    as_of: dt.date = scan["as_of"]
    floor = float(rules.get("probability", {}).get("floor", 0.02))
    rule_version = f"{RULE_VERSION}+{rules_hash[:12]}"
    min_conf = float(rules.get("evidence", {}).get("min_link_confidence", 0.5))
    grace = int(rules.get("resolution", {}).get("grace_days", 45))
    top = int(rules.get("watchlist", {}).get("top", 10))
    g = rules.get("growth", {})
    hs = rules.get("horizon_shift", {})
    st = rules.get("stays_listed", {})
    fp = rules.get("first_policy", {})
    ranked = sorted((e for e in entries if e.get("rank") is not None), key=lambda e: e["rank"])
    priorities = [float(e["priority"]) for e in ranked]
    # With fewer entries than places only losing its rank altogether takes an entry off the list.
    cutoff = (priorities[top - 1] + priorities[top]) / 2.0 if len(priorities) > top else 0.0
    out: list[dict[str, Any]] = []
    for e in ranked:
        tid = e["tech_id"]
        en, zh = _ctx_names(names, tid)
        tech_readings = readings.get(tid, {})
        volume = (tech_readings.get("volume") or {}).get("details") or {}
        mix = source_mix(volume.get("by_kind"))
        inputs = _entry_inputs(e, scan)

        # Growth calls.
        window = int(g.get("window_months", 12))
        base_docs = float(baselines.get(tid, 0.0))
        g_now, g_note = annualised_growth(tech_readings.get("growth"))
        for call in g.get("calls", []):
            if base_docs < float(g.get("min_baseline_documents", 5)):
                break
            months, rate = int(call["months"]), float(call["annual_rate"])
            resolves = add_months(as_of, months)
            p, terms = growth_probability(
                current_log_growth=g_now, months=months, annual_rate=rate, baseline_documents=base_docs,
                persistence=float(g.get("persistence", 0.5)), sigma_year=float(g.get("sigma_year", 0.35)),
            )
            ratio = (1.0 + rate) ** (months / 12.0)
            row = _base_row(e, scan, rule_version, str(call["type"]), mix)
            row.update({
                "statement": (
                    f"{en}: its share of the evidence grows ≥{rate:.0%} a year over the next {months} months "
                    f"(12 months to {resolves} vs 12 months to {as_of}: ≥ ×{ratio:.2f}) / "
                    f"{zh}：未来{months}个月证据占比年均增长≥{rate:.0%}（截至{resolves}的12个月对比截至{as_of}的12个月，≥{ratio:.2f}倍）"
                ),
                "target": {
                    "measure": "share_rate_ratio", "months": months, "annual_rate": rate, "threshold_ratio": round(ratio, 6),
                    "baseline_window": [add_months(as_of, -window).isoformat(), as_of.isoformat()],
                    "target_window": [add_months(resolves, -window).isoformat(), resolves.isoformat()],
                    "min_link_confidence": min_conf,
                },
                "probability": clip_probability(p, floor),
                "resolves_on": resolves,
                "inputs": {**inputs, "current_log_growth_per_year": round(g_now, 6), "growth_note": g_note,
                           "baseline_documents": round(base_docs, 3),
                           "rule": {**terms, "persistence": g.get("persistence", 0.5), "sigma_year": g.get("sigma_year", 0.35)}},
            })
            out.append(row)

        # Horizon shift, for definite mid and far calls.
        h = e.get("horizon")
        if h in NEARER:
            months = int(hs.get("months", 24))
            hazard = float(hs.get(f"hazard_{h}", 0.1))
            resolves = add_months(as_of, months)
            p = horizon_probability(confidence=e.get("horizon_confidence"), hazard=hazard, months=months)
            row = _base_row(e, scan, rule_version, "horizon_shift", mix)
            row.update({
                "statement": (
                    f"{en}: horizon moves from {h} to {NEARER[h]} or nearer within {months} months (by {resolves}) / "
                    f"{zh}：{months}个月内（{resolves}前）时间窗由{HORIZON_ZH[h]}进入{HORIZON_ZH[NEARER[h]]}或更近"
                ),
                "target": {"from": h, "to": NEARER[h], "months": months, "grace_days": grace},
                "probability": clip_probability(p, floor),
                "resolves_on": resolves,
                "inputs": {**inputs, "rule": {"hazard_per_year": hazard, "p_already": round((1 - (e.get("horizon_confidence") or 0.5)) / 2, 6)}},
            })
            out.append(row)

        # Stays in the top N.
        if e["rank"] <= top:
            months = int(st.get("months", 12))
            resolves = add_months(as_of, months)
            margin = float(e["priority"]) - cutoff
            p = stays_probability(margin=margin, sigma_year=float(st.get("priority_sigma_year", 0.08)), months=months)
            row = _base_row(e, scan, rule_version, "stays_listed", mix)
            row.update({
                "statement": (
                    f"{en}: still in the watchlist's top {top} at the last scan before {resolves} / "
                    f"{zh}：{resolves}前最后一次扫描时仍在观察清单前{top}名"
                ),
                "target": {"top": top, "months": months, "grace_days": grace},
                "probability": clip_probability(p, floor),
                "resolves_on": resolves,
                "inputs": {**inputs, "rule": {"cutoff": round(cutoff, 6), "margin": round(margin, 6),
                                              "priority_sigma_year": st.get("priority_sigma_year", 0.08)}},
            })
            out.append(row)

        # First policy document, for technologies no policy named yet.
        if int(policy_before.get(tid, 0)) == 0:
            months = int(fp.get("months", 24))
            resolves = add_months(as_of, months)
            news = float((volume.get("by_kind") or {}).get("news", 0.0) or 0.0)
            p = first_policy_probability(recent_news=news, base=float(fp.get("hazard_base", 0.05)),
                                         press=float(fp.get("hazard_press", 0.5)), half=float(fp.get("press_half", 20)),
                                         months=months)
            row = _base_row(e, scan, rule_version, "first_policy", mix)
            row.update({
                "statement": (
                    f"{en}: a first policy document naming it appears within {months} months (by {resolves}) / "
                    f"{zh}：{months}个月内（{resolves}前）出现首份提及它的政策文件"
                ),
                "target": {"months": months, "min_link_confidence": min_conf},
                "probability": clip_probability(p, floor),
                "resolves_on": resolves,
                "inputs": {**inputs, "recent_news_documents": round(news, 3)},
            })
            out.append(row)
    return _recalibrated(out, history or {}, rules, floor)


def _recalibrated(
    rows: list[dict[str, Any]], history: Mapping[str, Sequence[tuple[float, int]]], rules: Mapping[str, Any], floor: float
) -> list[dict[str, Any]]:
    """Keep each rule's probability in inputs and, where the type has a long enough record, freeze the recalibrated one."""
    rc = rules.get("recalibration", {})
    enabled = bool(rc.get("enabled", True))
    need = int(rc.get("min_history", 30))
    fits: dict[str, tuple[float, float, int]] = {}
    for kind, pairs in history.items():
        if enabled and len(pairs) >= need:
            a, b = fit_recalibration(pairs, prior_sd=float(rc.get("prior_sd", 0.5)))
            fits[kind] = (a, b, len(pairs))
    for row in rows:
        raw = row["probability"]
        row["inputs"]["rule_probability"] = raw
        fit = fits.get(row["type"])
        if fit is not None:
            a, b, n = fit
            row["probability"] = clip_probability(apply_recalibration(raw, a, b), floor)
            row["inputs"]["recalibration"] = {"a": round(a, 6), "b": round(b, 6), "resolved_forecasts": n}
    return rows


def _baseline_documents(con: Any, scan: Mapping[str, Any], tech_ids: Sequence[str], rules: Mapping[str, Any]) -> dict[str, float]:
    """Documents of each technology in the growth baseline window, counting only what was knowable at as_of."""
    from warehouse import ledger_store as store

    as_of = scan["as_of"]
    start = add_months(as_of, -int(rules.get("growth", {}).get("window_months", 12)))
    min_conf = float(rules.get("evidence", {}).get("min_link_confidence", 0.5))
    spans = store.linked_spans(con, tech_ids, start=start, end=as_of, min_confidence=min_conf, known_by=as_of)
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
    from warehouse import ledger_store as store
    from warehouse import views

    scan = store.scan_info(con, scan_id)
    if scan is None:
        raise ValueError(f"scan {scan_id!r} has no scores: score it before freezing forecasts")
    rules, rules_hash = load_rules(rules_path)
    entries = [r for r in views.ranked_scores(con, scan_id) if r.get("rank") is not None]
    tech_ids = [e["tech_id"] for e in entries]
    readings = store.indicator_readings(con, scan_id, ["volume", "growth"])
    baselines = _baseline_documents(con, scan, tech_ids, rules)
    min_conf = float(rules.get("evidence", {}).get("min_link_confidence", 0.5))
    policy_counts: dict[str, int] = defaultdict(int)
    for p in store.policy_links(con, tech_ids, start=None, end=scan["as_of"], min_confidence=min_conf):
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


# ───────────────────────────── resolving forecasts ─────────────────────────────


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
    lo = forecast["resolves_on"] - dt.timedelta(days=int(target.get("grace_days", 45)))
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
        lo = forecast["resolves_on"] - dt.timedelta(days=int(target.get("grace_days", 45)))
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
    import json

    try:
        ev = json.loads(horizon_evidence) if horizon_evidence else {}
    except ValueError:
        return []
    return [d["doc_id"] for d in ev.get("drivers", []) if isinstance(d, Mapping) and d.get("doc_id")][:10]


def resolve_due(con: Any, as_of: dt.date) -> int:
    """Resolve every open forecast that can be decided from the warehouse as of this date; returns how many.

    The weekly flow calls it at the start of a scan. Growth and stays-listed calls wait for their
    resolution date; horizon shifts and first-policy calls resolve as soon as they happen. Only
    documents whose whole date span lies before the date count. Outcomes are immutable too.
    """
    from warehouse import ledger_store as store
    from warehouse import views

    pending = [f for f in store.forecasts(con, unresolved_only=True) if f["as_of"] < as_of]
    if not pending:
        return 0
    results: dict[str, Resolution] = {}
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in pending:
        by_type["growth" if f["type"].startswith("growth_") else f["type"]].append(f)

    # Growth: batch by windows.
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for f in by_type.get("growth", []):
        if f["resolves_on"] <= as_of:
            t = f["target"]
            groups[(tuple(t["baseline_window"]), tuple(t["target_window"]), float(t["min_link_confidence"]))].append(f)
    for (bw, tw, min_conf), fs in groups.items():
        b0, b1 = (dt.date.fromisoformat(x) for x in bw)
        t0, t1 = (dt.date.fromisoformat(x) for x in tw)
        techs = sorted({f["tech_id"] for f in fs})
        counts = {}
        for name, (s, e) in (("base", (b0, b1)), ("target", (t0, t1))):
            spans = store.linked_spans(con, techs, start=s, end=e, min_confidence=min_conf, known_by=as_of)
            per: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for r in spans:
                per[r["tech_id"]].append(r)
            counts[name] = (
                {t: window_counts(rows, s, e) for t, rows in per.items()},
                window_counts(store.source_spans(con, start=s, end=e, known_by=as_of), s, e, weight="documents"),
                per,
            )
        for f in fs:
            res = resolve_growth(
                f["target"], counts["base"][0].get(f["tech_id"], {}), counts["target"][0].get(f["tech_id"], {}),
                counts["base"][1], counts["target"][1],
            )
            newest = sorted(counts["target"][2].get(f["tech_id"], []), key=lambda r: (r["published"], r["doc_id"]), reverse=True)
            res.evidence = [r["doc_id"] for r in newest[:20]]
            results[f["forecast_id"]] = res

    # Horizon shifts and stays-listed: later scans of the same family.
    scan_cache: dict[tuple, list[dict[str, Any]]] = {}
    rank_cache: dict[str, dict[str, dict[str, Any]]] = {}

    def scans_between(backtest: bool, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        key = (backtest, start, end)
        if key not in scan_cache:
            scan_cache[key] = store.family_scans(con, backtest=backtest, start=start, end=end)
        return scan_cache[key]

    for f in by_type.get("horizon_shift", []):
        end = min(f["resolves_on"], as_of)
        scans = [s for s in scans_between(f["backtest"], f["as_of"] + dt.timedelta(days=1), end) if s["as_of"] <= as_of]
        calls = store.horizon_calls(con, f["tech_id"], [s["scan_id"] for s in scans])
        for c in calls:
            c["drivers"] = _drivers(c.pop("horizon_evidence", None))
        res = resolve_horizon_shift(f, calls, scans, as_of)
        if res is not None:
            results[f["forecast_id"]] = res

    for f in by_type.get("stays_listed", []):
        if f["resolves_on"] > as_of:
            continue
        lo = f["resolves_on"] - dt.timedelta(days=int(f["target"].get("grace_days", 45)))
        scans = [s for s in scans_between(f["backtest"], lo, f["resolves_on"]) if s["scan_id"] != f["scan_id"]]
        scan = scans[-1] if scans else None
        ranks = None
        if scan is not None:
            if scan["scan_id"] not in rank_cache:
                rank_cache[scan["scan_id"]] = {r["tech_id"]: r for r in views.ranked_scores(con, scan["scan_id"])}
            ranks = rank_cache[scan["scan_id"]]
        results[f["forecast_id"]] = resolve_stays(f, ranks, scan)

    # First policy: one query per window for all technologies (a week later every open call is checked).
    policy_groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for f in by_type.get("first_policy", []):
        end = min(f["resolves_on"], as_of)
        policy_groups[(f["as_of"], end, float(f["target"].get("min_link_confidence", 0.5)))].append(f)
    for (start, end, min_conf), fs in sorted(policy_groups.items()):
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

    now = dt.datetime.now().replace(microsecond=0)
    rows = [
        {"forecast_id": fid, "resolved_at": now, "resolved_as_of": as_of, "outcome": r.outcome,
         "void_reason": r.void_reason, "observed": r.observed, "evidence_doc_ids": list(r.evidence)}
        for fid, r in sorted(results.items())
    ]
    return store.insert_outcomes(con, rows, strict=False).inserted


# ───────────────────────────── the track record ─────────────────────────────


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
    from warehouse import ledger_store as store

    rows = store.forecasts(con, tech_id=tech_id, backtest=backtest)
    rules, _ = load_rules()
    record = track_record(rows, by="type", bins=int(rules.get("metrics", {}).get("calibration_bins", 10)),
                          worst=int(rules.get("metrics", {}).get("worst_misses", 10)))
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


# ───────────────────────────── backtest by replay ─────────────────────────────


def replay_dates(start: dt.date, end: dt.date, step_months: int) -> list[dt.date]:
    """as-of dates from start to end (inclusive) every step_months."""
    if step_months <= 0:
        raise ValueError("step must be at least one month")
    out, k = [], 0
    while (d := add_months(start, k * step_months)) <= end:
        out.append(d)
        k += 1
    return out


def replay_scan_id(as_of: dt.date) -> str:
    """The id of a replayed scan (the 'asof-' convention the views use to keep backtests apart)."""
    return f"asof-{as_of.isoformat()}"


def backtest(
    con: Any,
    dates: Sequence[dt.date],
    *,
    weights_path: Path | None = None,
    rules_path: Path | None = None,
    resolve_until: dt.date | None = None,
    progress: ProgressFn | None = None,
) -> list[dict[str, Any]]:
    """Replay scans at past dates with as-of scoring, freeze their forecasts, and resolve against what followed.

    Each step scores the warehouse as of the date (only documents published before it), freezes
    the watchlist's forecasts, then resolves every forecast decidable by that date. A final
    resolution at `resolve_until` (default: the last date) settles the rest that can be settled.
    Returns one summary row per step.
    """
    from scoring.screening.run import score_scan

    say = progress or (lambda _m: None)
    steps = []
    for d in sorted(dates):
        t0 = time.perf_counter()
        scan_id = replay_scan_id(d)
        summary = score_scan(con, scan_id=scan_id, as_of=d, weights_path=weights_path)
        frozen = freeze_forecasts(con, scan_id, rules_path=rules_path)
        resolved = resolve_due(con, d)
        step = {"as_of": d.isoformat(), "scan_id": scan_id, "technologies": summary.technologies,
                "forecasts": frozen, "resolved": resolved, "seconds": round(time.perf_counter() - t0, 1)}
        steps.append(step)
        say(f"{scan_id}: {summary.technologies} scored, {frozen} forecasts frozen, {resolved} resolved ({step['seconds']} s)")
    final = resolve_until or (max(dates) if dates else None)
    if final is not None and (not dates or final >= max(dates)):
        extra = resolve_due(con, final)
        if extra:
            steps.append({"as_of": final.isoformat(), "scan_id": "", "technologies": 0, "forecasts": 0,
                          "resolved": extra, "seconds": 0.0})
            say(f"final resolution as of {final}: {extra} resolved")
    return steps


def alias_link(con: Any, *, progress: ProgressFn | None = None, chunk: int = 20_000) -> int:
    """Link every document not yet matched against the current taxonomy by its aliases; returns documents matched.

    The replay's linking: alias links read each document's own text, so they carry no knowledge of
    later documents (embedding and topic links are fitted on the whole warehouse, and a replay
    would see the future through them). The full analysis (scoring.topics.pipeline.run_analysis) adds them.
    """
    from scoring.technologies.linking import (
        alias_document_links,
        taxonomy_rows,
        technologies_for_linking,
        vocabulary_digest,
    )
    from scoring.technologies.taxonomy import AliasMatcher, load_taxonomy
    from scoring.topics.config import load_topics_config
    from warehouse import ledger_store as store
    from warehouse import technologies_store as techstore
    from warehouse import topics_store

    # Read first: a fully fetched query also clears a result a caller left unfinished (DuckDB 2 refuses
    # to register tables on a connection holding one, e.g. after ingest_file skipped a loaded file).
    hashes = store.document_hashes(con)
    taxonomy = load_taxonomy()
    techstore.sync_taxonomy(con, taxonomy_rows(taxonomy))
    techs = technologies_for_linking(taxonomy, techstore.load_technologies(con))
    vocab = vocabulary_digest(techs)
    matcher = AliasMatcher(techs)
    cfg = load_topics_config().linking
    stale = techstore.stale_link_docs(con, sorted(hashes), tech_digest=vocab)
    for start in range(0, len(stale), chunk):
        ids = stale[start : start + chunk]
        tbl = topics_store.document_texts(con, ids, body_chars=3000)
        got = tbl.column("doc_id").to_pylist()
        texts = [a or b for a, b in zip(tbl.column("abstract").to_pylist(), tbl.column("body").to_pylist(), strict=True)]
        links = alias_document_links(got, tbl.column("title").to_pylist(), texts, matcher, cfg)
        techstore.replace_alias_links(con, doc_ids=got, content_hashes=[hashes[i] for i in got], tech_digest=vocab, links=links)
        if progress:
            progress(f"linked {start + len(ids):,} of {len(stale):,} documents")
    return len(stale)
