"""Local fit: share of evidence from China, Shanghai-related evidence, and mentions of curated Shanghai players."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field

from scoring.screening.indicators.base import (
    EvidenceDoc,
    IndicatorValue,
    ScanContext,
    TechEvidence,
    missing,
    recent_docs,
    rounded,
    saturate,
    top_ids,
)
from warehouse.config import ConfigModel, Name, load_config

PLAYERS_PATH = Path(__file__).with_name("local_players.toml")


@dataclass(frozen=True)
class LocalPlayer:
    """A Shanghai university, institute, hospital or firm, with the strings that name it."""

    name: str
    en: str
    kind: str
    substrings: tuple[str, ...]      # matched case-insensitively
    exact: tuple[str, ...] = ()      # matched case-sensitively as whole words


@dataclass(frozen=True)
class LocalVocabulary:
    """Players plus the place and country markers that make evidence Chinese or Shanghai-related."""

    players: tuple[LocalPlayer, ...]
    shanghai: tuple[str, ...]
    china_countries: frozenset[str]
    china_words: tuple[str, ...]


class PlayerEntry(ConfigModel):
    """One [[player]] of local_players.toml; aliases and exact names are optional lists."""

    name: Name
    en: Name
    kind: Literal["university", "institute", "hospital", "firm"]
    aliases: list[Name] = Field(default_factory=list)
    exact: list[Name] = Field(default_factory=list)


class Places(ConfigModel):
    shanghai: list[Name]
    china_countries: list[Name]
    china_affiliation_words: list[Name]


class PlayersFile(ConfigModel):
    player: list[PlayerEntry]
    places: Places


def load_local_vocabulary(path: Path | None = None) -> LocalVocabulary:
    """Read the curated players file; a malformed entry fails loudly rather than silently dropping a player."""
    data = load_config(Path(path) if path else PLAYERS_PATH, PlayersFile)
    players = tuple(
        LocalPlayer(p.name, p.en, p.kind, (p.name, p.en, *p.aliases), tuple(p.exact)) for p in data.player
    )
    places = data.places
    return LocalVocabulary(
        players,
        tuple(places.shanghai),
        frozenset(c.lower() for c in places.china_countries),
        tuple(places.china_affiliation_words),
    )


_PATTERNS: dict[tuple[LocalPlayer, ...], tuple[re.Pattern[str], re.Pattern[str] | None, dict[str, str]]] = {}


def _patterns(players: Sequence[LocalPlayer]) -> tuple[re.Pattern[str], re.Pattern[str] | None, dict[str, str]]:
    """One case-insensitive alternation for all names and one case-sensitive one for acronyms, built once."""
    key = tuple(players)
    if key not in _PATTERNS:
        owner: dict[str, str] = {}
        for p in players:
            for s in p.substrings:
                owner.setdefault(s.lower(), p.name)
            for e in p.exact:
                owner.setdefault(e, p.name)
        subs = sorted({s.lower() for p in players for s in p.substrings}, key=len, reverse=True)
        exact = sorted({e for p in players for e in p.exact}, key=len, reverse=True)
        # Matched on lower-cased text: an IGNORECASE alternation of a hundred names is many times slower.
        loose = re.compile("|".join(map(re.escape, subs)))
        strict = (re.compile("(?<![A-Za-z0-9])(?:" + "|".join(map(re.escape, exact)) + ")(?![A-Za-z0-9])")
                  if exact else None)
        _PATTERNS[key] = (loose, strict, owner)
    return _PATTERNS[key]


def players_in(text: str, players: Sequence[LocalPlayer]) -> list[str]:
    """Names of the players a text mentions, in the order of the players list."""
    if not players:
        return []
    loose, strict, owner = _patterns(players)
    named = {owner[m.group(0)] for m in loose.finditer(text.lower())}
    if strict is not None:
        named |= {owner[m.group(0)] for m in strict.finditer(text)}
    return [p.name for p in players if p.name in named]


def is_chinese(doc: EvidenceDoc, vocab: LocalVocabulary) -> bool | None:
    """Whether a document comes from China; None when it carries no hint of origin at all."""
    if doc.countries:
        return any(c.lower() in vocab.china_countries for c in doc.countries)
    if doc.affiliations:
        joined = " ".join(doc.affiliations)
        return any(w.lower() in joined.lower() for w in vocab.china_words)
    if doc.language:
        # Chinese-language sources are Chinese media, policy and preprint servers.
        return doc.language.startswith("zh")
    return None


def _mentions(doc: EvidenceDoc, vocab: LocalVocabulary) -> tuple[list[str], bool]:
    """(players the document names, whether it names Shanghai) in its text and affiliations."""
    text = doc.text[:20000] + "\n" + " ".join(doc.affiliations)
    lowered = text.lower()
    named = players_in(text, vocab.players)
    return named, bool(named) or any(s.lower() in lowered for s in vocab.shanghai)


def compute(ev: TechEvidence, ctx: ScanContext) -> list[IndicatorValue]:
    """`local_fit`: weighted mix of the China share, Shanghai-related documents and distinct local players."""
    p = ctx.params.indicators.local
    windows = ctx.params.windows
    months = windows.recent_months
    recent = [d for d, _ in recent_docs(ev, ctx.as_of, months)]
    if not recent:
        return [missing("local_fit", "no recent documents")]
    vocab = ctx.cache.get("local_vocabulary")
    if vocab is None:
        vocab = ctx.cache["local_vocabulary"] = (
            ctx.players if isinstance(ctx.players, LocalVocabulary) else load_local_vocabulary()
        )
    origin = [is_chinese(d, vocab) for d in recent]
    known = [o for o in origin if o is not None]
    china_share = sum(known) / len(known) if known else None
    shanghai_docs: list[EvidenceDoc] = []
    players: Counter[str] = Counter()
    memo = ctx.memo
    vocab_key = ctx.cache.get("local_vocabulary_key")
    if vocab_key is None:
        vocab_key = ctx.cache["local_vocabulary_key"] = memo.key(
            [[pl.name, pl.en, pl.kind, list(pl.substrings), list(pl.exact)] for pl in vocab.players],
            list(vocab.shanghai), sorted(vocab.china_countries), list(vocab.china_words),
        )
    for d in recent:
        # Which players and places a text names does not depend on as_of: kept between scans.
        named, in_shanghai = memo.get("local_text", memo.key(vocab_key, memo.doc_key(d)), lambda d=d: _mentions(d, vocab))
        players.update(set(named))
        if named or in_shanghai:
            shanghai_docs.append(d)
    components = {
        "shanghai": saturate(len(shanghai_docs), p.shanghai_half),
        "players": saturate(len(players), p.players_half),
    }
    weights = {"shanghai": p.shanghai_weight, "players": p.players_weight}
    if china_share is not None:
        components["china_share"] = china_share
        weights["china_share"] = p.china_weight
    value = sum(components[k] * weights[k] for k in components) / sum(weights.values())
    details = {
        "components": {k: rounded(v, 4) for k, v in components.items()},
        "documents_with_origin": len(known),
        "chinese_documents": sum(known),
        "shanghai_documents": len(shanghai_docs),
        "players": dict(sorted(players.items(), key=lambda kv: (-kv[1], kv[0]))[:10]),
    }
    limit = ctx.params.evidence.max_doc_ids
    return [IndicatorValue("local_fit", rounded(value), rounded(value), details, top_ids(shanghai_docs, limit))]
