"""`futurescan assess`: name resolution and the content of a horizon assessment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flows.present import assessment as asm
from tests.views import scenario
from tests.views.helpers import run


@pytest.mark.parametrize(
    ("query", "tech_id"),
    [("量子计算", "quantum_computing"), ("Quantum computing", "quantum_computing"), ("BCI", "brain_computer_interface"),
     ("brain computer interface", "brain_computer_interface"), ("脑机接口", "brain_computer_interface"),
     ("cell_gene_therapy", "cell_gene_therapy"), ("固态电池", "cand_solid_state_battery"),
     ("quantum computers", "quantum_computing")],
)
def test_resolve_names_and_aliases(con: Any, query: str, tech_id: str) -> None:
    assert asm.resolve_technology(con, query) == tech_id


def test_ambiguous_name_suggests_the_contenders(con: Any) -> None:
    with pytest.raises(asm.AmbiguousTechnology) as exc:
        asm.resolve_technology(con, "quantum")
    assert {s[0] for s in exc.value.suggestions} == {"quantum_computing", "quantum_communication_sensing"}


def test_unknown_name_offers_near_misses(con: Any) -> None:
    with pytest.raises(asm.TechnologyNotFound) as exc:
        asm.resolve_technology(con, "underwater basket weaving")
    assert not isinstance(exc.value, asm.AmbiguousTechnology)
    assert exc.value.suggestions[0][0] == "deep_sea"  # "underwater" is one of its keywords
    with pytest.raises(asm.TechnologyNotFound) as exc:
        asm.resolve_technology(con, "zzqx")
    assert exc.value.suggestions == []


def test_assess_cli_ambiguous_and_unknown(scored_home: Path) -> None:
    _, err = run("assess", "quantum", code=2)
    assert "matches several technologies" in err and "quantum_communication_sensing" in err and "quantum_computing" in err
    _, err = run("assess", "underwater basket weaving", code=1)
    assert "no technology matches" in err and "did you mean" in err and "deep_sea" in err


def test_assessment_markdown_brief(scored_home: Path) -> None:
    md = run("assess", "脑机接口", "--format", "md")[0]
    assert md.startswith("# 脑机接口 Brain-computer interfaces — 技术时间窗评估 Horizon assessment")
    for text in (
        "## 定义 Definition", "Definition of Brain-computer interfaces",
        "| 时间窗 Horizon | 0.72 | 近期 near | confidence 置信度 72% · TRL 6-8 · 产业化阶段 industrialisation stage |",
        "近期 near — 王敏 Wang Min: 临床进展快于模型判断",  # the override beside the computed call
        "**政策关注度 policy attention**: score 0.55", "**增长 growth**: score 0.70 — rate ratio 2.1",
        "2026-10-01 新闻 news: [BCI maker raises $120 million in Series B](<https://news.example/bci>)",
        "**custom signal**: score 0.90",  # an indicator with no label still shows, under other indicators
        "## 证据年度趋势 Evidence by year and kind", "| 2026 | 0 | 2 | 0 | 0 | 2 |", "| 2024 | 0 | 0 | 0 | 1 | 1 |", "近26周 Last 26 weeks: 2026-09-28: 1",
        "## 主要机构与国家 Leading institutions and countries", "上海脑科学与类脑研究中心 (1)",
        "## 政策提及 Policy mentions", "(上海市科学技术委员会 · 沪科〔2025〕12号)",
        "## 专家判定记录 Consultant overrides (history)", "strategic = yes by Zhao Qing",
        "## 里程碑 Milestones and events", "2021-02-01 **首篇论文 first paper**", "**融资 funding round**",
        "**首次获批 first regulatory approval**", "**时间窗判定变化 horizon call changed**: 2026-W47: 中期 mid → 近期 near",
    ):
        assert text in md, text


def test_assessment_json_and_table(scored_home: Path, doc_keys: dict[str, str]) -> None:
    data = json.loads(run("assess", "Brain-computer interfaces", "--format", "json")[0])
    assert data["tech"]["tech_id"] == "brain_computer_interface"
    assert data["score"]["horizon"] == "near" and data["scan"]["scan_id"] == scenario.S2
    crit = {c["criterion"]: c for c in data["criteria"]}
    assert set(crit) >= {"strategic", "disruptive", "horizon", "evidence", "other"}
    growth = next(i for comp in crit["disruptive"]["components"] for i in comp["indicators"] if i["indicator"] == "growth")
    assert [e["doc_id"] for e in growth["evidence"]] == [doc_keys["bci_zh"], doc_keys["bci_fund"]]
    assert [h["scan_id"] for h in data["history"]] == [scenario.S1, scenario.S2]
    out, _ = run("assess", "BCI")
    assert "脑机接口" in out and "Consultant overrides" in out


def test_assessment_of_an_earlier_scan_and_of_an_unscored_technology(scored_home: Path) -> None:
    md = run("assess", "BCI", "--scan", scenario.S1, "--format", "md")[0]
    assert "Scan: 2026-W46" in md and "| 时间窗 Horizon | 0.66 | 中期 mid |" in md
    md = run("assess", "6G", "--format", "md")[0]  # seeded, never synced into the warehouse, never scored
    assert "6G" in md and "No score for this technology in this scan" in md


def test_assessment_html_is_escaped_and_offline(scored_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "qc.html"
    run("assess", "量子计算", "--format", "html", "--output", str(path))
    html = path.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "javascript:" not in html  # a crawled javascript: URL never becomes a link
    assert "<svg" in html and "fault-tolerant quantum computing" in html or "no topic" in html
    assert "http-equiv=\"Content-Security-Policy\"" in html
    assert "<link" not in html and " src=" not in html
