"""Benchmark: bulk ingest of a large landing file built from ../shared/data; prints docs/s and peak memory.

Usage: python bench/ingest_bench.py [--copies N] [--preload M] [--engine auto|sql|python] [--repeat R] [--save]
(not a test: figures only, no assertions; hold the shared lock: flock /tmp/futurescan-bench.lock ...)

The landing file is the conference corpus written as landing records, `--copies` times
(each copy under new record ids and suffixed titles, so every copy is new documents). With `--preload M`
the warehouse first receives M other copies (in a separate process, untimed), so the timed load meets a
warehouse of M copies' documents: the rate as the warehouse grows. The load is timed `--repeat` times
(default 3), each into a fresh warehouse, and the median run is reported: the same load varies from run to run
on a shared machine. `--save` records the median run and every run's rate in
bench/results/ingest.json under the scenario's name.

bench/scale_bench.py builds the million-document warehouse from every corpus (and profiles the ingest);
this script is the quick check on the conference corpus alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import machine  # noqa: E402

from warehouse.corpora import ADAPTERS  # noqa: E402

CORPUS = ROOT.parent / "shared" / "data" / "papers_conference_multiyear" / "conference_papers.jsonl.gz"
RESULTS = ROOT / "bench" / "results" / "ingest.json"


def build_landing(out: Path, copies: int, first_copy: int = 0) -> int:
    """Write the conference corpus as landing records (copy k > 0 repeats it under new ids and titles)."""
    adapter = ADAPTERS["conference_papers"]
    n = 0
    with open(out, "w", encoding="utf-8") as fh:
        for copy in range(first_copy, first_copy + copies):
            with gzip.open(CORPUS, "rt", encoding="utf-8") as src:
                for line in src:
                    rec = adapter(json.loads(line))
                    if copy:
                        rec["source_record_id"] = f"{rec['source_record_id']}#{copy}"
                        rec["title"] = f"{rec['title']} ({copy})"
                    fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                    n += 1
    return n


def preload(db: Path, tmp: Path, copies: int) -> int:
    """Fill the warehouse with `copies` other copies of the corpus, in a child process (its memory is not ours)."""
    landing = tmp / "preload-landing.jsonl"
    build_landing(landing, copies, first_copy=100)
    loaded = load_in_child(db, landing, "auto", {})
    landing.unlink()
    return loaded["docs_new"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--preload", type=int, default=0, help="copies loaded (untimed) before the timed load")
    parser.add_argument("--engine", choices=("auto", "sql", "python"), default="auto")
    parser.add_argument("--workers", type=int, default=None, help="validating processes (python engine)")
    parser.add_argument("--block-mb", type=int, default=None, help="bytes of landing lines judged at a time (sql)")
    parser.add_argument("--repeat", type=int, default=3, help="timed loads, each into a fresh warehouse; the median is reported")
    parser.add_argument("--save", action="store_true", help="record the figures in bench/results/ingest.json")
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"corpus not found: {CORPUS}")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        seed = tmp / "preloaded.duckdb"
        stored = preload(seed, tmp, args.preload) if args.preload else 0
        landing = tmp / "conference-landing.jsonl"
        n = build_landing(landing, args.copies)
        runs = [timed_load(seed if args.preload else None, tmp / f"run{i}.duckdb", landing, args)
                for i in range(args.repeat)]
    rates = sorted(r["documents_per_second"] for r in runs)
    median = sorted(runs, key=lambda r: r["documents_per_second"])[(len(runs) - 1) // 2]
    print(f"landing rows: {n:,}  loaded: {median['rows_loaded']:,}  rejected: {median['rows_rejected']:,}  "
          f"engine: {median['engine']}  rows validated one by one in Python: {median['rows_python']:,}")
    print(f"warehouse before: {stored:,} documents  documents new: {median['docs_new']:,}  "
          f"merged into existing: {median['docs_merged']:,}")
    for i, r in enumerate(runs, 1):
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in r["phases_seconds"].items())
        print(f"run {i}: {r['seconds']:.1f} s -> {r['documents_per_second']:,.0f} documents/second "
              f"(CPU {r['cpu_seconds']:.1f} s; {phases}; load average before {r['load_average_before'][0]:.2f})")
    print(f"median of {len(runs)} runs: {median['documents_per_second']:,.0f} documents/second "
          f"(range {rates[0]:,.0f}-{rates[-1]:,.0f})")
    print(f"peak memory (RSS of the loading process{'' if median['engine'] == 'sql' else '; validating workers are separate'}): "
          f"{max(r['peak_rss_mb'] for r in runs):,.0f} MB   warehouse size: {median['warehouse_mb']:,.0f} MB")
    if args.save:
        scenario = f"{args.engine}, {args.copies} cop{'y' if args.copies == 1 else 'ies'}" + (
            f" into {stored:,} documents" if args.preload else " into an empty warehouse")
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        results[scenario] = {
            "when": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "machine": machine(),
            "preload": args.preload,
            "rows": median["rows_loaded"],
            "warehouse_documents_before": stored,
            **{k: v for k, v in median.items() if k not in ("rows_loaded", "rows_python")},
            "rows_validated_in_python": median["rows_python"],
            "runs": len(runs),
            "documents_per_second_runs": [r["documents_per_second"] for r in runs],
        }
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        print(f"saved to {RESULTS.relative_to(ROOT)} as {scenario!r} (the median run)")


_TIMED = """
import json, os, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from warehouse.db import connect_writer
from warehouse.ingest import ingest_file
from warehouse.migrate import migrate
db, landing, engine = Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
extra = json.loads(sys.argv[5])
con = connect_writer(db)
migrate(con)
load_before = os.getloadavg()
cpu0 = time.process_time()
start = time.perf_counter()
rep = ingest_file(con, landing, fmt="landing", engine=engine, **extra)
con.execute("CHECKPOINT")  # on the clock: until the rows are in the warehouse file, not only in its write-ahead log
secs = time.perf_counter() - start
cpu = time.process_time() - cpu0
con.close()
print(json.dumps({
    "seconds": round(secs, 2), "documents_per_second": round(rep.rows_loaded / secs), "cpu_seconds": round(cpu, 2),
    "phases_seconds": {k: round(v, 2) for k, v in rep.phase_seconds.items()},
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "warehouse_mb": round(db.stat().st_size / 1e6),
    "load_average_before": [round(x, 2) for x in load_before], "load_average_after": [round(x, 2) for x in os.getloadavg()],
    "engine": rep.engine, "rows_total": rep.rows_total, "rows_loaded": rep.rows_loaded, "rows_rejected": rep.rows_rejected,
    "rows_python": rep.rows_python, "docs_new": rep.docs_new, "docs_merged": rep.docs_unchanged + rep.docs_updated,
}))
"""


def load_in_child(db: Path, landing: Path, engine: str, extra: dict) -> dict:
    """Load the landing file into `db` in a fresh process, as `futurescan ingest` runs (the clock covers the load
    and the checkpoint that writes it into the warehouse file, not the imports); its figures and counts."""
    out = subprocess.run([sys.executable, "-c", _TIMED, str(ROOT), str(db), str(landing), engine, json.dumps(extra)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def timed_load(seed: Path | None, db: Path, landing: Path, args: argparse.Namespace) -> dict:
    """One timed load of the landing file into a fresh warehouse (a copy of `seed` when preloaded)."""
    if seed is not None:
        shutil.copyfile(seed, db)
    extra: dict = {"block_bytes": args.block_mb << 20} if args.block_mb else {}
    if args.workers:
        extra["workers"] = args.workers
    result = load_in_child(db, landing, args.engine, extra)
    db.unlink()
    return result


if __name__ == "__main__":
    main()
