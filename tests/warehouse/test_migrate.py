"""Migrations apply in order, once, and refuse edited history."""

from __future__ import annotations

from pathlib import Path

import pytest

from warehouse.db import WarehouseError, connect_writer
from warehouse.migrate import applied_migrations, available_migrations, migrate, table_counts


def test_migrate_twice_is_a_noop(tmp_path: Path) -> None:
    con = connect_writer(tmp_path / "w.duckdb")
    first = migrate(con)
    assert [m.version for m in first] == [m.version for m in available_migrations()]
    assert migrate(con) == []
    assert [v for v, *_ in applied_migrations(con)] == [m.version for m in available_migrations()]
    tables = dict(table_counts(con))
    for name in ("sources", "crawl_runs", "documents", "document_history", "document_sources", "rejects", "scans"):
        assert tables[name] == 0


def test_edited_migration_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "migs"
    folder.mkdir()
    (folder / "001_a.sql").write_text("CREATE TABLE a (x INTEGER);")
    con = connect_writer(tmp_path / "w.duckdb")
    assert len(migrate(con, folder)) == 1
    (folder / "001_a.sql").write_text("CREATE TABLE a (x INTEGER, y INTEGER);")
    with pytest.raises(WarehouseError, match="changed after it was applied"):
        migrate(con, folder)


def test_failed_migration_leaves_nothing_half_applied(tmp_path: Path) -> None:
    folder = tmp_path / "migs"
    folder.mkdir()
    (folder / "001_ok.sql").write_text("CREATE TABLE ok (x INTEGER);")
    (folder / "002_bad.sql").write_text("CREATE TABLE half (x INTEGER); THIS IS NOT SQL;")
    con = connect_writer(tmp_path / "w.duckdb")
    with pytest.raises(Exception):  # noqa: B017 - DuckDB's parser error type
        migrate(con, folder)
    assert [v for v, *_ in applied_migrations(con)] == [1]
    names = {t for t, _ in table_counts(con)}
    assert "half" not in names and "ok" in names


def test_badly_named_migration_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "migs"
    folder.mkdir()
    (folder / "1_x.sql").write_text("SELECT 1;")
    with pytest.raises(WarehouseError, match="NNN_name.sql"):
        available_migrations(folder)


def test_migrate_once_checks_cheaply_and_still_migrates_a_replaced_file(tmp_path: Path) -> None:
    from warehouse.migrate import migrate_once

    db = tmp_path / "w.duckdb"
    con = connect_writer(db)
    assert [m.version for m in migrate_once(con, db)] == [m.version for m in available_migrations()]
    assert migrate_once(con, db) == []
    con.close()
    # A new file at the same path (deleted and created again): its empty ledger is noticed and it is migrated.
    db.unlink()
    con = connect_writer(db)
    assert [m.version for m in migrate_once(con, db)] == [m.version for m in available_migrations()]
    assert "documents" in {t for t, _ in table_counts(con)}
    con.close()
