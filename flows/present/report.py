"""The self-contained HTML scan report (radar, watchlist with filters, movers, evidence cards) and its exports."""

# Everything is inline (CSS, one small script, SVG charts) so the file opens offline; every crawled string
# goes through jinja2's autoescaping, links only ever point at http(s) URLs, and a Content-Security-Policy
# forbids loading anything from elsewhere and any script but the report's own.

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup

from flows.present import labels as L
from flows.present import movers as mv
from flows.present import watchlist as wl
from flows.present.assessment import doc_link
from flows.present.export import to_csv, to_json, to_markdown, write_xlsx
from flows.present.radar import radar_svg
from flows.present.templating import environment, safe_url
from flows.present.track_record import build_record, card_lines, ledger_rows
from warehouse import views

CARD_DOCUMENTS = 5


@functools.cache
def _script() -> tuple[Markup, Markup]:
    """The report's one inline script and its CSP hash (so no other inline script could run)."""
    # Kept as a .j2 file so packaging ships it with the templates; it has no template variables.
    text = environment().get_template("report.js.j2").render()
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return Markup(text), Markup(f"'sha256-{digest}'")  # base64 only: nothing to escape


def sparkline(values: Sequence[float], width: int = 120, height: int = 28) -> dict[str, Any]:
    """Polyline points (and the last point) for a small trend line of yearly counts."""
    if not values:
        return {"points": "", "last": None, "width": width, "height": height}
    top = max(values) or 1.0
    n = len(values)
    step = (width - 6) / max(n - 1, 1)
    pts = [(3 + i * step, height - 3 - (height - 6) * v / top) for i, v in enumerate(values)]
    return {
        "points": " ".join(f"{x:.1f},{y:.1f}" for x, y in pts),
        "last": (round(pts[-1][0], 1), round(pts[-1][1], 1)),
        "width": width,
        "height": height,
    }


def _series(trend: dict[int, dict[str, int]], years: Sequence[int]) -> list[int]:
    return [sum(trend.get(y, {}).values()) for y in years]


def scan_report_data(con: Any, scan_id: str, *, threshold: int | None = None) -> dict[str, Any]:
    """Everything the scan report shows, as plain data."""
    threshold = mv.DEFAULT_THRESHOLD if threshold is None else threshold
    watch = wl.build_watchlist(con, scan_id)
    moves = mv.build_movers(con, scan_id, threshold=threshold)
    scan = watch["scan"]
    every = [*watch["items"], *watch["insufficient"]]
    svg, unplaced = radar_svg(every, threshold)
    as_of = scan.get("as_of")
    trends = views.evidence_trends(con, as_of)
    last_year = (as_of or dt.date.today()).year
    years = list(range(last_year - 7, last_year + 1))
    evidence = views.card_evidence(con, scan["scan_id"], CARD_DOCUMENTS)
    ledger = ledger_rows(con)
    record_lines = card_lines(ledger, [r["tech_id"] for r in every])
    cards = []
    for r in every:
        docs = [{**d, "published": d["published"].isoformat() if d.get("published") else "",
                 "kind_label": L.bi(L.KINDS, d["kind"]), "link": _doc_link(d)} for d in evidence.get(r["tech_id"], [])]
        series = _series(trends.get(r["tech_id"], {}), years)
        reasons = r.get("reasons") or {}
        cards.append({
            **r,
            "docs": docs,
            "spark": sparkline(series),
            "series": series,
            "reasons_horizon": (reasons.get("horizon") or [])[:3],
            "reasons_strategic": (reasons.get("strategic") or [])[:2],
            "reasons_disruptive": (reasons.get("disruptive") or [])[:2],
            "record": record_lines.get(r["tech_id"], ""),
        })
    horizons = {h: sum(1 for r in every if r["horizon"] == h) for h in L.HORIZONS}
    return {
        "scan": scan,
        "previous": watch["previous"],
        "watchlist": watch["items"],
        "insufficient": watch["insufficient"],
        "movers": moves,
        "radar": svg,
        "unplaced": unplaced,
        "cards": cards,
        "record": build_record(con, None, rows=ledger),
        "years": years,
        "counts": {
            "scored": len(every),
            "ranked": len(watch["items"]),
            "horizons": horizons,
            "strategic_yes": sum(1 for r in every if r["strategic_label"] == "yes"),
            "disruptive_yes": sum(1 for r in every if r["disruptive_label"] == "yes"),
        },
        "directions": [{"id": d, "label": L.direction_label(d)} for d in L.DIRECTION_IDS],
        "horizon_options": [{"id": h, "label": L.bi(L.HORIZONS, h)} for h in L.HORIZONS],
        "move_labels": {m: L.bi(L.MOVES, m) for m in L.MOVES},
        "generated_at": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
    }


def _doc_link(doc: dict[str, Any]) -> str:
    return safe_url(doc_link(doc))


def render_scan_report(con: Any, scan_id: str = "latest") -> str:
    """The scan report as one self-contained HTML document."""
    data = scan_report_data(con, scan_id)
    script, script_hash = _script()
    return environment().get_template("report.html.j2").render(
        **data, script=script, script_hash=script_hash, rank_rule=RANK_RULE,
    )


def report_filename(scan_id: str, suffix: str = ".html") -> str:
    """A file name for a scan's report that is safe on every file system."""
    return "report-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", scan_id) + suffix


def write_scan_report(con: Any, scan_id: str, out_dir: Path) -> Path:
    """Write the scan's HTML report into out_dir and return its path (what the weekly flow calls at publish)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    resolved = views.resolve_scan(con, scan_id)["scan_id"]
    path = out_dir / report_filename(resolved)
    html = render_scan_report(con, resolved)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)  # readers of the reports folder never see half a file
    return path


def scan_views(con: Any, scan_id: str) -> dict[str, list[dict[str, Any]]]:
    """The scan's views as flat records, one list per view (the sheets of the workbook)."""
    w = wl.build_watchlist(con, scan_id)
    m = mv.build_movers(con, scan_id)
    evidence = views.card_evidence(con, w["scan"]["scan_id"], CARD_DOCUMENTS)
    names = {r["tech_id"]: r for r in [*w["items"], *w["insufficient"]]}
    docs = [
        {"tech_id": tid, "technology": L.tech_name(names.get(tid, {"tech_id": tid})), "doc_id": d["doc_id"],
         "kind": d["kind"], "published": d["published"], "title": d["title"], "url": _doc_link(d)}
        for tid, ds in evidence.items() for d in ds
    ]
    return {
        "watchlist": wl.records(w["items"]),
        "insufficient evidence": wl.records(w["insufficient"], wl.INSUFFICIENT_KEYS),
        "movers": [{k: x[k] for k in mv.RECORD_KEYS} for x in m["moves"]],
        "evidence": docs,
    }


def write_scan_exports(con: Any, scan_id: str, out_dir: Path) -> list[Path]:
    """Write the scan's views as one XLSX workbook (a sheet per view) plus CSV, JSON and Markdown files."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    resolved = views.resolve_scan(con, scan_id)["scan_id"]
    sheets = scan_views(con, resolved)
    stem = report_filename(resolved, "")
    paths = [write_xlsx(sheets, out_dir / f"{stem}.xlsx")]
    for name, rows in sheets.items():
        slug = name.replace(" ", "_")
        (out_dir / f"{stem}-{slug}.csv").write_text(to_csv(rows), encoding="utf-8")
        paths.append(out_dir / f"{stem}-{slug}.csv")
    (out_dir / f"{stem}.json").write_text(to_json({"scan_id": resolved, **sheets}), encoding="utf-8")
    (out_dir / f"{stem}.md").write_text(
        "\n".join(to_markdown(rows, name) for name, rows in sheets.items()), encoding="utf-8"
    )
    return [*paths, out_dir / f"{stem}.json", out_dir / f"{stem}.md"]


def render_assessment_html(assessment: dict[str, Any]) -> str:
    """A technology's horizon assessment as a one-page, self-contained HTML brief."""
    tr = assessment["trend"]
    bars = _stacked_bars(tr["yearly"], tr["kinds"])
    return environment().get_template("assessment.html.j2").render(
        a=assessment, bars=bars, kind_colours=L.KIND_COLOURS,
        generated_at=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
    )


def _stacked_bars(yearly: Sequence[dict[str, Any]], kinds: Sequence[str], width: int = 640, height: int = 180) -> dict[str, Any]:
    """Geometry of a stacked bar chart of evidence per year and kind."""
    if not yearly:
        return {"bars": [], "width": width, "height": height, "max": 0}
    top = max(y["total"] for y in yearly) or 1
    slot = (width - 40) / len(yearly)
    bars = []
    for i, y in enumerate(yearly):
        x = 30 + i * slot
        base = height - 20
        segs = []
        for k in kinds:
            h = (height - 40) * y[k] / top
            if h > 0:
                segs.append({"kind": k, "y": round(base - h, 1), "h": round(h, 1), "n": y[k],
                             "fill": L.KIND_COLOURS.get(k, "#999999")})
                base -= h
        bars.append({"x": round(x + slot * 0.15, 1), "w": round(slot * 0.7, 1), "year": y["year"], "total": y["total"],
                     "segs": segs, "label_x": round(x + slot / 2, 1)})
    return {"bars": bars, "width": width, "height": height, "max": top}


RANK_RULE = (
    "排名规则 Rank rule: 优先级 priority = (战略性 strategic + 颠覆性 disruptive) / 2, ties → more evidence; "
    "technologies whose strategic or disruptive score is insufficient are listed apart, unranked. "
    "趋势 Trend ↑/→/↓ from the growth indicator; 变化 Change against the previous scan. "
    "专家判定 Overrides are shown beside the computed calls, never instead of them."
)
