"""The arithmetic of the forecast ledger: share growth between windows, each forecast type's probability, recalibration."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.screening.indicators.base import interval_end, spread_counts
from scoring.screening.indicators.growth import mantel_haenszel


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
