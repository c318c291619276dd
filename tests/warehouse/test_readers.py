"""One writer, many readers: reads keep working (on the published copy) while another process writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app

ROOT = Path(__file__).parents[2]

_HOLD_WRITER = """
import sys, time
from pathlib import Path
from warehouse.db import connect_writer
con = connect_writer(Path(sys.argv[1]))
con.execute("BEGIN TRANSACTION")
con.execute("INSERT INTO scans (scan_id, started_at, status) VALUES ('held', now(), 'running')")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.execute("COMMIT")
"""


def test_reader_uses_published_copy_while_another_process_writes(home: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    lines = "\n".join(json.dumps({"source": "t", "kind": "news", "title": f"Item {i} on 6G base stations"}) for i in range(3))
    (tmp_path / "l.jsonl").write_text(lines + "\n")
    res = runner.invoke(app, ["ingest", str(tmp_path / "l.jsonl")])
    assert res.exit_code == 0, res.output
    assert (home / "published" / "warehouse.duckdb").exists()

    writer = subprocess.Popen([sys.executable, "-c", _HOLD_WRITER, str(home / "warehouse.duckdb"), "20"],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "holding"
        reader = subprocess.run([sys.executable, "-m", "flows.cli", "db", "status", "--format", "json"],
                                cwd=ROOT, capture_output=True, text=True, timeout=120, env=dict(os.environ))
        assert reader.returncode == 0, reader.stderr
        assert "published copy" in reader.stderr
        assert '"table": "documents"' in reader.stdout and '"rows": 3' in reader.stdout
        # a second writer gets a clear error instead of a traceback
        second = subprocess.run([sys.executable, "-m", "flows.cli", "db", "migrate"], cwd=ROOT,
                                capture_output=True, text=True, timeout=120, env=dict(os.environ))
        assert second.returncode == 1
        assert "another futurescan process is writing" in second.stderr
    finally:
        writer.kill()
        writer.wait()
    time.sleep(0.2)
    live = subprocess.run([sys.executable, "-m", "flows.cli", "db", "status"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=dict(os.environ))
    assert live.returncode == 0 and "live warehouse" in live.stderr


def test_db_migrate_reports_what_it_applies(home: Path) -> None:
    from warehouse.migrate import available_migrations

    runner = CliRunner()
    first = runner.invoke(app, ["db", "migrate"])
    assert first.exit_code == 0, first.output
    total = len(available_migrations())
    assert f"({total} migrations; {total} applied now)" in first.output
    assert "applied 001_core" in first.output
    again = runner.invoke(app, ["db", "migrate"])
    assert again.exit_code == 0 and f"({total} migrations; 0 applied now)" in again.output


def test_writer_sessions_of_one_process_can_overlap(tmp_path: Path) -> None:
    """The scan's crawl jobs open short writer sessions from threads of one process, sometimes at once: a second
    session must not find the file locked by the first (only another process is locked out)."""
    import threading

    from warehouse.db import connect_writer
    from warehouse.migrate import migrate

    db = tmp_path / "w.duckdb"
    first = connect_writer(db)
    migrate(first)
    errors: list[BaseException] = []

    def second_session() -> None:
        try:
            con = connect_writer(db)
            con.execute("INSERT INTO scans (scan_id, started_at, status) VALUES ('b', now(), 'running')")
            con.close()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=second_session)
    thread.start()
    thread.join(timeout=60)
    assert not errors
    assert first.execute("SELECT scan_id FROM scans").fetchall() == [("b",)]
    first.close()


def test_the_writer_stores_row_groups_of_the_configured_size_and_closes_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row groups come from ROW_GROUP_ROWS (DuckDB's default would put these rows in one group), and what the
    writer committed is in the file for a plain DuckDB connection once the writer is closed."""
    import duckdb

    from warehouse import db as wdb

    monkeypatch.setattr(wdb, "ROW_GROUP_ROWS", 2048)
    path = tmp_path / "rg.duckdb"
    con = wdb.connect_writer(path)
    con.execute("CREATE TABLE t AS SELECT range AS x FROM range(5000)")
    con.execute("CHECKPOINT")
    groups = con.execute("SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('t')").fetchall()[0][0]
    con.close()
    assert groups == 3
    with duckdb.connect(str(path), read_only=True) as plain:
        assert plain.execute("SELECT count(*), sum(x) FROM t").fetchall() == [(5000, sum(range(5000)))]


def test_a_reader_in_the_writing_process_reads_the_published_copy(tmp_path: Path) -> None:
    """While this process holds the live file for writing, a reader opened here falls back to the published copy
    (and says so) instead of failing."""
    from warehouse.db import connect_reader, connect_writer, publish
    from warehouse.migrate import migrate

    live, published = tmp_path / "w.duckdb", tmp_path / "published" / "w.duckdb"
    writer = connect_writer(live)
    migrate(writer)
    publish(writer, live, published)
    writer.execute("INSERT INTO scans (scan_id, started_at, status) VALUES ('after', now(), 'running')")
    reader, info = connect_reader(live, published)
    try:
        assert not info.live and info.path == published
        assert reader.execute("SELECT count(*) FROM scans").fetchall() == [(0,)]
    finally:
        reader.close()
        writer.close()


def test_a_file_that_is_not_a_warehouse_gets_a_clear_error_and_is_left_untouched(home: Path) -> None:
    """Writer, reader and CLI all name the file and say what to do; the bytes stay as they were."""
    from warehouse.db import WarehouseError, connect_reader, connect_writer

    bad = home / "warehouse.duckdb"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_bytes(b"these bytes are not a DuckDB database\n")
    with pytest.raises(WarehouseError, match="is not a DuckDB database file"):
        connect_writer(bad)
    with pytest.raises(WarehouseError, match="is not a DuckDB database file"):
        connect_reader(bad, home / "published" / "warehouse.duckdb")
    result = CliRunner().invoke(app, ["db", "migrate"])
    assert result.exit_code != 0
    assert "is not a DuckDB database file" in " ".join(result.output.split())
    assert bad.read_bytes() == b"these bytes are not a DuckDB database\n"
