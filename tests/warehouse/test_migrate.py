"""Migrations apply in order, once, and refuse edited history."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

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


def test_bulk_table_migration_keeps_a_populated_warehouse(tmp_path: Path, make_record: Any) -> None:
    """Migration 100 rebuilds documents, document_keys and document_sources: every row survives, and loads after
    it still merge into the documents stored before it."""
    import shutil

    from tests.conftest import assert_identities_unique
    from warehouse.ingest import ingest_records

    before_100 = tmp_path / "migrations"
    before_100.mkdir()
    for path in Path(str(resources.files("warehouse") / "migrations")).glob("*.sql"):
        if int(path.name[:3]) < 100:
            shutil.copy(path, before_100 / path.name)
    con = connect_writer(tmp_path / "w.duckdb")
    migrate(con, before_100)
    title = "Photonic integrated circuits for optical interconnects in data centres"
    records = [make_record(source="arxiv", arxiv_id="2403.00003", title=title)] + [make_record() for _ in range(4)]
    ingest_records(con, records)
    tables = ("documents", "document_keys", "document_sources")
    old = {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}
    keys_pk = ("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'document_keys' "
               "AND constraint_type = 'PRIMARY KEY'")
    assert con.execute(keys_pk).fetchone()[0] == 1
    assert [m.version for m in migrate(con)] == [100]
    assert con.execute(keys_pk).fetchone()[0] == 0
    assert {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables} == old
    rep = ingest_records(con, [make_record(source="crossref", doi="10.1/x", arxiv_id="2403.00003", title=title)],
                         origin="after")
    assert (rep.docs_new, rep.docs_unchanged) == (0, 1)
    assert_identities_unique(con)
    pk = con.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'documents' "
                     "AND constraint_type = 'PRIMARY KEY'").fetchone()[0]
    assert pk == 1
