"""The screening commands end to end on a small warehouse: score, override (+ history), eval horizon/trends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.scoring.conftest import TECHS, _link_rows, _records, insert_links, insert_technologies
from warehouse.db import connect_writer
from warehouse.ingest import ingest_records
from warehouse.migrate import migrate


@pytest.fixture
def scored_home(home: Path) -> Path:
    con = connect_writer(home / "warehouse.duckdb")
    try:
        migrate(con)
        ingest_records(con, _records(), origin="cli-fixture")
        ids = dict((rec, doc) for doc, rec in con.execute("SELECT doc_id, primary_record FROM documents").fetchall())
        insert_technologies(con, TECHS)
        insert_links(con, _link_rows(ids))
    finally:
        con.close()
    return home


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_score_prints_calls_and_stores_them(scored_home: Path) -> None:
    out = invoke("score", "--as-of", "2026-01-01", "--format", "json").output
    rows = {r["technology"]: r for r in json.loads(out[out.index("["):])}
    assert rows["neuro_widget"]["horizon"].startswith("near")
    assert rows["thin_tech"]["horizon"].startswith("insufficient evidence")
    table = invoke("score", "--as-of", "2026-01-01").output
    assert "scan asof-2026-01-01 as of 2026-01-01: 3 technologies" in table


def test_score_rejects_a_bad_date(scored_home: Path) -> None:
    result = CliRunner().invoke(app, ["score", "--as-of", "yesterday"])
    assert result.exit_code != 0 and "--as-of" in result.output


def test_override_and_its_history(scored_home: Path) -> None:
    invoke("score", "--as-of", "2026-01-01")
    out = invoke("override", "Fusion gadget", "--horizon", "mid", "--by", "Dr Li", "--reason", "pilot plant").output
    assert "fusion_gadget horizon = mid by Dr Li" in out
    invoke("override", "fusion_gadget", "--strategic", "yes", "--by", "Dr Li", "--reason", "Shanghai lab")
    listed = invoke("score", "--as-of", "2026-01-01", "--format", "json").output
    row = {r["technology"]: r for r in json.loads(listed[listed.index("["):])}["fusion_gadget"]
    assert row["horizon"].startswith("far") and row["consultant_horizon"] == "mid (Dr Li)"
    history = invoke("override", "history", "fusion_gadget", "--format", "json").output
    entries = json.loads(history[history.index("["):])
    assert [(e["field"], e["value"]) for e in entries] == [("horizon", "mid"), ("strategic", "yes")]
    for bad in (["override", "fusion_gadget", "--horizon", "soon", "--by", "x", "--reason", "y"],
                ["override", "fusion_gadget", "--horizon", "mid", "--reason", "y"],
                ["override", "no such thing", "--horizon", "mid", "--by", "x", "--reason", "y"]):
        assert CliRunner().invoke(app, bad).exit_code != 0


def test_eval_horizon_json_has_exactly_the_documented_keys(scored_home: Path, tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text("technology,horizon\nNeuro widget,near\nfusion gadget,far\nthin tech,mid\nwarp drive,far\n",
                      encoding="utf-8")
    out = invoke("eval", "horizon", str(labels), "--as-of", "2026-01-01", "--format", "json").output
    rows = json.loads(out[out.index("["):])
    assert [set(r) for r in rows] == [{"technology", "expected", "predicted", "confidence", "reasons"}] * 4
    got = {r["technology"]: r["predicted"] for r in rows}
    assert got == {"Neuro widget": "near", "fusion gadget": "far", "thin tech": "insufficient evidence",
                   "warp drive": "insufficient evidence"}
    table = invoke("eval", "horizon", str(labels), "--as-of", "2026-01-01").output
    assert "agreement 2/4" in table and "Confusion matrix" in table
    assert "thin tech expected mid, got insufficient evidence" in table
    assert "no technology in the taxonomy matches 'warp drive'" in table


def test_eval_trends_reports_methods(tmp_path: Path, home: Path) -> None:
    series = tmp_path / "series.csv"
    lines = ["term,year,count"] + [f"t{k},{y},{(k + 1) * (y - 1999) ** 2}" for k in range(4) for y in range(2000, 2012)]
    series.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = invoke("eval", "trends", str(series), "--train-end", "2007", "--horizon", "3", "--format", "json").output
    data = json.loads(out)
    assert data["origins"] == [2007] and data["terms"] == 4
    assert {m["method"] for m in data["methods"]} == {"damped_trend", "last_value", "linear_trend"}
    assert "growth_rank_correlation" in invoke("eval", "trends", str(series)).output
