"""Every top-level command has help and is documented in the README."""

from __future__ import annotations

from pathlib import Path

from typer.main import get_command
from typer.testing import CliRunner

from flows.cli import app

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_command_has_help_and_is_in_the_readme() -> None:
    names = sorted(get_command(app).commands)  # type: ignore[attr-defined]
    assert {"scan", "crawl", "ingest", "analyse", "score", "watchlist", "assess", "report", "ledger", "db"} <= set(names)
    runner = CliRunner()
    for name in names:
        res = runner.invoke(app, [name, "--help"])
        assert res.exit_code == 0, (name, res.output)
        assert "Usage" in res.output
        assert f"futurescan {name}" in README, f"`futurescan {name}` is not documented in README.md"
