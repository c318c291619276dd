"""A replay on a small corpus produces resolved forecasts, through the real scoring and the `futurescan ledger` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

WORDS = ["decoder", "electrode", "implant", "signal", "array", "protocol", "benchmark", "noise", "error", "qubit",
         "lattice", "control", "readout", "speller", "cursor", "sensor", "fabrication", "cooling", "gate", "circuit"]


def corpus(path: Path) -> Path:
    """Landing records: BCI grows quickly from 2014, quantum computing stays flat; both in papers and news."""
    records = []
    n = 0

    def add(kind: str, source: str, title: str, published: str, abstract: str = "") -> None:
        nonlocal n
        n += 1
        records.append({"source": source, "source_record_id": f"r{n}", "kind": kind, "title": title,
                        "abstract": abstract, "published": published, "language": "en"})

    for year in range(2013, 2022):
        bci = 4 + 3 * (year - 2013)  # growing
        for i in range(bci):
            w = WORDS[(i + year) % len(WORDS)], WORDS[(3 * i + year) % len(WORDS)]
            add("paper", "papers", f"Brain-computer interface {w[0]} {w[1]} study {year}-{i}", f"{year}-{1 + i % 12:02d}-05",
                "We evaluate a brain-computer interface in a clinical trial with patients.")
        for i in range(8):
            w = WORDS[(i * 7 + year) % len(WORDS)]
            add("paper", "papers", f"Quantum computing {w} experiment {year}-{i}", f"{year}-{1 + i % 12:02d}-07",
                "A quantum computing prototype with superconducting qubits.")
        for i in range(3):
            add("news", "news", f"Company shows brain-computer interface product {year}-{i}", f"{year}-{2 + 3 * i:02d}-10",
                "The brain-computer interface enters mass production.")
            add("news", "news", f"Quantum computing lab record {year}-{i}", f"{year}-{3 + 3 * i:02d}-11")
        for i in range(30):
            add("paper", "papers", f"Background paper on graph theory {year}-{i}", f"{year}-{1 + i % 12:02d}-20")
            if i < 10:
                add("news", "news", f"Background news item {year}-{i}", f"{year}-{1 + i % 12:02d}-21")
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    return path


@pytest.fixture
def app():  # noqa: ANN201 - a typer app
    import typer

    from flows.cli import ledger as cli_ledger

    a = typer.Typer()
    cli_ledger.register(a)
    return a


def test_backtest_replays_freezes_and_resolves(home: Path, tmp_path: Path, app) -> None:  # noqa: ANN001
    runner = CliRunner()
    landing = corpus(tmp_path / "small.jsonl")
    done = runner.invoke(app, ["ledger", "backtest", "--from", "2018", "--to", "2021", "--corpora", str(landing)])
    assert done.exit_code == 0, done.output
    assert "asof-2018-01-01" in done.output and "Forecast ledger — replayed scans" in done.output

    shown = runner.invoke(app, ["ledger", "--backtest", "--format", "json", "--by", "type"])
    assert shown.exit_code == 0, shown.output
    record = json.loads(shown.output[shown.output.index("{"):])
    overall = record["overall"]
    assert overall["forecasts"] > 0 and overall["resolved"] > 0
    types = {g["type"]: g for g in record["groups"]}
    assert types["growth_12m"]["resolved"] >= 2
    assert record["klavans_threat_score"] == 0.32

    # The regular record is empty: replays never mix with the weekly scans' forecasts.
    regular = runner.invoke(app, ["ledger", "--format", "json"])
    assert json.loads(regular.output[regular.output.index("{"):])["overall"]["forecasts"] == 0

    # Replaying again adds and changes nothing (forecasts and outcomes are immutable).
    from warehouse.db import connect_writer

    con = connect_writer(home / "warehouse.duckdb")
    try:
        before = con.execute("SELECT count(*), sum(hash(content_hash)) FROM forecasts").fetchall()[0]
        outcomes = con.execute("SELECT count(*) FROM forecast_outcomes").fetchall()[0][0]
        assert outcomes == overall["resolved"] + overall["void"]
    finally:
        con.close()
    # (The corpus file again: an already-loaded file is skipped and linking still works after it.)
    again = runner.invoke(app, ["ledger", "backtest", "--from", "2020", "--to", "2021", "--corpora", str(landing)])
    assert again.exit_code == 0, again.output
    assert "already loaded" in again.output
    con = connect_writer(home / "warehouse.duckdb")
    try:
        assert con.execute("SELECT count(*), sum(hash(content_hash)) FROM forecasts").fetchall()[0] == before
    finally:
        con.close()

    by_horizon = runner.invoke(app, ["ledger", "--backtest", "--by", "horizon", "--format", "md"])
    assert by_horizon.exit_code == 0 and "| horizon |" in by_horizon.output


def test_ledger_without_a_warehouse_says_what_to_do(home: Path, app) -> None:  # noqa: ANN001
    done = CliRunner().invoke(app, ["ledger"])
    assert done.exit_code == 1
    assert "futurescan" in done.output
