"""`futurescan watchlist | movers | assess | report`: what consultants and project managers read."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.markdown import Markdown
from rich.table import Table

from flows.cli.common import console, err_console, fail, reader, settings
from flows.present import assessment as asm
from flows.present import export, report
from flows.present import movers as mv
from flows.present import watchlist as wl
from flows.present.export import write_xlsx
from flows.present.labels import MOVES
from flows.present.report import render_assessment_html
from warehouse.views import ViewError, resolve_scan


class ViewFormat(StrEnum):
    """Output formats of the list views."""

    table = "table"
    csv = "csv"
    json = "json"
    md = "md"
    xlsx = "xlsx"


class AssessFormat(StrEnum):
    """Output formats of an assessment."""

    table = "table"
    md = "md"
    html = "html"
    json = "json"


class Horizon(StrEnum):
    """Horizon filter values."""

    near = "near"
    mid = "mid"
    far = "far"


def _out(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    err_console.print(f"wrote {output}")


def _table(rows: list[dict[str, Any]], title: str, empty: str) -> None:
    if not rows:
        console.print(f"[dim]{title}: {empty}[/]")
        return
    table = Table(title=title, title_justify="left", show_lines=False)
    columns = [c for c in rows[0] if any(str(r[c]).strip() for r in rows)]  # an all-empty column is noise
    rows = [{c: r[c] for c in columns} for r in rows]
    for c in columns:
        # Names need room to stay readable; every other column wraps to what is left.
        table.add_column(c, overflow="fold", min_width=16 if c.startswith("技术") else None)
    for r in rows:
        table.add_row(*[str(v) for v in r.values()])
    console.print(table)


def _xlsx(sheets: dict[str, list[dict[str, Any]]], output: Path | None) -> None:
    if output is None:
        raise fail("--format xlsx needs --output FILE.xlsx")
    write_xlsx(sheets, output)
    err_console.print(f"wrote {output} ({', '.join(sheets)})")


def watchlist_cmd(
    horizon: Horizon | None = typer.Option(None, "--horizon", help="Only near, mid or far (近期/中期/远期)."),
    direction: str | None = typer.Option(
        None, "--direction", help="Only one direction: manufacturing, information, materials, energy, space, health (or 未来健康 …)."
    ),
    top: int | None = typer.Option(None, "--top", min=1, help="Show the first N ranked technologies."),
    scan: str = typer.Option("latest", "--scan", help="Scan id, or 'latest'."),
    fmt: ViewFormat = typer.Option(ViewFormat.table, "--format", help="Output format."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file instead of the terminal."),
) -> None:
    """Ranked watchlist: strategic, disruptive, horizon, trend, evidence and what changed since the previous scan."""
    with reader() as con:
        try:
            data = wl.build_watchlist(con, scan, horizon=horizon.value if horizon else None, direction=direction, top=top)
        except (ViewError, ValueError) as exc:
            raise fail(str(exc)) from None
    info, prev = data["scan"], data["previous"]
    head = (f"重点关注清单 Watchlist — scan {info['scan_id']} (as of {info['as_of']}); "
            f"compared with {prev['scan_id'] if prev else 'no previous scan'}")
    if fmt is ViewFormat.json:
        _out(export.to_json({
            "scan_id": info["scan_id"], "as_of": info["as_of"], "previous_scan_id": prev["scan_id"] if prev else None,
            "filters": data["filters"], "rank_rule": "priority = (strategic + disruptive) / 2",
            "items": wl.records(data["items"]), "insufficient": wl.records(data["insufficient"], wl.INSUFFICIENT_KEYS),
        }) + "\n", output)
    elif fmt is ViewFormat.csv:
        keys = (*wl.RECORD_KEYS, "insufficient_why")
        _out(export.to_csv(wl.records([*data["items"], *data["insufficient"]], keys)), output)
    elif fmt is ViewFormat.md:
        _out(f"## {head}\n\n" + export.to_markdown(wl.display_rows(data["items"]), "排名 Ranked") + "\n"
             + export.to_markdown(wl.display_insufficient(data["insufficient"]), "证据不足，未排名 Insufficient evidence (not ranked)"),
             output)
    elif fmt is ViewFormat.xlsx:
        _xlsx({"watchlist": wl.records(data["items"]),
               "insufficient evidence": wl.records(data["insufficient"], wl.INSUFFICIENT_KEYS)}, output)
    else:
        console.print(f"[bold]{head}[/]")
        rows = wl.compact_rows(data["items"])
        if console.width < 120:  # a narrow terminal: leave out what --format md/csv still carry
            rows = [{k: v for k, v in r.items() if k not in ("方向 Dir.", "TRL", "证据 n")} for r in rows]
        _table(rows, "排名 Ranked", "no technology matches")
        console.print(f"[dim]{wl.COMPACT_LEGEND}[/]")
        _table(wl.display_insufficient(data["insufficient"]), "证据不足，未排名 Insufficient evidence (not ranked)", "none")


def movers_cmd(
    since: str | None = typer.Option(None, "--since", help="Compare with this scan instead of the previous one."),
    scan: str = typer.Option("latest", "--scan", help="Scan id, or 'latest'."),
    threshold: int = typer.Option(2, "--threshold", min=1, help="Rank places a technology must move to count as rose/fell."),
    fmt: ViewFormat = typer.Option(ViewFormat.table, "--format", help="Output format."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file instead of the terminal."),
) -> None:
    """The week's news: entered, left, rose, fell, horizon changed, new candidates discovered."""
    with reader() as con:
        try:
            data = mv.build_movers(con, scan, since=since, threshold=threshold)
        except (ViewError, ValueError) as exc:
            raise fail(str(exc)) from None
    info, base = data["scan"], data["baseline"]
    records = [{k: m[k] for k in mv.RECORD_KEYS} for m in data["moves"]]
    head = f"本期变化 Movers — {base['scan_id'] if base else '(no earlier scan)'} → {info['scan_id']}"
    if fmt is ViewFormat.json:
        _out(export.to_json({"scan_id": info["scan_id"], "baseline_scan_id": base["scan_id"] if base else None,
                             "threshold": threshold, "counts": data["counts"], "moves": records}) + "\n", output)
    elif fmt is ViewFormat.csv:
        _out(export.to_csv(records), output)
    elif fmt is ViewFormat.md:
        _out(f"## {head}\n\n" + export.to_markdown(mv.display_rows(data["moves"])), output)
    elif fmt is ViewFormat.xlsx:
        sheets = {MOVES[m][0]: [r for r in records if r["move"] == m] for m in mv.MOVE_ORDER}
        _xlsx(sheets, output)
    else:
        console.print(f"[bold]{head}[/]")
        if base is None:
            console.print("first scan: nothing to compare with (首次扫描)")
        _table(mv.display_rows(data["moves"]), "变化 Moves", "no movers (无变化)")


def assess_cmd(
    technology: str = typer.Argument(..., help="Technology name in Chinese or English, an alias, or its id."),
    scan: str = typer.Option("latest", "--scan", help="Scan id, or 'latest'."),
    fmt: AssessFormat = typer.Option(AssessFormat.table, "--format", help="table, md or html (one-page brief), json."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file instead of the terminal."),
) -> None:
    """Horizon assessment of one technology: calls with reasons, indicators with evidence, trends, lineage, timeline."""
    with reader() as con:
        try:
            tech_id = asm.resolve_technology(con, technology)
        except asm.AmbiguousTechnology as exc:
            err_console.print(f"[yellow]“{exc.query}” matches several technologies; be more specific (did you mean):[/]")
            for tid, label, score in exc.suggestions:
                err_console.print(f"  {label}  [dim]({tid}, match {score:.0f})[/]")
            raise typer.Exit(2) from None
        except asm.TechnologyNotFound as exc:
            hint = "; did you mean: " + ", ".join(f"{label} ({tid})" for tid, label, _ in exc.suggestions) if exc.suggestions else ""
            raise fail(f"no technology matches “{exc.query}”{hint}. `futurescan tech list` shows them all") from None
        try:
            data = asm.build_assessment(con, tech_id, scan)
        except ViewError as exc:
            raise fail(str(exc)) from None
    if fmt is AssessFormat.json:
        _out(export.to_json(data) + "\n", output)
    elif fmt is AssessFormat.md:
        _out(asm.to_markdown(data), output)
    elif fmt is AssessFormat.html:
        _out(render_assessment_html(data), output)
    elif output is not None:
        _out(asm.to_markdown(data), output)
    else:
        console.print(Markdown(asm.to_markdown(data)))


def report_cmd(
    scan: str = typer.Option("latest", "--scan", help="Scan id, or 'latest'."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="An .html file, or a folder (default: the reports folder under FUTURESCAN_HOME)."
    ),
    exports: bool = typer.Option(False, "--exports", help="Also write the views as XLSX (a sheet per view), CSV, JSON and MD."),
) -> None:
    """Write the scan report: one self-contained HTML file with the radar, watchlist, movers and evidence cards."""
    with reader() as con:
        try:
            scan_id = resolve_scan(con, scan)["scan_id"]
            if output is not None and output.suffix.lower() in (".html", ".htm"):
                output.parent.mkdir(parents=True, exist_ok=True)
                output.write_text(report.render_scan_report(con, scan_id), encoding="utf-8")
                path, folder = output, output.parent
            else:
                folder = output or settings().reports_dir
                path = report.write_scan_report(con, scan_id, folder)
            extra = report.write_scan_exports(con, scan_id, folder) if exports else []
        except ViewError as exc:
            raise fail(str(exc)) from None
    console.print(f"scan report 扫描报告 ({scan_id}): {path}")
    for p in extra:
        console.print(f"  {p}")


def register(app: typer.Typer) -> None:
    """Add watchlist, movers, assess and report to the main command."""
    app.command("watchlist")(watchlist_cmd)
    app.command("movers")(movers_cmd)
    app.command("assess")(assess_cmd)
    app.command("report")(report_cmd)
