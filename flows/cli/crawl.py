"""`futurescan crawl [SOURCE...]`: run the spiders (live or from the shipped snapshot) and summarise each crawl."""

from __future__ import annotations

from typing import Any

import typer
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table

from flows.cli.common import OutputFormat, console, emit, err_console, fail, settings
from flows.crawl import CrawlError, run_crawls
from spiders.registry import DEFAULT_SOURCES


def crawl_cmd(
    sources: list[str] = typer.Argument(
        None,
        help="Sources to crawl: arxiv, pubmed, crossref, news, policy (default: these five), epo (patents).",
    ),
    snapshot: bool = typer.Option(
        False, "--snapshot", help="Replay the recorded snapshot shipped with futurescan (no internet needed)."
    ),
    base_url: str = typer.Option(
        None, "--base-url", help="Replay from a recording server at this URL instead of the internet."
    ),
    since: str = typer.Option(
        None, "--since", help="Start at this date (YYYY-MM-DD) instead of the last successful watermark."
    ),
    scan_id: str = typer.Option(
        None, "--scan-id", help="Scan these crawls belong to (recorded with each run)."
    ),
    arg: list[str] = typer.Option(
        None,
        "--arg",
        "-a",
        help="Extra spider argument KEY=VALUE for every crawl, e.g. techs=quantum_computing.",
    ),
    jobs: int = typer.Option(2, "--jobs", min=1, max=8, help="Crawls running at the same time."),
    timeout: float = typer.Option(
        None, "--timeout", help="Stop a crawl after this many seconds (it is recorded failed)."
    ),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="Output format of the summary."),
) -> None:
    """Crawl sources into landing files, each crawl in its own process, and record them as crawl runs."""
    if snapshot and base_url:
        raise fail("--snapshot replays the shipped recordings; it cannot be combined with --base-url")
    extra = _spider_args(arg or [])
    cfg = settings()
    chosen = list(sources or [])
    show = fmt is OutputFormat.table
    with _ProgressBoard(chosen or list(DEFAULT_SOURCES), enabled=show) as board:
        try:
            outcomes = run_crawls(
                chosen,
                cfg,
                snapshot=snapshot,
                base_url=base_url,
                since=since,
                scan_id=scan_id,
                jobs=jobs,
                timeout=timeout,
                extra_args=extra,
                progress=board.update,
            )
        except CrawlError as exc:
            raise fail(str(exc)) from None
    rows = [o.summary() for o in outcomes]
    if show:  # the folder is printed once below; the table keeps to file names
        for row, o in zip(rows, outcomes, strict=True):
            row["landing_file"] = o.landing_file.name if o.landing_file else "-"
    emit(rows, fmt, title="Crawls" + (" (snapshot replay)" if snapshot else ""))
    files = [str(o.landing_file) for o in outcomes if o.landing_file]
    if show:
        console.print(f"Landing files in {cfg.landing_dir} (load them with `futurescan ingest PATH...`):")
        for f in files:
            console.print(f"  {f}", soft_wrap=True)
        for o in outcomes:
            if o.status != "succeeded":
                err_console.print(f"[yellow]{o.source}[/] {o.status}: {o.error}  (log: {o.log_file})")
    if any(o.status == "failed" for o in outcomes):
        raise typer.Exit(1)


def _spider_args(pairs: list[str]) -> dict[str, str]:
    """The --arg KEY=VALUE options as spider arguments."""
    extra = {}
    for a in pairs:
        key, sep, value = a.partition("=")
        if not sep or not key:
            raise fail(f"--arg takes KEY=VALUE, not {a!r}")
        extra[key.strip()] = value
    return extra


class _ProgressBoard:
    """A live rich table of running crawls: requests, items, errors, state."""

    def __init__(self, sources: list[str], enabled: bool) -> None:
        self.enabled = enabled
        self.rows: dict[str, dict[str, Any]] = {s: {"state": "waiting"} for s in sources}
        self.live: Any = None

    def __enter__(self) -> _ProgressBoard:
        if self.enabled:
            self.live = Live(self._table(), console=err_console, refresh_per_second=4, transient=True)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.live is not None:
            self.live.__exit__(*exc)

    def update(self, source: str, data: dict[str, Any]) -> None:
        self.rows[source] = data
        if self.live is not None:
            self.live.update(self._table())

    def _table(self) -> Table:
        table = Table(title="Crawling", show_edge=False)
        for col in ("", "source", "state", "requests", "items", "dropped", "errors"):
            table.add_column(col)
        for source, d in self.rows.items():
            state = d.get("state", "waiting")
            mark: Any = (
                Spinner("dots")
                if state == "running"
                else ("✓" if state in ("succeeded", "finished") else "·")
            )
            table.add_row(
                mark,
                source,
                state,
                str(d.get("requests", "")),
                str(d.get("items", "")),
                str(d.get("dropped", "")),
                str(
                    d.get("errors", "")
                    if not isinstance(d.get("errors"), dict)
                    else sum(d["errors"].values())
                ),
            )
        return table


def register(app: typer.Typer) -> None:
    """Add `crawl` to the main command."""
    app.command("crawl")(crawl_cmd)
