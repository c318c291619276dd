"""`futurescan score` and `futurescan override`: screening scores, and consultants' judgements beside them.

scoring.screening and warehouse.scores_store are imported inside the commands: they bring numpy,
pyarrow and pydantic, which the other commands do not need.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from flows.cli.common import OutputFormat, console, emit, fail, parse_date, reader, writer
from flows.scan import scan_id_for

HORIZON_CHOICES = ("near", "mid", "far")

def _score_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        conf = r["horizon_confidence"]
        horizon = r["horizon"] if conf is None else f"{r['horizon']} ({conf:.2f})"
        if r["horizon"] == "insufficient evidence" and r.get("horizon_leaning"):
            horizon += f" leans {r['horizon_leaning']}"
        out.append({
            "technology": r["tech_id"],
            "horizon": horizon,
            "trl": r["trl_band"] or "",
            "strategic": r["strategic_label"] if r["strategic"] is None else f"{r['strategic_label']} ({r['strategic']:.2f})",
            "disruptive": r["disruptive_label"] if r["disruptive"] is None else f"{r['disruptive_label']} ({r['disruptive']:.2f})",
            "evidence": r["evidence_count"],
            "consultant_horizon": "" if not r["override_horizon"] else f"{r['override_horizon']} ({r['override_horizon_by']})",
            "consultant_strategic": "" if not r["override_strategic"] else f"{r['override_strategic']} ({r['override_strategic_by']})",
        })
    return out


def score_cmd(
    as_of: str | None = typer.Option(None, "--as-of", help="Score as of this date (YYYY-MM-DD): only documents published before it count."),
    scan_id: str | None = typer.Option(None, "--scan-id", help="Scan to store the scores under (default: asof-DATE, or this ISO week)."),
    weights: Path | None = typer.Option(None, "--weights", help="Weights file (default: scoring/screening/weights.toml)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="Output format."),
    force: bool = typer.Option(
        False, "--force", help="Recompute even when nothing the scores rest on changed (else they are carried over)."
    ),
) -> None:
    """Score every technology: strategic, disruptive, horizon with TRL band, each with its reasons."""
    from scoring.screening.run import score_scan
    from warehouse import scores_store as store

    day = parse_date(as_of)
    if weights is not None and not weights.is_file():
        raise fail(f"no weights file at {weights}")
    sid = scan_id or scan_id_for(day)
    with writer() as con:
        try:
            summary = score_scan(con, scan_id=sid, as_of=day, weights_path=weights, force=force)
        except ValueError as exc:
            raise fail(str(exc)) from None
        rows = store.read_scores(con, sid)
    if fmt is OutputFormat.table:
        counts = ", ".join(f"{k} {v}" for k, v in summary.horizons.items())
        console.print(
            f"scan {summary.scan_id} as of {summary.as_of}: {summary.technologies} technologies ({counts}); "
            f"strategic {summary.strategic_yes}, disruptive {summary.disruptive_yes}; "
            f"{summary.documents_read} linked documents read in {summary.seconds:.1f} s; weights {summary.weights_hash[:12]}"
        )
        if summary.changed and not summary.reused_from:
            console.print(f"recomputed: changed since the previous scored scan: {', '.join(summary.changed)}")
        for note in summary.notes:
            console.print(f"[yellow]{note}[/]")
    emit(_score_rows(rows), fmt, title=f"Screening scores, scan {sid}")


def _resolve(con: Any, name: str) -> str:
    from scoring.screening.evaluate import NameResolver
    from warehouse import scores_store as store

    resolver = NameResolver(store.screened_technologies(con))
    tech_id = resolver.resolve(name)
    if tech_id is None:
        hint = resolver.suggestions(name)
        raise fail(f"no technology matches {name!r}" + (f"; did you mean {', '.join(hint)}?" if hint else ""))
    return tech_id


def override_cmd(
    tech: str = typer.Argument(..., help="Technology id or name; or `history` followed by one to show its judgements."),
    history_of: str | None = typer.Argument(None, metavar="[TECH]", help="With `history`: the technology."),
    horizon: str | None = typer.Option(None, "--horizon", help="Consultant's horizon: near, mid, far (or withdrawn)."),
    strategic: str | None = typer.Option(None, "--strategic", help="Consultant's strategic flag: yes, no (or withdrawn)."),
    by: str | None = typer.Option(None, "--by", help="Who makes the judgement."),
    reason: str | None = typer.Option(None, "--reason", help="Why."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="Output format (history)."),
) -> None:
    """Record a consultant's judgement beside the computed score (never replacing it); `override history TECH` lists them."""
    from warehouse import scores_store as store

    if tech == "history":
        if not history_of:
            raise fail("usage: futurescan override history TECH")
        with reader() as con:
            tech_id = _resolve(con, history_of)
            rows = store.override_history(con, tech_id)
        if not rows:
            console.print(f"no judgements recorded for {tech_id}")
            return
        emit([{**r, "recorded_at": str(r["recorded_at"])[:19]} for r in rows], fmt, title=f"Judgements on {tech_id}")
        return
    if history_of is not None:
        raise fail(f"unexpected argument {history_of!r}")
    if (horizon is None) == (strategic is None):
        raise fail("give exactly one of --horizon near|mid|far or --strategic yes|no")
    if not by or not by.strip():
        raise fail("--by NAME is required: every judgement records who made it")
    if not reason or not reason.strip():
        raise fail("--reason TEXT is required: every judgement records why")
    if horizon is not None:
        field_, value = "horizon", horizon.strip().lower()
        if value not in (*HORIZON_CHOICES, "withdrawn"):
            raise fail(f"--horizon must be near, mid or far (or withdrawn), got {horizon!r}")
    else:
        field_, value = "strategic", (strategic or "").strip().lower()
        if value not in ("yes", "no", "withdrawn"):
            raise fail(f"--strategic must be yes or no (or withdrawn), got {strategic!r}")
    with writer() as con:
        tech_id = _resolve(con, tech)
        oid = store.add_override(con, tech_id=tech_id, field=field_, value=value, decided_by=by.strip(), reason=reason.strip())
    console.print(f"recorded judgement #{oid}: {tech_id} {field_} = {value} by {by.strip()} (computed scores unchanged)")


def register(app: typer.Typer) -> None:
    """Add `score` and `override` to the main command."""
    app.command("score")(score_cmd)
    app.command("override")(override_cmd)
