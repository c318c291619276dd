"""Load and validate the topic-analysis parameters in scoring/topics/topics.toml into typed, hashable settings."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TOPICS_CONFIG_PATH = Path(__file__).with_name("topics.toml")


class TopicsConfigError(ValueError):
    """A parameter file that cannot be used: the message names the section and key."""


@dataclass(frozen=True)
class EmbeddingConfig:
    model: str = "all-MiniLM-L6-v2"
    offline: bool = True
    multilingual: str | bool = "auto"
    probe_threshold: float = 0.5
    abstract_words: int = 24
    max_tokens: int = 24
    batch_size: int = 128
    device: str = "cpu"
    chunk_size: int = 8192
    processes: int = 0

    @property
    def recipe(self) -> str:
        """Names what is embedded, so a changed recipe re-embeds (the model is keyed separately)."""
        return f"title+abstract|words={self.abstract_words}|tokens={self.max_tokens}"


@dataclass(frozen=True)
class WindowConfig:
    lookback_years: int = 0
    recent_months: int = 12
    min_growth_docs: int = 5


@dataclass(frozen=True)
class ClusterConfig:
    n_topics: int = 0
    topics_per_sqrt: float = 1.0
    min_topics: int = 2
    max_topics: int = 600
    n_components: int = 100
    min_topic_size: int = 5
    min_similarity: float = 0.2
    outlier_z: float = 2.5
    random_state: int = 42
    warm_start: bool = True
    restart_gain: float = 0.03
    max_iter: int = 60


@dataclass(frozen=True)
class ChineseConfig:
    text_chars: int = 300
    min_df: int = 2
    max_df: float = 0.2
    n_components: int = 100
    topics_per_sqrt: float = 1.0
    max_topics: int = 300
    min_topic_size: int = 5
    min_similarity: float = 0.2

    @property
    def recipe(self) -> str:
        return f"jieba|title+text:{self.text_chars}"


@dataclass(frozen=True)
class RepresentConfig:
    n_keywords: int = 10
    n_label_terms: int = 3
    n_representatives: int = 5
    sample_per_topic: int = 300
    text_chars: int = 600


@dataclass(frozen=True)
class LineageConfig:
    min_flow_share: float = 0.2
    min_flow_docs: int = 3
    centroid_match: float = 0.85
    keyword_match: float = 0.5
    size_change: float = 0.5


@dataclass(frozen=True)
class LinkingConfig:
    alias_title: float = 0.95
    alias_text: float = 0.85
    alias_repeat_bonus: float = 0.05
    keyword_only: float = 0.35
    keyword_many: float = 0.45
    embedding_min: float = 0.55
    embedding_full: float = 0.75
    embedding_max_confidence: float = 0.7
    embedding_margin: float = 0.05
    prototype_min_docs: int = 10
    prototype_doc_weight: float = 0.5
    topic_alias_share: float = 0.25
    topic_similarity: float = 0.6
    topic_member_confidence: float = 0.6
    topic_member_min_similarity: float = 0.6


@dataclass(frozen=True)
class CandidateConfig:
    min_size: int = 30
    min_growth: float = 1.5
    growing_scans: int = 2
    max_per_scan: int = 10


@dataclass(frozen=True)
class TopicsConfig:
    """Every parameter of the analysis, one frozen section per stage."""

    embedding: EmbeddingConfig = field(default_factory=EmbeddingConfig)
    window: WindowConfig = field(default_factory=WindowConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    chinese: ChineseConfig = field(default_factory=ChineseConfig)
    represent: RepresentConfig = field(default_factory=RepresentConfig)
    lineage: LineageConfig = field(default_factory=LineageConfig)
    linking: LinkingConfig = field(default_factory=LinkingConfig)
    candidates: CandidateConfig = field(default_factory=CandidateConfig)

    def digest(self) -> str:
        """SHA-256 (16 hex) of the parameters, stamped on every analysis run."""
        blob = json.dumps(dataclasses.asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def replace(self, section: str, **changes: Any) -> TopicsConfig:
        """A copy with some keys of one section changed (for --model, tests and benchmarks)."""
        current = getattr(self, section)
        return dataclasses.replace(self, **{section: _build(type(current), {**dataclasses.asdict(current), **changes}, section)})


def _check_type(section: str, key: str, value: Any, default: Any) -> Any:
    if key == "multilingual":
        if value in ("auto", True, False):
            return value
        raise TopicsConfigError(f"[{section}] {key} must be \"auto\", true or false, not {value!r}")
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise TopicsConfigError(f"[{section}] {key} must be true or false, not {value!r}")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TopicsConfigError(f"[{section}] {key} must be a whole number, not {value!r}")
        if value < 0:
            raise TopicsConfigError(f"[{section}] {key} must not be negative")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TopicsConfigError(f"[{section}] {key} must be a number, not {value!r}")
        return float(value)
    if isinstance(default, str):
        if not isinstance(value, str) or not value.strip():
            raise TopicsConfigError(f"[{section}] {key} must be a non-empty string")
        return value.strip()
    return value


def _build(cls: type, raw: dict[str, Any], section: str) -> Any:
    defaults = cls()
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(raw) - names
    if unknown:
        raise TopicsConfigError(f"[{section}] unknown keys {sorted(unknown)}; known: {sorted(names)}")
    values = {k: _check_type(section, k, v, getattr(defaults, k)) for k, v in raw.items()}
    return cls(**values)


def load_topics_config(path: Path | None = None) -> TopicsConfig:
    """Parameters from topics.toml (the bundled file by default), validated key by key."""
    path = Path(path) if path is not None else TOPICS_CONFIG_PATH
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise TopicsConfigError(f"{path}: not valid TOML: {exc}") from exc
    sections = {f.name: f for f in dataclasses.fields(TopicsConfig)}
    unknown = set(data) - set(sections)
    if unknown:
        raise TopicsConfigError(f"{path}: unknown sections {sorted(unknown)}")
    built: dict[str, Any] = {}
    for name in sections:
        raw = data.get(name, {})
        if not isinstance(raw, dict):
            raise TopicsConfigError(f"{path}: [{name}] must be a table")
        default_section = getattr(TopicsConfig(), name)
        built[name] = _build(type(default_section), raw, name)
    return TopicsConfig(**built)
