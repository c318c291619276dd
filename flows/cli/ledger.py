"""`futurescan ledger` and `futurescan ledger backtest`: the track record of futurescan's own dated forecasts.

scoring.ledger, the ledger store and the ingest are imported inside the commands: they bring numpy,
pyarrow and pydantic, which the other commands do not need.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from flows.cli.common import OutputFormat, console, emit, fail, reader, writer

KLAVANS_THREAT_SCORE = 0.32  # Klavans, Boyack & Murdick (2022): clusters growing ≥ 8 %/year over four years

ledger_app = typer.Typer(
    help="The forecast ledger (持续评估): every scan's dated forecasts, resolved later, scored here.",
    invoke_without_command=True,
)


class Grouping(StrEnum):
    """How `futurescan ledger --by` splits the figures."""

    type = "type"
    horizon = "horizon"
    direction = "direction"
    source_mix = "source_mix"


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.0%}"


def _num(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _group_rows(record: dict[str, Any], by: str) -> list[dict[str, Any]]:
    return [
        {
            by: g[by], "forecasts": g["forecasts"], "resolved": g["resolved"], "void": g["void"], "pending": g["pending"],
            "hit_rate": _pct(g["hit_rate"]), "brier": _num(g["brier"]), "brier_climatology": _num(g["brier_climatology"]),
            "mean_p": _num(g["mean_probability"], 2), "happened": _pct(g["base_rate"]), "threat_score": _num(g["threat_score"], 2),
        }
        for g in record["groups"]
    ]


def _growth_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [
        {"growth call": t, "resolved": s["resolved"], "hits": s["hits"], "misses": s["misses"],
         "false_alarms": s["false_alarms"], "threat_score": _num(s["threat_score"], 2),
         "grew (base rate)": _pct(s["base_rate"]), "brier": _num(s["brier"])}
        for t, s in record["growth"].items()
    ]
    rows.append({"growth call": "Klavans et al. 2022 (reference)", "resolved": "", "hits": "", "misses": "",
                 "false_alarms": "", "threat_score": f"{KLAVANS_THREAT_SCORE:.2f}", "grew (base rate)": "", "brier": ""})
    return rows


def _miss_rows(record: dict[str, Any], titles: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for m in record["worst_misses"]:
        evidence = "; ".join(
            f"{d} ({str(titles[d]['published'])[:10]}: {str(titles[d]['title'])[:60]})" if d in titles else d
            for d in m["evidence_doc_ids"][:3]
        )
        observed = {k: v for k, v in m["observed"].items() if k in (
            "rate_ratio", "threshold_ratio", "rank", "horizon", "scan_id", "documents", "policy_documents_in_window")}
        out.append({"forecast": m["forecast_id"], "p": _num(m["probability"], 2), "outcome": m["outcome"],
                    "statement": m["statement"], "observed": json.dumps(observed, ensure_ascii=False, default=str),
                    "evidence": evidence})
    return out


def show_record(con: Any, *, by: str, fmt: OutputFormat, backtest: bool | None, tech_id: str | None = None) -> dict[str, Any]:
    """Print the track record (table, Markdown or JSON) and return it."""
    from scoring.ledger import load_rules, track_record
    from warehouse import ledger_store as store

    rules, _ = load_rules()
    rows = store.forecasts(con, backtest=backtest, tech_id=tech_id)
    record = track_record(rows, by=by, bins=rules.metrics.calibration_bins, worst=rules.metrics.worst_misses)
    titles = store.document_titles(con, [d for m in record["worst_misses"] for d in m["evidence_doc_ids"][:3]])
    scope = {False: "regular scans", True: "replayed scans (backtest)", None: "all scans"}[backtest]
    if fmt is OutputFormat.json:
        for m in record["worst_misses"]:
            m["evidence"] = [{"doc_id": d, **{k: str(v) for k, v in titles.get(d, {}).items()}} for d in m["evidence_doc_ids"]]
        typer.echo(json.dumps({"scope": scope, "tech_id": tech_id, **record, "klavans_threat_score": KLAVANS_THREAT_SCORE},
                              ensure_ascii=False, indent=2, default=str))
        return record
    o = record["overall"]
    head = (f"Forecast ledger — {scope}{' — ' + tech_id if tech_id else ''}: {o['forecasts']} forecasts, "
            f"{o['resolved']} resolved, {o['void']} void, {o['pending']} pending. "
            f"Hit rate {_pct(o['hit_rate'])} (call = probability ≥ 50 %), Brier {_num(o['brier'])} "
            f"(always forecasting how often each type of forecast came true: {_num(o['brier_climatology'])}).")
    if fmt is OutputFormat.md:
        typer.echo(head + "\n")
    else:
        console.print(head, markup=False, highlight=False)
    if not rows:
        typer.echo("No forecasts yet: a scan freezes them after scoring (or run `futurescan ledger backtest`).")
        return record
    emit(_group_rows(record, by), fmt, title=f"By {by}")
    emit(record["calibration"], fmt, title="Calibration (what was forecast vs what happened)")
    if record["growth"]:
        emit(_growth_rows(record), fmt, title="Growth calls: threat score = hits / (hits + misses + false alarms)")
    if record["worst_misses"]:
        emit(_miss_rows(record, titles), fmt, title="Worst misses and their evidence")
    return record


@ledger_app.callback(invoke_without_command=True)
def ledger_cmd(
    ctx: typer.Context,
    by: Grouping = typer.Option(Grouping.type, "--by", help="Split the figures by forecast type, horizon, direction or source mix."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, md or json (csv prints the groups)."),
    backtest: bool = typer.Option(False, "--backtest", help="Show the replayed ('asof-…') scans' forecasts instead of the regular ones."),
    tech: str | None = typer.Option(None, "--tech", help="Only one technology (its id)."),
) -> None:
    """Track record: hit rate, Brier score, calibration and threat score, with the worst misses and their evidence."""
    if ctx.invoked_subcommand is not None:
        return
    from warehouse import ledger_store as store

    with reader() as con:
        if not store.has_ledger(con):
            raise fail("this warehouse has no ledger yet: run `futurescan db migrate`, then a scan")
        if fmt is OutputFormat.csv:
            from scoring.ledger import track_record

            emit(_group_rows(track_record(store.forecasts(con, backtest=backtest, tech_id=tech), by=by.value), by.value), fmt)
            return
        show_record(con, by=by.value, fmt=fmt, backtest=backtest, tech_id=tech)


def _corpus_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(x for x in p.iterdir() if x.name.endswith((".jsonl", ".jsonl.gz"))))
        elif p.is_file():
            files.append(p)
        else:
            raise fail(f"no such corpus file or folder: {p}")
    return files


@ledger_app.command("backtest")
def backtest_cmd(
    from_year: int = typer.Option(2013, "--from", help="First replayed year (scans as of 1 January)."),
    to_year: int = typer.Option(dt.date.today().year, "--to", help="Last replayed year."),
    step: int = typer.Option(12, "--step", min=1, help="Months between replayed scans."),
    corpora: list[Path] = typer.Option(None, "--corpora", help="Corpus files or folders to load (and alias-link) first, e.g. ../shared/data/policy_zh."),
    weights: Path | None = typer.Option(None, "--weights", help="Weights file for the replayed scoring (default: scoring/screening/weights.toml)."),
    by: Grouping = typer.Option(Grouping.type, "--by", help="How to split the figures afterwards."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="Output format of the figures."),
) -> None:
    """Replay scans at past dates with as-of scoring, freeze their forecasts, resolve them against what followed, report."""
    from scoring.ledger import backtest, replay_dates
    from scoring.technologies.link_stage import alias_links_only as alias_link

    if to_year < from_year:
        raise fail("--to must not be before --from")
    if weights is not None and not weights.is_file():
        raise fail(f"no weights file at {weights}")
    files = _corpus_files(list(corpora or []))
    dates = replay_dates(dt.date(from_year, 1, 1), dt.date(to_year, 1, 1), step)
    with writer() as con:
        if files:
            from warehouse.ingest import ingest_file

            for f in files:
                try:
                    rep = ingest_file(con, f)
                except (ValueError, OSError) as exc:
                    raise fail(f"{f}: {exc}") from None
                console.print(f"{f.name}: {'already loaded' if rep.skipped else f'{rep.docs_new:,} new documents'}")
        linked = alias_link(con)
        if linked:
            console.print(f"alias-linked {linked:,} documents to the taxonomy")
        has_links = con.execute("SELECT count(*) FROM document_technologies").fetchall()[0][0]
        if not has_links:
            raise fail("no document is linked to a technology: load corpora (--corpora) or run a scan first")
        backtest(con, dates, weights_path=weights, progress=lambda m: console.print(m, markup=False, highlight=False))
        show_record(con, by=by.value, fmt=fmt, backtest=True)


def register(app: typer.Typer) -> None:
    """Add `ledger` (and `ledger backtest`) to the main command."""
    app.add_typer(ledger_app, name="ledger")
