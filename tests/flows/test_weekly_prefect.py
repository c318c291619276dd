"""The Prefect weekly-scan flow under prefect_test_harness: end to end, a failing source, a resumed re-run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]
CORPUS = ROOT / "tests" / "fixtures" / "corpus" / "arxiv_sample.jsonl"


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    prefect_home = tmp_path_factory.mktemp("prefect")
    os.environ.setdefault("PREFECT_HOME", str(prefect_home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


def _preload(home: Path) -> None:
    from flows.settings import Settings
    from warehouse.db import connect_writer
    from warehouse.ingest import ingest_file
    from warehouse.migrate import migrate

    con = connect_writer(Settings(home=home).db_path)
    migrate(con)
    ingest_file(con, CORPUS)
    con.close()


def _query(home: Path, sql: str, params: list[Any] | None = None) -> list[tuple]:
    from warehouse.db import connect_writer

    con = connect_writer(home / "warehouse.duckdb")
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_weekly_scan_end_to_end_on_snapshot(harness: None, home: Path) -> None:
    from flows.weekly import weekly_scan

    _preload(home)
    out = weekly_scan(snapshot=True, sources=["news", "policy"], fake_embedder=True, scan_id="e2e")
    assert out["status"] == "succeeded", out
    assert out["stages"] == {s: "succeeded" for s in ("crawl", "ingest", "analyse", "score", "publish")}
    kinds = dict(_query(home, "SELECT kind, count(*) FROM documents GROUP BY kind"))
    assert kinds["paper"] == 300 and kinds["policy"] > 100 and kinds["news"] > 50
    assert _query(home, "SELECT count(*) FROM tech_scores WHERE scan_id = 'e2e'")[0][0] >= 14
    assert _query(home, "SELECT count(*) FROM topics")[0][0] > 0
    assert (home / "reports" / "report-e2e.html").exists()
    assert (home / "published" / "warehouse.duckdb").exists()
    # a second run of the same scan redoes nothing that finished
    again = weekly_scan(snapshot=True, sources=["news", "policy"], fake_embedder=True, scan_id="e2e")
    assert again["stages"]["ingest"] == "skipped" and again["stages"]["analyse"] == "skipped"


def test_a_failing_source_leaves_the_scan_partial(harness: None, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows import scan as plain
    from flows.weekly import weekly_scan

    real = plain.crawl_sources

    def flaky(settings, opts, scan_id, sources=None):  # noqa: ANN001
        if sources == ["pubmed"]:
            raise RuntimeError("HTTP 503 from eutils")
        return real(settings, opts, scan_id, sources=sources)

    monkeypatch.setattr(plain, "crawl_sources", flaky)
    out = weekly_scan(snapshot=True, sources=["news", "pubmed"], fake_embedder=True, scan_id="flaky", crawl_retries=0)
    assert out["status"] == "partial"
    assert out["stages"]["score"] == "succeeded"
    summary = _query(home, "SELECT summary FROM scans WHERE scan_id = 'flaky'")[0][0]
    assert "pubmed" in summary and "503" in summary
    assert _query(home, "SELECT count(*) FROM documents WHERE kind = 'news'")[0][0] > 50


def test_rerun_after_failure_resumes(harness: None, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows import scan as plain
    from flows.weekly import weekly_scan

    _preload(home)
    calls: list[str] = []
    real_analyse = plain.DEFAULT_STAGES["analyse"]

    def broken(settings, opts, scan_id):  # noqa: ANN001
        calls.append("analyse")
        raise RuntimeError("killed")

    monkeypatch.setitem(plain.DEFAULT_STAGES, "analyse", broken)
    with pytest.raises(Exception, match="killed"):
        weekly_scan(crawl=False, fake_embedder=True, scan_id="resume")
    assert _query(home, "SELECT status FROM scans WHERE scan_id = 'resume'")[0][0] == "failed"

    monkeypatch.setitem(plain.DEFAULT_STAGES, "analyse", real_analyse)
    out = weekly_scan(crawl=False, fake_embedder=True, scan_id="resume")
    assert out["status"] == "succeeded"
    assert out["stages"]["ingest"] == "skipped"  # finished before the failure, not redone
    assert out["stages"]["analyse"] == "succeeded"
    assert calls == ["analyse"]
