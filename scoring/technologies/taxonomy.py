"""Seeded bilingual taxonomy of future-industry technologies: load, validate, match aliases, look up by name."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from warehouse.config import ConfigError, read_toml, unknown_keys_message

TAXONOMY_PATH = Path(__file__).with_name("taxonomy.toml")

# The six national future-industry directions (工信部等七部门《关于推动未来产业创新发展的实施意见》).
DIRECTION_IDS: tuple[str, ...] = (
    "future_manufacturing",
    "future_information",
    "future_materials",
    "future_energy",
    "future_space",
    "future_health",
)

Strength = Literal["alias", "keyword"]

_LIST_FIELDS = ("aliases_en", "aliases_en_exact", "aliases_zh", "keywords_en", "keywords_zh")
_TEXT_FIELDS = ("description_en", "description_zh")
_KNOWN_KEYS = frozenset({"id", "name_en", "name_zh", "direction", "status", *_LIST_FIELDS, *_TEXT_FIELDS})
_ID_RE = re.compile(r"[a-z0-9][a-z0-9_]*")
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class TaxonomyError(ConfigError):
    """A taxonomy file that cannot be trusted for linking: the message names the technology and the problem."""


@dataclass(frozen=True)
class Technology:
    """One candidate future-industry technology with its bilingual names and match vocabulary."""

    id: str
    name_en: str
    name_zh: str
    direction: str
    aliases_en: tuple[str, ...] = ()
    aliases_en_exact: tuple[str, ...] = ()
    aliases_zh: tuple[str, ...] = ()
    keywords_en: tuple[str, ...] = ()
    keywords_zh: tuple[str, ...] = ()
    description_en: str = ""
    description_zh: str = ""
    status: str = "seeded"

    @property
    def aliases(self) -> tuple[str, ...]:
        """All strong match strings, English first, so callers need not know the three kinds."""
        return self.aliases_en + self.aliases_en_exact + self.aliases_zh

    @property
    def keywords(self) -> tuple[str, ...]:
        """All weak signal words in both languages, for breadth indicators."""
        return self.keywords_en + self.keywords_zh


# ───────────────────────────── loading and validation ─────────────────────────────


def _read(path: Path) -> dict[str, Any]:
    try:
        return read_toml(path)[0]
    except ConfigError as exc:
        raise TaxonomyError(str(exc)) from None


def _parse_directions(raw: Any, path: Path) -> dict[str, tuple[str, str]]:
    if not isinstance(raw, dict):
        raise TaxonomyError(f"{path}: [directions] must be a table")
    if set(raw) != set(DIRECTION_IDS):
        raise TaxonomyError(
            f"{path}: [directions] must name exactly the six directions {sorted(DIRECTION_IDS)}, got {sorted(raw)}"
        )
    out: dict[str, tuple[str, str]] = {}
    for key in DIRECTION_IDS:
        names = raw[key]
        if not (isinstance(names, dict) and _nonblank(names.get("en")) and _nonblank(names.get("zh"))):
            raise TaxonomyError(f"{path}: direction {key!r} needs non-empty en and zh names")
        out[key] = (names["en"].strip(), names["zh"].strip())
    return out


def _parse_blockers(raw: Any, path: Path) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict) or set(raw) - {"zh"}:
        raise TaxonomyError(f"{path}: [blockers] must be a table with a single key zh")
    items = raw.get("zh", [])
    if not isinstance(items, list) or not all(_nonblank(s) and _CJK_RE.search(s) for s in items):
        raise TaxonomyError(f"{path}: [blockers] zh must be a list of Chinese strings")
    return tuple(dict.fromkeys(s.strip() for s in items))


def _nonblank(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _string_list(tech_id: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TaxonomyError(f"technology {tech_id!r}: {key} must be a list of strings")
    cleaned = [v.strip() for v in value]
    if any(not v for v in cleaned):
        raise TaxonomyError(f"technology {tech_id!r}: {key} contains an empty string")
    return tuple(dict.fromkeys(cleaned))  # drop repeats, keep the consultant's order


def _parse_technology(raw: Any, index: int) -> Technology:
    if not isinstance(raw, dict):
        raise TaxonomyError(f"technology #{index + 1}: must be a table")
    tech_id = raw.get("id")
    if not _nonblank(tech_id):
        raise TaxonomyError(f"technology #{index + 1}: missing id")
    tech_id = tech_id.strip()
    if not _ID_RE.fullmatch(tech_id):
        raise TaxonomyError(f"technology {tech_id!r}: id must be a lowercase slug of letters, digits and _")
    unknown = set(raw) - _KNOWN_KEYS
    if unknown:
        # A misspelt key ("alias_en") would otherwise silently drop a whole vocabulary.
        raise TaxonomyError(f"technology {tech_id!r}: {unknown_keys_message(unknown, _KNOWN_KEYS)}")
    for key in ("name_en", "name_zh"):
        if not _nonblank(raw.get(key)):
            raise TaxonomyError(f"technology {tech_id!r}: missing {key}")
    direction = raw.get("direction")
    if direction not in DIRECTION_IDS:
        raise TaxonomyError(
            f"technology {tech_id!r}: unknown direction {direction!r}; expected one of {list(DIRECTION_IDS)}"
        )
    lists = {key: _string_list(tech_id, key, raw.get(key, [])) for key in _LIST_FIELDS}
    if not (lists["aliases_en"] or lists["aliases_en_exact"] or lists["aliases_zh"]):
        raise TaxonomyError(f"technology {tech_id!r}: needs at least one alias")
    for key in ("aliases_zh", "keywords_zh"):
        for alias in lists[key]:
            if not _CJK_RE.search(alias):
                # Substring matching of ASCII ("6G") would hit "16G"; such aliases belong in aliases_en_exact.
                raise TaxonomyError(
                    f"technology {tech_id!r}: {key} entry {alias!r} has no Chinese characters; "
                    "put it in aliases_en or aliases_en_exact"
                )
    for key in _TEXT_FIELDS:
        if not isinstance(raw.get(key, ""), str):
            raise TaxonomyError(f"technology {tech_id!r}: {key} must be a string")
    status = raw.get("status", "seeded")
    if not _nonblank(status):
        raise TaxonomyError(f"technology {tech_id!r}: status must be a non-empty string")
    return Technology(
        id=tech_id,
        name_en=raw["name_en"].strip(),
        name_zh=raw["name_zh"].strip(),
        direction=direction,
        description_en=raw.get("description_en", "").strip(),
        description_zh=raw.get("description_zh", "").strip(),
        status=status.strip(),
        **lists,
    )


def _check_alias_clashes(techs: Sequence[Technology]) -> None:
    # An alias owned by two technologies links every mention to both: almost always a slip.
    owner: dict[tuple[str, str], str] = {}
    for tech in techs:
        keys = (
            [("en", _unit_key(a, fold=True)) for a in tech.aliases_en]
            + [("exact", _unit_key(a, fold=False)) for a in tech.aliases_en_exact]
            + [("zh", _unit_key(a, fold=True)) for a in tech.aliases_zh]
        )
        for key in dict.fromkeys(keys):
            other = owner.setdefault(key, tech.id)
            if other != tech.id:
                shown = key[1].replace(_SEP, " ")
                raise TaxonomyError(
                    f"technology {tech.id!r}: alias {shown!r} is already an alias of {other!r}"
                )


# Parsed taxonomies by resolved path, kept while the file's modification time and size are unchanged:
# read-only commands (watchlist, assess) ask for it several times per call, and parsing costs ~10 ms.
_TAXONOMY_CACHE: dict[Path, tuple[tuple[int, int], tuple[Technology, ...]]] = {}


def load_taxonomy(path: Path | None = None) -> list[Technology]:
    """Load and validate the technology taxonomy so linking never runs on a malformed file.

    A file already parsed is not parsed again while its modification time and size stay the same
    (Technology is frozen; each call gets its own list).
    """
    path = Path(path) if path is not None else TAXONOMY_PATH
    key = path.resolve()
    st = key.stat()
    stamp = (st.st_mtime_ns, st.st_size)
    cached = _TAXONOMY_CACHE.get(key)
    if cached is not None and cached[0] == stamp:
        return list(cached[1])
    techs = _load_taxonomy(path)
    _TAXONOMY_CACHE[key] = (stamp, tuple(techs))
    return techs


def _load_taxonomy(path: Path) -> list[Technology]:
    data = _read(path)
    if "directions" in data:
        _parse_directions(data["directions"], path)
    _parse_blockers(data.get("blockers"), path)
    raw_techs = data.get("technology")
    if not isinstance(raw_techs, list) or not raw_techs:
        raise TaxonomyError(f"{path}: no [[technology]] tables")
    techs: list[Technology] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_techs):
        tech = _parse_technology(raw, index)
        if tech.id in seen:
            raise TaxonomyError(f"technology {tech.id!r}: duplicate id")
        seen.add(tech.id)
        techs.append(tech)
    _check_alias_clashes(techs)
    return techs


def load_directions(path: Path | None = None) -> dict[str, tuple[str, str]]:
    """Direction id → (English, Chinese) names, so reports can label the six directions in both languages."""
    path = Path(path) if path is not None else TAXONOMY_PATH
    data = _read(path)
    if "directions" not in data:
        raise TaxonomyError(f"{path}: no [directions] table")
    return _parse_directions(data["directions"], path)


def load_blockers(path: Path | None = None) -> tuple[str, ...]:
    """Chinese strings that contain an alias by accident, so substring matching can skip them."""
    path = Path(path) if path is not None else TAXONOMY_PATH
    return _parse_blockers(_read(path).get("blockers"), path)


def taxonomy_digest(path: Path | None = None) -> str:
    """SHA-256 of the taxonomy file, to key link results so an edited taxonomy triggers re-linking."""
    path = Path(path) if path is not None else TAXONOMY_PATH
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ───────────────────────────── alias matching ─────────────────────────────

# Runs of whitespace, hyphens and dashes are interchangeable inside an alias:
# "brain computer interface" == "brain-computer interface" == "brain–computer interface".
_SEP_CLASS = "[ \t\n\r\f\v\u00a0\u00ad\u2002-\u200b\u202f\u3000\\-\u2010-\u2015\u2212]+"
_SEP_RUN = re.compile(_SEP_CLASS)
_SEP = "\x00"  # stands for one separator run inside trie keys
# Checked just after the first character: the character before it must not be a letter or digit.
_NOT_WORD_BEFORE_FIRST = "(?<![A-Za-z0-9][\\s\\S])"
_NOT_WORD_AFTER = "(?![A-Za-z0-9])"
# Full-width letters, digits and hyphen (ＣＡＲ－Ｔ) occur in Chinese text; mapping them 1:1 to ASCII
# keeps offsets valid. Full-width punctuation (，；：) is left alone: it is in almost every Chinese
# text, already a non-word character, and translating it would cost more than all the matching.
_FULLWIDTH_CHARS = "\uff0d\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
_FULLWIDTH_RE = re.compile(f"[{_FULLWIDTH_CHARS}]")
_FULLWIDTH_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if _FULLWIDTH_RE.fullmatch(chr(cp))}


class AliasHit(NamedTuple):
    """One alias or keyword occurrence: which technology, which taxonomy string, where in the text."""

    tech_id: str
    alias: str
    start: int
    end: int
    strength: Strength


def _unit_key(alias: str, *, fold: bool) -> str:
    key = _SEP_RUN.sub(_SEP, alias.strip()).strip(_SEP)
    return key.lower() if fold else key


def _english_variants(key: str) -> list[str]:
    """Plural forms, so "interface" also matches "interfaces" and "battery" matches "batteries"."""
    if not key[-1:].isalpha():
        return []
    if key.endswith("y") and len(key) > 1 and key[-2] not in "aeiou":
        return [key[:-1] + "ies", key + "s"]
    if key.endswith(("s", "x", "z", "ch", "sh")):
        return [key + "es"]
    return [key + "s"]


def _trie(keys: Iterable[str]) -> dict[str, dict]:
    root: dict[str, dict] = {}
    for key in keys:
        node = root
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}
    return root


def _node_pattern(node: dict[str, dict]) -> str:
    """The regex for a trie node: shared prefixes are written once, so the engine tries them once."""
    branches: list[str] = []
    leaves: list[str] = []
    for ch in sorted(k for k in node if k):
        child = node[ch]
        if ch != _SEP and list(child) == [""]:
            leaves.append(ch)
            continue
        piece = _SEP_CLASS if ch == _SEP else re.escape(ch)
        branches.append(piece + _node_pattern(child))
    if leaves:
        if len(leaves) == 1:
            branches.append(re.escape(leaves[0]))
        else:
            branches.append("[" + "".join(_class_escape(c) for c in leaves) + "]")
    if not branches:
        return ""
    single = len(branches) == 1
    body = branches[0] if single else "(?:" + "|".join(branches) + ")"
    if "" in node:
        # Greedy optional: the longer alias is tried first, the shorter one is the fallback.
        return (body if single and len(body) == 1 else "(?:" + body + ")") + "?"
    return body


def _class_escape(ch: str) -> str:
    return "\\" + ch if ch in "\\]^-[" else ch


def _literal_led_pattern(root: dict[str, dict], *, bounded: bool) -> str:
    # Every top-level branch starts with a plain literal, so sre skips ahead to positions holding a
    # possible first character instead of trying ~200 branches everywhere; for the same reason the
    # word-boundary check sits after the first character, as a two-character lookbehind.
    after_first = _NOT_WORD_BEFORE_FIRST if bounded else ""
    pattern = "|".join(re.escape(ch) + after_first + _node_pattern(root[ch]) for ch in sorted(root))
    return "(?:" + pattern + ")" + _NOT_WORD_AFTER if bounded else pattern


def _padded_pattern(root: dict[str, dict]) -> str:
    # For text without CJK, anchoring on the non-word character before an alias (the text gets a
    # leading space) lets sre skip word interiors: about 3x faster on English abstracts, but much
    # slower on Chinese, where every character is a non-word character.
    alternation = "|".join(re.escape(ch) + _node_pattern(root[ch]) for ch in sorted(root))
    return "[^A-Za-z0-9](" + alternation + ")" + _NOT_WORD_AFTER


class _Pass(NamedTuple):
    literal_led: re.Pattern[str]
    padded: re.Pattern[str] | None  # bounded passes only; used on text without CJK characters
    table: dict[str, tuple[tuple[str, str, Strength], ...]]
    fold: bool  # runs on lower-cased text
    needs_cjk: bool  # cannot match text without CJK characters


def _build_pass(
    entries: list[tuple[str, str, str, Strength]],
    *,
    fold: bool,
    variants: bool,
    bounded: bool,
    blockers: Sequence[str] = (),
) -> _Pass | None:
    """Compile one regex for one kind of alias, with a table from normalised match back to technologies."""
    table: dict[str, dict[str, tuple[str, Strength]]] = {}

    def add(key: str, tech_id: str, alias: str, strength: Strength, *, variant: bool) -> None:
        owners = table.setdefault(key, {})
        current = owners.get(tech_id)
        if current is None or (not variant and current[1] == "keyword" and strength == "alias"):
            owners[tech_id] = (alias, strength)

    for tech_id, alias, key, strength in entries:
        add(key, tech_id, alias, strength, variant=False)
    if variants:
        for tech_id, alias, key, strength in entries:
            for form in _english_variants(key):
                add(form, tech_id, alias, strength, variant=True)
    for blocker in blockers:
        table.setdefault(_unit_key(blocker, fold=fold), {})  # matched, reported as nothing
    if not table:
        return None
    root = _trie(table)
    frozen = {
        key: tuple((tech_id, alias, strength) for tech_id, (alias, strength) in owners.items())
        for key, owners in table.items()
    }
    return _Pass(
        literal_led=re.compile(_literal_led_pattern(root, bounded=bounded)),
        padded=re.compile(_padded_pattern(root)) if bounded else None,
        table=frozen,
        fold=fold,
        needs_cjk=all(_CJK_RE.search(key) for key in table),
    )


class AliasMatcher:
    """Finds technology aliases and keywords in titles and abstracts, English and Chinese, in one pass per kind.

    Three passes: English aliases and keywords (case-insensitive, whole words, plurals), exact
    aliases (case-sensitive, whole words) and Chinese aliases and keywords (substrings, minus
    blockers). Within a pass matches are leftmost-longest and do not overlap ("stem cell therapy"
    wins over "cell therapy"); across passes, a hit nested in a longer hit of the same technology
    is dropped. Offsets refer to the text as given.
    """

    def __init__(self, techs: Sequence[Technology], zh_blockers: Sequence[str] | None = None) -> None:
        self.techs = tuple(techs)
        blockers = load_blockers() if zh_blockers is None else tuple(zh_blockers)
        english: list[tuple[str, str, str, Strength]] = []
        exact: list[tuple[str, str, str, Strength]] = []
        chinese: list[tuple[str, str, str, Strength]] = []
        for tech in self.techs:
            english += [(tech.id, a, _unit_key(a, fold=True), "alias") for a in tech.aliases_en]
            english += [(tech.id, k, _unit_key(k, fold=True), "keyword") for k in tech.keywords_en]
            exact += [(tech.id, a, _unit_key(a, fold=False), "alias") for a in tech.aliases_en_exact]
            chinese += [(tech.id, a, _unit_key(a, fold=True), "alias") for a in tech.aliases_zh]
            chinese += [(tech.id, k, _unit_key(k, fold=True), "keyword") for k in tech.keywords_zh]
        passes = (
            _build_pass(english, fold=True, variants=True, bounded=True),
            # Acronyms take a lowercase plural ("LLMs", "UAVs") but never change case.
            _build_pass(exact, fold=False, variants=True, bounded=True),
            _build_pass(chinese, fold=True, variants=False, bounded=False, blockers=blockers),
        )
        self._passes = tuple(p for p in passes if p is not None)

    def match(self, text: str) -> list[AliasHit]:
        """All alias and keyword hits in one text, ordered by position, for linking and evidence."""
        if not text:
            return []
        if _FULLWIDTH_RE.search(text):
            text = text.translate(_FULLWIDTH_TABLE)
        lowered = _lower_same_length(text)
        has_cjk = _CJK_RE.search(text) is not None
        hits: list[AliasHit] = []
        productive = 0
        for p in self._passes:
            if p.needs_cjk and not has_cjk:
                continue
            subject = lowered if p.fold else text
            table = p.table
            before = len(hits)
            if p.padded is not None and not has_cjk:
                for m in p.padded.finditer(" " + subject):
                    start, end = m.start(1) - 1, m.end(1) - 1
                    for tech_id, alias, strength in table.get(_SEP_RUN.sub(_SEP, m.group(1)), ()):
                        hits.append(AliasHit(tech_id, alias, start, end, strength))
            else:
                for m in p.literal_led.finditer(subject):
                    for tech_id, alias, strength in table.get(_SEP_RUN.sub(_SEP, m.group()), ()):
                        hits.append(AliasHit(tech_id, alias, m.start(), m.end(), strength))
            productive += len(hits) > before
        if productive > 1:
            hits = _drop_nested(hits)
        hits.sort(key=lambda h: (h.start, -h.end, h.tech_id))
        return hits

    def match_many(self, texts: Iterable[str]) -> list[list[AliasHit]]:
        """Hits for each of many texts, in order, for bulk linking of a scan."""
        match = self.match
        return [match(text) for text in texts]


def _lower_same_length(text: str) -> str:
    """Lower-cased text with unchanged offsets (a case-folding regex is several times slower)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered  # str.lower never shrinks a character, so equal length means 1:1
    # Rare characters such as "İ" lower to two; fold ASCII only so offsets stay valid.
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = {cp: cp + 32 for cp in range(ord("A"), ord("Z") + 1)}


def _drop_nested(hits: list[AliasHit]) -> list[AliasHit]:
    """Drop a hit that a longer hit of the same technology covers (e.g. "CAR-T" inside a longer alias)."""

    def covered(h: AliasHit, g: AliasHit) -> bool:
        if g is h or g.tech_id != h.tech_id or g.start > h.start or g.end < h.end:
            return False
        if (g.start, g.end) != (h.start, h.end):
            return True
        return g.strength == "alias" and h.strength == "keyword"

    return [h for h in hits if not any(covered(h, g) for g in hits)]


# ───────────────────────────── lookup by name ─────────────────────────────


def _normalise_query(text: str) -> str:
    return _SEP_RUN.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


def _similarity(q: str, c: str, allow_partial: bool) -> float:
    # Not WRatio: its token-set part scores any shared word ("computer") near 100, so
    # "quantum computer" would suggest brain-computer interfaces as strongly as quantum computing.
    score = max(fuzz.ratio(q, c), fuzz.token_sort_ratio(q, c))
    if allow_partial:
        score = max(score, 0.9 * fuzz.partial_ratio(q, c))
    return score


def find_technology(
    query: str,
    techs: Sequence[Technology],
    *,
    limit: int = 5,
    score_cutoff: float = 70.0,
) -> list[tuple[Technology, float]]:
    """Best-matching technologies for a typed name, id or alias in either language, for CLI suggestions."""
    q = _normalise_query(query)
    if not q or limit <= 0:
        return []
    q_processed = default_process(q)
    # A fragment ("humanoid", "聚变") should find the alias that contains it, but two Latin
    # letters are too little to judge containment by.
    allow_partial = len(q_processed) >= 4 or (len(q_processed) >= 2 and bool(_CJK_RE.search(q_processed)))
    scored: list[tuple[float, int, Technology]] = []
    for order, tech in enumerate(techs):
        candidates = [
            (tech.id.replace("_", " "), 1.0),
            (tech.id, 1.0),
            (tech.name_en, 1.0),
            (tech.name_zh, 1.0),
        ]
        candidates += [(alias, 1.0) for alias in tech.aliases]
        # Keywords are shared vocabulary, so they suggest but never outrank a name or alias.
        candidates += [(kw, 0.85) for kw in tech.keywords]
        best = 0.0
        for candidate, weight in candidates:
            c = _normalise_query(candidate)
            score = 100.0 if c == q else _similarity(q_processed, default_process(c), allow_partial)
            best = max(best, weight * score)
            if best >= 100.0:
                break
        if best >= score_cutoff:
            scored.append((best, order, tech))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [(tech, round(score, 1)) for score, _, tech in scored[:limit]]


DIRECTIONS: dict[str, tuple[str, str]] = load_directions()
