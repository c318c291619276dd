"""The typed shape of scoring/screening/weights.toml: every number of the screening scores, checked on load.

The values (and the reason for each) live in the TOML file only; this module says which keys exist
and what type each has, so a consultant's misspelt key is an error naming the nearest valid key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from warehouse.config import FROM_ARRAY, ConfigModel, load_config_with_hash

WEIGHTS_PATH = Path(__file__).with_name("weights.toml")


class Evidence(ConfigModel):
    min_link_confidence: float
    max_doc_ids: int


class Windows(ConfigModel):
    period_months: int
    recent_periods: int
    history_periods: int

    @property
    def recent_months(self) -> int:
        """The length of the "recent" window in months."""
        return self.period_months * self.recent_periods


class Volume(ConfigModel):
    half: float


class Growth(ConfigModel):
    recent_periods: int
    baseline_periods: int
    min_documents: int
    shrink: float
    scale: float


class Burst(ConfigModel):
    bin_months: int
    bins: int
    s: float
    gamma: float
    min_documents: int


class Novelty(ConfigModel):
    recent_periods: int
    min_documents: int
    max_documents: int
    min_term_docs: int
    min_term_share: float
    embedding_coverage: float


class Reach(ConfigModel):
    min_documents: int


class Coherence(ConfigModel):
    min_documents: int
    persistence_periods: int
    max_documents: int
    baseline_sample: int


class Prominence(ConfigModel):
    attention_keys: list[str]
    min_attention_docs: int
    coverage_half: float


class Policy(ConfigModel):
    issuer_rank: list[Annotated[tuple[str, float], FROM_ARRAY]]
    issuer_default: float
    body_only_factor: float
    half_life_years: float
    list_title_pattern: str
    scale: float


class Local(ConfigModel):
    shanghai_half: float
    players_half: float
    china_weight: float
    shanghai_weight: float
    players_weight: float


class Uncertainty(ConfigModel):
    min_documents: int
    volatility_half: float
    volatility_periods: int
    share_floor: float
    kind_periods: int
    kind_min_documents: int
    contested_gain: float


class Stage(ConfigModel):
    context_chars: int
    half_life_years: float
    max_age_years: float
    timeline_near_years: float
    timeline_mid_years: float


class Indicators(ConfigModel):
    volume: Volume
    growth: Growth
    burst: Burst
    novelty: Novelty
    reach: Reach
    coherence: Coherence
    prominence: Prominence
    policy: Policy
    local: Local
    uncertainty: Uncertainty
    stage: Stage


class Strategic(ConfigModel):
    policy_attention: float
    local_fit: float
    breadth: float
    threshold: float
    min_documents: int


class Disruptive(ConfigModel):
    radical_novelty: float
    fast_growth: float
    coherence: float
    prominent_impact: float
    uncertainty: float
    attribute_present: float
    min_present: int
    min_attributes: int


class HorizonChannels(ConfigModel):
    papers: float
    patents: float
    news: float
    policy: float
    trials: float
    ventures: float


class Horizon(ConfigModel):
    near_from: float
    mid_from: float
    frontier_share: float
    papers_from_trl: float
    channel_half: float
    min_documents: float
    min_channels: int
    min_channel_documents: float
    single_channel_documents: float
    min_confidence: float
    channels: HorizonChannels


class Weights(ConfigModel):
    """Every parameter of the screening step, one section per indicator family and criterion."""

    evidence: Evidence
    windows: Windows
    indicators: Indicators
    strategic: Strategic
    disruptive: Disruptive
    horizon: Horizon


def load_weights(path: Path | None = None) -> tuple[Weights, str]:
    """The weights file, validated, and the sha256 of its bytes (stamped on every score it makes)."""
    return load_config_with_hash(Path(path) if path is not None else WEIGHTS_PATH, Weights)
