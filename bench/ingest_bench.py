"""Benchmark: bulk ingest of a large landing file built from ../shared/data; prints docs/s and peak memory.

Usage: python bench/ingest_bench.py [--copies N]   (not a test: figures only, no assertions)

bench/scale_bench.py builds the million-document warehouse from every corpus (and profiles the ingest);
this script is the quick check on the conference corpus alone.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from warehouse.corpora import ADAPTERS  # noqa: E402
from warehouse.db import connect_writer  # noqa: E402
from warehouse.ingest import ingest_file  # noqa: E402
from warehouse.migrate import migrate  # noqa: E402

CORPUS = ROOT.parent / "shared" / "data" / "papers_conference_multiyear" / "conference_papers.jsonl.gz"


def build_landing(out: Path, copies: int) -> int:
    """Write the conference corpus as landing records (copies > 1 repeat it under new ids)."""
    adapter = ADAPTERS["conference_papers"]
    n = 0
    with open(out, "w", encoding="utf-8") as fh:
        for copy in range(copies):
            with gzip.open(CORPUS, "rt", encoding="utf-8") as src:
                for line in src:
                    rec = adapter(json.loads(line))
                    if copy:
                        rec["source_record_id"] = f"{rec['source_record_id']}#{copy}"
                        rec["title"] = f"{rec['title']} ({copy})"
                    fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                    n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None, help="validating processes (default: ingest_file's)")
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"corpus not found: {CORPUS}")
    with tempfile.TemporaryDirectory() as tmp:
        landing = Path(tmp) / "conference-landing.jsonl"
        n = build_landing(landing, args.copies)
        con = connect_writer(Path(tmp) / "bench.duckdb")
        migrate(con)
        start = time.perf_counter()
        rep = ingest_file(con, landing, fmt="landing", workers=args.workers)
        secs = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        size_mb = (Path(tmp) / "bench.duckdb").stat().st_size / 1e6
        print(f"landing rows: {n:,}  loaded: {rep.rows_loaded:,}  rejected: {rep.rows_rejected:,}")
        print(f"documents new: {rep.docs_new:,}  merged into existing: {rep.docs_unchanged + rep.docs_updated:,}")
        print(f"ingest time: {secs:.1f} s  ->  {rep.rows_loaded / secs:,.0f} documents/second")
        print(f"peak memory (RSS, this process; the validating workers are separate): {peak_mb:,.0f} MB   "
              f"warehouse size: {size_mb:,.0f} MB")
        print("load average: {:.2f} {:.2f} {:.2f} (2 cores: above 2, other work competed)".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
