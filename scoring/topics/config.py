"""The typed shape of scoring/topics/topics.toml: every parameter of the topic analysis, checked on load.

The values and the reasons for them live in the TOML file only; the hash of the parsed parameters
is stored with every analysis run, and a change of any of them makes the next analysis redo the
clustering.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from warehouse.config import ConfigError, ConfigModel, Count, Name, NonNegative, load_config

TOPICS_CONFIG_PATH = Path(__file__).with_name("topics.toml")
TopicsConfigError = ConfigError  # a topics file that cannot be used: the message names the section and key


class EmbeddingConfig(ConfigModel):
    model: Name
    offline: bool
    multilingual: Literal["auto"] | bool
    probe_threshold: NonNegative
    abstract_words: Count
    max_tokens: Count
    batch_size: Count
    device: Name
    chunk_size: Count
    processes: Count

    @property
    def recipe(self) -> str:
        """Names what is embedded, so a changed recipe re-embeds (the model is keyed separately)."""
        return f"title+abstract|words={self.abstract_words}|tokens={self.max_tokens}"


class WindowConfig(ConfigModel):
    lookback_years: Count
    recent_months: Count
    min_growth_docs: Count


class ClusterConfig(ConfigModel):
    n_topics: Count
    topics_per_sqrt: NonNegative
    min_topics: Count
    max_topics: Count
    n_components: Count
    min_topic_size: Count
    min_similarity: NonNegative
    outlier_z: NonNegative
    random_state: Count
    warm_start: bool
    restart_gain: NonNegative
    max_iter: Count


class ChineseConfig(ConfigModel):
    text_chars: Count
    min_df: Count
    max_df: NonNegative
    n_components: Count
    topics_per_sqrt: NonNegative
    max_topics: Count
    min_topic_size: Count
    min_similarity: NonNegative

    @property
    def recipe(self) -> str:
        return f"jieba|title+text:{self.text_chars}"


class RepresentConfig(ConfigModel):
    n_keywords: Count
    n_label_terms: Count
    n_representatives: Count
    sample_per_topic: Count
    text_chars: Count


class LineageConfig(ConfigModel):
    min_flow_share: NonNegative
    min_flow_docs: Count
    centroid_match: NonNegative
    keyword_match: NonNegative
    size_change: NonNegative


class LinkingConfig(ConfigModel):
    alias_title: NonNegative
    alias_text: NonNegative
    alias_repeat_bonus: NonNegative
    keyword_only: NonNegative
    keyword_many: NonNegative
    embedding_min: NonNegative
    embedding_full: NonNegative
    embedding_max_confidence: NonNegative
    embedding_margin: NonNegative
    prototype_min_docs: Count
    prototype_doc_weight: NonNegative
    topic_alias_share: NonNegative
    topic_similarity: NonNegative
    topic_member_confidence: NonNegative
    topic_member_min_similarity: NonNegative
    origin_confidence: NonNegative


class CandidateConfig(ConfigModel):
    min_size: Count
    min_growth: NonNegative
    growing_scans: Count
    max_per_scan: Count


class TopicsConfig(ConfigModel):
    """Every parameter of the analysis, one frozen section per stage."""

    embedding: EmbeddingConfig
    window: WindowConfig
    cluster: ClusterConfig
    chinese: ChineseConfig
    represent: RepresentConfig
    lineage: LineageConfig
    linking: LinkingConfig
    candidates: CandidateConfig

    def replace(self, section: str, **changes: Any) -> TopicsConfig:
        """A copy with some keys of one section changed (for --model, tests and benchmarks), validated."""
        return self.updated({section: changes})


def load_topics_config(path: Path | None = None) -> TopicsConfig:
    """Parameters from topics.toml (the bundled file by default), validated key by key."""
    return load_config(Path(path) if path is not None else TOPICS_CONFIG_PATH, TopicsConfig)
