"""The ranked watchlist of one scan, with what changed since the previous scan.

Rank rule: priority = (strategic + disruptive) / 2, both 0..1 scores from the screening step, weighted
equally because the seeds ask for technologies that are both strategic (战略性) and disruptive (颠覆性);
ties go to the technology with more evidence, then to the id. Both scores are always shown beside the
priority. A technology whose strategic or disruptive score could not be computed ("insufficient evidence")
gets no rank: it is listed apart with the reason, never ranked as if its score were known. A ranked
technology whose horizon is "insufficient evidence" keeps its rank and shows the horizon it leans to.

Trend arrow: from the growth indicator (log2 of recent vs baseline rate, shrunk for small counts):
↑ at ≥ +0.3, ↓ at ≤ −0.3, → between, · when growth could not be computed.
Change: against the previous scan (the latest scan with scores started before this one):
"new" (not ranked there), ▲n / ▼n (rank change), "=" (same rank), plus "mid→near" when the horizon moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flows.present import labels as L
from warehouse import views

TREND_UP, TREND_DOWN = 0.3, -0.3
HORIZON_FILTERS = ("near", "mid", "far")


def trend_arrow(growth: float | None) -> str:
    """↑ / → / ↓ from the growth indicator's value, · when it was not computable."""
    if growth is None:
        return "·"
    if growth >= TREND_UP:
        return "↑"
    if growth <= TREND_DOWN:
        return "↓"
    return "→"


def _override_text(row: dict[str, Any]) -> str:
    parts = []
    for field, zh in (("horizon", "时间窗"), ("strategic", "战略性")):
        value = row.get(f"override_{field}")
        if value:
            shown = L.bi(L.HORIZONS, value) if field == "horizon" else L.bi(L.CALLS, value)
            parts.append(f"{zh} {field}: {shown} ({row.get(f'override_{field}_by')})")
    return "; ".join(parts)


def _change(row: dict[str, Any], prev: dict[str, Any] | None, has_previous: bool) -> tuple[str, int | None]:
    if not has_previous:
        return "", None
    parts: list[str] = []
    delta: int | None = None
    if row["rank"] is not None:
        if prev is None or prev["rank"] is None:
            parts.append("new 新")
        else:
            delta = prev["rank"] - row["rank"]
            parts.append(f"▲{delta}" if delta > 0 else f"▼{-delta}" if delta < 0 else "=")
    elif prev is not None and prev["rank"] is not None:
        parts.append(f"unranked 未排名 (was #{prev['rank']})")
    if prev is not None and prev["horizon"] != row["horizon"]:
        parts.append(f"{_short_horizon(prev['horizon'])}→{_short_horizon(row['horizon'])}")
    return " ".join(parts), delta


def _short_horizon(h: str | None) -> str:
    return "insufficient" if h == L.INSUFFICIENT else (h or "?")


def enrich(rows: Sequence[dict[str, Any]], previous: Sequence[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Add labels, trend, previous rank and change text to ranked_scores rows (previous=None: first scan)."""
    before = {r["tech_id"]: r for r in previous or ()}
    out = []
    for r in rows:
        prev = before.get(r["tech_id"])
        change, delta = _change(r, prev, previous is not None)
        reasons = r.get("reasons") or {}
        insufficient_why = [
            f"{L.bi(L.CRITERIA, k)}: {(reasons.get(k) or [''])[0]}"
            for k, label in (("strategic", r["strategic_label"]), ("disruptive", r["disruptive_label"]))
            if label == L.INSUFFICIENT
        ]
        out.append({
            **r,
            "name": L.tech_name(r),
            "direction_label": L.direction_label(r["direction"]),
            "direction_zh": L.direction_zh(r["direction"]),
            "horizon_zh": L.zh(L.HORIZONS, r["horizon"]),
            "horizon_label": L.horizon_label(r["horizon"], r.get("horizon_leaning")),
            "trend": trend_arrow(r.get("growth")),
            "prev_rank": prev["rank"] if prev else None,
            "prev_horizon": prev["horizon"] if prev else None,
            "rank_change": delta,
            "change": change,
            "override": _override_text(r),
            "insufficient_why": "; ".join(insufficient_why),
        })
    return out


def build_watchlist(
    con: Any,
    scan: str = "latest",
    *,
    horizon: str | None = None,
    direction: str | None = None,
    top: int | None = None,
) -> dict[str, Any]:
    """The watchlist of a scan: {'scan', 'previous', 'items' (ranked), 'insufficient', 'filters'}.

    Filters hide rows but never renumber them: rank 3 is rank 3 of the whole scan.
    """
    info = views.resolve_scan(con, scan)
    prev_info = views.previous_scan(con, info["scan_id"])
    rows = views.ranked_scores(con, info["scan_id"])
    prev_rows = views.ranked_scores(con, prev_info["scan_id"]) if prev_info else None
    items = enrich(rows, prev_rows)
    direction_id = None
    if direction:
        direction_id = L.direction_id(direction)
        if direction_id is None:
            raise ValueError(f"unknown direction {direction!r}; use one of: " + ", ".join(
                f"{d.removeprefix('future_')} ({L.direction_zh(d)})" for d in L.DIRECTION_IDS))
    if horizon is not None and horizon not in HORIZON_FILTERS:
        raise ValueError(f"unknown horizon {horizon!r}; use near, mid or far")

    def keep(r: dict[str, Any], *, leaning: bool) -> bool:
        if direction_id and L.direction_id(r["direction"]) != direction_id:
            return False
        if horizon:
            return r["horizon"] == horizon or (leaning and r.get("horizon_leaning") == horizon)
        return True

    ranked = [r for r in items if r["rank"] is not None and keep(r, leaning=False)]
    if top is not None:
        ranked = ranked[: max(top, 0)]
    insufficient = [r for r in items if r["rank"] is None and keep(r, leaning=True)]
    return {
        "scan": info,
        "previous": prev_info,
        "items": ranked,
        "insufficient": insufficient,
        "filters": {"horizon": horizon, "direction": direction_id, "top": top},
    }


# Columns for machine formats (CSV, JSON, XLSX): stable English keys, Chinese labels beside.
RECORD_KEYS = (
    "rank", "tech_id", "name_zh", "name_en", "direction", "direction_zh", "priority", "strategic", "strategic_label",
    "disruptive", "disruptive_label", "horizon", "horizon_zh", "horizon_confidence", "horizon_leaning", "trl_band",
    "trend", "growth", "evidence_count", "recent_evidence", "prev_rank", "rank_change", "change",
    "override_horizon", "override_horizon_by", "override_strategic", "override_strategic_by",
)
INSUFFICIENT_KEYS = (
    "tech_id", "name_zh", "name_en", "direction", "direction_zh", "strategic", "strategic_label", "disruptive",
    "disruptive_label", "horizon", "horizon_leaning", "evidence_count", "recent_evidence", "insufficient_why", "change",
)


def records(rows: Sequence[dict[str, Any]], keys: Sequence[str] = RECORD_KEYS) -> list[dict[str, Any]]:
    """Flat records with the given keys (rounded scores), for CSV / JSON / XLSX."""
    out = []
    for r in rows:
        rec = {}
        for k in keys:
            v = r.get(k)
            rec[k] = round(v, 4) if isinstance(v, float) else v
        out.append(rec)
    return out


def display_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """Rows for reading (terminal table, Markdown): bilingual headers, formatted numbers."""
    out = []
    for r in rows:
        conf = f" ({r['horizon_confidence']:.0%})" if r.get("horizon_confidence") is not None else ""
        out.append({
            "#": str(r["rank"]),
            "技术 Technology": r["name"],
            "方向 Direction": r["direction_label"],
            "优先级 Priority": L.fmt_score(r["priority"]),
            "战略性 Strategic": f"{L.fmt_score(r['strategic'])} {L.zh(L.CALLS, r['strategic_label'])}",
            "颠覆性 Disruptive": f"{L.fmt_score(r['disruptive'])} {L.zh(L.CALLS, r['disruptive_label'])}",
            "时间窗 Horizon": r["horizon_label"] + conf,
            "TRL": r.get("trl_band") or "—",
            "趋势 Trend": r["trend"],
            "证据 Evidence": f"{r['evidence_count']} ({r['recent_evidence']} recent)",
            "变化 Change": r["change"] or "—",
            "专家判定 Override": r["override"] or "",
        })
    return out


def compact_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """Narrow rows for a terminal table: Chinese labels with short English headers (legend printed below)."""
    out = []
    for r in rows:
        h = r["horizon"]
        horizon = L.zh(L.HORIZONS, h) + (f" {r['horizon_confidence']:.0%}" if r.get("horizon_confidence") is not None else "")
        if h == L.INSUFFICIENT and r.get("horizon_leaning"):
            horizon = f"证据不足 (→{L.zh(L.HORIZONS, r['horizon_leaning'])})"
        override = " ".join(x for x in (
            f"时间窗:{L.zh(L.HORIZONS, r['override_horizon'])}" if r.get("override_horizon") else "",
            f"战略性:{L.zh(L.CALLS, r['override_strategic'])}" if r.get("override_strategic") else "",
        ) if x)
        out.append({
            "#": str(r["rank"]),
            "技术 Technology": f"{r['name_zh']}\n{r['name_en']}" if r["name_zh"] else r["name_en"],
            "方向 Dir.": r["direction_zh"] or r["direction"],
            "优先 P": L.fmt_score(r["priority"]),
            "战略 S": L.fmt_score(r["strategic"]),
            "颠覆 D": L.fmt_score(r["disruptive"]),
            "时间窗 Horizon": horizon,
            "TRL": (r.get("trl_band") or "—").removeprefix("TRL "),
            "趋势": r["trend"],
            "证据 n": str(r["evidence_count"]),
            "变化 Δ": r["change"] or "—",
            "专家判定": override,
        })
    return out


COMPACT_LEGEND = (
    "P 优先级 priority = (S + D) / 2 · S 战略性 strategic · D 颠覆性 disruptive · 时间窗 horizon 近期 near / 中期 mid / "
    "远期 far (confidence) · 趋势 trend ↑→↓ from growth · n evidence documents · Δ change vs previous scan · "
    "专家判定 consultant override (beside the computed call)"
)


def display_insufficient(rows: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """The unranked technologies for reading, with why they could not be ranked."""
    return [
        {
            "技术 Technology": r["name"],
            "方向 Direction": r["direction_label"],
            "战略性 Strategic": f"{L.fmt_score(r['strategic'])} {L.zh(L.CALLS, r['strategic_label'])}",
            "颠覆性 Disruptive": f"{L.fmt_score(r['disruptive'])} {L.zh(L.CALLS, r['disruptive_label'])}",
            "时间窗 Horizon": r["horizon_label"],
            "证据 Evidence": str(r["evidence_count"]),
            "原因 Why": r["insufficient_why"],
        }
        for r in rows
    ]
