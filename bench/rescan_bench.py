"""Benchmark: a second scan with no new documents against the first scan, on a few thousand real documents.

Usage: python bench/rescan_bench.py [--arxiv 3000] [--zh 1000] [--home DIR]   (figures only, no assertions)

The warehouse is loaded first (not timed) with real documents: recent arXiv papers, Chinese
CCTV technology news, Chinese policy texts and clinical trials. Then two scans run, each in a fresh
process exactly as `futurescan scan --no-crawl --no-prefect` runs one (flows.scan.run_scan:
ingest → analyse → score → publish, real embedding model): the first embeds, clusters, links and
scores everything; the second, a week later with nothing new, should find almost nothing to do.
Prefect's own start-up (about 11 s in ephemeral mode, ~3 s against a running server, see
../shared/STACK.md) comes on top of both and is not part of the figure.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA, PY, ROOT, header, loadavg, read_jsonl_gz, require_data, save  # noqa: E402

SAMPLES = [  # corpus file, adapter, how many (0 = all)
    ("arxiv_recent_digests/arxiv_recent_digests.jsonl.gz", "arxiv_recent_digests", "arxiv"),
    ("news_zh_xwlb_tech/xwlb_tech_news.jsonl.gz", "xwlb_tech_news", "zh"),
    ("policy_zh/policy_zh.jsonl.gz", "policy_zh", 300),
    ("trials_ctgov_stemcell_gene/trials_stemcell_gene.jsonl.gz", "trials_stemcell_gene", 300),
]


def load_warehouse(home: Path, counts: dict[str, int]) -> int:
    from warehouse.corpora import CORPORA
    from warehouse.db import connect_writer
    from warehouse.ingest import ingest_records
    from warehouse.migrate import migrate

    con = connect_writer(home / "warehouse.duckdb")
    migrate(con)
    total = 0
    for rel, stem, how_many in SAMPLES:
        n = counts[how_many] if isinstance(how_many, str) else how_many
        adapter = CORPORA[stem][1]
        rows = []
        for r in read_jsonl_gz(DATA / rel):
            # arXiv: only records with an abstract (most of the digests' records have one).
            if stem == "arxiv_recent_digests" and not r.get("abstract"):
                continue
            rows.append(adapter(r))
            if len(rows) >= n:
                break
        rep = ingest_records(con, rows, origin=stem)
        total += rep.rows_loaded
        print(f"  loaded {rep.rows_loaded:,} {stem} records ({rep.docs_new:,} new documents)")
    n_docs = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    con.close()
    print(f"  warehouse: {n_docs:,} documents")
    return n_docs


def child_scan(home: str, scan_id: str, out: str) -> None:
    """One scan as `futurescan scan --no-crawl --no-prefect` runs it; writes stage timings to `out`."""
    from flows.scan import ScanOptions, run_scan
    from flows.settings import Settings

    t0 = time.perf_counter()
    settings = Settings.from_env({"FUTURESCAN_HOME": home})
    sid, status, results = run_scan(settings, ScanOptions(crawl=False, scan_id=scan_id))
    seconds = time.perf_counter() - t0
    stages = {r.stage: {"status": r.status, "seconds": round(r.seconds, 2)} for r in results}
    analyse = next((r.summary for r in results if r.stage == "analyse"), {})
    Path(out).write_text(json.dumps({
        "scan_id": sid, "status": status, "inner_s": seconds, "stages": stages,
        "analysis_reused": analyse.get("reused"), "analysis_seconds": analyse.get("seconds"),
        "embedded": analyse.get("embedded_unique_texts"),
    }), encoding="utf-8")


def run_child(home: Path, scan_id: str) -> dict[str, Any]:
    out = Path(tempfile.mkdtemp(prefix="fs-rescan-")) / "scan.json"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "PYTHONWARNINGS": "ignore"}
    code = (f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'bench')!r}]; import rescan_bench as b; "
            f"b.child_scan({str(home)!r}, {scan_id!r}, {str(out)!r})")
    load = loadavg()
    t0 = time.perf_counter()
    proc = subprocess.run([PY, "-c", code], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"scan {scan_id} failed:\n{proc.stderr[-3000:]}")
    return {"wall_s": wall, "loadavg": load, **json.loads(out.read_text())}


def ageing(home: Path) -> list[dict[str, Any]]:
    """How much a week (or four) of ageing alone moves the scores when no document changed.

    Evidence for carrying scores over between scans whose evidence is unchanged: the score stage is
    most of a re-scan, and it recomputes everything only because `as_of` moved.
    """
    import datetime as dt

    import duckdb

    from scoring.screening import score_technologies

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    d0 = dt.date.today()
    got = {}
    for days in (0, 7, 28):
        scores, _ = score_technologies(con, as_of=d0 + dt.timedelta(days=days))
        got[days] = {x.tech.tech_id: (x.strategic.score or 0.0, x.disruptive.score or 0.0, x.horizon.confidence or 0.0,
                                      (x.strategic.flag, x.disruptive.flag, x.horizon.horizon)) for x in scores}
    con.close()
    out = []
    for days in (7, 28):
        a, b = got[0], got[days]
        row = {
            "days": days, "technologies": len(a),
            "max_strategic_change": max(abs(b[t][0] - a[t][0]) for t in a),
            "max_disruptive_change": max(abs(b[t][1] - a[t][1]) for t in a),
            "max_horizon_confidence_change": max(abs(b[t][2] - a[t][2]) for t in a),
            "calls_changed": sum(1 for t in a if a[t][3] != b[t][3]),
        }
        out.append(row)
        print(f"  as_of + {days} days, nothing else changed: strategic moves at most {row['max_strategic_change']:.4f}, "
              f"disruptive {row['max_disruptive_change']:.4f}, horizon confidence "
              f"{row['max_horizon_confidence_change']:.4f}; calls changed: {row['calls_changed']} of {len(a)}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arxiv", type=int, default=3000)
    parser.add_argument("--zh", type=int, default=1000)
    parser.add_argument("--rescans", type=int, default=2, help="scans with nothing new after the first")
    parser.add_argument("--home", type=Path, help="FUTURESCAN_HOME for the bench (default: a new temporary folder)")
    args = parser.parse_args()
    require_data()
    header("re-scan with no new documents vs the first scan")
    home = args.home or Path(tempfile.mkdtemp(prefix="fs-rescan-home-"))
    n_docs = load_warehouse(home, {"arxiv": args.arxiv, "zh": args.zh})
    scans = []
    for i in itertools.count(1):
        if i > 1 + args.rescans:
            break
        res = run_child(home, f"bench-W{i:02d}")
        scans.append(res)
        stages = ", ".join(f"{k} {v['seconds']:.1f}s" for k, v in res["stages"].items())
        print(f"  scan {res['scan_id']}: {res['wall_s']:.1f} s in a fresh process ({res['inner_s']:.1f} s inside; "
              f"{stages}); analysis reused: {res['analysis_reused']}; load {res['loadavg']}")
    first = scans[0]
    again = scans[1:]
    share = min(s["wall_s"] for s in again) / first["wall_s"]
    share_inner = min(s["inner_s"] for s in again) / first["inner_s"]
    print(f"\nre-scan / first scan: {share:.1%} of the wall time (fresh process), {share_inner:.1%} inside run_scan")
    print("\nageing alone (same documents, later as_of):")
    aged = ageing(home)
    save("rescan", {"documents": n_docs, "scans": scans, "rescan_share": share, "rescan_share_inner": share_inner,
                    "ageing": aged, "home": str(home)})


if __name__ == "__main__":
    main()
