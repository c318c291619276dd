"""The ledger's rules (scoring/ledger/ledger.toml) as a typed model, and the names every ledger module shares."""

from __future__ import annotations

from pathlib import Path

from warehouse.config import ConfigModel, load_config_with_hash

LEDGER_PATH = Path(__file__).with_name("ledger.toml")
# Bumped whenever a change to the ledger's code would change forecasts or outcomes made with the same rules.
RULE_VERSION = "ledger-1"
NEARER = {"far": "mid", "mid": "near"}
HORIZON_RANK = {"far": 0, "mid": 1, "near": 2}
HORIZON_ZH = {"near": "近期", "mid": "中期", "far": "远期"}
GROUPINGS = ("type", "horizon", "direction", "source_mix")


class Evidence(ConfigModel):
    min_link_confidence: float


class Probability(ConfigModel):
    floor: float


class Watchlist(ConfigModel):
    top: int


class GrowthCall(ConfigModel):
    type: str
    months: int
    annual_rate: float


class Growth(ConfigModel):
    window_months: int
    min_baseline_documents: float
    persistence: float
    sigma_year: float
    calls: list[GrowthCall]


class HorizonShift(ConfigModel):
    months: int
    hazard_mid: float
    hazard_far: float

    def hazard(self, horizon: str) -> float:
        """The yearly hazard of moving nearer from this horizon (mid or far)."""
        return self.hazard_mid if horizon == "mid" else self.hazard_far


class StaysListed(ConfigModel):
    months: int
    priority_sigma_year: float


class FirstPolicy(ConfigModel):
    months: int
    hazard_base: float
    hazard_press: float
    press_half: float


class Resolution(ConfigModel):
    grace_days: int


class Metrics(ConfigModel):
    calibration_bins: int
    worst_misses: int


class Recalibration(ConfigModel):
    enabled: bool
    min_history: int
    prior_sd: float


class LedgerRules(ConfigModel):
    """Every parameter that turns a scan's scores into forecast probabilities, and how they are judged."""

    evidence: Evidence
    probability: Probability
    watchlist: Watchlist
    growth: Growth
    horizon_shift: HorizonShift
    stays_listed: StaysListed
    first_policy: FirstPolicy
    resolution: Resolution
    metrics: Metrics
    recalibration: Recalibration


def load_rules(path: Path | None = None) -> tuple[LedgerRules, str]:
    """The ledger rules, validated, and the sha256 of the file's bytes (part of every forecast's rule version)."""
    return load_config_with_hash(Path(path) if path is not None else LEDGER_PATH, LedgerRules)
