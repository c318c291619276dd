"""The scan orchestrator without Prefect: stage records, partial scans, resuming after a failure."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from flows import scan as plain
from flows.settings import Settings
from warehouse.db import connect_writer


def _settings(home: Path) -> Settings:
    return Settings(home=home)


def _fake_stages(calls: list[str], fail_on: set[str] | None = None, partial: bool = False) -> dict[str, Any]:
    def make(stage: str):
        def fn(settings: Settings, opts: plain.ScanOptions, scan_id: str) -> dict[str, Any]:
            calls.append(stage)
            if fail_on and stage in fail_on:
                raise RuntimeError(f"{stage} exploded")
            if stage == "crawl" and partial:
                return {"failed": {"pubmed": "HTTP 503"}, "status": "partial"}
            return {"stage": stage, "n": len(calls)}

        return fn

    return {s: make(s) for s in plain.STAGES}


def test_default_scan_id_is_iso_week_or_as_of() -> None:
    assert plain.default_scan_id(plain.ScanOptions(), today=dt.date(2026, 11, 16)) == "2026-W47"
    assert plain.default_scan_id(plain.ScanOptions(as_of=dt.date(2024, 1, 1))) == "asof-2024-01-01"
    assert plain.default_scan_id(plain.ScanOptions(scan_id="x")) == "x"


def test_scan_records_every_stage(tmp_path: Path) -> None:
    calls: list[str] = []
    sid, status, results = plain.run_scan(_settings(tmp_path), plain.ScanOptions(scan_id="s1"), stages=_fake_stages(calls))
    assert (sid, status) == ("s1", "succeeded")
    assert calls == list(plain.STAGES)
    con = connect_writer(tmp_path / "warehouse.duckdb")
    rows = con.execute("SELECT stage, status FROM scan_stages WHERE scan_id = 's1' ORDER BY started_at, stage").fetchall()
    assert {r[0] for r in rows} == set(plain.STAGES)
    assert con.execute("SELECT status FROM scans WHERE scan_id = 's1'").fetchone()[0] == "succeeded"


def test_failing_source_makes_scan_partial_not_failed(tmp_path: Path) -> None:
    calls: list[str] = []
    _, status, results = plain.run_scan(_settings(tmp_path), plain.ScanOptions(scan_id="s2"),
                                        stages=_fake_stages(calls, partial=True))
    assert status == "partial"
    assert calls == list(plain.STAGES)  # later stages still ran
    con = connect_writer(tmp_path / "warehouse.duckdb")
    summary = con.execute("SELECT summary FROM scans WHERE scan_id = 's2'").fetchone()[0]
    assert "pubmed" in summary and "HTTP 503" in summary


def test_rerun_after_failure_resumes_without_redoing_finished_stages(tmp_path: Path) -> None:
    calls: list[str] = []
    settings = _settings(tmp_path)
    with pytest.raises(plain.ScanFailed, match="analyse"):
        plain.run_scan(settings, plain.ScanOptions(scan_id="s3"), stages=_fake_stages(calls, fail_on={"analyse"}))
    assert calls == ["crawl", "ingest", "analyse"]
    con = connect_writer(tmp_path / "warehouse.duckdb")
    assert con.execute("SELECT status FROM scans WHERE scan_id = 's3'").fetchone()[0] == "failed"
    con.close()

    calls.clear()
    _, status, results = plain.run_scan(settings, plain.ScanOptions(scan_id="s3"), stages=_fake_stages(calls))
    assert status == "succeeded"
    assert calls == ["analyse", "score", "publish"]  # crawl and ingest were not redone
    assert [r.status for r in results][:2] == ["skipped", "skipped"]


def test_no_crawl_skips_the_crawl_stage(tmp_path: Path) -> None:
    calls: list[str] = []
    plain.run_scan(_settings(tmp_path), plain.ScanOptions(scan_id="s4", crawl=False), stages=_fake_stages(calls))
    assert calls == ["ingest", "analyse", "score", "publish"]


def test_stage_listeners_hear_start_and_end(tmp_path: Path) -> None:
    heard: list[tuple[str, str | None]] = []

    def listener(stage: str, result: Any) -> None:
        heard.append((stage, None if result is None else result.status))

    plain.STAGE_LISTENERS.append(listener)
    try:
        plain.run_scan(_settings(tmp_path), plain.ScanOptions(scan_id="s5", crawl=False), stages=_fake_stages([]))
    finally:
        plain.STAGE_LISTENERS.remove(listener)
    assert heard[:2] == [("ingest", None), ("ingest", "succeeded")]
    assert len(heard) == 8


def test_a_rescan_with_nothing_new_carries_everything_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real stages (fake embedder): the second scan reuses topics and scores; its scores equal a recompute."""
    import json
    import subprocess
    import sys

    import warehouse.db
    from warehouse.ingest import ingest_file
    from warehouse.migrate import migrate

    settings = _settings(tmp_path)
    con = connect_writer(settings.db_path)
    migrate(con)
    ingest_file(con, Path(__file__).parents[1] / "fixtures" / "corpus" / "arxiv_sample.jsonl")
    con.close()
    opts = {"crawl": False, "fake_embedder": True, "as_of": dt.date(2026, 1, 1)}
    _, status, first = plain.run_scan(settings, plain.ScanOptions(scan_id="r1", **opts))
    assert status == "succeeded"

    opened: list[Path] = []
    real_connect = warehouse.db.connect_writer

    def counting(db_path: Path) -> Any:
        opened.append(db_path)
        return real_connect(db_path)

    monkeypatch.setattr(warehouse.db, "connect_writer", counting)
    monkeypatch.setattr(plain, "connect_writer", counting)
    _, status, again = plain.run_scan(settings, plain.ScanOptions(scan_id="r2", **opts))
    assert status == "succeeded"
    assert opened == [settings.db_path]  # one writer connection for the whole scan
    by_stage = {r.stage: r.summary for r in again}
    assert by_stage["analyse"]["reused"] is True
    assert by_stage["score"]["reused_from"] == "r1"
    # Same as_of, same forecasts: the ledger holds each claim once, so the re-scan freezes nothing new
    # and the track record is the first scan's.
    assert {r.stage: r.summary for r in first}["score"]["forecasts_frozen"] > 0
    assert by_stage["score"]["forecasts_frozen"] == 0
    assert by_stage["score"]["forecasts_resolved"] == 0

    # In a fresh process, as the weekly job starts: no clustering or embedding library is imported.
    code = (
        "import datetime as dt, json, sys; from flows import scan as plain; from flows.settings import Settings; "
        f"plain.run_scan(Settings(home=__import__('pathlib').Path({str(tmp_path)!r})), plain.ScanOptions("
        "scan_id='r2b', crawl=False, fake_embedder=True, as_of=dt.date(2026, 1, 1))); "
        "print(json.dumps(sorted(m for m in ('sklearn', 'scipy', 'torch', 'sentence_transformers', 'jieba') if m in sys.modules)))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []

    monkeypatch.undo()
    _, _, forced = plain.run_scan(settings, plain.ScanOptions(scan_id="r3", force_score=True, **opts))
    assert {r.stage: r.summary for r in forced}["score"]["reused_from"] is None
    con = connect_writer(settings.db_path)
    try:
        def stored(scan: str) -> list[tuple]:
            return con.execute(
                "SELECT * EXCLUDE (scan_id, scored_at) FROM tech_scores WHERE scan_id = ? ORDER BY tech_id", [scan]
            ).fetchall() + con.execute(
                "SELECT * EXCLUDE (scan_id) FROM indicator_values WHERE scan_id = ? ORDER BY tech_id, indicator", [scan]
            ).fetchall()

        assert stored("r2") and stored("r2") == stored("r3")
        # Freezing the carried-over scan's forecasts again adds nothing; every forecast is r1's.
        from scoring.ledger import freeze_forecasts, ledger_summary
        from warehouse import ledger_store

        assert freeze_forecasts(con, "r2") == 0
        held = ledger_store.forecasts(con)
        assert held and {f["scan_id"] for f in held} == {"r1"}
        assert ledger_summary(con)["forecasts"] == len(held)
    finally:
        con.close()
