"""The forecast ledger: dated probabilistic forecasts per watchlist entry, resolved and scored by later scans.

rules (ledger.toml) → forecasts (frozen per scan) → resolution (outcomes from later evidence) →
track_record (Brier, threat score, calibration); backtest replays past scans through all of it.
"""

from scoring.ledger.backtest import backtest, replay_dates, replay_scan_id
from scoring.ledger.forecasts import build_forecasts, freeze_forecasts
from scoring.ledger.probabilities import (
    annualised_growth,
    apply_recalibration,
    clip_probability,
    first_policy_probability,
    fit_recalibration,
    growth_probability,
    horizon_probability,
    normal_cdf,
    share_growth,
    source_mix,
    stays_probability,
    window_counts,
)
from scoring.ledger.resolution import Resolution, resolve_due
from scoring.ledger.rules import GROUPINGS, LEDGER_PATH, LedgerRules, load_rules
from scoring.ledger.track_record import (
    brier_score,
    calibration_table,
    contingency,
    ledger_summary,
    track_record,
)

__all__ = [
    "GROUPINGS", "LEDGER_PATH", "LedgerRules", "Resolution", "annualised_growth", "apply_recalibration", "backtest",
    "brier_score", "build_forecasts", "calibration_table", "clip_probability", "contingency", "first_policy_probability",
    "fit_recalibration", "freeze_forecasts", "growth_probability", "horizon_probability", "ledger_summary", "load_rules",
    "normal_cdf", "replay_dates", "replay_scan_id", "resolve_due", "share_growth", "source_mix", "stays_probability",
    "track_record", "window_counts",
]
