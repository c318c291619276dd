"""Every view command has help and a README entry; the commands never import the heavy libraries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.views.helpers import run

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = {
    "watchlist": ["--horizon", "--direction", "--top", "--scan", "--format", "--output"],
    "movers": ["--since", "--threshold", "--format"],
    "assess": ["Chinese or English", "--scan", "--format", "--output"],
    "report": ["--scan", "--output", "--exports"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_command_has_help_and_is_in_the_readme(command: str) -> None:
    out, _ = run(command, "--help")
    for option in COMMANDS[command]:
        assert option in out, option
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`futurescan {command}" in readme


def test_report_doc_has_its_screenshot() -> None:
    doc = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
    assert "futurescan report" in doc and "write_scan_report" in doc
    shot = ROOT / "docs" / "report.png"
    assert "(report.png)" in doc and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_view_commands_do_not_import_heavy_libraries(scored_home: Path) -> None:
    code = (
        "import sys, typer\n"
        "from typer.testing import CliRunner\n"
        "from flows.cli import views as cli_views\n"
        "app = typer.Typer(); cli_views.register(app)\n"
        "for args in (['watchlist'], ['movers'], ['assess', 'BCI', '--format', 'html'], ['report']):\n"
        "    r = CliRunner().invoke(app, args)\n"
        "    assert r.exit_code == 0, (args, r.output)\n"
        "heavy = ('torch', 'sentence_transformers', 'prefect', 'scrapy', 'sklearn', 'matplotlib')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
