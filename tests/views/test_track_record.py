"""The forecast ledger's record (预测记录) in `futurescan assess` and the scan report."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows.present import assessment as asm
from flows.present import track_record as tr
from flows.present.report import render_assessment_html, render_scan_report
from tests.views import scenario
from tests.views.conftest import open_read_only
from tests.views.helpers import run

NOTHING_YET = "no forecasts resolved yet — first resolutions due on 2027-11-09"  # W46's stays-listed calls, as_of + 12 months
QC_LINE = "已判定 3 resolved · 命中率 hit rate 33% · Brier 0.380 (参照 reference 0.000) · 待判定 4 open · 无法判定 1 void"


@pytest.fixture
def resolved_con(_resolved_db: Path) -> Iterator[Any]:
    c = open_read_only(_resolved_db)
    yield c
    c.close()


@pytest.fixture
def frozen_con(_frozen_db: Path) -> Iterator[Any]:
    c = open_read_only(_frozen_db)
    yield c
    c.close()


def _section(html: str, marker: str = '<section id="track-record"') -> str:
    start = html.index(marker)
    return html[start: html.index("</section>", start)]


# ───────────────────────────── the assessment ─────────────────────────────


def test_assess_markdown_carries_the_technology_and_overall_record(resolved_home: Path) -> None:
    md = run("assess", "量子计算", "--format", "md")[0]
    sec = md[md.index("## 预测记录 Forecast track record"):]
    sec = sec[: sec.index("\n## ", 5)]
    for text in (
        f"**本技术 This technology** ({tr.LIVE}): {QC_LINE}",
        "### 待判定的预测 Open forecasts (4)",
        # newest scan first; probability as a percentage; the date it resolves on
        "| Quantum computing: still in the watchlist's top 10 at the last scan before 2027-11-16 / "
        "量子计算：2027-11-16前最后一次扫描时仍在观察清单前10名 | 98% | 2027-11-16 | 2026-W47 |",
        "### 最近判定 Recently resolved",
        "| 90% | 已发生 happened | 2026-11-16 |", "| 70% | 未发生 did not happen | 2026-11-16 |",
        "| 20% | 已发生 happened | 2026-03-01 |",
        "| 30% | 无法判定 void (no scan near the date to judge the horizon by) | 2026-11-16 |",
        "| 仍在重点关注清单 stays on the watchlist | 3 | 1 | 100% | 0.010 | 0.000 |",
        "| 12个月证据占比增长≥8% evidence share grows ≥8% over 12 months | 1 | 1 | 0% | 0.490 | 0.000 |",
        # all technologies: the three hand-built calls plus BCI's horizon shift (p = 0.385, happened)
        "**全部技术 All technologies**: 已判定 4 resolved · 命中率 hit rate 25% · Brier 0.380",
    ):
        assert text in sec, text
    assert r"Quantum computing \<script\>alert(3)\</script\>" in sec and "<script>" not in sec
    assert "回放 Replay" not in sec  # the live record has resolved calls: no replay beside it
    # the record sits right after the calls
    assert md.index("## 判定 Calls") < md.index("## 预测记录") < md.index("## 战略性 Strategic")


def test_assess_json_matches_the_ledger_summary(resolved_home: Path, resolved_con: Any) -> None:
    from scoring.ledger import ledger_summary

    data = json.loads(run("assess", "quantum computing", "--format", "json")[0])
    rec = data["track_record"]["technology"]
    live = rec["live"]
    assert (live["forecasts"], live["resolved"], live["void"], live["pending"]) == (8, 3, 1, 4)
    assert live["brier"] == 0.38 and live["hit_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert (live["hits"], live["false_alarms"], live["misses"]) == (1, 1, 1)
    assert live["first_due"] == "2027-11-09" and live["resolved_through"] == "2026-11-16"
    assert rec["replay"] is None and rec["open_total"] == 4
    assert [(f["scan_id"], f["type"], f["resolves_on"]) for f in rec["open"]][:2] == [
        (scenario.S2, "stays_listed", "2027-11-16"), (scenario.S2, "horizon_shift", "2028-11-16")]
    assert [(f["probability"], f["outcome"], f["resolved_as_of"]) for f in rec["recent"]] == [
        (0.9, 1, "2026-11-16"), (0.3, None, "2026-11-16"), (0.7, 0, "2026-11-16"), (0.2, 1, "2026-03-01")]
    overall = data["track_record"]["overall"]["live"]
    # the same figures as scoring.ledger.forecasts.ledger_summary (and so `futurescan ledger`)
    for mine, theirs in ((live, ledger_summary(resolved_con, "quantum_computing")), (overall, ledger_summary(resolved_con))):
        for key in ("forecasts", "resolved", "void", "pending", "brier", "brier_climatology", "hit_rate", "threat_score"):
            assert mine[key] == theirs[key], key
    assert overall["resolved"] == 4 and overall["brier"] == pytest.approx(
        ((0.1**2 + 0.8**2 + 0.7**2) + (1 - 0.385121) ** 2) / 4, abs=1e-4)


def test_assess_table_and_html_show_the_record(resolved_home: Path, tmp_path: Path) -> None:
    out, _ = run("assess", "量子计算")
    assert "Forecast track record" in out and "hit rate 33%" in out
    path = tmp_path / "qc.html"
    run("assess", "量子计算", "--format", "html", "--output", str(path))
    sec = _section(path.read_text(encoding="utf-8"))
    assert QC_LINE in sec and 'id="record-open"' in sec and 'id="record-recent"' in sec
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in sec and "<script>" not in sec
    assert '<span class="badge outcome-0">未发生 did not happen</span>' in sec
    assert "全部技术 All technologies:</b> 已判定 4 resolved · 命中率 hit rate 25%" in sec


def test_assess_says_plainly_when_nothing_is_resolved_and_shows_the_replay_beside(frozen_home: Path) -> None:
    md = run("assess", "量子计算", "--format", "md")[0]
    sec = md[md.index("## 预测记录"):]
    assert NOTHING_YET in sec and "尚无已判定的预测，首批于2027-11-09到期" in sec
    # the replayed scan's record, labelled as such: first-policy p = 0.095 happened; stays-listed void
    assert f"**{tr.REPLAY}**: 已判定 1 resolved · 命中率 hit rate 0% · Brier 0.819 (参照 reference 0.000) · 待判定 1 open · 无法判定 1 void" in sec
    data = json.loads(run("assess", "量子计算", "--format", "json")[0])["track_record"]
    assert data["technology"]["live"]["resolved"] == 0 and data["technology"]["replay"]["resolved"] == 1
    assert "回放 replay (backtest, not live): 1 resolved 已判定 · 命中率 hit rate 0% · Brier 0.819" in data["overall"]["line"]
    # a technology the replay never forecast gets no replay line
    bci = run("assess", "BCI", "--format", "md")[0]
    assert NOTHING_YET in bci and tr.REPLAY not in bci


# ───────────────────────────── the scan report ─────────────────────────────


def test_report_shows_the_overall_record_and_a_line_per_card(resolved_con: Any) -> None:
    html = render_scan_report(resolved_con, "latest")
    sec = _section(html)
    assert "预测记录 Forecast track record" in sec and "结果截至 outcomes known through 2026-11-16" in sec
    assert "已判定 4 resolved · 命中率 hit rate 25% · Brier 0.380 (参照 reference 0.000) · 待判定 29 open · 无法判定 1 void" in sec
    assert "<b>25%</b><span>命中率 hit rate (4 已判定 resolved)</span>" in sec
    assert "最早到期 next due 2027-11-09" in sec
    rows = dict(re.findall(r'<tr data-type="([a-z_0-9]+)"><td>[^<]*</td>((?:<td class="num">[^<]*</td>\s*)+)</tr>', sec))
    cells = {k: re.findall(r'<td class="num">([^<]*)</td>', v) for k, v in rows.items()}
    # forecasts, resolved, open, void, hit rate, Brier, reference
    assert cells["horizon_shift"] == ["9", "1", "7", "1", "0%", "0.378", "0.000"]
    assert cells["stays_listed"] == ["14", "1", "13", "0", "100%", "0.010", "0.000"]
    assert cells["growth_12m"] == ["1", "1", "0", "0", "0%", "0.490", "0.000"]
    # calibration: one bin per resolved probability (0.2, 0.385, 0.7, 0.9), drawn and tabled
    assert sec.count("<circle") == 4 and 'class="reliability"' in sec
    for b in ("0.2–0.3", "0.3–0.4", "0.7–0.8", "0.9–1.0"):
        assert f"<tr><td>{b}</td>" in sec, b
    assert 'id="record-replay"' not in sec
    cards = dict(re.findall(r'<div class="small record" data-tech="([^"]+)"><b>预测记录 Track record:</b> ([^<]*)</div>', html))
    assert cards["quantum_computing"] == "3 resolved 已判定 · 命中率 hit rate 33% · Brier 0.380"
    assert cards["brain_computer_interface"] == "1 resolved 已判定 · 命中率 hit rate 0% · Brier 0.378"
    assert cards["silicon_photonics"].startswith("尚无已判定的预测") and NOTHING_YET in cards["silicon_photonics"]
    assert "none frozen yet" in cards["cand_solid_state_battery"]  # never ranked: never forecast


def test_report_with_nothing_resolved_shows_the_replay_labelled(frozen_con: Any) -> None:
    html = render_scan_report(frozen_con, "latest")
    sec = _section(html)
    live = sec[sec.index('id="record-live"'): sec.index('id="record-replay"')]
    assert NOTHING_YET in live and "<circle" not in live
    replay = sec[sec.index('id="record-replay"'):]
    assert tr.REPLAY in replay and "<b>0.819</b>" in replay and "<tr><td>0.0–0.1</td>" in replay
    cards = dict(re.findall(r'<div class="small record" data-tech="([^"]+)"><b>预测记录 Track record:</b> ([^<]*)</div>', html))
    assert cards["quantum_computing"].endswith("‖ 回放 replay (backtest): 1 resolved 已判定 · 命中率 hit rate 0% · Brier 0.819")
    assert "回放" not in cards["brain_computer_interface"]


def test_empty_ledger_says_nothing_is_resolved_yet(scored_home: Path, con: Any) -> None:
    html = render_scan_report(con, "latest")
    assert "no forecasts resolved yet" in _section(html)
    md = run("assess", "BCI", "--format", "md")[0]
    assert "## 预测记录 Forecast track record" in md and "no forecasts resolved yet — none frozen yet" in md


def test_an_old_warehouse_without_ledger_tables_still_renders(no_ledger_home: Path, _no_ledger_db: Path, tmp_path: Path) -> None:
    c = open_read_only(_no_ledger_db)
    try:
        html = render_scan_report(c, "latest")
        a = asm.build_assessment(c, "quantum_computing")
    finally:
        c.close()
    assert "This warehouse has no forecast ledger yet" in _section(html)
    assert 'class="small record"' not in html
    assert a["track_record"]["technology"]["available"] is False
    assert "This warehouse has no forecast ledger yet" in asm.to_markdown(a)
    assert "This warehouse has no forecast ledger yet" in _section(render_assessment_html(a))
    md = run("assess", "量子计算", "--format", "md")[0]
    assert "This warehouse has no forecast ledger yet" in md
    run("report", "--output", str(tmp_path / "r.html"))


def test_calibration_chart_geometry() -> None:
    chart = tr.calibration_chart([
        {"bin": "0.0–0.1", "forecasts": 4, "mean_probability": 0.0, "observed_frequency": 0.0},
        {"bin": "0.9–1.0", "forecasts": 1, "mean_probability": 1.0, "observed_frequency": 0.5},
    ])
    low, high = chart["dots"]
    assert (low["x"], low["y"]) == (chart["x0"], chart["y0"])  # (0, 0) at the bottom left
    assert high["x"] == chart["x1"] and high["y"] == (chart["y0"] + chart["y1"]) / 2
    assert low["r"] > high["r"]  # area grows with the number of forecasts
    assert tr.calibration_chart([])["dots"] == []
