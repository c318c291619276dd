"""Benchmark: futurescan's clustering + topic representation against BERTopic on the same precomputed embeddings.

Usage: python bench/cluster_bench.py [--n 10000] [--repeats 2]   (figures only, no assertions)

Both methods run in a fresh Python process each (as a weekly job starts), fed the same vectors
(10,000 real conference abstracts embedded once with the configured recipe and cached under
$FUTURESCAN_BENCH_CACHE). The child reports its own peak memory (VmHWM: getrusage's ru_maxrss would be inherited
from this parent); the parent times the
whole child (imports included) and scores its labels:

- unassigned: share of documents with no topic (-1: futurescan's below-min-similarity rows,
  BERTopic's HDBSCAN outliers);
- coherence over all documents: every unassigned document is first put in its nearest topic
  (cosine to the topic centroids, 384-d), then the mean pairwise cosine inside each topic,
  weighted by topic size. Both methods are scored by this one function.

BERTopic is the optional `bench` extra (pip install 'futurescan[bench]'); without it only
futurescan's side is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CACHE, PY, ROOT, conference_abstracts, header, loadavg, peak_rss_mb, require_data, save  # noqa: E402


def embeddings(n: int) -> tuple[Path, Path]:
    """(vectors .npy, texts .json) of n conference abstracts, embedded once with the configured recipe."""
    import numpy as np

    from scoring.topics_config import load_topics_config

    config = load_topics_config()
    e = config.embedding
    # Keyed by the recipe: scoring/topics.toml decides what is embedded, and it changes.
    stem = f"conference-{n}-{Path(e.model).name}-w{e.abstract_words}-t{e.max_tokens}"
    vec_path = CACHE / f"{stem}-vectors.npy"
    txt_path = CACHE / f"{stem}-texts.json"
    if vec_path.exists() and txt_path.exists():
        return vec_path, txt_path
    from scoring.analysis import make_embedder
    from scoring.embed import embedding_text

    rows = conference_abstracts(n, stride=max(1, 160_000 // (n * 2)))
    texts = [embedding_text(r["title"], r["abstract"], None, e.abstract_words) for r in rows]
    t0 = time.perf_counter()
    vectors = make_embedder(config).embed(texts)
    print(f"embedded {len(texts):,} abstracts in {time.perf_counter() - t0:.0f} s (cached in {vec_path})")
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(vec_path, vectors)
    docs = [{"title": r["title"], "abstract": r["abstract"]} for r in rows]
    txt_path.write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    return vec_path, txt_path


# ───────────────────────────── the children ─────────────────────────────


def child_futurescan(vec_path: str, txt_path: str, out_path: str, n_topics: int) -> None:
    """futurescan's cluster + represent steps as scoring.analysis._cluster_space runs them.

    Only the clustering and description modules are imported (not the warehouse layer that
    scoring.analysis also needs); `TopicClusterer.from_config` is what the analysis stage uses, and
    terms are extracted only for the members c-TF-IDF reads, as there.
    """
    import numpy as np

    from scoring.cluster import TopicClusterer
    from scoring.represent import describe_topics, english_terms, sample_members
    from scoring.topics_config import load_topics_config

    t0 = time.perf_counter()
    X = np.load(vec_path)
    docs = json.loads(Path(txt_path).read_text(encoding="utf-8"))
    config = load_topics_config()
    over = {"n_topics": n_topics} if n_topics else {}
    clusterer = TopicClusterer.from_config(config.cluster, **over).fit(X)
    labels, sims = clusterer.labels_, clusterer.similarities_
    r = config.represent
    chars = r.text_chars
    sample = sample_members(labels, sims, r.sample_per_topic, config.cluster.random_state)
    needed = sorted({i for members in sample.values() for i in members})
    terms = {i: english_terms(f"{docs[i]['title']}. {(docs[i]['abstract'] or '')[:chars]}") for i in needed}
    desc = describe_topics(labels, sims, terms, n_keywords=r.n_keywords, n_label_terms=r.n_label_terms,
                           n_representatives=r.n_representatives, sample_per_topic=r.sample_per_topic,
                           random_state=config.cluster.random_state)
    np.save(out_path, labels)
    _child_report(out_path, t0, labels, [desc[t].label for t in sorted(desc)[:5]])


def child_bertopic(vec_path: str, txt_path: str, out_path: str, n_topics: int) -> None:
    """BERTopic with its defaults (UMAP → HDBSCAN → c-TF-IDF), given the embeddings (no model is loaded)."""
    del n_topics
    import numpy as np
    from bertopic import BERTopic

    t0 = time.perf_counter()
    X = np.load(vec_path)
    docs = json.loads(Path(txt_path).read_text(encoding="utf-8"))
    texts = [f"{d['title']}. {d['abstract'] or ''}" for d in docs]
    model = BERTopic(embedding_model=None, calculate_probabilities=False, verbose=False)
    topics, _ = model.fit_transform(texts, embeddings=X)
    labels = np.asarray(topics, dtype=np.int64)
    np.save(out_path, labels)
    info = model.get_topic_info()
    _child_report(out_path, t0, labels, [str(n) for n in info["Name"].tolist()[1:6]])


def _child_report(out_path: str, t0: float, labels: Any, sample_labels: list[str]) -> None:
    report = {
        "inner_s": time.perf_counter() - t0,
        "peak_rss_mb": peak_rss_mb(),
        "topics": int(labels.max()) + 1 if len(labels) else 0,
        "sample_labels": sample_labels,
    }
    Path(out_path + ".json").write_text(json.dumps(report), encoding="utf-8")


# ───────────────────────────── scoring ─────────────────────────────


def coherence(X: Any, labels: Any) -> dict[str, float]:
    """Mean intra-topic cosine over all documents, unassigned ones first put in their nearest topic."""
    import numpy as np

    labels = labels.copy()
    topics = sorted(int(t) for t in np.unique(labels) if t >= 0)
    C = np.vstack([X[labels == t].mean(axis=0) for t in topics])
    C /= np.linalg.norm(C, axis=1, keepdims=True)
    out = labels < 0
    if out.any():
        labels[out] = np.array(topics)[np.argmax(X[out] @ C.T, axis=1)]
    pair_sum, to_centre = 0.0, 0.0
    for i, t in enumerate(topics):
        M = X[labels == t]
        n = len(M)
        s = M.sum(axis=0)
        if n > 1:
            pair_sum += n * (float(s @ s) - n) / (n * (n - 1))
        to_centre += float((M @ C[i]).sum())
    return {"pairwise": pair_sum / len(X), "to_centroid": to_centre / len(X)}


def run_child(method: str, vec: Path, txt: Path, n_topics: int = 0) -> dict[str, Any]:
    import numpy as np

    out = Path(tempfile.mkdtemp(prefix="fs-cluster-bench-")) / f"{method}-labels.npy"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "PYTHONWARNINGS": "ignore"}
    code = (f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'bench')!r}]; import cluster_bench as c; "
            f"c.child_{method}({str(vec)!r}, {str(txt)!r}, {str(out)!r}, {n_topics})")
    load = loadavg()
    t0 = time.perf_counter()
    proc = subprocess.run([PY, "-c", code], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"{method} child failed:\n{proc.stderr[-3000:]}")
    report = json.loads(Path(str(out) + ".json").read_text())
    labels = np.load(out)
    return {"method": method, "wall_s": wall, "loadavg": load, **report, "labels": labels}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    require_data()
    header(f"clustering + representation vs BERTopic, {args.n:,} conference abstracts")
    import numpy as np

    vec, txt = embeddings(args.n)
    X = np.load(vec)
    try:
        import bertopic  # noqa: F401

        methods = ["futurescan", "bertopic"]
    except ImportError:
        print("BERTopic is not installed (pip install -e '.[bench]'): measuring futurescan only")
        methods = ["futurescan"]
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in methods}
    for r in range(args.repeats):
        for m in (methods if r % 2 == 0 else methods[::-1]):
            res = run_child(m, vec, txt)
            runs[m].append(res)
            print(f"  {m:<11} fresh process {res['wall_s']:6.1f} s (inside {res['inner_s']:5.1f} s), "
                  f"peak {res['peak_rss_mb']:6.0f} MB, {res['topics']} topics, "
                  f"unassigned {np.mean(res['labels'] < 0):.1%}; load {res['loadavg']}")
    summary: dict[str, Any] = {"documents": len(X), "dimensions": int(X.shape[1]), "methods": {}}
    for m, rs in runs.items():
        best = min(rs, key=lambda x: x["wall_s"])
        labels = rs[-1]["labels"]
        coh = coherence(X, labels)
        summary["methods"][m] = {
            "wall_s": [x["wall_s"] for x in rs], "wall_s_min": best["wall_s"],
            "inner_s": [x["inner_s"] for x in rs],
            "peak_rss_mb": max(x["peak_rss_mb"] for x in rs), "topics": rs[-1]["topics"],
            "unassigned": float(np.mean(labels < 0)), "coherence": coh["pairwise"],
            "coherence_to_centroid": coh["to_centroid"], "sample_labels": rs[-1]["sample_labels"],
            "loadavg": [x["loadavg"] for x in rs],
        }
    if "bertopic" in runs:
        # Same granularity: futurescan asked for as many topics as BERTopic found.
        k = summary["methods"]["bertopic"]["topics"]
        res = run_child("futurescan", vec, txt, n_topics=k)
        coh = coherence(X, res["labels"])
        summary["methods"]["futurescan_same_k"] = {
            "wall_s": [res["wall_s"]], "wall_s_min": res["wall_s"], "inner_s": [res["inner_s"]],
            "peak_rss_mb": res["peak_rss_mb"], "topics": res["topics"], "unassigned": float(np.mean(res["labels"] < 0)),
            "coherence": coh["pairwise"], "coherence_to_centroid": coh["to_centroid"],
            "sample_labels": res["sample_labels"], "loadavg": [res["loadavg"]],
        }
    print(f"\n{'method':<20} {'wall (fresh)':>12} {'peak MB':>8} {'topics':>6} {'unassigned':>10} {'coherence':>9}")
    for m, s in summary["methods"].items():
        print(f"{m:<20} {s['wall_s_min']:11.1f}s {s['peak_rss_mb']:8.0f} {s['topics']:6d} {s['unassigned']:10.1%} "
              f"{s['coherence']:9.3f}")
    if "bertopic" in summary["methods"]:
        f, b = summary["methods"]["futurescan"], summary["methods"]["bertopic"]
        summary["speedup"] = b["wall_s_min"] / f["wall_s_min"]
        summary["memory_share"] = f["peak_rss_mb"] / b["peak_rss_mb"]
        print(f"futurescan is {summary['speedup']:.1f}x faster in a fresh process, uses "
              f"{summary['memory_share']:.2f} of BERTopic's peak memory; coherence {f['coherence']:.3f} vs "
              f"{b['coherence']:.3f} (same k: {summary['methods']['futurescan_same_k']['coherence']:.3f})")
    save("cluster", summary)


if __name__ == "__main__":
    main()
