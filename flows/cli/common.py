"""Helpers shared by the CLI modules: settings, connections with friendly errors, output formats."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
from collections.abc import Iterator, Sequence
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from flows.settings import Settings
from warehouse.db import WarehouseError, connect_reader, connect_writer
from warehouse.db import publish as publish_copy
from warehouse.migrate import migrate

console = Console()
err_console = Console(stderr=True)


class OutputFormat(StrEnum):
    """The --format choices every data-printing command shares."""

    table = "table"
    csv = "csv"
    json = "json"
    md = "md"


def settings() -> Settings:
    """Settings for this invocation (FUTURESCAN_HOME etc.)."""
    return Settings.from_env()


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a clear error and return the Exit to raise."""
    err_console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def parse_date(value: str | None, option: str = "--as-of") -> dt.date | None:
    """A YYYY-MM-DD option value (None when not given), with a clear error otherwise."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} must be a date like 2024-01-01, got {value!r}") from None


@contextlib.contextmanager
def writer(publish: bool = True, migrated: bool = True) -> Iterator[Any]:
    """A migrated writer connection (`migrated=False`: as found, for `db migrate` to report what it applies);
    publishes the read-only copy on success."""
    cfg = settings()
    try:
        con = connect_writer(cfg.db_path)
    except WarehouseError as exc:
        raise fail(str(exc)) from None
    try:
        if migrated:
            migrate(con)
        yield con
        if publish:
            publish_copy(con, cfg.db_path, cfg.published_path)
    finally:
        con.close()


@contextlib.contextmanager
def reader() -> Iterator[Any]:
    """A read-only connection (live or published copy); prints its freshness to stderr."""
    cfg = settings()
    try:
        con, info = connect_reader(cfg.db_path, cfg.published_path)
    except WarehouseError as exc:
        raise fail(str(exc)) from None
    err_console.print(f"[dim]{info.describe()}[/]")
    try:
        yield con
    finally:
        con.close()


def emit(rows: Sequence[dict[str, Any]], fmt: OutputFormat, title: str | None = None) -> None:
    """Print rows as a table, CSV, JSON or Markdown."""
    columns = list(rows[0].keys()) if rows else []
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(list(rows), ensure_ascii=False, indent=2, default=str))
    elif fmt is OutputFormat.csv:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
        typer.echo(buf.getvalue(), nl=False)
    elif fmt is OutputFormat.md:
        if title:
            typer.echo(f"### {title}\n")
        typer.echo("| " + " | ".join(columns) + " |")
        typer.echo("|" + "---|" * len(columns))
        for r in rows:
            typer.echo("| " + " | ".join(str(r[c]).replace("|", "\\|") for c in columns) + " |")
    else:
        table = Table(title=title)
        for c in columns:
            table.add_column(c)
        for r in rows:
            table.add_row(*[("" if r[c] is None else str(r[c])) for c in columns])
        console.print(table)
