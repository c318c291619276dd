"""Run every benchmark (each in its own process, one after another) and render docs/benchmarks.md from the figures.

Usage:
  python bench/run_all.py                    run crawl, embed, rescan, cluster and scale, then render the page
  python bench/run_all.py --only embed,crawl run some, keep the others' last figures
  python bench/run_all.py --render           only render docs/benchmarks.md from bench/results/*.json

Each benchmark writes bench/results/<name>.json (machine, date, load average and every figure);
bench/benchmarks.md.j2 lays them out, and the helpers here add what the page derives from them
(the targets, the machines). Figures, never assertions: a benchmark that misses its target says so
on the page and exits 0.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jinja2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PY, RESULTS, ROOT, loadavg  # noqa: E402

BENCHES: dict[str, list[str]] = {
    "crawl": ["bench/crawl_bench.py"],
    "embed": ["bench/embed_bench.py"],
    "rescan": ["bench/rescan_bench.py"],
    "cluster": ["bench/cluster_bench.py"],
    "scale": ["bench/scale_bench.py", "--rescore"],
}
# Every results file the page reads; ingest.json is written by `bench/ingest_bench.py --save`, one entry per scenario.
RESULT_NAMES = ("embed", "rescan", "cluster", "ingest", "scale", "crawl")
TEMPLATE = ROOT / "bench" / "benchmarks.md.j2"
DOC = ROOT / "docs" / "benchmarks.md"
# The cluster benchmark's k study and components study slices of ../shared/data.
SLICE_TITLES = {"conference_other": "conference abstracts other than the benchmark's",
                "arxiv_frontier": "recent arXiv + frontier-field papers (many titles only)"}
# The ingest target and the views', in the units the JSON files use.
INGEST_TARGET, VIEWS_TARGET_MS, CLUSTER_MEMORY_TARGET_MB = 20_000, 200, 8192


def run(names: list[str]) -> None:
    for name in names:
        print(f"\n######## {name} (load average {loadavg()}) ########", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run([PY, *BENCHES[name]], cwd=ROOT)
        print(f"######## {name}: exit {proc.returncode} after {time.perf_counter() - t0:.0f} s", flush=True)


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def n_components() -> int:
    """The PCA dimensions the clusterer is configured with, for cluster.json files that do not record them."""
    from scoring.topics.config import load_topics_config

    return load_topics_config().cluster.n_components


# ───────────────────────────── formatting (template filters) ─────────────────────────────


def fmt(x: float | None, spec: str = ",.0f", unit: str = "") -> str:
    """`{{ x|fmt(".2f", " s") }}`; a missing figure is a dash."""
    return "—" if x is None else f"{x:{spec}}{unit}"


def pct(x: float | None) -> str:
    return fmt(x, ".1%")


def met(ok: bool | None) -> str:
    return "—" if ok is None else ("**met**" if ok else "**not met**")


# ───────────────────────────── machines and commands ─────────────────────────────

MACHINE_KEYS = ("nproc", "cpu", "cpu_flags", "memory_gib", "python", "torch", "sentence-transformers",
                "scikit-learn", "numpy", "duckdb")


def machines(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The distinct machines the figures came from, labelled A, B, ..., each with the benchmarks it ran."""
    found: dict[tuple, dict[str, Any]] = {}
    for name, r in results.items():
        for m in _machine_records(name, r):
            key = tuple(m.get(k) for k in MACHINE_KEYS)
            found.setdefault(key, {"facts": m, "benchmarks": []})["benchmarks"].append(name)
    out = list(found.values())
    for i, m in enumerate(out):
        m["label"] = chr(ord("A") + i)
        m["benchmarks"] = list(dict.fromkeys(m["benchmarks"]))
    return out


def _machine_records(name: str, r: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not r:
        return []
    if name == "ingest":  # one entry per scenario, each with its own machine where it was recorded
        return [s["machine"] for s in r.values() if "machine" in s]
    return [r["machine"]] if "machine" in r else []


def machine_label(known: list[dict[str, Any]], m: dict[str, Any] | None) -> str:
    if not m:
        return "not recorded"
    key = tuple(m.get(k) for k in MACHINE_KEYS)
    return next(x["label"] for x in known if tuple(x["facts"].get(k) for k in MACHINE_KEYS) == key)


def ingest_command(name: str, scenario: dict[str, Any]) -> str:
    """The ingest_bench.py command that measures a scenario again: its engine, copies and preloaded copies."""
    engine, copies = name.split(", ")[0], int(name.split(", ")[1].split()[0])
    args = ["python bench/ingest_bench.py --save"]
    if engine != "auto":
        args.append(f"--engine {engine}")
    if copies != 1:
        args.append(f"--copies {copies}")
    before = scenario.get("warehouse_documents_before")
    if before:
        args.append(f"--preload {scenario.get('preload') or round(before / scenario.get('docs_new', scenario['rows']))}")
    return " ".join(args)


def runs(results: dict[str, Any], known: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """For each benchmark: the command that reproduces its figures, its machine, when it ran and under what load."""
    out: dict[str, dict[str, Any]] = {}
    for name, r in results.items():
        if r and "machine" in r:
            out[name] = {"command": "python " + " ".join(BENCHES[name]), "machine": machine_label(known, r["machine"]),
                         "date": r["machine"]["date"], "loadavg": r["machine"]["loadavg"]}
    for scenario, s in (results.get("ingest") or {}).items():
        before = s.get("load_average_before")
        out[f"ingest: {scenario}"] = {"command": ingest_command(scenario, s), "machine": machine_label(known, s.get("machine")),
                                      "date": s["when"], "loadavg": " ".join(f"{x:.2f}" for x in before) if before else "—"}
    return out


# ───────────────────────────── the targets table ─────────────────────────────


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per target: what, target, measured, verdict, and the benchmark (run) that measured it."""
    rows: list[dict[str, Any]] = []
    for part in (_embed_targets, _rescan_targets, _cluster_targets, _ingest_targets, _scale_targets, _crawl_targets):
        rows += part(res)
    return rows


def _row(num: int, what: str, target: str, measured: str, verdict: str, run: str) -> dict[str, Any]:
    return {"num": num, "what": what, "target": target, "measured": measured, "verdict": verdict, "run": run}


def _embed_targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    if not res["embed"]:
        return []
    r = res["embed"]["stage_vs_bare"]["ratio"]
    return [_row(1, "embed stage / bare model (documents/s, same texts, same run)", "≥ 0.8", f"{r:.2f}",
                 met(r >= 0.8), "embed")]


def _rescan_targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    rescan = res["rescan"]
    if not rescan:
        return []
    same_day, week = rescan["rescan_share"], rescan.get("week_later_share")
    what = "second scan with nothing new / first scan (wall, fresh process)"
    if week is None:
        return [_row(2, what, "≤ 5%", pct(same_day), met(same_day <= 0.05), "rescan")]
    # The same-day re-scan is the target's own reading; a week later (the weekly job) is the stricter one.
    if week <= 0.05 or same_day > 0.05:
        verdict = met(week <= 0.05)
    else:
        verdict = (f"{met(True)} the same day; **not met** a week later "
                   f"({pct(rescan['week_later_share_cpu'])} of the CPU time)")
    return [_row(2, what, "≤ 5%", f"same day {pct(same_day)}; a week later {pct(week)} (slower of "
                 f"{len(rescan.get('week_later') or [])})", verdict, "rescan")]


def _cluster_targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    cluster = res["cluster"]
    if not cluster or "speedup" not in cluster:
        return []
    f, b = cluster["methods"]["futurescan"], cluster["methods"]["bertopic"]
    same = cluster["methods"].get("futurescan_same_k", {})
    return [
        _row(3, "clustering + representation vs BERTopic: speed (fresh process, median wall)", "≥ 10×",
             f"{cluster['speedup']:.1f}× ({cluster['cpu_speedup']:.1f}× in CPU time)", met(cluster["speedup"] >= 10),
             "cluster"),
        _row(3, "… peak memory, share of BERTopic's", "≤ ¼",
             f"{cluster['memory_share']:.2f} ({f['peak_rss_mb']:,.0f} vs {b['peak_rss_mb']:,.0f} MB)",
             met(cluster["memory_share"] <= 0.25), "cluster"),
        _row(3, "… documents unassigned", "≤ 5%", f"{pct(f['unassigned'])} (BERTopic {pct(b['unassigned'])})",
             met(f["unassigned"] <= 0.05), "cluster"),
        _row(3, "… coherence (mean intra-topic cosine) at the same number of topics", "≥ BERTopic's",
             _coherence_measured(cluster), sweep_verdict(cluster.get("granularity_sweep") or [],
                                                         same.get("coherence", 0) >= b["coherence"]), "cluster"),
    ]


def _coherence_measured(cluster: dict[str, Any]) -> str:
    f, b = cluster["methods"]["futurescan"], cluster["methods"]["bertopic"]
    same = cluster["methods"].get("futurescan_same_k", {})
    parts = []
    sweep = cluster.get("granularity_sweep") or []
    asked = [r["bertopic_coherence"] for r in sweep if "nr_topics" in r["setting"]]
    if asked:
        parts.append(f"at futurescan's default ({f['topics']} topics) {f['coherence']:.3f} vs BERTopic asked for "
                     f"{f['topics']} {statistics.median(asked):.3f}")
    parts.append(f"at BERTopic's default ({b['topics']}) {same.get('coherence', 0):.3f} vs {b['coherence']:.3f}")
    if sweep:
        diffs = [r["difference"] for r in sweep]
        parts.append(f"all {len(sweep)} sweep runs ({min(r['topics'] for r in sweep)}–{max(r['topics'] for r in sweep)} "
                     f"topics) {min(diffs):+.3f} to {max(diffs):+.3f}")
    parts.append(f"each at its own default {f['coherence']:.3f} vs {b['coherence']:.3f}")
    return "; ".join(parts)


def sweep_verdict(sweep: list[dict], same_k_ok: bool) -> str:
    """The coherence target at equal numbers of topics: met everywhere, at both defaults only, or not."""
    # BERTopic's default (min_topic_size=10) and BERTopic asked for futurescan's default count.
    defaults = [r for r in sweep if r["setting"] == {"min_topic_size": 10} or "nr_topics" in r["setting"]]
    if same_k_ok and all(r["difference"] >= 0 for r in sweep):
        return met(True)
    short = [r for r in sweep if r["difference"] < 0]
    if same_k_ok and defaults and all(r["difference"] >= 0 for r in defaults):
        lo, hi = min(r["topics"] for r in short), max(r["topics"] for r in short)
        return (f"**met** at both defaults' numbers of topics; **not met** at {lo}–{hi} topics "
                f"({min(r['difference'] for r in short):+.3f})")
    return met(False)


def _ingest_targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    scenario = "auto, 1 copy into an empty warehouse"
    empty = (res["ingest"] or {}).get(scenario)
    if not empty:
        return []
    rate = empty["documents_per_second"]
    return [_row(4, f"ingest rate, {empty['rows']:,} conference papers into an empty warehouse",
                 f"≥ {INGEST_TARGET:,} docs/s", f"{rate:,.0f} docs/s (median of {empty.get('runs', 1)})",
                 met(rate >= INGEST_TARGET), f"ingest: {scenario}")]


def _scale_targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    scale = res["scale"]
    if not scale:
        return []
    rate, n = scale["ingest_docs_per_s"], scale["documents"]
    rows = [_row(4, f"ingest rate, building the {n:,}-document warehouse", f"≥ {INGEST_TARGET:,} docs/s",
                 f"{rate:,.0f} docs/s", met(rate >= INGEST_TARGET), "scale")]
    if "views" in scale:
        v = scale["views"]
        worst = max(v["watchlist_first_ms"], v["assess_first_max_ms"])
        rows.append(_row(4, f"watchlist / assess latency at {n:,} documents", f"< {VIEWS_TARGET_MS} ms",
                         f"watchlist {v['watchlist_first_ms']:,.0f} ms; assess median {v['assess_first_median_ms']:,.0f} "
                         f"ms, slowest {v['assess_first_max_ms']:,.0f} ms", met(worst < VIEWS_TARGET_MS), "scale"))
    if "cluster" in scale:
        c = scale["cluster"]
        rows.append(_row(4, f"clustering peak memory at {c['documents']:,} × 384", f"< {CLUSTER_MEMORY_TARGET_MB // 1024} GB",
                         f"{c['peak_rss_mb'] / 1024:.1f} GB", met(c["peak_rss_mb"] < CLUSTER_MEMORY_TARGET_MB), "scale"))
    with_vectors = scale.get("size_mb_with_vectors")
    rows.append(_row(4, "warehouse size on disk", "(report)", f"{scale['size_mb_without_vectors'] / 1024:.2f} GB without "
                     "vectors" + (f", {with_vectors / 1024:.2f} GB with 384-d vectors" if with_vectors else ""), "", "scale"))
    return rows


def _crawl_targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    crawl = res["crawl"]
    if not crawl:
        return []
    rate = sum(r["requests"] for r in crawl["off"]) / sum(r["process_s"] for r in crawl["off"])
    rows = [_row(5, "crawl, politeness off (our ceiling)", "(report)", f"{rate:.1f} pages/s over whole crawl processes",
                 "", "crawl")]
    if "on" in crawl:
        hosts = crawl["on"]["hosts"]
        rows.append(_row(5, "crawl, politeness on: every published limit kept", "never exceeded",
                         f"{sum(h['respected'] for h in hosts)} of {len(hosts)} hosts", met(crawl["on"]["all_respected"]),
                         "crawl"))
    return rows


# ───────────────────────────── the page ─────────────────────────────


def render() -> str:
    """docs/benchmarks.md from bench/results/*.json through bench/benchmarks.md.j2."""
    results = {name: load(name) for name in RESULT_NAMES}
    known = machines(results)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE.parent), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)
    env.filters.update(fmt=fmt, pct=pct, median=statistics.median, sqrt=math.sqrt,
                       process_minus_span=lambda r: r["process_s"] - r["span_s"])
    env.tests["search"] = lambda value, pattern: re.search(pattern, value) is not None
    cluster = results["cluster"] or {}
    return env.get_template(TEMPLATE.name).render(
        **results, machines=known, runs=runs(results, known), targets=targets(results), benches=list(BENCHES),
        n_components=cluster.get("n_components") or n_components(), slice_titles=SLICE_TITLES,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help=f"comma-separated: {', '.join(BENCHES)}")
    parser.add_argument("--render", action="store_true", help="only regenerate docs/benchmarks.md")
    args = parser.parse_args()
    if not args.render:
        names = [n.strip() for n in args.only.split(",")] if args.only else list(BENCHES)
        unknown = [n for n in names if n not in BENCHES]
        if unknown:
            sys.exit(f"unknown benchmark(s) {unknown}; choose from {list(BENCHES)}")
        run(names)
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
