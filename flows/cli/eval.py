"""`futurescan eval horizon|trends`: how well the screening agrees with labels and forecasts growth.

scoring.screening and warehouse.scores_store are imported inside the commands: they bring numpy,
pyarrow and pydantic, which the other commands do not need.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from flows.cli.common import OutputFormat, console, emit, fail, parse_date, reader

eval_app = typer.Typer(help="Evaluate the screening: horizon labels, growth forecasts.", no_args_is_help=True)


@eval_app.command("horizon")
def horizon_cmd(
    labels: Path = typer.Argument(..., help="CSV with columns technology, horizon (near|mid|far)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, or json (technology, expected, predicted, confidence, reasons)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Score as of this date (default: today)."),
    weights: Path | None = typer.Option(None, "--weights", help="Weights file (default: scoring/screening/weights.toml)."),
) -> None:
    """Agreement of computed horizons with labels, a confusion matrix, and the evidence behind every miss."""
    from scoring.screening.evaluate import evaluate_horizon, read_labels, resolve_labels
    from scoring.screening.run import score_technologies
    from warehouse import scores_store as store

    if not labels.is_file():
        raise fail(f"no labels file at {labels}")
    try:
        rows = read_labels(labels)
    except ValueError as exc:
        raise fail(str(exc)) from None
    day = parse_date(as_of) or dt.date.today()
    with reader() as con:
        resolved = resolve_labels(rows, store.screened_technologies(con))
        wanted = [lab.tech_id for lab in resolved if lab.tech_id]
        scores, weights_hash = score_technologies(con, as_of=day, weights_path=weights, tech_ids=wanted)
        result = evaluate_horizon(resolved, scores)
        titles = store.document_titles(con, [d["doc_id"] for r in result.misses() for d in r.drivers])
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return
    table_rows = [
        {
            "technology": r.technology,
            "tech_id": r.tech_id or "?",
            "expected": r.expected,
            "predicted": r.predicted + (f" (leans {r.leaning})" if r.leaning else ""),
            "confidence": "" if r.confidence is None else f"{r.confidence:.2f}",
            "trl": r.trl_band or "",
            "agrees": "yes" if r.agrees else "no",
        }
        for r in result.results
    ]
    emit(table_rows, fmt, title=f"Horizon calls as of {day} (weights {weights_hash[:12]})")
    n = len(result.results)
    agree = sum(r.agrees for r in result.results)
    decided = result.decided
    summary = f"agreement {agree}/{n}"
    if n:
        summary += f" = {agree / n:.0%}"
    summary += f"; when a call was made {sum(r.agrees for r in decided)}/{len(decided)}"
    summary += f"; insufficient evidence {n - len(decided)}"
    if result.leaning_agreement is not None:
        summary += f"; counting the leaning of insufficient calls {result.leaning_agreement:.0%}"
    typer.echo(summary)
    matrix = [
        {"expected \\ predicted": e, **{p: str(c) for p, c in preds.items()}} for e, preds in result.confusion.items()
    ]
    emit(matrix, fmt, title="Confusion matrix")
    for r in result.misses():
        console.print(f"\n[bold]{r.technology}[/] expected {r.expected}, got {r.predicted}")
        for reason in r.reasons:
            console.print(f"  - {reason}", markup=False, highlight=False)
        for d in r.drivers[:5]:
            title = titles.get(d["doc_id"], d.get("title", ""))
            console.print(
                f"    · {d['channel']} TRL {d['trl']:g} “{d['cue']}” {d['published'][:10]} {d['doc_id']} — {title[:90]}",
                markup=False, highlight=False,
            )


@eval_app.command("trends")
def trends_cmd(
    series: Path = typer.Argument(..., help="CSV with columns term, year, count."),
    train_end: list[int] = typer.Option(None, "--train-end", help="Last training year T (repeatable: several origins). Default: last year - horizon."),
    horizon: int = typer.Option(3, "--horizon", min=1, max=20, help="Years ahead to forecast (T+1..T+k)."),
    history: int = typer.Option(15, "--history", min=3, help="Training years used before each origin."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="Output format."),
) -> None:
    """Backtest the growth forecaster (damped trend) against last-value and linear-trend baselines."""
    from scoring.screening.trends import evaluate_trends, read_series_csv

    if not series.is_file():
        raise fail(f"no series file at {series}")
    try:
        data = read_series_csv(series)
    except ValueError as exc:
        raise fail(str(exc)) from None
    if not data:
        raise fail(f"{series} holds no rows")
    last = max(y for years in data.values() for y in years)
    origins = list(train_end) if train_end else [last - horizon]
    result = evaluate_trends(data, origins=origins, horizon=horizon, history=history)
    if fmt is OutputFormat.json:
        typer.echo(json.dumps({
            "origins": list(result.origins), "horizon": result.horizon, "terms": result.terms,
            "skipped": list(result.skipped), "methods": result.as_rows(),
        }, ensure_ascii=False, indent=2))
        return
    title = f"Forecasts T+1..T+{horizon} from T = {', '.join(map(str, result.origins))} ({result.terms} terms)"
    emit(result.as_rows(), fmt, title=title)
    if fmt is OutputFormat.table:
        typer.echo("mae: mean absolute error; smape: symmetric MAPE (0-200); growth_rank_correlation: Spearman "
                   "between forecast and actual change T → T+k across terms (undefined for last value: it forecasts no change)")
        if result.skipped:
            typer.echo(f"skipped (years missing): {len(result.skipped)} term-origin pairs")


def register(app: typer.Typer) -> None:
    """Add `eval` to the main command."""
    app.add_typer(eval_app, name="eval")
