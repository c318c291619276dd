"""`futurescan analyse | topics … | tech …`: build topics, follow what changed, review candidate technologies.

The analysis (scoring.topics: embedder, pipeline), the topic and technology stores and the linker
are imported inside the commands: they bring numpy and pyarrow, and the embedder torch.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from flows.cli.common import (
    OutputFormat,
    console,
    emit,
    err_console,
    fail,
    parse_date,
    reader,
    settings,
    writer,
)
from scoring.technologies.taxonomy import DIRECTION_IDS, DIRECTIONS, find_technology
from scoring.topics.config import TopicsConfigError, load_topics_config
from warehouse.db import table_exists

topics_app = typer.Typer(help="Topics found in the documents and how they changed between scans.", no_args_is_help=True)
tech_app = typer.Typer(help="Candidate technologies: the seeded taxonomy, additions and discovered candidates.",
                       no_args_is_help=True)


# ───────────────────────────── analyse ─────────────────────────────


def analyse_cmd(
    model: str = typer.Option(None, "--model", help="sentence-transformers model (default: topics.toml, FUTURESCAN_MODEL)."),
    as_of: str = typer.Option(None, "--as-of", help="Only documents published before this date (YYYY-MM-DD)."),
    scan_id: str = typer.Option(None, "--scan-id", help="Scan id to record topics under (default: asof-DATE or adhoc-TIME)."),
    fake: bool = typer.Option(False, "--fake-embedder", help="Use the deterministic hashing embedder (tests, demos)."),
    force: bool = typer.Option(False, "--force", help="Recompute even when nothing changed since the last analysis."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="Output format of the summary."),
) -> None:
    """Embed new/changed documents, cluster them into topics, follow lineage, link to technologies."""
    from scoring.topics.embed import FakeEmbedder
    from scoring.topics.pipeline import run_analysis
    from scoring.topics.vectors import make_embedder

    cfg = settings()
    as_of_date = parse_date(as_of)
    try:
        config = load_topics_config()
    except TopicsConfigError as exc:
        raise fail(str(exc)) from None
    chosen = model or (cfg.model_name if cfg.model_name != "all-MiniLM-L6-v2" else None)
    if chosen:
        config = config.replace("embedding", model=chosen)
    sid = scan_id or (f"asof-{as_of_date.isoformat()}" if as_of_date else f"adhoc-{dt.datetime.now():%Y%m%dT%H%M%S}")
    embedder = FakeEmbedder() if fake else make_embedder(config)
    labels = {"embed": "embedding documents", "segment": "segmenting Chinese", "link": "alias matching",
              "cluster": "clustering"}
    with writer() as con, Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err_console, transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        try:
            summary = run_analysis(con, scan_id=sid, as_of=as_of_date, embedder=embedder, config=config,
                                   progress=progress)
        except (ValueError, OSError) as exc:
            raise fail(str(exc)) from None
    _print_summary(summary, fmt)


def _print_summary(summary: Any, fmt: OutputFormat) -> None:
    data = summary.as_dict()
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return
    head = f"analysis {summary.scan_id}" + (f" (as of {summary.as_of})" if summary.as_of else "")
    if summary.reused:
        console.print(f"[bold]{head}[/]: nothing changed since {summary.previous_scan_id}; topics carried over "
                      f"in {summary.seconds.get('total', 0):.1f} s")
    else:
        console.print(f"[bold]{head}[/]: {summary.documents:,} documents in {summary.seconds.get('total', 0):.1f} s"
                      + (f", compared with {summary.previous_scan_id}" if summary.previous_scan_id else ""))
    for line in summary.paths:
        console.print(f"  {line}")
    if summary.embedded:
        console.print(f"  embedded {summary.embedded:,} documents ({summary.embedded_unique_texts:,} distinct texts, "
                      f"{summary.docs_per_second:.1f}/s; {summary.embeddings_reused:,} reused identical texts)")
    rows = [
        {"space": s.space, "documents": s.documents, "topics": s.topics,
         "unassigned": f"{s.unassigned_share:.1%}", "start": s.start,
         "events": ", ".join(f"{k} {v}" for k, v in sorted(s.events.items())) or "-"}
        for s in summary.spaces
    ]
    emit(rows, fmt, title="Topics")
    if not summary.reused:
        links = ", ".join(f"{k} {v:,}" for k, v in sorted(summary.links.items()))
        console.print(f"  document links: {links}; topic links: {summary.topic_links}")
    if summary.candidates:
        console.print(f"  [yellow]new candidate technologies[/]: {', '.join(summary.candidates)} "
                      "(review with `futurescan tech show ID`, then `tech accept` or `tech dismiss`)")


# ───────────────────────────── topics ─────────────────────────────


def _scan_or_latest(con: Any, scan_id: str | None) -> str:
    from warehouse.topics_store import latest_scan_id

    if not table_exists(con, "analysis_runs"):
        raise fail("no topics yet: run `futurescan analyse` first")
    sid = scan_id or latest_scan_id(con)
    if not sid:
        raise fail("no topics yet: run `futurescan analyse` first")
    return sid


def topics_list_cmd(
    scan_id: str = typer.Option(None, "--scan-id", help="Scan (default: the latest analysis)."),
    space: str = typer.Option(None, "--space", help="Only one space, e.g. 'zh-terms' or 'embedding:all-MiniLM-L6-v2'."),
    limit: int = typer.Option(30, "--limit", min=1),
    sort: str = typer.Option("size", "--sort", help="size, growth or new."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="Output format."),
) -> None:
    """Which topics exist, how big they are and how fast they grow."""
    from warehouse.topics_store import list_topics

    if sort not in ("size", "growth", "new"):
        raise fail("--sort must be size, growth or new")
    with reader() as con:
        sid = _scan_or_latest(con, scan_id)
        rows = list_topics(con, scan_id=sid, space=space, limit=limit, sort=sort)
    emit(rows, fmt, title=f"Topics in {sid}")


def topics_show_cmd(
    topic_id: str = typer.Argument(..., help="Topic id, e.g. T0042."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json."),
) -> None:
    """One topic: keywords, representative documents, technologies, and its history across scans."""
    from warehouse.topics_store import topic_history

    with reader() as con:
        _scan_or_latest(con, None)
        info = topic_history(con, topic_id.strip().upper())
    if info is None:
        raise fail(f"no topic {topic_id!r}; see `futurescan topics list`")
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(info, ensure_ascii=False, indent=2, default=str))
        return
    last = info["snapshots"][-1] if info["snapshots"] else {}
    console.print(f"[bold]{info['topic_id']}[/] {info['label']}  ({info['space']}, {info['status']}"
                  + (f" → {', '.join(info['successors'])}" if info.get("successors") else "") + ")")
    console.print(f"  born in {info['born_scan_id']}, last seen in {info['last_scan_id']}, size {info['size']}")
    if last:
        console.print(f"  keywords: {', '.join(last['keywords'])}")
    for r in info["representatives"]:
        console.print(f"  • {r['title']}  [dim]{r['doc_id']}[/]")
    if info["technologies"]:
        emit(info["technologies"], fmt, title="Technologies")
    emit([{k: s[k] for k in ("scan_id", "as_of", "size", "new_members", "growth", "label")} for s in info["snapshots"]],
         fmt, title="History")
    for e in info["events"]:
        console.print(f"  {e['scan_id']}: {e['event']} {', '.join(e['from']) or '∅'} → {', '.join(e['to']) or '∅'}")


def _describe_event(e: dict[str, Any]) -> str:
    d = e["details"]
    if e["event"] == "birth":
        return f"new topic {d['to']['label']!r} ({d['to']['size']} documents)"
    if e["event"] == "death":
        return f"{d['from']['label']!r} ({d['from']['size']} documents) ended"
    if e["event"] == "split":
        parts = "; ".join(f"{t['id']} {t['label']!r} ({t['shared']} shared)" for t in d["to"])
        return f"{d['from']['label']!r} split into {parts}"
    if e["event"] == "merge":
        parts = " + ".join(f"{f['id']} {f['label']!r}" for f in d["from"])
        return f"{parts} merged into {d['to']['label']!r}"
    return f"{d['from']['label']!r} → {d['to']['label']!r}: {d['from']['size']} → {d['to']['size']} documents"


def topics_changes_cmd(
    scan_id: str = typer.Option(None, "--scan-id", help="Scan (default: the latest analysis)."),
    include_continuing: bool = typer.Option(False, "--all", help="Also list topics that simply continued."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="Output format."),
) -> None:
    """What changed since the previous scan: births, splits, merges, deaths, strong growth."""
    from warehouse.topics_store import run_info, topic_changes

    with reader() as con:
        sid = _scan_or_latest(con, scan_id)
        info = run_info(con, sid)
        events = topic_changes(con, sid)
    if info is None:
        raise fail(f"no analysis {sid!r}")
    shown = [e for e in events if include_continuing or e["event"] != "continue"]
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(shown, ensure_ascii=False, indent=2, default=str))
        return
    prev = info["previous_scan_id"]
    counts: dict[str, int] = {}
    for e in events:
        counts[e["event"]] = counts.get(e["event"], 0) + 1
    if info["reused"]:
        console.print(f"[bold]{sid}[/]: nothing changed since {prev}; its topics were carried over unchanged")
        return
    console.print(f"[bold]{sid}[/] compared with {prev or 'nothing (first analysis)'}: "
                  + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "no events"))
    rows = [{"event": e["event"], "from": ", ".join(e["from"]), "to": ", ".join(e["to"]), "space": e["space"],
             "what": _describe_event(e)} for e in shown]
    emit(rows, fmt, title="Changes")


# ───────────────────────────── tech ─────────────────────────────


def _resolve_tech(con: Any, name: str) -> dict[str, Any]:
    from scoring.technologies.linking import technology_from_row
    from warehouse.technologies_store import get_technology, load_technologies

    row = get_technology(con, name)
    if row:
        return row
    rows = load_technologies(con)
    if not rows:
        raise fail("no technologies yet: run `futurescan analyse` (it syncs the taxonomy)")
    found = find_technology(name, [technology_from_row(r) for r in rows], limit=3)
    if not found:
        raise fail(f"no technology matches {name!r}; see `futurescan tech list`")
    if len(found) > 1 and found[0][1] < 100 and found[0][1] - found[1][1] < 5:
        raise fail(f"{name!r} is ambiguous: " + ", ".join(f"{t.id} ({s})" for t, s in found))
    return get_technology(con, found[0][0].id) or {}


def tech_list_cmd(
    status: str = typer.Option(None, "--status", help="Only seeded, candidate, accepted or dismissed."),
    min_confidence: float = typer.Option(0.5, "--min-confidence", help="Count links at or above this confidence."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="Output format."),
) -> None:
    """Every technology with its direction, status and linked documents by method."""
    from warehouse.technologies_store import link_summary

    with reader() as con:
        if not table_exists(con, "technologies"):
            raise fail("no warehouse tables yet: run `futurescan db migrate`")
        rows = link_summary(con, min_confidence=min_confidence)
    if status:
        rows = [r for r in rows if r["status"] == status]
    emit(rows, fmt, title=f"Technologies (links with confidence ≥ {min_confidence})")


def tech_show_cmd(
    name: str = typer.Argument(..., help="Technology id or name in either language (e.g. 脑机接口)."),
    limit: int = typer.Option(10, "--limit", min=1),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json."),
) -> None:
    """One technology: names, aliases, decision, linked topics and its strongest documents."""
    from warehouse.technologies_store import technology_evidence

    with reader() as con:
        row = _resolve_tech(con, name)
        ev = technology_evidence(con, row["tech_id"], limit=limit)
    if fmt is OutputFormat.json:
        typer.echo(json.dumps({"technology": row, **ev}, ensure_ascii=False, indent=2, default=str))
        return
    console.print(f"[bold]{row['tech_id']}[/] {row['name_en']} / {row.get('name_zh') or '-'}  "
                  f"[{row['status']}, {row.get('origin')}, {row.get('direction') or 'no direction'}]")
    if row.get("aliases"):
        console.print(f"  aliases: {'; '.join(row['aliases'])}")
    if row.get("description"):
        console.print(f"  {row['description']}")
    if row.get("decided_by"):
        console.print(f"  decided by {row['decided_by']}: {row.get('decision_reason') or ''}")
    if not ev["documents"]:
        console.print("  [yellow]no linked documents: too little evidence to judge this technology[/]")
    emit(ev["counts"], fmt, title="Linked documents by language and method")
    emit(ev["topics"], fmt, title="Linked topics (latest analysis)")
    emit(ev["documents"], fmt, title="Strongest documents")


_SLUG = re.compile(r"[^a-z0-9]+")


def _split(values: str | None) -> list[str]:
    return [v.strip() for v in re.split(r"[;；\n]", values or "") if v.strip()]


def _direction(value: str | None) -> str | None:
    if not value:
        return None
    v = value.strip().lower()
    for d in DIRECTION_IDS:
        en, zh = DIRECTIONS[d]
        if v in (d, d.removeprefix("future_"), en.lower(), zh):
            return d
    raise fail(f"unknown direction {value!r}; one of: " + ", ".join(f"{d} ({DIRECTIONS[d][1]})" for d in DIRECTION_IDS))


def tech_add_cmd(
    name: str = typer.Argument(..., help="Id for the technology (a slug is made from it, e.g. 'solid-state battery')."),
    en: str = typer.Option(None, "--en", help="English name (default: NAME)."),
    zh: str = typer.Option(None, "--zh", help="Chinese name."),
    aliases: str = typer.Option(None, "--aliases", help="Aliases in either language, separated by ';'."),
    keywords: str = typer.Option(None, "--keywords", help="Weak keywords, separated by ';'."),
    description: str = typer.Option(None, "--description", help="One or two sentences."),
    direction: str = typer.Option(None, "--direction", help="future_information, 未来健康, energy, …"),
    by: str = typer.Option(None, "--by", help="Who adds it."),
    reason: str = typer.Option(None, "--reason", help="Why."),
) -> None:
    """Add a technology to the watch list by hand; the next `analyse` links documents to it."""
    from warehouse.technologies_store import add_technology

    tech_id = _SLUG.sub("_", name.strip().lower()).strip("_")
    if not tech_id:
        raise fail("NAME must contain letters or digits (it becomes the id)")
    alias_list = _split(aliases) or [en or name]
    row = {
        "tech_id": tech_id, "name_en": en or name, "name_zh": zh, "aliases": alias_list + ([zh] if zh else []),
        "keywords": _split(keywords), "description": description, "direction": _direction(direction),
        "status": "accepted", "origin": "cli", "decided_by": by, "decision_reason": reason,
    }
    with writer() as con:
        try:
            add_technology(con, row)
        except ValueError as exc:
            raise fail(str(exc)) from None
    console.print(f"added [bold]{tech_id}[/] ({row['name_en']}); run `futurescan analyse` to link documents to it")


def _decide(tech: str, status: str, by: str, reason: str, updates: dict[str, Any]) -> None:
    from warehouse.technologies_store import decide

    with writer() as con:
        row = _resolve_tech(con, tech)
        if row["status"] == "seeded" and status == "accepted":
            raise fail(f"{row['tech_id']} is part of the seeded taxonomy already")
        decide(con, row["tech_id"], status=status, decided_by=by, reason=reason, updates=updates)
    verb = "accepted" if status == "accepted" else "dismissed"
    console.print(f"{verb} [bold]{row['tech_id']}[/] ({row['name_en']}) by {by}: {reason}")
    if status == "accepted":
        console.print("  it joins the technologies documents are linked to at the next `futurescan analyse`")


def tech_accept_cmd(
    tech: str = typer.Argument(..., help="Candidate id (e.g. cand_t0042) or name."),
    by: str = typer.Option(..., "--by", help="Who decides."),
    reason: str = typer.Option(..., "--reason", help="Why it is accepted."),
    en: str = typer.Option(None, "--en", help="Better English name."),
    zh: str = typer.Option(None, "--zh", help="Chinese name."),
    aliases: str = typer.Option(None, "--aliases", help="Aliases to match in documents, ';'-separated (replaces the proposed ones)."),
    description: str = typer.Option(None, "--description"),
    direction: str = typer.Option(None, "--direction"),
) -> None:
    """Accept a discovered candidate: it joins the taxonomy that documents are linked to."""
    updates = {"name_en": en, "name_zh": zh, "aliases": _split(aliases) or None, "description": description,
               "direction": _direction(direction)}
    _decide(tech, "accepted", by, reason, updates)


def tech_dismiss_cmd(
    tech: str = typer.Argument(..., help="Candidate id or name."),
    by: str = typer.Option(..., "--by", help="Who decides."),
    reason: str = typer.Option(..., "--reason", help="Why it is dismissed."),
) -> None:
    """Dismiss a candidate (or any technology): its links are dropped and its topic is not proposed again."""
    _decide(tech, "dismissed", by, reason, {})


def register(app: typer.Typer) -> None:
    """Add `analyse`, `topics …` and `tech …` to the main command."""
    app.command("analyse")(analyse_cmd)
    topics_app.command("list")(topics_list_cmd)
    topics_app.command("show")(topics_show_cmd)
    topics_app.command("changes")(topics_changes_cmd)
    tech_app.command("list")(tech_list_cmd)
    tech_app.command("show")(tech_show_cmd)
    tech_app.command("add")(tech_add_cmd)
    tech_app.command("accept")(tech_accept_cmd)
    tech_app.command("dismiss")(tech_dismiss_cmd)
    app.add_typer(topics_app, name="topics")
    app.add_typer(tech_app, name="tech")
