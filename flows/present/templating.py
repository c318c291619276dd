"""The jinja2 environment every HTML view renders with: templates/ autoescaped, strict, links only http(s)."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import jinja2

from flows.present import labels as L

TEMPLATES = Path(__file__).resolve().parent / "templates"


def safe_url(url: Any) -> str:
    """The URL when it is http(s), else '' (a crawled 'javascript:' link must never become clickable)."""
    text = str(url or "").strip()
    return text if re.match(r"(?i)^https?://", text) else ""


@functools.cache
def environment() -> jinja2.Environment:
    """The jinja2 environment for reports: autoescape on for every template, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Compiled templates kept in a private temp folder (checked against the source): compiling the report's
        # templates took ~0.4 s of every scan's publish stage.
        bytecode_cache=jinja2.FileSystemBytecodeCache(),
    )
    env.filters["safe_url"] = safe_url
    env.filters["score"] = L.fmt_score
    env.filters["pct"] = lambda v: "—" if v is None else f"{v:.0%}"
    return env
