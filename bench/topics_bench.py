"""Benchmark and evidence for the topic analysis on ../shared/data: embedding recipes, a full backfill, yearly lineage.

Usage (figures only, no assertions; each prints what it measured):

  python bench/topics_bench.py recipes  [--n 1500]            speed vs quality of what is embedded
  python bench/topics_bench.py backfill [--home DIR]          ingest everything, run the full analysis once
  python bench/topics_bench.py throughput --home DIR [--n 20000]   re-embed a random sample: the stage's speed
  python bench/topics_bench.py lineage  [--home DIR] [--embeddings-from DB]
                                        conference papers + Chinese news, as of 2024-01-01 then 2025-01-01

Heavy: `backfill` embeds every English document of ../shared/data (a long run); do not run two at once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

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
LINEAGE_CORPORA = [
    "papers_conference_multiyear/conference_papers.jsonl.gz",
    "news_zh_xwlb_tech/xwlb_tech_news.jsonl.gz",
    "news_zh_hotlists_tech/hotlists_tech.jsonl.gz",
    "news_zh_feed_2021_2022/feed_zh_tech_news.jsonl.gz",
    "news_zh_ruanyf_weekly/ruanyf_weekly_news_items.jsonl.gz",
]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process (all threads): what the work cost, whatever else ran on the machine."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def ingest(con: Any, corpora: list[str]) -> None:
    from warehouse.ingest import ingest_file

    for rel in corpora:
        path = DATA / rel
        t = time.perf_counter()
        rep = ingest_file(con, path)
        print(f"  ingested {path.name}: {rep.rows_loaded:,} rows in {time.perf_counter() - t:.1f} s"
              + (" (already loaded)" if rep.skipped else ""))


def open_home(home: Path | None, corpora: list[str]) -> Any:
    from warehouse.db import connect_writer
    from warehouse.migrate import migrate

    home = home or Path(tempfile.mkdtemp(prefix="fs-topics-bench-"))
    home.mkdir(parents=True, exist_ok=True)
    print(f"FUTURESCAN_HOME for this bench: {home}")
    con = connect_writer(home / "warehouse.duckdb")
    migrate(con)
    ingest(con, corpora)
    return con


def print_summary(summary: Any, con: Any, top: int = 15) -> None:
    from warehouse.topics_store import list_topics

    print(f"\n== analysis {summary.scan_id} (as of {summary.as_of or 'all'}) ==")
    for line in summary.paths:
        print("  " + line)
    print(f"  documents: {summary.documents:,}; embedded {summary.embedded:,} "
          f"({summary.embedded_unique_texts:,} distinct texts) in {summary.embed_seconds:.0f} s "
          f"= {summary.docs_per_second:.1f} documents embedded per second; reused identical texts: "
          f"{summary.embeddings_reused:,}")
    for s in summary.spaces:
        print(f"  space {s.space}: {s.documents:,} documents, {s.topics} topics, unassigned {s.unassigned_share:.1%} "
              f"({s.start} start); events: {dict(sorted(s.events.items()))}")
    print(f"  total topics {summary.topics}; unassigned share {summary.unassigned_share:.1%}")
    print(f"  links: {summary.links}; topic links {summary.topic_links}; candidates {summary.candidates}")
    print(f"  seconds by stage: {summary.seconds}; peak RSS {peak_rss_mb():.0f} MB")
    for s in summary.spaces:
        rows = list_topics(con, scan_id=summary.scan_id, space=s.space, limit=top)
        print(f"\n  top topics in {s.space}:")
        for r in rows:
            print(f"    {r['topic_id']} {r['size']:>6,}  growth {r['growth'] if r['growth'] is not None else '-':>5}  "
                  f"{r['label']}  [{r['technology'] or 'no technology'}]")


# ───────────────────────────── recipes ─────────────────────────────


def recipes(args: argparse.Namespace) -> None:
    """Cost and quality of what is embedded, against the reference "title + full abstract, 256 tokens".

    Throughput is measured single-threaded in CPU time, so figures do not depend on what else runs
    on the machine; 2 idle cores give a little under twice as much. Quality: share of each paper's
    10 nearest neighbours kept, mean cosine to the reference vector, and agreement (adjusted Rand
    index) of k-means topics with the reference's.
    """
    import numpy as np
    import torch
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    from scoring.topics.embed import SentenceTransformerEmbedder, embedding_text

    torch.set_num_threads(1)
    rows: list[dict[str, Any]] = []
    with gzip.open(DATA / "papers_conference_multiyear/conference_papers.jsonl.gz", "rt") as fh:
        for i, line in enumerate(fh):
            if i % 37:
                continue
            r = json.loads(line)
            if r.get("abstract"):
                rows.append(r)
            if len(rows) >= args.n:
                break
    titles = [r["title"] for r in rows]
    abstracts = [r["abstract"] for r in rows]
    print(f"{len(rows)} conference papers with abstracts (every 37th record); 1 thread; load average {load()}")
    emb = SentenceTransformerEmbedder(max_tokens=256, batch_size=128)
    model = emb.model
    quantised = None

    def run(words: int, tokens: int, int8: bool = False) -> tuple[np.ndarray, float]:
        nonlocal quantised
        m = model
        if int8:
            if quantised is None:
                quantised = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
            m = quantised
        m.max_seq_length = tokens
        texts = [embedding_text(t, a, None, words) for t, a in zip(titles, abstracts, strict=True)]
        c0 = cpu_seconds()
        vecs = m.encode(texts, batch_size=128, normalize_embeddings=True, convert_to_numpy=True)
        return vecs, len(texts) / (cpu_seconds() - c0)

    def knn(v: np.ndarray, k: int = 10) -> np.ndarray:
        s = v @ v.T
        np.fill_diagonal(s, -2)
        return np.argsort(-s, axis=1)[:, :k]

    ref, ref_speed = run(10_000, 256)
    ref_nn = knn(ref)
    k = max(2, int(np.sqrt(len(rows))))
    ref_labels = KMeans(k, n_init=3, random_state=0).fit_predict(ref)
    again = adjusted_rand_score(ref_labels, KMeans(k, n_init=3, random_state=1).fit_predict(ref))
    print(f"reference: {ref_speed:.1f} docs per CPU-second; re-clustering it with another seed: ARI {again:.2f}")
    print("recipe                                docs/CPU-s   kNN@10 kept   cos to ref   topic ARI")
    for words, tokens, int8 in [(0, 32, False), (24, 24, False), (40, 32, False), (60, 48, False),
                                (100, 64, False), (200, 128, False), (24, 24, True), (40, 32, True)]:
        vecs, speed = run(words, tokens, int8)
        kept = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(knn(vecs), ref_nn, strict=True)]))
        cos = float(np.mean(np.sum(vecs * ref, axis=1)))
        ari = adjusted_rand_score(ref_labels, KMeans(k, n_init=3, random_state=0).fit_predict(vecs))
        name = ("title only" if words == 0 else f"title + {words} words") + f", {tokens} tokens" + (", int8" if int8 else "")
        print(f"{name:<38} {speed:10.1f}   {kept:10.2f}   {cos:10.3f}   {ari:9.2f}", flush=True)
    print("(all these papers have abstracts; on the corpus mix, where 58% are titles only, every recipe is faster)")


# ───────────────────────────── backfill ─────────────────────────────


def backfill(args: argparse.Namespace) -> None:
    """Ingest every corpus and analyse all of it once, as the first weekly scan of a new install would."""
    from scoring.topics.config import load_topics_config
    from scoring.topics.pipeline import run_analysis

    con = open_home(args.home, ALL_CORPORA)
    config = load_topics_config()
    t0 = time.perf_counter()
    last = [0.0]

    def progress(stage: str, done: int, total: int | None) -> None:
        now = time.perf_counter()
        if total and (now - last[0] > 60 or done == total):
            last[0] = now
            print(f"  [{now - t0:7.0f} s] {stage}: {done:,}/{total:,}", flush=True)

    cpu0, load0 = cpu_seconds(), load()
    summary = run_analysis(con, scan_id=args.scan_id, as_of=None, config=config, progress=progress)
    wall = time.perf_counter() - t0
    cpu = cpu_seconds() - cpu0
    print_summary(summary, con)
    print(f"\nbackfill wall time: {wall / 60:.1f} minutes; CPU time {cpu / 60:.1f} minutes "
          f"(load average before {load0}, after {load()}; 2 cores: an idle machine needs about CPU time / 2)")
    t1 = time.perf_counter()
    again = run_analysis(con, scan_id=args.scan_id + "-again", as_of=None, config=config)
    print(f"second analysis with nothing changed: reused={again.reused} in {time.perf_counter() - t1:.1f} s")
    con.close()


# ───────────────────────────── throughput ─────────────────────────────


def throughput(args: argparse.Namespace) -> None:
    """Re-embed a random sample of an analysed warehouse's English documents: the embed stage's speed on the corpus mix."""
    import duckdb

    from scoring.topics.config import load_topics_config
    from scoring.topics.vectors import embed_documents, make_embedder
    from warehouse.db import connect_writer
    from warehouse.topics_store import forget_embeddings

    config = load_topics_config()
    src = args.home / "warehouse.duckdb"
    work = Path(tempfile.mkdtemp(prefix="fs-topics-throughput-")) / "warehouse.duckdb"
    import shutil

    shutil.copyfile(src, work)
    with duckdb.connect(str(work), read_only=True) as ro:
        ids = [r[0] for r in ro.execute(
            "SELECT doc_id FROM embeddings WHERE model = ? ORDER BY hash(doc_id || ?) LIMIT ?",
            [config.embedding.model, str(args.seed), args.n],
        ).fetchall()]
    con = connect_writer(work)
    forget_embeddings(con, ids, model=config.embedding.model)
    embedder = make_embedder(config)
    _ = embedder.dim  # load the model outside the timing
    cpu0, load0, t0 = cpu_seconds(), load(), time.perf_counter()
    s = embed_documents(con, embedder, ids, config=config)
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    print(f"re-embedded {s.embedded:,} random English documents of {src} ({s.embedded_unique_texts:,} distinct texts), "
          f"recipe {config.embedding.recipe}")
    print(f"  model time {s.embed_seconds:.0f} s = {s.docs_per_second:.1f} documents/s; stage wall {wall:.0f} s "
          f"= {s.embedded / wall:.1f}/s; CPU {cpu:.0f} s = {s.embedded / cpu:.1f} documents per CPU-second")
    print(f"  load average before {load0}, after {load()}")
    english = 255_519
    print(f"  projected embedding of all {english:,} English documents of ../shared/data: "
          f"{english / (s.embedded / wall) / 60:.1f} min at this wall rate, "
          f"{english / (s.embedded / cpu) / 2 / 60:.1f} min on 2 idle cores (CPU time / 2)")
    con.close()
    work.unlink()


# ───────────────────────────── lineage ─────────────────────────────


def lineage(args: argparse.Namespace) -> None:
    """Two consecutive yearly windows: what the topics did between as-of 2024-01-01 and 2025-01-01."""
    from scoring.topics.config import load_topics_config
    from scoring.topics.pipeline import run_analysis
    from warehouse.topics_store import copy_embeddings_from, topic_changes

    con = open_home(args.home, LINEAGE_CORPORA)
    config = load_topics_config()
    if args.embeddings_from:
        n = copy_embeddings_from(con, Path(args.embeddings_from), model=config.embedding.model)
        print(f"  copied {n:,} stored vectors from {args.embeddings_from} (same model and recipe: not re-embedded)")
    for as_of in (dt.date(2024, 1, 1), dt.date(2025, 1, 1)):
        t = time.perf_counter()
        summary = run_analysis(con, scan_id=f"asof-{as_of.isoformat()}", as_of=as_of, config=config)
        print_summary(summary, con, top=10)
        print(f"  wall time {time.perf_counter() - t:.0f} s")
    events = topic_changes(con, "asof-2025-01-01")
    print("\n== lineage events, as of 2024-01-01 → 2025-01-01 ==")
    counts: dict[str, int] = {}
    for e in events:
        counts[e["event"]] = counts.get(e["event"], 0) + 1
    print(f"  {counts}")
    shown: dict[str, int] = {}
    for e in events:
        kind = e["event"]
        if kind == "continue" or shown.get(kind, 0) >= args.per_kind:
            continue
        shown[kind] = shown.get(kind, 0) + 1
        d = e["details"]
        if kind == "birth":
            text = f"{d['to']['id']} {d['to']['label']!r} ({d['to']['size']} docs)"
        elif kind == "death":
            text = f"{d['from']['id']} {d['from']['label']!r} ({d['from']['size']} docs)"
        elif kind == "split":
            text = f"{d['from']['id']} {d['from']['label']!r} → " + "; ".join(
                f"{t['id']} {t['label']!r} ({t['shared']} shared)" for t in d["to"])
        elif kind == "merge":
            text = " + ".join(f"{f['id']} {f['label']!r}" for f in d["from"]) + f" → {d['to']['id']} {d['to']['label']!r}"
        else:
            text = f"{d['from']['id']} {d['from']['label']!r}: {d['from']['size']} → {d['to']['size']} docs"
        print(f"  {kind:8} [{e['space']}] {text}")
    con.close()


def main() -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("recipes")
    p.add_argument("--n", type=int, default=1500)
    p = sub.add_parser("backfill")
    p.add_argument("--home", type=Path)
    p.add_argument("--scan-id", default="backfill")
    p = sub.add_parser("throughput")
    p.add_argument("--home", type=Path, required=True, help="home of an analysed warehouse (e.g. after backfill)")
    p.add_argument("--n", type=int, default=20000)
    p.add_argument("--seed", type=int, default=1)
    p = sub.add_parser("lineage")
    p.add_argument("--home", type=Path)
    p.add_argument("--embeddings-from", type=Path, help="warehouse.duckdb of a backfill, to reuse its vectors")
    p.add_argument("--per-kind", type=int, default=6)
    args = parser.parse_args()
    {"recipes": recipes, "backfill": backfill, "throughput": throughput, "lineage": lineage}[args.cmd](args)


if __name__ == "__main__":
    main()
