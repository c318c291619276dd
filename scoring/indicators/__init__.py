"""Screening indicators, one module per family; each returns values with the document ids behind them."""

from __future__ import annotations

from collections.abc import Callable

from scoring.indicators import (
    coherence,
    growth,
    industrialisation,
    local,
    novelty,
    policy,
    reach,
    uncertainty,
    volume,
)
from scoring.indicators.base import EvidenceDoc, IndicatorValue, ScanContext, TechEvidence, TechMeta

Family = Callable[[TechEvidence, ScanContext], list[IndicatorValue]]

# Order is the order indicators are stored and shown.
FAMILIES: tuple[tuple[str, Family], ...] = (
    ("volume", volume.compute),
    ("growth", growth.compute),
    ("novelty", novelty.compute),
    ("reach", reach.compute),
    ("coherence", coherence.compute),
    ("policy", policy.compute),
    ("industrialisation", industrialisation.compute),
    ("local", local.compute),
    ("uncertainty", uncertainty.compute),
)


def compute_indicators(ev: TechEvidence, ctx: ScanContext) -> dict[str, IndicatorValue]:
    """Every indicator of one technology, by name."""
    out: dict[str, IndicatorValue] = {}
    for _, family in FAMILIES:
        for value in family(ev, ctx):
            out[value.name] = value
    return out


__all__ = [
    "FAMILIES",
    "EvidenceDoc",
    "IndicatorValue",
    "ScanContext",
    "TechEvidence",
    "TechMeta",
    "compute_indicators",
]
