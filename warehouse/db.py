"""Connections to the warehouse: one writer at a time, readers on the live file or the published copy.

DuckDB lets one process hold a database file for writing, and while it does no other process can
open that file at all, not even read-only. So every write command publishes a read-only copy when it
commits, and readers fall back to that copy while a writer holds the live file, saying how fresh it is.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:  # pyarrow is imported where a table is built: read-only commands start without it
    import pyarrow as pa

_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
# Rows per row group in what the writer stores (DuckDB's default is 122,880). A commit compresses new row groups
# in parallel, one task each, so at the default a typical load leaves a core idle for most of its commit; smaller
# groups keep every core busy, for a slightly larger file (docs/benchmarks.md has the figures). DuckDB takes the
# size only when a database is attached, so the writer attaches the file (see connect_writer).
ROW_GROUP_ROWS = 30_720
WAREHOUSE_ALIAS = "warehouse"


class WarehouseError(RuntimeError):
    """A warehouse problem worth a clear one-line message to the user."""


class WarehouseBusy(WarehouseError):
    """Another process holds the warehouse for writing."""


class WarehouseMissing(WarehouseError):
    """There is no warehouse yet (nothing was migrated or ingested)."""


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "conflict" in text or "being used" in text or "already attached" in text


def connect_writer(db_path: Path) -> duckdb.DuckDBPyConnection:
    """Open the live warehouse for writing, creating it (and its folder) when absent.

    The file is attached (with ROW_GROUP_ROWS) to an in-memory DuckDB instance named after the file, and made the
    connection's default database. Every writer connection of one process to one file gets that same instance
    (DuckDB shares a named in-memory database within a process), as `duckdb.connect(path)` would: the scan's
    crawl jobs open writer sessions from several threads at once, and two instances attaching one file in one
    process lock each other out. Another process is locked out, as before.
    """
    db_path.parent.mkdir(parents=True, exist_ok=True)
    resolved = db_path.resolve()
    instance = ":memory:futurescan-" + hashlib.sha1(str(resolved).encode()).hexdigest()[:16]
    con = duckdb.connect(instance, config=dict(_CONFIG))
    try:
        con.execute(
            f"ATTACH IF NOT EXISTS '{_quoted(resolved)}' AS {WAREHOUSE_ALIAS} (ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
        )
        con.execute(f"USE {WAREHOUSE_ALIAS}")
    except duckdb.IOException as exc:
        con.close()
        if _is_lock_error(exc):
            raise WarehouseBusy(
                f"another futurescan process is writing {db_path}; wait for it to finish "
                f"(read commands keep working on the published copy). DuckDB said: {exc}"
            ) from exc
        raise _unreadable(db_path, exc) from exc
    except BaseException:
        con.close()
        raise
    return con


def _unreadable(path: Path, exc: Exception) -> Exception:
    """A clear error for a warehouse file DuckDB cannot open (not a database, another format version ...)."""
    if "not a valid duckdb database" in str(exc).lower():
        return WarehouseError(
            f"{path} is not a DuckDB database file, so futurescan cannot use it as its warehouse and leaves it "
            "untouched: move it aside (a new warehouse is then created there), or set FUTURESCAN_HOME to another "
            f"folder. DuckDB said: {exc}"
        )
    return WarehouseError(f"cannot open the warehouse {path}. DuckDB said: {exc}")


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


@dataclass(frozen=True)
class ReaderInfo:
    """Which file a reader opened and how fresh it is."""

    path: Path
    live: bool
    as_of: dt.datetime

    def describe(self) -> str:
        stamp = self.as_of.strftime("%Y-%m-%d %H:%M")
        if self.live:
            return f"data as of {stamp} (live warehouse)"
        return f"data as of {stamp} (published copy; a scan is writing the live warehouse)"


def _read_only(path: Path, live: bool) -> tuple[duckdb.DuckDBPyConnection, ReaderInfo]:
    con = duckdb.connect(str(path), read_only=True, config=dict(_CONFIG))
    return con, ReaderInfo(path, live, dt.datetime.fromtimestamp(path.stat().st_mtime))


def connect_reader(db_path: Path, published_path: Path) -> tuple[duckdb.DuckDBPyConnection, ReaderInfo]:
    """Open the live warehouse read-only, or the published copy while a writer holds the live one."""
    if db_path.exists():
        try:
            return _read_only(db_path, live=True)
        except (duckdb.IOException, duckdb.ResourceInUseException) as exc:
            # ResourceInUse: this very process holds the file for writing (the writer has it attached)
            if not _is_lock_error(exc):
                raise _unreadable(db_path, exc) from exc
    if published_path.exists():
        try:
            return _read_only(published_path, live=False)
        except duckdb.IOException as exc:
            raise _unreadable(published_path, exc) from exc
    if db_path.exists():
        raise WarehouseBusy(
            f"{db_path} is held by a writer and no published copy exists yet at {published_path}; "
            "try again when the running command finishes"
        )
    raise WarehouseMissing(f"no warehouse at {db_path}: run `futurescan db migrate` or `futurescan ingest` first")


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block inside BEGIN/COMMIT; any exception rolls everything back."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def publish(con: duckdb.DuckDBPyConnection, db_path: Path, published_path: Path) -> Path:
    """Checkpoint the live file and atomically replace the published read-only copy with it.

    Runs while the caller still holds the writer connection, so nobody writes during the copy.
    Readers that already opened the previous copy keep reading it undisturbed.
    """
    con.execute("CHECKPOINT")
    published_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = published_path.with_name(f".{published_path.name}.{os.getpid()}.tmp")
    shutil.copyfile(db_path, tmp)
    os.replace(tmp, published_path)
    return published_path


# ───────────────────────────── small helpers every store uses ─────────────────────────────

Params = list[Any] | dict[str, Any] | None


@functools.cache
def query(name: str) -> str:
    """The text of a named SQL file in warehouse/queries/ (`name` without `.sql`).

    `@DATE_SPAN_END(alias)@` in a file stands for `date_span_end(alias)` (an empty alias: unqualified
    columns), so every query that dates documents uses the one rule.
    """
    text = (resources.files("warehouse") / "queries" / f"{name}.sql").read_text(encoding="utf-8")
    return _SPAN_END_TOKEN.sub(lambda m: date_span_end(m[1]), text)


_SPAN_END_TOKEN = re.compile(r"@DATE_SPAN_END\((\w*)\)@")


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> tuple | None:
    """The first row of a query, read to the end.

    DuckDB 2.0's `fetchone()` leaves the rest of the result pending on the connection, and the next
    `register()` on it then fails; reading the whole (small) result avoids that.
    """
    rows = con.execute(sql, params).fetchall() if params is not None else con.execute(sql).fetchall()
    return rows[0] if rows else None


def fetch_dicts(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> list[dict[str, Any]]:
    """Every row of a query as a dict keyed by column name."""
    cur = con.execute(sql, params) if params is not None else con.execute(sql)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether a table exists in the main schema of the connection's database (temporary tables and views do not count).

    duckdb_tables() rather than information_schema: it answers faster, and read views ask often.
    """
    row = fetch_one(
        con,
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' "
        "AND table_name = ?",
        [name],
    )
    return bool(row and row[0])


@contextlib.contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[str]:
    """An Arrow table visible to SQL on `con` as `name` for the length of the block.

    When the block fails inside a transaction, DuckDB refuses the unregister until the rollback (which drops
    the registration anyway): that refusal must not hide the block's own error.
    """
    con.register(name, table)
    try:
        yield name
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.unregister(name)
        raise
    con.unregister(name)


def date_span_end(alias: str = "d") -> str:
    """SQL for the day after the whole span a document's date stands for (`alias`.published, .date_precision).

    A document dated "2025" (year precision) is known only from 2026-01-01: comparing this end, not the date
    itself, keeps a partly dated document from counting before its whole span has passed.
    """
    d = f"{alias}." if alias else ""
    return (
        f"(CASE {d}date_precision WHEN 'year' THEN {d}published + INTERVAL 1 YEAR "
        f"WHEN 'month' THEN {d}published + INTERVAL 1 MONTH ELSE {d}published + INTERVAL 1 DAY END)"
    )


def ids_table(doc_ids: Iterable[str]) -> pa.Table:
    """Document ids (in the order given) as a one-column `doc_id` table, to join with instead of a long IN list."""
    import pyarrow as pa

    return pa.table({"doc_id": pa.array(list(doc_ids), pa.string())})
