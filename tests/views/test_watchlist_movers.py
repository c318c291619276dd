"""`futurescan watchlist` and `futurescan movers` on the two-scan warehouse."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.views import scenario
from tests.views.helpers import run


def test_watchlist_table_ranks_with_both_scores_and_changes(scored_home: Path) -> None:
    out, err = run("watchlist")
    assert "live warehouse" in err  # the reader says how fresh the data is
    assert "Watchlist — scan 2026-W47" in out and "compared with 2026-W46" in out
    for text in ("脑机接口", "Brain-computer", "0.82", "0.85", "0.80", "近期 72%", "▲1", "mid→near", "▼2", "new 新",
                 "时间窗:近期", "P 优先级 priority = (S + D) / 2", "Insufficient evidence (not ranked)", "具身智能与人形机器人"):
        assert text in out, text


def test_watchlist_json_content(scored_home: Path) -> None:
    data = json.loads(run("watchlist", "--format", "json")[0])
    assert data["scan_id"] == scenario.S2 and data["previous_scan_id"] == scenario.S1
    items = {r["tech_id"]: r for r in data["items"]}
    assert [r["rank"] for r in data["items"]] == list(range(1, 8))
    bci = items["brain_computer_interface"]
    assert (bci["strategic"], bci["disruptive"], bci["priority"]) == (0.85, 0.8, 0.825)
    assert (bci["prev_rank"], bci["rank_change"], bci["trend"]) == (2, 1, "↑")
    assert bci["horizon_zh"] == "近期" and bci["override_horizon"] == "near"
    assert items["controlled_fusion"]["trend"] == "·"  # no growth indicator: not a guess
    assert items["superconducting_materials"]["horizon"] == "insufficient evidence"
    assert items["superconducting_materials"]["horizon_leaning"] == "far"
    unranked = {r["tech_id"]: r for r in data["insufficient"]}
    assert set(unranked) == {"embodied_ai", "cand_solid_state_battery"}
    assert "only 2 of 5 attributes" in unranked["embodied_ai"]["insufficient_why"]


def test_watchlist_filters_keep_scan_ranks(scored_home: Path) -> None:
    data = json.loads(run("watchlist", "--horizon", "near", "--format", "json")[0])
    assert [(r["rank"], r["tech_id"]) for r in data["items"]] == [(1, "brain_computer_interface"), (5, "cell_gene_therapy")]
    assert [r["tech_id"] for r in data["insufficient"]] == ["embodied_ai"]  # leans near
    data = json.loads(run("watchlist", "--direction", "未来信息", "--top", "1", "--format", "json")[0])
    assert [r["tech_id"] for r in data["items"]] == ["quantum_computing"]
    data = json.loads(run("watchlist", "--direction", "health", "--format", "json")[0])
    assert {r["direction_zh"] for r in data["items"]} == {"未来健康"}
    _, err = run("watchlist", "--direction", "cooking", code=1)
    assert "unknown direction" in err


def test_watchlist_of_an_earlier_scan_and_csv_md(scored_home: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(run("watchlist", "--scan", scenario.S1, "--format", "csv")[0])))
    assert [r["tech_id"] for r in rows if r["rank"]][:2] == ["quantum_computing", "brain_computer_interface"]
    assert rows[0]["change"] == ""  # the first scan has nothing to compare with
    md = run("watchlist", "--format", "md")[0]
    assert "| 1 | 脑机接口 Brain-computer interfaces | 未来健康 Future health | 0.82 |" in md
    assert "### 证据不足，未排名 Insufficient evidence (not ranked)" in md


def test_watchlist_xlsx_needs_output_and_neutralises_formulas(scored_home: Path, tmp_path: Path) -> None:
    from tests.views.test_exports import sheet_cells

    _, err = run("watchlist", "--format", "xlsx", code=1)
    assert "--output" in err
    path = tmp_path / "wl.xlsx"
    run("watchlist", "--format", "xlsx", "--output", str(path))
    sheets = sheet_cells(path)
    assert list(sheets) == ["watchlist", "insufficient evidence"]
    assert "'" + scenario.FORMULA_NAME in sheets["insufficient evidence"]
    assert scenario.FORMULA_NAME not in sheets["insufficient evidence"]


def test_movers_lists_each_kind_of_change(scored_home: Path) -> None:
    data = json.loads(run("movers", "--format", "json")[0])
    assert (data["scan_id"], data["baseline_scan_id"]) == (scenario.S2, scenario.S1)
    moves = {(m["move"], m["tech_id"]) for m in data["moves"]}
    assert moves == {
        ("entered", "commercial_space"), ("entered", "superconducting_materials"),
        ("left", "embodied_ai"),
        ("rose", "silicon_photonics"),
        ("fell", "cell_gene_therapy"), ("fell", "controlled_fusion"),
        ("horizon_changed", "brain_computer_interface"), ("horizon_changed", "embodied_ai"),
        ("new_candidate", "cand_solid_state_battery"),
    }
    rose = next(m for m in data["moves"] if m["move"] == "rose")
    assert (rose["before"], rose["after"]) == ("#5", "#3")
    # quantum computing fell one place only: below the threshold; a threshold of 1 includes it
    loose = json.loads(run("movers", "--threshold", "1", "--format", "json")[0])
    assert ("fell", "quantum_computing") in {(m["move"], m["tech_id"]) for m in loose["moves"]}


def test_movers_table_since_and_first_scan(scored_home: Path) -> None:
    out, _ = run("movers")
    for text in ("新进入 entered", "退出 left", "上升 rose", "下降 fell", "时间窗变化 horizon changed", "新发现候选技术"):
        assert text in out, text
    out, _ = run("movers", "--scan", scenario.S1)
    assert "first scan" in out
    data = json.loads(run("movers", "--since", scenario.S1, "--format", "json")[0])
    assert data["baseline_scan_id"] == scenario.S1
    _, err = run("movers", "--since", scenario.S2, code=1)
    assert "earlier scan" in err


def test_commands_say_when_there_is_nothing_to_read(home: Path) -> None:
    _, err = run("watchlist", code=1)
    assert "futurescan db migrate" in err or "no warehouse" in err
