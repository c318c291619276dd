"""`futurescan db ...`: create, upgrade and inspect the warehouse."""

from __future__ import annotations

import typer

from flows.cli.common import OutputFormat, console, emit, reader, writer
from warehouse.migrate import applied_migrations, available_migrations, migrate, table_counts

db_app = typer.Typer(help="Create, upgrade and inspect the warehouse.", no_args_is_help=True)


@db_app.command("migrate")
def migrate_cmd() -> None:
    """Apply pending schema migrations (a no-op when the warehouse is current)."""
    with writer(migrated=False) as con:
        applied = migrate(con)
        total = len(applied_migrations(con))
    if applied:
        for m in applied:
            console.print(f"applied {m.version:03d}_{m.name}")
    console.print(f"warehouse schema is current ({total} migrations; {len(applied)} applied now)")


@db_app.command("status")
def status_cmd(fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="Output format.")) -> None:
    """Show applied migrations and the row count of every table."""
    with reader() as con:
        applied = applied_migrations(con)
        counts = table_counts(con)
    done = {v for v, *_ in applied}
    pending = [m for m in available_migrations() if m.version not in done]
    emit(
        [{"migration": f"{v:03d}_{n}", "checksum": c, "applied_at": str(a)[:19]} for v, n, c, a in applied],
        fmt,
        title="Applied migrations",
    )
    if pending:
        console.print(f"[yellow]{len(pending)} pending:[/] " + ", ".join(f"{m.version:03d}_{m.name}" for m in pending))
    emit([{"table": t, "rows": n} for t, n in counts], fmt, title="Tables")


def register(app: typer.Typer) -> None:
    """Add `db` to the main command."""
    app.add_typer(db_app, name="db")
