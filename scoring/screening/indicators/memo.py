"""Evidence-only work kept between scans: what indicators read from documents' text, keyed by its exact inputs.

A scan a week after the last one, with nothing new, moves as_of and so every window and age, but not
what a document's text says (its stage words, the Shanghai players it names, its tokens) nor the
text similarity of a set of documents that stayed the same. Those results are looked up here by a
sha256 of everything they are computed from (the documents' fields, the technology's names, the
scoring code and the weights) and only the date arithmetic runs again. The warehouse keeps them
(`score_memo`, migration 081; `warehouse.scores_store.load_memo` / `save_memo`).

Every value, computed or stored, is handed out as the JSON round trip of what the computation
returned, so a value read back from the warehouse is the very object a cold computation gives:
the cache cannot change a score (tests/scoring/test_evidence_memo.py).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # base imports this module
    from scoring.screening.indicators.base import EvidenceDoc


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def doc_content(doc: EvidenceDoc) -> tuple[list[Any], tuple[str, ...]]:
    """Every field of a document an indicator may read, link-specific ones (confidence, matched) left out:
    (the short fields, the long texts: title, abstract, body)."""
    short = [doc.doc_id, doc.kind, doc.language, doc.source, doc.published.isoformat(), doc.precision,
             list(doc.countries), list(doc.affiliations), list(doc.categories), list(doc.keywords), doc.extra]
    return short, (doc.title, doc.abstract, doc.body)


class EvidenceMemo:
    """Results of evidence-only computations for one scoring run, backed by the rows a warehouse kept.

    `stored` maps (family, key) to the stored JSON text; `salt` (the scoring code and weights) goes
    into every key, so editing either never reuses a result the old code or weights made. With
    `read=False` (a forced recompute) nothing stored is used, but what is computed is still kept.
    """

    def __init__(self, stored: Mapping[tuple[str, str], str] | None = None, *, salt: str = "", read: bool = True) -> None:
        self.stored: dict[tuple[str, str], str] = dict(stored or {}) if read else {}
        self.salt = salt
        self.used: dict[tuple[str, str], str] = {}  # every entry this run read or computed, as JSON text
        self.computed: Counter[str] = Counter()
        self.reused: Counter[str] = Counter()
        self._values: dict[tuple[str, str], Any] = {}
        self._doc_keys: dict[str, str] = {}
        self._bound: dict[str, Any] = {}

    def key(self, *parts: Any) -> str:
        """A digest of the salt and the given inputs (anything JSON can write; dates as ISO text)."""
        return hashlib.sha256((self.salt + "\0" + _canonical(parts)).encode()).hexdigest()

    def doc_key(self, doc: EvidenceDoc) -> str:
        """A digest of a document's content fields, computed once per document per run."""
        got = self._doc_keys.get(doc.doc_id)
        if got is None:
            short, texts = doc_content(doc)
            h = hashlib.sha256(_canonical(short).encode())
            for text in texts:  # long texts hashed as they are, each after its length
                h.update(f"\0{len(text)}:".encode() + text.encode("utf-8", "surrogatepass"))
            got = self._doc_keys[doc.doc_id] = h.hexdigest()
        return got

    def get(self, family: str, key: str, compute: Callable[[], Any]) -> Any:
        """The value stored under (family, key), else `compute()`'s; both as the JSON round trip of the value."""
        k = (family, key)
        if k in self._values:
            return self._values[k]
        text = self.stored.get(k)
        value: Any = None
        if text is not None:
            try:
                value = json.loads(text)
                self.reused[family] += 1
            except ValueError:  # an unreadable row is computed again (and rewritten), never trusted
                text = None
        if text is None:
            text = json.dumps(compute(), ensure_ascii=False, separators=(",", ":"))
            value = json.loads(text)
            self.computed[family] += 1
        self._values[k] = value
        self.used[k] = text
        return value

    def bind(self, name: str, value: Any) -> None:
        """Attach a per-run input a key needs but the context does not carry (e.g. the embeddings' digest)."""
        self._bound[name] = value

    def bound(self, name: str, default: Any = None) -> Any:
        return self._bound.get(name, default)

    def stats(self) -> dict[str, dict[str, int]]:
        """Per family: entries reused from the warehouse and entries computed in this run."""
        names = sorted(set(self.reused) | set(self.computed))
        return {f: {"reused": self.reused[f], "computed": self.computed[f]} for f in names}
