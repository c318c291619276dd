"""Exports: formula neutralisation in XLSX and CSV, Markdown escaping, sheet names."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from flows.present.export import neutralise, sheet_name, to_csv, to_markdown, write_xlsx

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def sheet_cells(path: Path) -> dict[str, list[str]]:
    """Sheet name → every text cell in it, read straight from the XLSX zip (no spreadsheet library needed)."""
    with zipfile.ZipFile(path) as z:
        shared = [
            "".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t"))
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS)
        ] if "xl/sharedStrings.xml" in z.namelist() else []
        rels = {
            r.get("Id"): r.get("Target")
            for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        }
        out: dict[str, list[str]] = {}
        for sheet in ET.fromstring(z.read("xl/workbook.xml")).find("m:sheets", NS):
            xml = ET.fromstring(z.read("xl/" + rels[sheet.get(REL)].removeprefix("/xl/")))
            cells = []
            for c in xml.iter(f"{{{NS['m']}}}c"):
                v = c.find("m:v", NS)
                if c.get("t") == "s" and v is not None:
                    cells.append(shared[int(v.text)])
                elif c.get("t") == "inlineStr":
                    cells.append("".join(t.text or "" for t in c.iter(f"{{{NS['m']}}}t")))
                assert c.find("m:f", NS) is None, "no cell may hold a formula"
            out[sheet.get("name")] = cells
    return out


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\r=x", '=HYPERLINK("http://e","x")'])
def test_neutralise_prefixes_formula_starters(text: str) -> None:
    assert neutralise(text) == "'" + text


def test_neutralise_leaves_plain_values() -> None:
    assert neutralise("量子计算") == "量子计算"
    assert neutralise("a=b") == "a=b"
    assert neutralise(-0.5) == -0.5 and neutralise(None) is None


def test_xlsx_one_sheet_per_view_numbers_stay_numbers(tmp_path: Path) -> None:
    path = write_xlsx(
        {"watchlist": [{"title": "=cmd|' /C calc'!A0", "score": -0.25, "n": 3}], "movers": [{"title": "@evil"}],
         "a/b:c*d?[e]" * 3: []},
        tmp_path / "x.xlsx",
    )
    cells = sheet_cells(path)
    assert list(cells)[:2] == ["watchlist", "movers"]
    assert len(list(cells)[2]) <= 31 and not set("[]:*?/\\") & set(list(cells)[2])
    assert "'=cmd|' /C calc'!A0" in cells["watchlist"] and "'@evil" in cells["movers"]
    with zipfile.ZipFile(path) as z:
        sheet1 = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>-0.25</v>" in sheet1  # a negative number is a number, not neutralised text


def test_csv_neutralises_text_only() -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv([{"name": "=1+2", "score": -0.5, "tags": ["a", "b"]}]))))
    assert rows == [{"name": "'=1+2", "score": "-0.5", "tags": "a; b"}]


def test_markdown_escapes_pipes_and_handles_empty() -> None:
    md = to_markdown([{"a": "x|y", "b": None}], "T")
    assert "### T" in md and "| x\\|y |  |" in md
    assert "(none 无)" in to_markdown([], "Empty")


def test_sheet_names_are_unique() -> None:
    taken: set[str] = set()
    assert [sheet_name("movers", taken), sheet_name("Movers", taken)] == ["movers", "Movers (2)"]
