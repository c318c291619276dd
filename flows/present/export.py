"""Exports of views as CSV, JSON, Markdown and XLSX (one sheet per view), safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection"); crawled
# titles and discovered technology names are attacker-controlled text, so such cells get an apostrophe.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def neutralise(value: Any) -> Any:
    """Prefix an apostrophe to a string a spreadsheet would read as a formula; other values pass through."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    cols: dict[str, None] = {}
    for r in rows:
        cols.update(dict.fromkeys(r))
    return list(cols)


def to_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """CSV text with a header; strings that look like formulas are neutralised (CSV files open in Excel)."""
    buf = io.StringIO()
    cols = _columns(rows)
    w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({c: neutralise(_plain(r.get(c))) for c in cols})
    return buf.getvalue()


def to_json(data: Any) -> str:
    """Pretty JSON, Chinese kept readable, dates as ISO strings."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=lambda v: _plain(v) if not isinstance(v, str) else v)


def _md_cell(value: Any) -> str:
    text = "" if value is None else str(_plain(value))
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(rows: Sequence[Mapping[str, Any]], title: str | None = None) -> str:
    """A GitHub-flavoured Markdown table (with an optional ### title)."""
    cols = _columns(rows)
    lines = [f"### {title}", ""] if title else []
    if not rows:
        return "\n".join([*lines, "(none 无)", ""])
    lines.append("| " + " | ".join(_md_cell(c) for c in cols) + " |")
    lines.append("|" + "---|" * len(cols))
    lines += ["| " + " | ".join(_md_cell(r.get(c)) for c in cols) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (≤ 31 characters, none of []:*?/\\)."""
    base = _SHEET_BAD.sub("_", name).strip("'") or "sheet"
    base = base[:31]
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(candidate.lower())
    return candidate


def write_xlsx(sheets: Mapping[str, Sequence[Mapping[str, Any]]], path: Path) -> Path:
    """One sheet per view; headers bold and frozen; numbers as numbers; formula-like text neutralised."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    # Never let xlsxwriter turn text into formulas or links: every string is written as a string.
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False})
    try:
        bold = wb.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
        taken: set[str] = set()
        for name, rows in sheets.items():
            ws = wb.add_worksheet(sheet_name(name, taken))
            cols = _columns(rows)
            widths = [min(60, max(8, len(str(c)) + 2)) for c in cols]
            for j, c in enumerate(cols):
                ws.write_string(0, j, str(neutralise(c)), bold)
            for i, r in enumerate(rows, start=1):
                for j, c in enumerate(cols):
                    v = _plain(r.get(c))
                    if v is None:
                        continue
                    if isinstance(v, bool):
                        ws.write_boolean(i, j, v)
                    elif isinstance(v, int | float):
                        ws.write_number(i, j, v)
                    else:
                        text = str(neutralise(str(v)))
                        ws.write_string(i, j, text)
                        widths[j] = min(60, max(widths[j], len(text) + 2))
            for j, w in enumerate(widths):
                ws.set_column(j, j, w)
            if cols:
                ws.freeze_panes(1, 0)
                ws.autofilter(0, 0, max(len(rows), 1), len(cols) - 1)
    finally:
        wb.close()
    return path
