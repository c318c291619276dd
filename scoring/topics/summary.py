"""What an analysis did, per space and in all: shown by the CLI and the scan summary, stored with the run."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SpaceSummary:
    """What clustering found in one space."""

    space: str
    documents: int = 0
    topics: int = 0
    unassigned: int = 0
    start: str = ""  # cold | warm | reused
    events: dict[str, int] = field(default_factory=dict)
    restart_gain: float | None = None  # how much lower the fresh start's k-means objective was than the warm one's

    @property
    def unassigned_share(self) -> float:
        return self.unassigned / self.documents if self.documents else 0.0


@dataclass
class AnalysisSummary:
    """What one analysis did, for the CLI, the scan summary and analysis_runs.summary."""

    scan_id: str
    as_of: str | None
    model: str
    previous_scan_id: str | None = None
    reused: bool = False
    documents: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)
    multilingual: bool = False
    multilingual_reason: str = ""
    embedded: int = 0
    embedded_unique_texts: int = 0
    embeddings_reused: int = 0
    embed_seconds: float = 0.0
    segmented: int = 0
    spaces: list[SpaceSummary] = field(default_factory=list)
    alias_linked_docs: int = 0
    links: dict[str, int] = field(default_factory=dict)
    topic_links: int = 0
    candidates: list[str] = field(default_factory=list)
    taxonomy_sync: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def docs_per_second(self) -> float:
        """Documents embedded per second of embedding time (unique texts through the model)."""
        return self.embedded_unique_texts / self.embed_seconds if self.embed_seconds else 0.0

    @property
    def topics(self) -> int:
        return sum(s.topics for s in self.spaces)

    @property
    def unassigned_share(self) -> float:
        docs = sum(s.documents for s in self.spaces)
        return sum(s.unassigned for s in self.spaces) / docs if docs else 0.0

    def as_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["docs_per_second"] = round(self.docs_per_second, 2)
        out["topics"] = self.topics
        out["unassigned_share"] = round(self.unassigned_share, 4)
        for s, obj in zip(out["spaces"], self.spaces, strict=True):
            s["unassigned_share"] = round(obj.unassigned_share, 4)
        return out
