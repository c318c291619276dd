"""Screening indicators, one module per family; each returns values with the document ids behind them."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from scoring.screening.indicators.base import EvidenceDoc, IndicatorValue, ScanContext, TechEvidence, TechMeta

Family = Callable[[TechEvidence, ScanContext], list[IndicatorValue]]

# Order is the order indicators are stored and shown. The family modules (regular expressions, stage
# vocabularies) are imported on first use: a scan whose scores are carried over never computes one.
FAMILY_NAMES: tuple[str, ...] = (
    "volume", "growth", "novelty", "reach", "coherence", "policy", "industrialisation", "local", "uncertainty",
)
_families: tuple[tuple[str, Family], ...] | None = None


def families() -> tuple[tuple[str, Family], ...]:
    """(name, compute function) of every indicator family, in storage order."""
    global _families
    if _families is None:
        _families = tuple(
            (name, importlib.import_module(f"scoring.screening.indicators.{name}").compute) for name in FAMILY_NAMES
        )
    return _families


def __getattr__(name: str) -> Any:
    if name == "FAMILIES":
        return families()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def compute_indicators(ev: TechEvidence, ctx: ScanContext) -> dict[str, IndicatorValue]:
    """Every indicator of one technology, by name."""
    out: dict[str, IndicatorValue] = {}
    for _, family in families():
        for value in family(ev, ctx):
            out[value.name] = value
    return out


__all__ = [
    "FAMILIES",
    "FAMILY_NAMES",
    "EvidenceDoc",
    "IndicatorValue",
    "ScanContext",
    "TechEvidence",
    "TechMeta",
    "compute_indicators",
    "families",
]
