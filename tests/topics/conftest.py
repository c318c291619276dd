"""Fixtures for the topic tests: a fake embedder and records built from word groups."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from scoring.topics.embed import FakeEmbedder

_n = itertools.count(1)


@pytest.fixture
def fake() -> FakeEmbedder:
    """A fresh deterministic hashing embedder."""
    return FakeEmbedder()


@pytest.fixture
def group_records() -> Callable[..., list[dict[str, Any]]]:
    """`count` landing records whose titles are `words` plus one unique filler word, published in `year`."""

    def build(words: Sequence[str], count: int, year: int, *, language: str = "en", kind: str = "paper",
              abstract: str | None = None) -> list[dict[str, Any]]:
        out = []
        for _ in range(count):
            n = next(_n)
            joiner = "" if language == "zh" else " "
            out.append({
                "source": "test", "source_record_id": f"g{n}", "kind": kind,
                "title": joiner.join(words) + (f" w{n}q" if language != "zh" else f"第{n}号"),
                "abstract": abstract, "published": f"{year}-06-01", "language": language,
            })
        return out

    return build
