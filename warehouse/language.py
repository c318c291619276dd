"""Language of a document when its source did not say: Chinese by script, everything else by py3langid."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)

_identifier = None


def _langid():  # loaded once, on first need: unpacking the model is slow
    global _identifier
    if _identifier is None:
        import py3langid

        _identifier = py3langid
    return _identifier


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of `text` ('zh', 'en', 'de' ...), or None when there is too little text to tell.

    Han characters are decisive on their own (a mostly-English title with a Chinese name is rare in
    these sources, the reverse is common), so the script check runs first and is exact and fast.
    """
    sample = text[:600]
    letters = len(_LETTERS.findall(sample))
    if letters == 0:
        return None
    han = len(_CJK.findall(sample))
    if _KANA.search(sample) and han / letters > 0.1:
        return "ja"
    if han / letters > 0.2:
        return "zh"
    if letters < 12:
        return "en" if sample.isascii() else None
    # A few hundred characters decide it; py3langid's cost grows with the length of what it reads.
    lang, _prob = _langid().classify(sample[:300])
    return str(lang)
