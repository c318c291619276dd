"""The technology radar as inline SVG: rings = horizon (near inside), sectors = the six future directions."""

# Encoding: dot area grows with the strategic score; colour runs from pale (low) to deep red (high
# disruptive score), grey when a score could not be computed; a green halo marks technologies new to the
# watchlist, ▲/▼ a rank move of at least the movers threshold, a dashed outline a horizon that changed.
# A technology whose horizon is "insufficient evidence" but whose thin evidence leans to a band is drawn
# as a hollow grey ring in that band, labelled "?": where the evidence points, visibly not a call.
# Technologies with neither a horizon nor a leaning, or without a known direction, are listed beside.

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from flows.present import labels as L
from flows.present.templating import environment

SIZE = 760
WIDTH = 940  # room beside the rings for the left and right sector labels
CENTRE = SIZE / 2
CX = WIDTH / 2
RING_RADII = {"near": (0.0, 120.0), "mid": (120.0, 225.0), "far": (225.0, 320.0)}
# Sequential palette for the disruptive score (ColorBrewer OrRd, 0 → 1).
PALETTE = ("#fef0d9", "#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000")
GREY = "#bdbdbd"


def colour(score: float | None) -> str:
    """Hex colour for a 0..1 disruptive score (grey when unknown), interpolated along PALETTE."""
    if score is None:
        return GREY
    x = min(max(score, 0.0), 1.0) * (len(PALETTE) - 1)
    i = min(int(x), len(PALETTE) - 2)
    f = x - i
    a, b = PALETTE[i], PALETTE[i + 1]
    rgb = [round(int(a[k:k + 2], 16) * (1 - f) + int(b[k:k + 2], 16) * f) for k in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def radius(strategic: float | None) -> float:
    """Dot radius: area proportional to the strategic score (a small floor keeps weak ones visible)."""
    s = 0.15 if strategic is None else max(strategic, 0.0)
    return round(5.0 + 13.0 * math.sqrt(min(s, 1.0)), 2)


def _sector(index: int) -> tuple[float, float]:
    start = -90.0 + 60.0 * index
    return start, start + 60.0


def _point(angle_deg: float, r: float) -> tuple[float, float]:
    a = math.radians(angle_deg)
    return round(CX + r * math.cos(a), 1), round(CENTRE + r * math.sin(a), 1)


def layout(items: Sequence[dict[str, Any]], threshold: int = 2) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(placed dots with x, y, r, fill, marks; items that cannot be placed), deterministic for the same input."""
    cells: dict[tuple[int, str], list[dict[str, Any]]] = {}
    unplaced = []
    for it in items:
        d = L.direction_id(it.get("direction"))
        h = it.get("horizon")
        if h not in RING_RADII and it.get("horizon_leaning") in RING_RADII:
            h = it["horizon_leaning"]
        if d is None or h not in RING_RADII:
            unplaced.append(it)
            continue
        cells.setdefault((L.DIRECTION_IDS.index(d), h), []).append(it)
    dots = []
    for (sector, ring), members in sorted(cells.items()):
        members = sorted(members, key=lambda m: (m.get("rank") is None, m.get("rank") or 0, m["tech_id"]))
        a0, a1 = _sector(sector)
        inner, outer = RING_RADII[ring]
        band = outer - inner
        n = len(members)
        for i, m in enumerate(members):
            angle = a0 + (a1 - a0) * (i + 1) / (n + 1)
            # Stagger depth inside the ring so neighbours in a crowded cell do not overlap; the innermost
            # ring keeps clear of the centre, where all six sectors meet.
            depths = (0.5,) if n <= 2 else (0.3, 0.7) if n <= 4 else (0.22, 0.5, 0.78)
            lo = inner if inner > 0 else band * 0.3
            r_pos = lo + (outer - lo) * depths[i % len(depths)]
            x, y = _point(angle, r_pos)
            delta = m.get("rank_change")
            prev_h = m.get("prev_horizon")
            leaning = m.get("horizon") not in RING_RADII
            dots.append({
                "tech_id": m["tech_id"],
                "x": x,
                "y": y,
                "r": radius(m.get("strategic")),
                "fill": "#ffffff" if leaning else colour(m.get("disruptive")),
                "leaning": leaning,
                "dark": not leaning and (m.get("disruptive") or 0) >= 0.6,
                "rank": m.get("rank"),
                "label": (m.get("name_zh") or m.get("name_en") or m["tech_id"]) + ("?" if leaning else ""),
                "title": f"{L.tech_name(m)} — 战略性 strategic {L.fmt_score(m.get('strategic'))}, "
                         f"颠覆性 disruptive {L.fmt_score(m.get('disruptive'))}, {L.horizon_label(m.get('horizon'), m.get('horizon_leaning'))}",
                "new": m.get("change", "").startswith("new"),
                "moved": delta if delta is not None and abs(delta) >= threshold else None,
                "horizon_moved": prev_h is not None and prev_h != m.get("horizon"),
                "label_anchor": "start" if x >= CX else "end",
            })
    return dots, unplaced


def radar_svg(items: Sequence[dict[str, Any]], threshold: int = 2) -> tuple[Markup, list[dict[str, Any]]]:
    """(inline SVG markup, unplaced items) for watchlist rows (see flows/present/watchlist.enrich)."""
    dots, unplaced = layout(items, threshold)
    sectors = []
    for i, d in enumerate(L.DIRECTION_IDS):
        a0, a1 = _sector(i)
        mid = (a0 + a1) / 2
        lx, ly = _point(mid, RING_RADII["far"][1] + 26)
        en_name, zh_name = L.DIRECTIONS[d]
        sectors.append({
            "line": _point(a0, RING_RADII["far"][1]),
            "label_x": lx,
            "label_y": ly,
            "zh": zh_name,
            "en": en_name,
            "anchor": "middle" if abs(lx - CX) < 40 else ("start" if lx > CX else "end"),
        })
    rings = [
        {"key": h, "r": RING_RADII[h][1], "label": L.bi(L.HORIZONS, h), "label_y": round(CENTRE - RING_RADII[h][1] + 14, 1)}
        for h in ("far", "mid", "near")
    ]
    svg = environment().get_template("radar.svg.j2").render(
        size=SIZE, width=WIDTH, cx=CX, centre=CENTRE, rings=rings, sectors=sectors, dots=dots, palette=PALETTE, grey=GREY,
    )
    return Markup(svg), unplaced
