"""Benchmark: a second scan with no new documents against the first scan, on a few thousand real documents.

Usage: python bench/rescan_bench.py [--arxiv 3000] [--zh 1000] [--rescans 2] [--weeks 2] [--home DIR]   (figures only, no assertions)

The warehouse is loaded first (not timed) with real documents: recent arXiv papers, Chinese
CCTV technology news, Chinese policy texts and clinical trials. Then the scans run, each in a fresh
process exactly as `futurescan scan --no-crawl --no-prefect` runs one (flows.scan.run_scan:
ingest → analyse → score → publish, real embedding model): the first embeds, clusters, links and
scores everything; the later ones find nothing new. Two kinds of re-scan:

- the same day (as_of unchanged): topics and scores are carried over (docs/scoring.md);
- a week later (as_of + 7 days, + 14 days, ...: the weekly job): topics are carried over, but every
  window and age moves, so the scores are recomputed, reusing the evidence-only results the
  earlier scan kept (`score_memo`, docs/scoring.md). This is the headline figure for target 2.

One more re-scan of each kind runs under cProfile, not timed, to say where the time goes.

Every child runs with compiled bytecode in a private cache (PYTHONPYCACHEPREFIX, filled before the
first scan), as an installed futurescan has it: the sandbox's PYTHONDONTWRITEBYTECODE would otherwise
make every process compile each project module again, first scan and re-scans alike. Prefect's
own start-up (ephemeral mode, or against a running server) comes on top of both and is not part of
the figure.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
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


# Where a profiled re-scan's time goes: label → (file or package folder, function) whose cumulative time is read;
# a folder keeps the part found when a module inside it is split.
PROFILE_PARTS = {
    "imports": ("<frozen importlib._bootstrap>", "_find_and_load"),
    "open warehouse (first connection and migration check)": ("flows/scan.py", "holding_writer"),
    "analysis carry-over": ("scoring/topics/", "run_analysis"),
    "score: input digest": ("scoring/screening/run.py", "input_digest"),
    "score: copy scores": ("warehouse/scores_store.py", "copy_scores"),
    "score: read evidence and kept results": ("scoring/screening/run.py", "gather"),
    "score: indicators and criteria": ("scoring/screening/run.py", "score_evidence"),
    "score: write scores": ("warehouse/scores_store.py", "write_scores"),
    "score: keep evidence-only results": ("warehouse/scores_store.py", "save_memo"),
    "ledger: resolve due forecasts": ("scoring/ledger/", "resolve_due"),
    "ledger: freeze this scan's forecasts": ("scoring/ledger/", "freeze_forecasts"),
    "publish: scan report": ("flows/present/report.py", "write_scan_report"),
    "publish: checkpoint and copy": ("warehouse/db.py", "publish"),
}


def child_scan(home: str, scan_id: str, out: str, profile: bool = False, as_of: str | None = None) -> None:
    """One scan as `futurescan scan --no-crawl --no-prefect` runs it (as of a later day when given); writes stage timings to `out`."""
    import cProfile
    import datetime as dt
    import pstats

    t0 = time.perf_counter()
    prof = cProfile.Profile() if profile else None
    if prof:
        prof.enable()
    from flows.scan import ScanOptions, run_scan
    from flows.settings import Settings

    settings = Settings.from_env({"FUTURESCAN_HOME": home})
    day = dt.date.fromisoformat(as_of) if as_of else None
    sid, status, results = run_scan(settings, ScanOptions(crawl=False, scan_id=scan_id, as_of=day))
    seconds = time.perf_counter() - t0
    parts: dict[str, float] = {}
    if prof:
        prof.disable()
        stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
        for label, (where, func) in PROFILE_PARTS.items():
            parts[label] = round(sum(v[3] for (f, _, name), v in stats.items() if name == func and where in f), 3)
    stages = {r.stage: {"status": r.status, "seconds": round(r.seconds, 2)} for r in results}
    analyse = next((r.summary for r in results if r.stage == "analyse"), {})
    score = next((r.summary for r in results if r.stage == "score"), {})
    Path(out).write_text(json.dumps({
        "scan_id": sid, "status": status, "inner_s": seconds, "stages": stages,
        "analysis_reused": analyse.get("reused"), "analysis_seconds": analyse.get("seconds"),
        "embedded": analyse.get("embedded_unique_texts"),
        "scores_reused_from": score.get("reused_from"), "score_changed": score.get("changed"),
        "as_of": str(score["as_of"]) if score.get("as_of") else None, "evidence_memo": score.get("evidence_memo"),
        "forecasts_frozen": score.get("forecasts_frozen"), "forecasts_resolved": score.get("forecasts_resolved"),
        "profile": parts,
    }), encoding="utf-8")


def child_env(pycache: Path) -> dict[str, str]:
    """The children's environment: offline model, and compiled bytecode kept in a private cache."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "PYTHONWARNINGS": "ignore", "PYTHONPYCACHEPREFIX": str(pycache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def compile_bytecode(pycache: Path) -> None:
    """Compile the project's modules into the private cache before the first scan (as an install does)."""
    folders = [str(ROOT / name) for name in ("flows", "scoring", "warehouse")]
    subprocess.run([PY, "-m", "compileall", "-q", *folders], env=child_env(pycache), check=True, capture_output=True)


def run_child(home: Path, scan_id: str, pycache: Path, profile: bool = False, as_of: str | None = None) -> dict[str, Any]:
    out = Path(tempfile.mkdtemp(prefix="fs-rescan-")) / "scan.json"
    code = (f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'bench')!r}]; import rescan_bench as b; "
            f"b.child_scan({str(home)!r}, {scan_id!r}, {str(out)!r}, profile={profile!r}, as_of={as_of!r})")
    load = loadavg()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([PY, "-c", code], env=child_env(pycache), capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise RuntimeError(f"scan {scan_id} failed:\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "loadavg": load, **json.loads(out.read_text())}


def ageing(home: Path) -> list[dict[str, Any]]:
    """How much a week (or four) of ageing alone moves the scores when no document changed.

    Why carried-over scores are keyed on as_of to the day: windows end at as_of and ages run in
    fractional years, so even when no call changes, stored values (rounded to 6 digits) do.
    """
    import datetime as dt

    import duckdb

    from scoring.screening.indicators.base import rounded
    from scoring.screening.run import score_technologies

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    d0 = dt.date.today()
    got = {}
    for days in (0, 7, 28):
        scores, _ = score_technologies(con, as_of=d0 + dt.timedelta(days=days))
        got[days] = {x.tech.tech_id: (x.strategic.score or 0.0, x.disruptive.score or 0.0, x.horizon.confidence or 0.0,
                                      (x.strategic.flag, x.disruptive.flag, x.horizon.horizon),
                                      tuple(sorted((k, rounded(v.value), rounded(v.score)) for k, v in x.indicators.items())))
                     for x in scores}
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
            "stored_values_changed": sum(1 for t in a if a[t][4] != b[t][4] or
                                         tuple(map(rounded, a[t][:3])) != tuple(map(rounded, b[t][:3]))),
        }
        out.append(row)
        print(f"  as_of + {days} days, nothing else changed: strategic moves at most {row['max_strategic_change']:.4f}, "
              f"disruptive {row['max_disruptive_change']:.4f}, horizon confidence "
              f"{row['max_horizon_confidence_change']:.4f}; calls changed: {row['calls_changed']} of {len(a)}; "
              f"technologies with a stored value changed: {row['stored_values_changed']}")
    return out


def report(res: dict[str, Any]) -> None:
    stages = ", ".join(f"{k} {v['seconds']:.1f}s" for k, v in res["stages"].items())
    kept = res.get("evidence_memo") or {}
    memo = ("; text results kept/computed: " + ", ".join(f"{f} {v['reused']}/{v['computed']}" for f, v in kept.items())
            if kept else "")
    print(f"  scan {res['scan_id']} (as of {res.get('as_of')}): {res['wall_s']:.1f} s in a fresh process "
          f"({res['cpu_s']:.1f} s CPU, {res['inner_s']:.1f} s inside; {stages}); analysis reused: "
          f"{res['analysis_reused']}; scores carried over from: {res['scores_reused_from']}{memo}; load {res['loadavg']}")


def shares(first: dict[str, Any], later: list[dict[str, Any]], pick: Any) -> dict[str, float]:
    """Wall, inside-run_scan and CPU time of the re-scans (`pick`: min or max over them) over the first scan's."""
    return {
        "wall": pick(s["wall_s"] for s in later) / first["wall_s"],
        "inner": pick(s["inner_s"] for s in later) / first["inner_s"],
        "cpu": pick(s["cpu_s"] for s in later) / first["cpu_s"],
    }


def main() -> None:
    import datetime as dt

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arxiv", type=int, default=3000)
    parser.add_argument("--zh", type=int, default=1000)
    parser.add_argument("--rescans", type=int, default=2, help="same-day scans with nothing new after the first")
    parser.add_argument("--weeks", type=int, default=2, help="weekly scans with nothing new after those (as_of + 7, + 14 ... days)")
    parser.add_argument("--home", type=Path, help="FUTURESCAN_HOME for the bench (default: a new temporary folder)")
    args = parser.parse_args()
    require_data()
    header("re-scan with no new documents vs the first scan")
    home = args.home or Path(tempfile.mkdtemp(prefix="fs-rescan-home-"))
    pycache = Path(tempfile.mkdtemp(prefix="fs-rescan-pycache-"))
    compile_bytecode(pycache)
    n_docs = load_warehouse(home, {"arxiv": args.arxiv, "zh": args.zh})
    scans = []
    for i in itertools.count(1):
        if i > 1 + args.rescans:
            break
        res = run_child(home, f"bench-W{i:02d}", pycache)
        scans.append(res)
        report(res)
    first = scans[0]
    day0 = dt.date.fromisoformat(first["as_of"])
    weekly = []
    for k in range(1, args.weeks + 1):
        res = run_child(home, f"bench-W{len(scans) + k:02d}-week{k}", pycache, as_of=(day0 + dt.timedelta(days=7 * k)).isoformat())
        weekly.append(res)
        report(res)
    same = shares(first, scans[1:], min)
    # The headline: the slowest of the week-later scans (each is the weekly job with nothing new).
    week = shares(first, weekly, max) if weekly else {}
    print(f"\nsame-day re-scan / first scan: {same['wall']:.1%} of the wall time (fresh process), "
          f"{same['inner']:.1%} inside run_scan, {same['cpu']:.1%} of the CPU time")
    if week:
        print(f"week-later re-scan / first scan (slowest of {len(weekly)}): {week['wall']:.1%} of the wall time, "
              f"{week['inner']:.1%} inside run_scan, {week['cpu']:.1%} of the CPU time")
    profiled = run_child(home, f"bench-W{len(scans) + len(weekly) + 1:02d}-profiled", pycache, profile=True)
    print(f"\none more same-day re-scan under cProfile ({profiled['inner_s']:.1f} s inside, profiler overhead included):")
    for label, secs in profiled["profile"].items():
        print(f"  {label}: {secs:.2f} s")
    profiled_week = None
    if weekly:
        later = day0 + dt.timedelta(days=7 * (len(weekly) + 1))
        profiled_week = run_child(home, f"bench-W{len(scans) + len(weekly) + 2:02d}-week{len(weekly) + 1}-profiled",
                                  pycache, profile=True, as_of=later.isoformat())
        print(f"\none more week-later re-scan under cProfile ({profiled_week['inner_s']:.1f} s inside):")
        for label, secs in profiled_week["profile"].items():
            print(f"  {label}: {secs:.2f} s")
    print("\nageing alone (same documents, later as_of):")
    aged = ageing(home)
    save("rescan", {"documents": n_docs, "scans": scans, "week_later": weekly,
                    "rescan_share": same["wall"], "rescan_share_inner": same["inner"], "rescan_share_cpu": same["cpu"],
                    "week_later_share": week.get("wall"), "week_later_share_inner": week.get("inner"),
                    "week_later_share_cpu": week.get("cpu"),
                    "headline_share": week.get("wall", same["wall"]), "headline": "week_later" if week else "same_day",
                    "profiled_rescan": profiled, "profiled_week_later": profiled_week, "ageing": aged, "home": str(home)})


if __name__ == "__main__":
    main()
