"""Horizon evaluation against labelled technologies: agreement, confusion matrix, and the evidence behind each miss."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scoring.screening.criteria import HORIZONS, INSUFFICIENT
from scoring.screening.run import TechScore
from scoring.technologies.taxonomy import Technology, find_technology

# Labels may be written in English or Chinese.
_HORIZON_WORDS = {
    "near": "near", "near-term": "near", "近期": "near", "近": "near",
    "mid": "mid", "middle": "mid", "medium": "mid", "mid-term": "mid", "中期": "mid", "中": "mid",
    "far": "far", "far-term": "far", "long": "far", "远期": "far", "远": "far",
}


@dataclass(frozen=True)
class Label:
    """One labelled technology as written in the labels file, and the taxonomy id it resolved to."""

    technology: str
    expected: str
    tech_id: str | None
    line: int


def read_labels(path: Path) -> list[tuple[str, str, int]]:
    """(technology, horizon, line) rows of a CSV with columns technology, horizon."""
    rows = []
    with Path(path).open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        cols = {c.strip().lower() for c in reader.fieldnames or []}
        if not {"technology", "horizon"} <= cols:
            raise ValueError(f"{path}: expected columns technology, horizon; found {', '.join(sorted(cols)) or 'none'}")
        for n, row in enumerate(reader, start=2):
            row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
            if not row.get("technology"):
                continue
            word = row.get("horizon", "").lower()
            if word not in _HORIZON_WORDS:
                raise ValueError(f"{path}, line {n}: horizon {row.get('horizon')!r} is not near, mid or far")
            rows.append((row["technology"], _HORIZON_WORDS[word], n))
    return rows


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).lower().replace("-", " ").replace("_", " ").split())


class NameResolver:
    """Finds the technology a typed name means: exact id, name or alias first, then the closest name."""

    def __init__(self, technologies: Sequence[Mapping[str, Any]]) -> None:
        self.exact: dict[str, str] = {}
        self.techs: list[Technology] = []
        for t in technologies:
            for name in (t["tech_id"], t.get("name_en", ""), t.get("name_zh", ""), *t.get("aliases", [])):
                if name:
                    self.exact.setdefault(_norm(name), t["tech_id"])
            self.techs.append(Technology(
                id=t["tech_id"], name_en=t.get("name_en", "") or t["tech_id"], name_zh=t.get("name_zh", ""),
                direction=t.get("direction", ""), aliases_en=tuple(t.get("aliases", [])),
            ))

    def resolve(self, name: str) -> str | None:
        tech_id = self.exact.get(_norm(name))
        if tech_id is None:
            # Plurals and word order ("brain-computer interfaces"): the closest name, when close enough.
            found = find_technology(name, self.techs, limit=1, score_cutoff=85.0)
            tech_id = found[0][0].id if found else None
        return tech_id

    def suggestions(self, name: str, limit: int = 3) -> list[str]:
        return [t.id for t, _ in find_technology(name, self.techs, limit=limit, score_cutoff=50.0)]


def resolve_labels(rows: Sequence[tuple[str, str, int]], technologies: Sequence[Mapping[str, Any]]) -> list[Label]:
    """Match each labelled name to a technology id (None when nothing is close enough)."""
    resolver = NameResolver(technologies)
    return [Label(name, horizon, resolver.resolve(name), line) for name, horizon, line in rows]


@dataclass(frozen=True)
class HorizonResult:
    """The call for one labelled technology, and what drove it."""

    technology: str
    tech_id: str | None
    expected: str
    predicted: str
    confidence: float | None
    reasons: tuple[str, ...]
    leaning: str | None = None
    trl_band: str | None = None
    drivers: tuple[Mapping[str, Any], ...] = ()

    @property
    def agrees(self) -> bool:
        return self.predicted == self.expected


@dataclass(frozen=True)
class HorizonEvaluation:
    """Agreement of computed horizons with labels."""

    results: tuple[HorizonResult, ...]
    confusion: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    @property
    def agreement(self) -> float | None:
        return sum(r.agrees for r in self.results) / len(self.results) if self.results else None

    @property
    def decided(self) -> list[HorizonResult]:
        return [r for r in self.results if r.predicted in HORIZONS]

    @property
    def agreement_when_decided(self) -> float | None:
        decided = self.decided
        return sum(r.agrees for r in decided) / len(decided) if decided else None

    @property
    def leaning_agreement(self) -> float | None:
        """Share whose call, or for insufficient evidence the band the thin evidence leans to, matches."""
        if not self.results:
            return None
        return sum((r.leaning or r.predicted) == r.expected for r in self.results) / len(self.results)

    def misses(self) -> list[HorizonResult]:
        return [r for r in self.results if not r.agrees]

    def as_json(self) -> list[dict[str, Any]]:
        """The documented JSON shape: exactly technology, expected, predicted, confidence, reasons."""
        return [
            {
                "technology": r.technology,
                "expected": r.expected,
                "predicted": r.predicted,
                "confidence": r.confidence,
                "reasons": list(r.reasons),
            }
            for r in self.results
        ]


def evaluate_horizon(labels: Sequence[Label], scores: Sequence[TechScore]) -> HorizonEvaluation:
    """Compare each label with the computed horizon; unknown technologies count as misses, said so."""
    by_id = {s.tech.tech_id: s for s in scores}
    results = []
    for label in labels:
        score = by_id.get(label.tech_id) if label.tech_id else None
        if score is None:
            why = (f"no technology in the taxonomy matches {label.technology!r} "
                   "(add it with `futurescan tech add`)") if label.tech_id is None else "not scored"
            results.append(HorizonResult(label.technology, label.tech_id, label.expected, INSUFFICIENT, None, (why,)))
            continue
        h = score.horizon
        results.append(HorizonResult(
            technology=label.technology,
            tech_id=label.tech_id,
            expected=label.expected,
            predicted=h.horizon,
            confidence=h.confidence,
            reasons=tuple(h.reasons),
            leaning=h.leaning,
            trl_band=h.trl_band,
            drivers=tuple(h.drivers),
        ))
    confusion: dict[str, dict[str, int]] = {
        e: {p: 0 for p in (*HORIZONS, INSUFFICIENT)} for e in HORIZONS
    }
    for r in results:
        confusion[r.expected][r.predicted] += 1
    return HorizonEvaluation(tuple(results), confusion)
