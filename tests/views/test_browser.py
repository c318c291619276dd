"""The scan report in headless Chromium: it renders offline, its script runs under the CSP, radar and table are there."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from flows.present.report import write_scan_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian package `chromium`)")


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    cmd = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
        f"--user-data-dir={profile}", *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def test_report_renders_in_headless_chromium(con: Any, tmp_path: Path) -> None:
    report = write_scan_report(con, "latest", tmp_path / "reports")
    url = report.resolve().as_uri()
    shot = tmp_path / "report.png"
    done = _chromium(tmp_path, "--hide-scrollbars", "--window-size=1280,2200", f"--screenshot={shot}", url)
    assert shot.exists(), done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a real page, not a blank frame
    dom = _chromium(tmp_path, "--dump-dom", url).stdout
    assert 'data-filters="ready"' in dom  # the inline script ran: its CSP hash matches
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="radar"' in dom
    assert len(re.findall(r'<g class="dot(?: leaning)?" data-tech=', dom)) == 8
    assert dom.count('<g class="dot leaning"') == 2
    assert '<table id="watchlist">' in dom and dom.count('<tr data-horizon=') == 7
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # shown as text, never run
    assert "<script>alert(1)" not in dom
