"""Growth forecasting: forecasters on exact series, the backtest's bookkeeping, CSV reading."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.screening.trends import (
    damped_trend,
    evaluate_trends,
    last_value,
    linear_trend,
    read_series_csv,
    spearman,
)


def test_baselines_on_exact_series() -> None:
    assert last_value([1, 2, 7], 2) == [7.0, 7.0]
    assert linear_trend([10, 12, 14, 16, 18], 3) == pytest.approx([20, 22, 24])
    assert linear_trend([30, 20, 10], 3, window=3) == pytest.approx([0, 0, 0])  # counts never go negative


def test_damped_trend_keeps_growth_going_but_slows_it() -> None:
    history = [2.0**k for k in range(8)]  # doubling every year
    forecast = damped_trend(history, 3)
    assert forecast[0] > history[-1] and forecast[2] > forecast[1] > forecast[0]
    assert forecast[2] < history[-1] * 2**3  # damped: below unchecked doubling
    flat = damped_trend([5.0] * 10, 3)
    assert flat == pytest.approx([5.0] * 3, abs=1e-6)
    assert damped_trend([4.0, 5.0], 2) == [5.0, 5.0]  # too short to fit: last value


def test_evaluate_trends_scores_each_method_and_skips_gaps() -> None:
    series = {
        "rising": {y: float(2 ** (y - 2000)) for y in range(2000, 2012)},
        "flat": {y: 10.0 for y in range(2000, 2012)},
        "falling": {y: float(100 - 5 * (y - 2000)) for y in range(2000, 2012)},
        "gappy": {2000: 1.0, 2001: 2.0, 2008: 3.0, 2009: 4.0},
    }
    result = evaluate_trends(series, origins=[2008], horizon=3)
    rows = {m.method: m for m in result.methods}
    assert result.terms == 3 and "gappy@2008" in result.skipped
    assert rows["last_value"].forecasts == 9
    # On these regular series the trend methods beat "no change", and rank growth correctly.
    assert rows["damped_trend"].mae < rows["last_value"].mae
    assert rows["linear_trend"].mae < rows["last_value"].mae
    assert rows["damped_trend"].growth_spearman == pytest.approx(1.0)
    assert rows["last_value"].growth_spearman is None  # it forecasts no change for every term


def test_spearman_handles_ties_and_constants() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 1, 1], [1, 2, 3]) is None
    assert spearman([1, 2], [1, 2]) is None


def test_read_series_csv(tmp_path: Path) -> None:
    good = tmp_path / "s.csv"
    good.write_text("term,year,count\nCRISPR,2014,57.8\nCRISPR,2015,107.1\n", encoding="utf-8")
    assert read_series_csv(good) == {"CRISPR": {2014: 57.8, 2015: 107.1}}
    bad = tmp_path / "b.csv"
    bad.write_text("term,count\nx,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="year"):
        read_series_csv(bad)
    neg = tmp_path / "n.csv"
    neg.write_text("term,year,count\nx,2000,-1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="non-negative"):
        read_series_csv(neg)
