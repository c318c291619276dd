"""Growth forecasting of yearly counts (damped trend on logs) and its backtest against naive baselines."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

Series = Mapping[int, float]
Forecaster = Callable[[Sequence[float], int], list[float]]


def read_series_csv(path: Path) -> dict[str, dict[int, float]]:
    """term → year → count from a CSV with columns term, year, count (extra columns ignored)."""
    out: dict[str, dict[int, float]] = {}
    with Path(path).open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = {"term", "year", "count"} - {c.strip().lower() for c in reader.fieldnames or []}
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}; expected term, year, count")
        for n, row in enumerate(reader, start=2):
            row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
            try:
                year, count = int(row["year"]), float(row["count"])
            except ValueError:
                raise ValueError(f"{path}, line {n}: year must be an integer and count a number") from None
            if not math.isfinite(count) or count < 0:
                raise ValueError(f"{path}, line {n}: count must be a non-negative number")
            out.setdefault(row["term"], {})[year] = count
    return out


# ───────────────────────────── forecasters ─────────────────────────────


def last_value(history: Sequence[float], horizon: int) -> list[float]:
    """Naive baseline: tomorrow looks like today."""
    return [float(history[-1])] * horizon


def linear_trend(history: Sequence[float], horizon: int, window: int = 5) -> list[float]:
    """Naive baseline: a straight line fitted to the last `window` years, extended (floored at zero)."""
    y = np.asarray(history[-window:], dtype=float)
    if len(y) < 2:
        return last_value(history, horizon)
    x = np.arange(len(y), dtype=float)
    slope, intercept = np.polyfit(x, y, 1)
    return [max(0.0, float(intercept + slope * (len(y) - 1 + h))) for h in range(1, horizon + 1)]


_ALPHAS = (0.2, 0.4, 0.6, 0.8, 1.0)
_BETAS = (0.05, 0.1, 0.2, 0.4)
_PHIS = (0.8, 0.9, 0.98)


def _holt_sse(x: np.ndarray, alpha: float, beta: float, phi: float) -> tuple[float, float, float]:
    level, trend = x[0], x[1] - x[0]
    sse = 0.0
    for value in x[1:]:
        pred = level + phi * trend
        sse += (value - pred) ** 2
        new_level = alpha * value + (1 - alpha) * pred
        trend = beta * (new_level - level) + (1 - beta) * phi * trend
        level = new_level
    return sse, level, trend


def damped_trend(history: Sequence[float], horizon: int, offset: float = 1.0) -> list[float]:
    """Holt's linear smoothing with a damped trend (Gardner & McKenzie 1985) on log(count + offset).

    Growth of research terms slows as they mature (an S-curve), so the trend is damped rather than
    extended for ever; working on logs makes growth multiplicative. Parameters are chosen on the
    training years by one-step-ahead squared error over a fixed grid, so the fit is deterministic.
    """
    y = np.asarray(history, dtype=float)
    if len(y) < 3:
        return last_value(history, horizon)
    x = np.log(y + offset)
    best: tuple[float, float, float, float] | None = None
    for alpha in _ALPHAS:
        for beta in _BETAS:
            for phi in _PHIS:
                sse, level, trend = _holt_sse(x, alpha, beta, phi)
                if best is None or sse < best[0] - 1e-12:
                    best = (sse, level, trend, phi)
    assert best is not None
    _, level, trend, phi = best
    out = []
    damp = 0.0
    for h in range(1, horizon + 1):
        damp += phi**h
        out.append(max(0.0, float(math.exp(level + damp * trend) - offset)))
    return out


METHODS: dict[str, Forecaster] = {
    "damped_trend": damped_trend,
    "last_value": last_value,
    "linear_trend": linear_trend,
}


# ───────────────────────────── backtest ─────────────────────────────


def spearman(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Spearman rank correlation (average ranks for ties); None when either side is constant or too short."""
    if len(a) < 3 or len(a) != len(b):
        return None
    from scipy.stats import spearmanr

    if len(set(a)) < 2 or len(set(b)) < 2:
        return None
    rho = spearmanr(a, b).statistic
    return None if rho is None or not math.isfinite(float(rho)) else float(rho)


@dataclass(frozen=True)
class MethodScore:
    """Errors of one method over every (term, origin, year ahead) forecast."""

    method: str
    forecasts: int
    mae: float
    smape: float                 # symmetric mean absolute percentage error, 0..200
    growth_spearman: float | None  # rank correlation of forecast vs actual change at the last year ahead


@dataclass(frozen=True)
class TrendEvaluation:
    """Backtest of the growth forecaster against naive baselines."""

    origins: tuple[int, ...]
    horizon: int
    terms: int
    skipped: tuple[str, ...]
    methods: tuple[MethodScore, ...]

    def as_rows(self) -> list[dict[str, object]]:
        return [
            {
                "method": m.method,
                "forecasts": m.forecasts,
                "mae": round(m.mae, 4),
                "smape": round(m.smape, 2),
                "growth_rank_correlation": None if m.growth_spearman is None else round(m.growth_spearman, 3),
            }
            for m in self.methods
        ]


def evaluate_trends(
    series: Mapping[str, Series],
    *,
    origins: Iterable[int],
    horizon: int = 3,
    history: int = 15,
    methods: Mapping[str, Forecaster] | None = None,
) -> TrendEvaluation:
    """Train on years ≤ T (the last `history` of them), forecast T+1..T+horizon, score every method.

    A term is used at an origin only when it has every year from T-2 to T+horizon (missing years
    are not guessed). The rank correlation asks what screening needs: does the method order terms
    by how much they will grow (forecast vs actual change from T to T+horizon)?
    """
    methods = dict(methods or METHODS)
    origins = tuple(sorted(set(origins)))
    errors: dict[str, list[float]] = {m: [] for m in methods}
    smapes: dict[str, list[float]] = {m: [] for m in methods}
    growth_pred: dict[str, list[float]] = {m: [] for m in methods}
    growth_true: list[float] = []
    used_terms: set[str] = set()
    skipped: set[str] = set()
    for term in sorted(series):
        years = series[term]
        for origin in origins:
            future = [origin + h for h in range(1, horizon + 1)]
            needed = [origin - 2, origin - 1, origin, *future]
            if any(y not in years for y in needed):
                skipped.add(f"{term}@{origin}")
                continue
            # Fill no gaps: use the contiguous run of years ending at the origin.
            run = []
            for y in range(origin, origin - history, -1):
                if y not in years:
                    break
                run.append(years[y])
            train = list(reversed(run))
            actual = [years[y] for y in future]
            used_terms.add(term)
            growth_true.append(actual[-1] - train[-1])
            for name, fn in methods.items():
                pred = fn(train, horizon)
                growth_pred[name].append(pred[-1] - train[-1])
                for p, a in zip(pred, actual, strict=True):
                    errors[name].append(abs(p - a))
                    denom = abs(p) + abs(a)
                    smapes[name].append(0.0 if denom == 0 else 200.0 * abs(p - a) / denom)
    scores = tuple(
        MethodScore(
            method=name,
            forecasts=len(errors[name]),
            mae=float(np.mean(errors[name])) if errors[name] else float("nan"),
            smape=float(np.mean(smapes[name])) if smapes[name] else float("nan"),
            growth_spearman=spearman(growth_pred[name], growth_true),
        )
        for name in methods
    )
    return TrendEvaluation(origins, horizon, len(used_terms), tuple(sorted(skipped)), scores)
