"""Shared helpers of the benchmark scripts: machine facts, load average, peak memory, real-data samples, results files."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import platform
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results"
# Heavy intermediate files (embeddings, landing files, warehouses) live outside the repo.
CACHE = Path(os.environ.get("FUTURESCAN_BENCH_CACHE", Path.home() / ".cache" / "futurescan-bench"))
PY = sys.executable

CONFERENCE = DATA / "papers_conference_multiyear" / "conference_papers.jsonl.gz"
ARXIV = DATA / "arxiv_recent_digests" / "arxiv_recent_digests.jsonl.gz"

# Every corpus that holds documents (pubmed_term_rates holds rates, not documents).
ALL_CORPORA = [
    "papers_conference_multiyear/conference_papers.jsonl.gz",
    "arxiv_recent_digests/arxiv_recent_digests.jsonl.gz",
    "news_en_hn_frontpage/hn_frontpage.jsonl.gz",
    "news_zh_xwlb_tech/xwlb_tech_news.jsonl.gz",
    "news_zh_hotlists_tech/hotlists_tech.jsonl.gz",
    "news_zh_feed_2021_2022/feed_zh_tech_news.jsonl.gz",
    "news_zh_ruanyf_weekly/ruanyf_weekly_news_items.jsonl.gz",
    "policy_zh/policy_zh.jsonl.gz",
    "papers_frontier_fields/frontier_papers.jsonl.gz",
    "trials_ctgov_stemcell_gene/trials_stemcell_gene.jsonl.gz",
    "companies_frontier_fields/companies_frontier.jsonl.gz",
    "news_en_startup_funding/startup_funding_frontier.jsonl.gz",
]


def require_data() -> None:
    if not CONFERENCE.exists():
        sys.exit(f"../shared/data not found (looked for {CONFERENCE}); benchmarks read the real corpora")


def loadavg() -> str:
    """The 1/5/15-minute load average: how busy the machine was (2 cores: above 2 means contention)."""
    a, b, c = os.getloadavg()
    return f"{a:.2f} {b:.2f} {c:.2f}"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MB.

    Read from VmHWM, which starts afresh when a process execs: getrusage's ru_maxrss is inherited
    from the parent that forked it, so a child started by a big parent would report the parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                return " ".join(f for f in ("avx2", "avx512f", "avx512_vnni", "fma") if f in flags)
    except OSError:
        pass
    return ""


def mem_total_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    import duckdb
    import numpy
    import sklearn

    out = {
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "cpu_flags": cpu_flags(),
        "memory_gib": round(mem_total_gib(), 1),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scikit-learn": sklearn.__version__,
        "duckdb": duckdb.__version__,
        "loadavg": loadavg(),
    }
    try:
        from importlib.metadata import version

        out["torch"] = version("torch")
        out["sentence-transformers"] = version("sentence-transformers")
    except Exception:  # noqa: BLE001 - versions are decoration
        pass
    return out


class Timer:
    """`with Timer() as t: ...; t.s` — wall seconds of a block."""

    def __enter__(self) -> Timer:
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.s = time.perf_counter() - self.t0


def read_jsonl_gz(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def conference_abstracts(n: int, *, stride: int = 7, offset: int = 0) -> list[dict[str, Any]]:
    """n conference papers that have an abstract, every `stride`-th record (spread over venues and years)."""
    rows = []
    for i, r in enumerate(read_jsonl_gz(CONFERENCE)):
        if (i + offset) % stride or not r.get("abstract") or not r.get("title"):
            continue
        rows.append(r)
        if len(rows) >= n:
            break
    return rows


def save(name: str, result: dict[str, Any], quiet: bool = False) -> Path:
    """Write one benchmark's figures to bench/results/<name>.json (what docs/benchmarks.md is rendered from).

    Long benchmarks also save as they go (quiet=True, with "partial": true), so a late failure keeps the figures.
    """
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"machine": machine(), **result}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    if not quiet:
        print(f"\nfigures written to {path.relative_to(ROOT)}")
    return path


def header(title: str) -> None:
    print(f"== {title} ==")
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}, {mem_total_gib():.1f} GiB; load average {loadavg()}")
