"""`futurescan crawl`: records crawl runs, passes the watermark to the next crawl, replays the shipped snapshot."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import typer
from typer.testing import CliRunner

from flows.cli import crawl as cli_crawl
from flows.settings import Settings
from tests.spiders.faults import fault_server, ok
from tests.spiders.helpers import FIXTURES

PAGE_A = (FIXTURES / "arxiv" / "query_all_testing_start0_max10.xml").read_bytes()


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    cli_crawl.register(app)
    app.command("noop", hidden=True)(lambda: None)  # a second command keeps `crawl` a sub-command
    return app


def _runs(home: Path) -> list[dict]:
    from warehouse.crawl_store import recent_runs
    from warehouse.db import connect_reader

    s = Settings(home=home)
    con, _ = connect_reader(s.db_path, s.published_path)
    try:
        return recent_runs(con)
    finally:
        con.close()


def _search_query(url: str) -> str:
    return parse_qs(urlsplit(url).query)["search_query"][0]


def test_crawl_records_runs_and_the_next_crawl_starts_at_the_watermark(home: Path, app: typer.Typer) -> None:
    from warehouse.crawl_store import last_watermark
    from warehouse.db import connect_reader

    runner = CliRunner()
    # Whatever the query, the server answers with the recorded page (papers up to 2025-03-07).
    with fault_server({}, fallback=ok(PAGE_A, "application/atom+xml")) as server:
        base = [
            "crawl",
            "arxiv",
            "--base-url",
            server.base_url,
            "--arg",
            "techs=quantum_computing",
            "--format",
            "json",
        ]
        first = runner.invoke(app, [*base, "--since", "2020-01-01"])
        assert first.exit_code == 0, first.output
        second = runner.invoke(app, base)
        assert second.exit_code == 0, second.output
        asked = [h.url for h in server.hits if "/api/query" in h.url]

    summary = json.loads(first.output[first.output.index("[") :])
    assert (
        summary[0]["source"] == "arxiv" and summary[0]["status"] == "succeeded" and summary[0]["items"] == 10
    )

    runs = _runs(home)  # newest first
    assert [r["status"] for r in runs] == ["succeeded", "succeeded"]
    second_run, first_run = runs
    assert first_run["since"] == "2020-01-01"
    published = sorted(re.findall(r"<published>(\d{4}-\d{2}-\d{2})", PAGE_A.decode()))
    assert first_run["watermark"] == published[-1]  # the newest submission seen
    assert first_run["items"] == 10 and first_run["mode"] == "live"
    assert Path(first_run["landing_file"]).exists()
    assert Path(first_run["landing_file"]).name.startswith("arxiv-")
    # The second crawl asked arXiv only for submissions from the watermark on.
    assert second_run["since"] == first_run["watermark"]
    day = first_run["watermark"].replace("-", "")
    assert "submittedDate:[20200101" in _search_query(asked[0])
    assert f"submittedDate:[{day}0000 TO" in _search_query(asked[-1])

    # A third crawl meets an error page: recorded partial, and the watermark stays put.
    with fault_server({}, fallback=ok(b"<html><body>maintenance</body></html>", "text/html")) as server:
        bad = runner.invoke(
            app, ["crawl", "arxiv", "--base-url", server.base_url, "-a", "techs=quantum_computing"]
        )
    assert bad.exit_code == 0, bad.output  # partial is a warning, not a failure of the command
    third = _runs(home)[0]
    assert third["status"] == "partial" and third["errors"] == {"error_page": 1}
    assert third["since"] == second_run["watermark"]
    s = Settings(home=home)
    con, _ = connect_reader(s.db_path, s.published_path)
    try:
        assert last_watermark(con, "arxiv") == second_run["watermark"]
    finally:
        con.close()


def test_snapshot_crawl_replays_the_shipped_recordings(home: Path, app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["crawl", "--snapshot", "news", "--format", "json"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.output[result.output.index("[") :])[0]
    assert row["status"] == "succeeded" and row["errors"] == "-"
    landing = Path(row["landing_file"])
    assert landing.parent == home / "landing"
    items = [json.loads(line) for line in landing.read_text(encoding="utf-8").splitlines()]
    assert len(items) == row["items"] > 100
    sources = {i["source"] for i in items}
    assert {"rss:phys.org", "rss:qq-news", "rss:article-fixtures"} <= sources
    (run,) = _runs(home)
    assert run["mode"] == "snapshot" and run["status"] == "succeeded"
    # The snapshot was unpacked under the home's cache, not next to the code.
    assert any((home / "cache" / "snapshot").rglob("manifest.json"))


def test_unknown_source_is_refused(home: Path, app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["crawl", "nosuch"])
    assert result.exit_code == 1
    assert "unknown source" in result.output
    result = CliRunner().invoke(app, ["crawl", "--snapshot", "epo"])
    assert result.exit_code == 1
    assert "no recordings for epo" in result.output
