"""`futurescan ingest PATH...`: load landing files or the real corpora into the warehouse.

warehouse.ingest is imported inside the command: its validation and Arrow take ~0.5 s to import.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from flows.cli.common import OutputFormat, console, emit, fail, writer
from warehouse.corpora import format_for


def ingest_cmd(
    paths: list[Path] = typer.Argument(..., help="Landing files or corpus files (.jsonl or .jsonl.gz).", exists=False),
    fmt: str = typer.Option("auto", "--format", "-f", help="'auto' (by file name), 'landing', or a corpus name."),
    force: bool = typer.Option(False, "--force", help="Load files even if the same bytes were loaded before."),
    output: OutputFormat = typer.Option(OutputFormat.table, "--output", "-o", help="Summary format."),
    show_rejects: int = typer.Option(10, "--show-rejects", help="How many rejected rows to list per file."),
) -> None:
    """Load landing files (or ../shared/data corpora) into the warehouse; bad rows go to `rejects`."""
    from warehouse.ingest import ingest_file

    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise fail("no such file: " + ", ".join(missing))
    for p in paths:
        if fmt == "auto":
            try:
                format_for(p)
            except ValueError as exc:
                raise fail(str(exc)) from None
    reports = []
    with writer() as con, Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,} rows"), TimeElapsedColumn(),
        console=console, transient=True,
    ) as bar:
        for p in paths:
            task = bar.add_task(f"loading {p.name}", total=None)
            try:
                rep = ingest_file(con, p, fmt=fmt, force=force, progress=lambda _s, n, t=task: bar.update(t, completed=n))
            except (ValueError, OSError) as exc:
                raise fail(f"{p}: {exc}") from None
            reports.append(rep)
            bar.remove_task(task)
    rows = [
        {
            "file": Path(r.path).name,
            "format": r.format,
            "rows": r.rows_total,
            "loaded": r.rows_loaded,
            "rejected": r.rows_rejected,
            "new": r.docs_new,
            "updated": r.docs_updated,
            "unchanged": r.docs_unchanged,
            "docs/s": round(r.docs_per_second),
            "note": "already loaded; skipped (use --force)" if r.skipped else "",
        }
        for r in reports
    ]
    emit(rows, output, title="Ingest summary")
    for r in reports:
        for line, reason in r.rejects[:show_rejects]:
            console.print(f"[yellow]rejected[/] {Path(r.path).name}:{line}: {reason}")
        if r.rows_rejected > show_rejects:
            console.print(f"[yellow]… {r.rows_rejected - show_rejects} more rejects in the `rejects` table[/]")


def register(app: typer.Typer) -> None:
    """Add `ingest` to the main command."""
    app.command("ingest")(ingest_cmd)
