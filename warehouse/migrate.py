"""Schema migrations: numbered SQL files applied in order, each once, each recorded with its checksum."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from warehouse.db import WarehouseError, table_exists, transaction

_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]


def available_migrations(folder: Path | None = None) -> list[Migration]:
    """The migration files shipped with the package (or in `folder`), in version order."""
    root = Path(folder) if folder else Path(str(resources.files("warehouse") / "migrations"))
    found: dict[int, Migration] = {}
    for path in sorted(root.glob("*.sql")):
        m = _NAME.match(path.name)
        if not m:
            raise WarehouseError(f"migration file {path.name} is not named NNN_name.sql")
        version = int(m[1])
        if version in found:
            raise WarehouseError(f"two migrations share version {version:03d}: {found[version].name} and {m[2]}")
        found[version] = Migration(version, m[2], path.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


def _ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, checksum VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL)"
    )


def applied_migrations(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str, dt.datetime]]:
    """(version, name, checksum, applied_at) of every applied migration; empty for a new warehouse."""
    if not table_exists(con, "schema_migrations"):
        return []
    return con.execute("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version").fetchall()


def migrate(con: duckdb.DuckDBPyConnection, folder: Path | None = None) -> list[Migration]:
    """Apply every migration not yet applied, each in its own transaction; return those applied.

    An applied migration whose file has since changed is an error: history must not be rewritten.
    """
    _ensure_ledger(con)
    done = {v: c for v, _, c, _ in applied_migrations(con)}
    applied: list[Migration] = []
    for mig in available_migrations(folder):
        if mig.version in done:
            if done[mig.version] != mig.checksum:
                raise WarehouseError(
                    f"migration {mig.version:03d}_{mig.name} changed after it was applied "
                    f"(recorded checksum {done[mig.version]}, file now {mig.checksum}); add a new migration instead"
                )
            continue
        with transaction(con):
            con.execute(mig.sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?, ?)",
                [mig.version, mig.name, mig.checksum, dt.datetime.now()],
            )
        applied.append(mig)
    return applied


# Database paths this process has migrated, with (count, highest version) of what was applied then.
_MIGRATED: dict[str, tuple[int, int]] = {}
_MIGRATED_LOCK = threading.Lock()


def migrate_once(con: duckdb.DuckDBPyConnection, db_path: Path) -> list[Migration]:
    """`migrate` the first time this process opens `db_path`; later only a one-row check.

    A scan opens the warehouse a dozen times, and reading and checksumming every migration file on each
    open adds up. The check still notices a file replaced under the same path (its
    ledger no longer matches what this process applied) and migrates that one again.
    """
    key = str(Path(db_path).resolve())
    with _MIGRATED_LOCK:
        seen = _MIGRATED.get(key)
        if seen is not None:
            try:
                row = con.execute("SELECT count(*), coalesce(max(version), -1) FROM schema_migrations").fetchall()[0]
            except duckdb.CatalogException:
                row = None
            if row is not None and (int(row[0]), int(row[1])) == seen:
                return []
        applied = migrate(con)
        row = con.execute("SELECT count(*), coalesce(max(version), -1) FROM schema_migrations").fetchall()[0]
        _MIGRATED[key] = (int(row[0]), int(row[1]))
        return applied


def table_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """Row count of every table in the warehouse, by name."""
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name"
        ).fetchall()
    ]
    return [(n, con.execute(f'SELECT count(*) FROM "{n}"').fetchall()[0][0]) for n in names]
