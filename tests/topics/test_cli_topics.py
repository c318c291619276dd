"""`futurescan analyse`, `topics list|show|changes` and `tech list|show|add|accept|dismiss` on a temporary home."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from flows.cli import app

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "arxiv_sample.jsonl"


def run(*args: str) -> str:
    """stdout of a successful command (freshness notes go to stderr)."""
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res.stdout


def test_analyse_then_read_topics_and_changes(home: Path, tmp_path: Path) -> None:
    zh = tmp_path / "zh.jsonl"
    zh.write_text("".join(json.dumps({"source": "t", "source_record_id": f"z{i}", "kind": "news", "language": "zh",
                                      "title": f"脑机接口临床试验第{i}例患者恢复说话能力", "published": "2025-01-02"},
                                     ensure_ascii=False) + "\n" for i in range(6)), encoding="utf-8")
    run("ingest", str(SAMPLE), str(zh))
    out = run("analyse", "--fake-embedder", "--scan-id", "s1")
    assert "en: 300 documents via fake-hash-64 embeddings" in out
    assert "zh: 6 documents via jieba term vectors + bilingual alias linking" in out
    assert "not multilingual" in out
    listed = json.loads(run("topics", "list", "--format", "json"))
    assert listed and listed[0]["size"] >= listed[-1]["size"]
    topic = listed[0]["topic_id"]
    shown = json.loads(run("topics", "show", topic.lower(), "--format", "json"))
    assert shown["topic_id"] == topic and shown["snapshots"][0]["keywords"]
    assert len(shown["representatives"]) >= 1
    changes = json.loads(run("topics", "changes", "--format", "json"))
    assert {e["event"] for e in changes} == {"birth"}
    # Nothing changed: carried over, and "changes" now reports the second scan.
    out2 = run("analyse", "--fake-embedder", "--scan-id", "s2")
    assert "nothing changed since s1" in out2
    assert "s2: nothing changed since s1" in run("topics", "changes")
    assert "s1 compared with nothing (first analysis): birth" in run("topics", "changes", "--scan-id", "s1")
    res = CliRunner().invoke(app, ["topics", "show", "T9999"])
    assert res.exit_code == 1 and "no topic" in res.output


def test_tech_commands(home: Path) -> None:
    run("ingest", str(SAMPLE))
    run("analyse", "--fake-embedder", "--scan-id", "s1")
    techs = json.loads(run("tech", "list", "--format", "json"))
    assert {"quantum_computing", "brain_computer_interface"} <= {t["tech_id"] for t in techs}
    assert any(t["documents"] > 0 for t in techs)
    shown = json.loads(run("tech", "show", "量子计算", "--format", "json"))
    assert shown["technology"]["tech_id"] == "quantum_computing"
    out = run("tech", "add", "Solid-state battery", "--zh", "固态电池", "--aliases", "solid-state battery;SSB",
              "--description", "Batteries with a solid electrolyte.", "--direction", "未来能源", "--by", "chen")
    assert "solid_state_battery" in out
    row = json.loads(run("tech", "show", "solid_state_battery", "--format", "json"))["technology"]
    assert row["direction"] == "future_energy" and row["status"] == "accepted" and "固态电池" in row["aliases"]
    res = CliRunner().invoke(app, ["tech", "add", "Solid-state battery"])
    assert res.exit_code == 1 and "already exists" in res.output
    res = CliRunner().invoke(app, ["tech", "accept", "quantum_computing", "--by", "x", "--reason", "y"])
    assert res.exit_code == 1 and "seeded" in res.output
    out = run("tech", "dismiss", "solid_state_battery", "--by", "chen", "--reason", "duplicate of new_energy_storage")
    assert "dismissed" in out
    dismissed = json.loads(run("tech", "list", "--status", "dismissed", "--format", "json"))
    assert [t["tech_id"] for t in dismissed] == ["solid_state_battery"]
    res = CliRunner().invoke(app, ["tech", "add", "x", "--direction", "future_cooking"])
    assert res.exit_code == 1 and "unknown direction" in res.output


def test_read_commands_do_not_import_heavy_libraries(home: Path) -> None:
    import subprocess
    import sys

    run("ingest", str(SAMPLE))
    run("analyse", "--fake-embedder", "--scan-id", "s1")
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from flows.cli import app\n"
        "for args in (['topics', 'list'], ['topics', 'changes'], ['topics', 'show', 'T0001'], ['tech', 'list'],\n"
        "             ['tech', 'show', 'quantum computing'], ['analyse', '--help']):\n"
        "    r = CliRunner().invoke(app, args)\n"
        "    assert r.exit_code == 0, (args, r.output)\n"
        "heavy = ('torch', 'sentence_transformers', 'sklearn', 'jieba', 'transformers')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
