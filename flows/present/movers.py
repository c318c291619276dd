"""Movers between two scans: entered, left, rose, fell, horizon changed, and new candidates discovered."""

# The baseline is the previous scan (the latest scan with scores started before this one) unless `since`
# names one. "Entered" and "left" are about the ranked watchlist (flows/present/watchlist.py): a technology
# that became "insufficient evidence" leaves it. Rose / fell need a rank change of at least `threshold`
# places, so one-place shuffles among close scores are not news.

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flows.present import labels as L
from flows.present.watchlist import enrich
from warehouse import views

DEFAULT_THRESHOLD = 2
MOVE_ORDER = ("entered", "left", "rose", "fell", "horizon_changed", "new_candidate")


def _row(move: str, r: dict[str, Any], before: str, after: str, detail: str) -> dict[str, Any]:
    return {
        "move": move,
        "move_label": L.bi(L.MOVES, move),
        "tech_id": r["tech_id"],
        "name_zh": r.get("name_zh") or "",
        "name_en": r.get("name_en") or r["tech_id"],
        "name": L.tech_name(r),
        "direction": L.direction_label(r.get("direction")),
        "before": before,
        "after": after,
        "detail": detail,
    }


def _rank(r: dict[str, Any] | None) -> str:
    if r is None:
        return "not scored 未评分"
    if r["rank"] is None:
        return "unranked 未排名"
    return f"#{r['rank']}"


def build_movers(
    con: Any, scan: str = "latest", *, since: str | None = None, threshold: int = DEFAULT_THRESHOLD
) -> dict[str, Any]:
    """{'scan', 'baseline', 'moves': [rows in MOVE_ORDER], 'counts': {move: n}, 'threshold'}."""
    info = views.resolve_scan(con, scan)
    base = views.resolve_scan(con, since) if since else views.previous_scan(con, info["scan_id"])
    if base is not None and base["scan_id"] == info["scan_id"]:
        raise ValueError(f"--since {since} is the scan being compared; name an earlier scan")
    current = {r["tech_id"]: r for r in enrich(views.ranked_scores(con, info["scan_id"]), None)}
    before = {r["tech_id"]: r for r in views.ranked_scores(con, base["scan_id"])} if base else {}
    moves: list[dict[str, Any]] = []
    if base is not None:
        for tid, r in current.items():
            p = before.get(tid)
            if r["rank"] is not None and (p is None or p["rank"] is None):
                moves.append(_row("entered", r, _rank(p), _rank(r), f"priority {L.fmt_score(r['priority'])}"))
            elif r["rank"] is not None and p is not None and p["rank"] is not None:
                delta = p["rank"] - r["rank"]
                if abs(delta) >= threshold:
                    move = "rose" if delta > 0 else "fell"
                    moves.append(_row(move, r, _rank(p), _rank(r),
                                      f"{'+' if delta > 0 else '−'}{abs(delta)} places; priority "
                                      f"{L.fmt_score(p['priority'])} → {L.fmt_score(r['priority'])}"))
        for tid, p in before.items():
            r = current.get(tid)
            if p["rank"] is not None and (r is None or r["rank"] is None):
                why = "not scored in this scan" if r is None else (r["insufficient_why"] or "no priority")
                moves.append(_row("left", {**p, **(r or {})}, _rank(p), _rank(r), why))
        for tid, r in current.items():
            p = before.get(tid)
            if p is not None and p["horizon"] != r["horizon"]:
                conf = f" (confidence {r['horizon_confidence']:.0%})" if r.get("horizon_confidence") is not None else ""
                moves.append(_row("horizon_changed", r, L.horizon_label(p["horizon"], p.get("horizon_leaning")),
                                  L.horizon_label(r["horizon"], r.get("horizon_leaning")) + conf, r.get("trl_band") or ""))
    since_at = base["started_at"] if base else None
    until_at = info["finished_at"] if info["scan_id"] != views.resolve_scan(con)["scan_id"] else None
    for c in views.new_candidates(con, since_at, until_at):
        moves.append(_row("new_candidate", c, "", L.bi(L.STATUSES, "candidate"),
                          f"{c['evidence_count']} linked documents; discovered {str(c['created_at'])[:10]}"
                          + (f" from topic {c['topic_id']}" if c.get("topic_id") else "")))
    order = {m: i for i, m in enumerate(MOVE_ORDER)}
    moves.sort(key=lambda m: order[m["move"]])
    counts = {m: sum(1 for x in moves if x["move"] == m) for m in MOVE_ORDER}
    return {"scan": info, "baseline": base, "moves": moves, "counts": counts, "threshold": threshold}


RECORD_KEYS = ("move", "tech_id", "name_zh", "name_en", "direction", "before", "after", "detail")


def display_rows(moves: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """Movers for reading: bilingual headers."""
    return [
        {
            "变化 Move": m["move_label"],
            "技术 Technology": m["name"],
            "方向 Direction": m["direction"],
            "之前 Before": m["before"],
            "现在 Now": m["after"],
            "说明 Detail": m["detail"],
        }
        for m in moves
    ]
