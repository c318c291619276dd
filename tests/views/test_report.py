"""The scan report: content, escaping, offline, radar geometry, and the publish-time exports."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flows.present import radar
from flows.present.report import write_scan_exports, write_scan_report
from tests.views import scenario
from tests.views.helpers import run
from tests.views.test_exports import sheet_cells


def _report(con: Any, tmp_path: Path) -> str:
    path = write_scan_report(con, "latest", tmp_path)
    assert path == tmp_path / "report-2026-W47.html"
    return path.read_text(encoding="utf-8")


def test_report_sections_and_content(con: Any, tmp_path: Path) -> None:
    html = _report(con, tmp_path)
    for text in ("未来产业动态甄别", "Future-industry dynamic screening", "扫描 Scan <b>2026-W47</b>", "上次扫描 previous 2026-W46",
                 'id="radar"', "<svg", 'id="watchlist"', 'data-tech="brain_computer_interface"', "近期 near", "远期 far",
                 "中期 mid", "未来健康", "未来制造", "未来信息", "未来材料", "未来能源", "未来空间",
                 "证据不足，未排名 Insufficient evidence", "本期变化 Movers", "上升 rose", "证据卡片 Evidence cards",
                 'id="card-quantum_computing"', 'class="spark"', "https://news.example/bci", "排名规则 Rank rule"):
        assert text in html, text
    rows = re.findall(r'<tr data-horizon="([^"]+)" data-direction="([^"]+)" data-tech="([^"]+)">', html)
    assert [r[2] for r in rows][:3] == ["brain_computer_interface", "quantum_computing", "silicon_photonics"]
    assert ("near", "future_health", "brain_computer_interface") in rows


def test_report_escapes_crawled_text_and_works_offline(con: Any, tmp_path: Path) -> None:
    html = _report(con, tmp_path)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Quantum error correction" in html
    assert "<script>alert(1)" not in html
    assert len(re.findall(r"<script", html)) == 1  # only the report's own filter script
    assert "javascript:" not in html
    assert "<link" not in html and " src=" not in html and "@import" not in html and "url(" not in html
    csp = re.search(r'Content-Security-Policy" content="([^"]+)"', html)
    assert csp and "default-src 'none'" in csp.group(1) and "'sha256-" in csp.group(1)


def test_report_script_matches_its_csp_hash(con: Any, tmp_path: Path) -> None:
    import base64
    import hashlib

    html = _report(con, tmp_path)
    script = re.search(r"<script>(.*?)</script>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in html


def test_radar_marks_new_and_moved_and_lists_unplaced(con: Any, tmp_path: Path) -> None:
    html = _report(con, tmp_path)
    svg = html[html.index("<svg"): html.index("</svg>")]
    dots = re.findall(r'<g class="dot" data-tech="([^"]+)">', svg)
    assert set(dots) == {"brain_computer_interface", "quantum_computing", "silicon_photonics", "commercial_space",
                         "cell_gene_therapy", "controlled_fusion"}
    # insufficient horizons that lean somewhere: hollow, marked "?", never drawn as a call
    assert set(re.findall(r'<g class="dot leaning" data-tech="([^"]+)">', svg)) == {"superconducting_materials", "embodied_ai"}
    assert "超导材料?" in svg
    assert "新进入 new" in svg and "时间窗变化 horizon changed" in svg and "▲2" in svg
    unplaced = html[html.index('id="unplaced"'):].split("</ul>")[0]
    assert "固态电池" in unplaced and "超导材料" not in unplaced


def test_radar_geometry() -> None:
    items = [
        {"tech_id": "a", "direction": "future_health", "horizon": "near", "strategic": 0.9, "disruptive": 0.9, "rank": 1},
        {"tech_id": "b", "direction": "future_health", "horizon": "far", "strategic": 0.1, "disruptive": None, "rank": 2},
        {"tech_id": "c", "direction": "future_information", "horizon": "mid", "strategic": None, "disruptive": 0.0,
         "change": "new 新", "rank_change": None},
        {"tech_id": "d", "direction": "", "horizon": "mid"},
        {"tech_id": "e", "direction": "future_space", "horizon": "insufficient evidence"},
        {"tech_id": "f", "direction": "future_space", "horizon": "insufficient evidence", "horizon_leaning": "far"},
    ]
    dots, unplaced = radar.layout(items)
    by = {d["tech_id"]: d for d in dots}
    assert [u["tech_id"] for u in unplaced] == ["d", "e"]

    def polar(d: dict[str, Any]) -> tuple[float, float]:
        import math

        dx, dy = d["x"] - radar.CX, d["y"] - radar.CENTRE
        return math.hypot(dx, dy), math.degrees(math.atan2(dy, dx))

    assert by["f"]["leaning"] and by["f"]["label"].endswith("?") and not by["a"]["leaning"]
    for tid, ring in (("a", "near"), ("b", "far"), ("c", "mid"), ("f", "far")):
        r, _ = polar(by[tid])
        assert radar.RING_RADII[ring][0] < r < radar.RING_RADII[ring][1], tid
    health = radar.L.DIRECTION_IDS.index("future_health")
    _, angle = polar(by["a"])
    start = -90 + 60 * health
    assert start <= (angle - start) % 360 + start <= start + 60
    assert by["a"]["r"] > by["b"]["r"]  # size = strategic
    assert by["b"]["fill"] == radar.GREY and by["a"]["fill"] != by["c"]["fill"]  # colour = disruptive
    assert by["c"]["new"] and not by["a"]["new"]
    assert radar.colour(0.0) == radar.PALETTE[0] and radar.colour(1.0) == radar.PALETTE[-1]


def test_report_command_writes_into_the_reports_folder(scored_home: Path, tmp_path: Path) -> None:
    out, _ = run("report")
    path = scored_home / "reports" / "report-2026-W47.html"
    assert str(path) in out.replace("\n", "") and path.exists()
    target = tmp_path / "r" / "w46.html"
    run("report", "--scan", scenario.S1, "--output", str(target))
    html = target.read_text(encoding="utf-8")
    assert "扫描 Scan <b>2026-W46</b>" in html and "首次扫描" in html  # first scan: nothing to compare


def test_exports_have_a_sheet_per_view_and_inert_formulas(con: Any, tmp_path: Path) -> None:
    paths = write_scan_exports(con, scenario.S2, tmp_path)
    assert {p.suffix for p in paths} == {".xlsx", ".csv", ".json", ".md"} and all(p.exists() for p in paths)
    cells = sheet_cells(tmp_path / "report-2026-W47.xlsx")
    assert list(cells) == ["watchlist", "insufficient evidence", "movers", "evidence"]
    assert "'" + scenario.FORMULA_NAME in cells["movers"] and scenario.FORMULA_NAME not in cells["movers"]
    assert scenario.XSS_TITLE in cells["evidence"]
    movers_csv = (tmp_path / "report-2026-W47-movers.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in movers_csv
