"""Benchmark: crawling the shipped snapshot from a local replay server — our code's ceiling, and politeness proven from the server's log.

Usage: python bench/crawl_bench.py [--policy-pages 60] [--skip-polite]   (figures only, no assertions)

1. Politeness off (what `futurescan crawl --snapshot` does against 127.0.0.1: delays and
   AutoThrottle off; robots.txt, per-domain concurrency and retries as shipped): each source
   crawled alone, real `scrapy crawl` subprocess through flows.crawl.execute. Pages/second over
   the whole process (start-up included) and over the span from the first to the last request the
   server saw.
2. Politeness on (the settings a live crawl uses): every source at once against the same server,
   which stamps each request it receives with the time; per host, the smallest gap between two
   requests and the most requests in any 1-second window, against the limit the source publishes.
   The policy crawl is capped at --policy-pages pages (the whole policy snapshot at its live delay
   would take many minutes).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import header, loadavg, require_data, save  # noqa: E402

# Published limits (requests per second, and the minimum gap they imply) per host.
PUBLISHED = {
    "export.arxiv.org": (1 / 3, "arXiv API terms of use: no more than 1 request every 3 seconds, one connection"),
    "eutils.ncbi.nlm.nih.gov": (3.0, "NCBI E-utilities: at most 3 requests/second without an API key"),
    "api.crossref.org": (5.0, "Crossref public pool: 5 requests/second, 1 concurrent (the pool limits it publishes)"),
}
# Hosts with no published limit are held to our own floor (spiders/settings.py and the spider's custom settings).
OWN_FLOOR_S = {"lawlib.snapshot.futurescan.invalid": 2.0}
DEFAULT_FLOOR_S = 1.0


class StampedLog(list):
    """The replay server's request log, each URL stamped with the monotonic time it arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()

    def append(self, url: Any) -> None:  # called from the server's handler threads
        with self.lock:
            super().append((time.monotonic(), url))


def start_server(folder: Path) -> Any:
    from spiders.replay import ReplayServer

    server = ReplayServer(folder)
    server.log = StampedLog()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


def stop_server(server: Any) -> None:
    server.shutdown()
    server.server_close()


def plans(folder: Path, home: Path, base_url: str, polite: bool, policy_pages: int) -> list[Any]:
    from flows.crawl import plan_crawl, snapshot_args
    from flows.settings import Settings

    settings = Settings(home=home)
    out = []
    for source, args in snapshot_args(folder).items():
        plan = plan_crawl(source, settings, mode="snapshot", base_url=base_url, args=args)
        if polite:
            # What a live crawl runs with: the delays and AutoThrottle that only loopback replay relaxes.
            plan.settings.pop("DOWNLOAD_DELAY", None)
            plan.settings.pop("AUTOTHROTTLE_ENABLED", None)
            if source == "policy" and policy_pages:
                plan.settings["CLOSESPIDER_PAGECOUNT"] = str(policy_pages)
        plan.settings["LOG_LEVEL"] = "WARNING"
        out.append(plan)
    return out


def by_host(log: list[tuple[float, str]]) -> dict[str, list[float]]:
    hosts: dict[str, list[float]] = defaultdict(list)
    for t, url in log:
        hosts[urlsplit(url).netloc.lower()].append(t)
    return {h: sorted(ts) for h, ts in hosts.items()}


def max_in_window(ts: list[float], window: float = 1.0) -> int:
    best, j = 0, 0
    for i in range(len(ts)):
        while ts[i] - ts[j] >= window:
            j += 1
        best = max(best, i - j + 1)
    return best


def politeness_off(folder: Path) -> list[dict[str, Any]]:
    from flows.crawl import execute

    rows = []
    print("politeness off (snapshot mode: no delays, no AutoThrottle), one source at a time:")
    print(f"  {'source':<9} {'requests':>8} {'items':>6} {'process s':>9} {'pages/s':>8} {'span s':>7} {'pages/s in span':>15}")
    for plan in plans(folder, Path(tempfile.mkdtemp(prefix="fs-crawl-off-")), "", False, 0):
        server = start_server(folder)
        try:
            plan.args["base_url"] = server.base_url
            # plan_crawl relaxed the delays only because the base URL was loopback; keep them relaxed.
            plan.settings.update({"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False"})
            outcome = execute(plan, None, 600)
        finally:
            stop_server(server)
        stamps = [t for t, _ in server.log]
        n = len(stamps)
        span = (max(stamps) - min(stamps)) if n > 1 else 0.0
        row = {"source": plan.source, "status": outcome.status, "requests": n,
               "items": outcome.report.get("items", 0), "process_s": outcome.seconds,
               "pages_per_s": n / outcome.seconds if outcome.seconds else 0.0, "span_s": span,
               "pages_per_s_span": (n - 1) / span if span else None, "loadavg": loadavg()}
        rows.append(row)
        pps_span = f"{row['pages_per_s_span']:.1f}" if row["pages_per_s_span"] else "-"
        print(f"  {plan.source:<9} {n:8d} {row['items']:6d} {outcome.seconds:9.1f} {row['pages_per_s']:8.1f} "
              f"{span:7.1f} {pps_span:>15}  ({outcome.status})")
    total_req = sum(r["requests"] for r in rows)
    total_s = sum(r["process_s"] for r in rows)
    print(f"  all sources: {total_req} pages in {total_s:.1f} s of crawl processes = {total_req / total_s:.1f} pages/s")
    return rows


def politeness_on(folder: Path, policy_pages: int) -> dict[str, Any]:
    from flows.crawl import execute

    print(f"\npoliteness on (live settings), all sources at once; policy capped at {policy_pages} pages:")
    server = start_server(folder)
    try:
        todo = plans(folder, Path(tempfile.mkdtemp(prefix="fs-crawl-on-")), server.base_url, True, policy_pages)
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=len(todo)) as pool:
            outcomes = list(pool.map(lambda p: execute(p, None, 900), todo))
        wall = time.perf_counter() - t0
    finally:
        stop_server(server)
    hosts = by_host(list(server.log))
    checks = []
    print(f"  {'host':<36} {'requests':>8} {'min gap s':>9} {'max in 1 s':>10}  verdict, limit")
    for host, ts in sorted(hosts.items(), key=lambda x: -len(x[1])):
        gaps = [b - a for a, b in zip(ts, ts[1:], strict=False)]
        min_gap = min(gaps) if gaps else None
        peak = max_in_window(ts)
        if host in PUBLISHED:
            rate, why = PUBLISHED[host]
            # Strictly: r/s allows at most floor(r) requests in any 1 s window; for r < 1, one per 1/r seconds.
            need_gap = 1 / rate if rate < 1 else None
            ok = (min_gap is None or min_gap >= need_gap) if need_gap else peak <= int(rate)
            limit = why
        else:
            need_gap = OWN_FLOOR_S.get(host, DEFAULT_FLOOR_S)
            ok = min_gap is None or min_gap >= need_gap
            limit = f"no published limit; our floor: 1 request per {need_gap:g} s"
        short_ms = (need_gap - min_gap) * 1000 if (need_gap and min_gap is not None and min_gap < need_gap) else 0.0
        mean_gap = (ts[-1] - ts[0]) / (len(ts) - 1) if len(ts) > 1 else None
        checks.append({"host": host, "requests": len(ts), "min_gap_s": min_gap, "mean_gap_s": mean_gap, "max_per_1s": peak,
                       "required_gap_s": need_gap, "short_by_ms": short_ms, "limit": limit, "respected": ok})
        gap = f"{min_gap:.3f}" if min_gap is not None else "-"
        verdict = "OK  " if ok else f"OVER by {short_ms:.0f} ms:"
        print(f"  {host:<36} {len(ts):8d} {gap:>9} {peak:10d}  {verdict} {limit}")
    return {
        "wall_s": wall, "hosts": checks, "all_respected": all(c["respected"] for c in checks),
        "crawls": [{"source": o.source, "status": o.status, "seconds": o.seconds,
                    "requests": o.report.get("requests", 0), "items": o.report.get("items", 0)} for o in outcomes],
        "policy_pages_cap": policy_pages, "loadavg": loadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policy-pages", type=int, default=60)
    parser.add_argument("--skip-polite", action="store_true")
    args = parser.parse_args()
    require_data()
    from flows.crawl import unpack_snapshot

    header("crawl against the local replay server")
    folder = unpack_snapshot(Path(tempfile.mkdtemp(prefix="fs-crawl-cache-")))
    result: dict[str, Any] = {"off": politeness_off(folder)}
    if not args.skip_polite:
        result["on"] = politeness_on(folder, args.policy_pages)
        print(f"  every published limit and our own floors respected: {result['on']['all_respected']} "
              f"(wall {result['on']['wall_s']:.0f} s)")
    save("crawl", result)


if __name__ == "__main__":
    main()
