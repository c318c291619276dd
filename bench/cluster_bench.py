"""Benchmark: futurescan's clustering + topic representation against BERTopic on the same precomputed embeddings.

Usage: python bench/cluster_bench.py [--n 10000] [--repeats 3] [--skip-k-study] [--sweep-only]   (figures only, no assertions)

Both methods run in a fresh Python process each (as a weekly job starts), fed the same vectors
(10,000 real conference abstracts embedded once with the configured recipe and cached under
$FUTURESCAN_BENCH_CACHE, keyed by a hash of the model, the recipe and the very texts embedded).
The runs are interleaved (F B, B F, F B, ...) so both methods see the same load, and the figures
are medians over `--repeats` runs each: wall time of the whole child (imports included) and its
CPU time (user + system, from the kernel's accounting of the waited child; on a shared 2-core
machine CPU time moves far less with other people's load than wall time does). The child reports
its own peak memory (VmHWM: getrusage's ru_maxrss would be inherited from this parent).

Labels are scored by one function for both methods:

- unassigned: share of documents with no topic (-1: futurescan's below-min-similarity rows,
  BERTopic's HDBSCAN outliers);
- coherence over all documents: every unassigned document is first put in its nearest topic
  (cosine to the topic centroids, 384-d), then the mean pairwise cosine inside each topic,
  weighted by topic size. BERTopic's UMAP is not seeded, so its figures are medians over its runs.

Coherence rises with the number of topics, so the granularity sweep compares the methods at equal
numbers: BERTopic at several of its settings (HDBSCAN's smallest topic; `nr_topics` set to
futurescan's default count), futurescan asked for each run's number of topics.

The k study (skipped with --skip-k-study) is how the default number of topics was chosen, on real
data other than the benchmark's abstracts: two other slices of ../shared/data, k from 0.5 to 4 × √n,
with criteria that do not look at BERTopic (seed stability, silhouette, size distribution, label
quality, coherence). The components study that runs with it chose the PCA dimensions the same way,
at the default k. See docs/topics.md, "Clustering".

BERTopic is the optional `bench` extra (pip install 'futurescan[bench]'); without it only
futurescan's side is measured.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    CACHE,
    DATA,
    PY,
    ROOT,
    conference_abstracts,
    header,
    loadavg,
    peak_rss_mb,
    require_data,
    save,
)


def _slice_rows(name: str, n: int) -> list[dict[str, Any]]:
    """Records of one named slice of ../shared/data: title plus abstract (or text), at most n."""
    if name == "benchmark":  # every 8th conference paper with an abstract
        return conference_abstracts(n, stride=max(1, 160_000 // (n * 2)))
    if name == "conference_other":  # the rows in between: disjoint from the benchmark's
        stride = max(2, 160_000 // (n * 2))
        return conference_abstracts(n, stride=stride, offset=stride // 2)
    if name == "arxiv_frontier":
        # Recent arXiv (CV, robotics, quantum, ...) and the thin frontier fields (neuromorphic, BCI,
        # fusion, 6G): where emerging technologies show up, many records with a title only.
        rows: list[dict[str, Any]] = []
        for rel in ("arxiv_recent_digests/arxiv_recent_digests.jsonl.gz", "papers_frontier_fields/frontier_papers.jsonl.gz"):
            with gzip.open(DATA / rel, "rt", encoding="utf-8") as fh:
                for line in fh:
                    r = json.loads(line)
                    if r.get("title") and r.get("language", "en") == "en":
                        rows.append({"title": r["title"], "abstract": r.get("abstract") or r.get("abstract_or_text"),
                                     "field": r.get("field")})  # frontier papers: their field (regex-labelled)
        step = max(1.0, len(rows) / n)
        return [rows[int(i * step)] for i in range(min(n, len(rows)))]
    raise ValueError(f"unknown slice {name!r}")


def embeddings(n: int, slice_name: str = "benchmark") -> tuple[Path, Path]:
    """(vectors .npy, texts .jsonl) of n documents of a slice, embedded once with the configured recipe.

    The cache key hashes the model, the recipe (`EmbeddingConfig.recipe`, max tokens) and every
    embedded text, so a change of scoring/topics/topics.toml or of `embedding_text` embeds again.
    """
    import numpy as np

    from scoring.topics.config import load_topics_config
    from scoring.topics.embed import embedding_text

    config = load_topics_config()
    e = config.embedding
    rows = _slice_rows(slice_name, n)
    texts = [embedding_text(r["title"], r["abstract"], None, e.abstract_words) for r in rows]
    key = hashlib.sha256("\x1f".join([e.model, e.recipe, str(e.max_tokens), *texts]).encode()).hexdigest()[:12]
    stem = f"{slice_name}-{len(rows)}-{Path(e.model).name}-{key}"
    vec_path = CACHE / f"{stem}-vectors.npy"
    txt_path = CACHE / f"{stem}-texts.jsonl"
    CACHE.mkdir(parents=True, exist_ok=True)
    if not vec_path.exists():
        from scoring.topics.vectors import make_embedder

        t0 = time.perf_counter()
        vectors = make_embedder(config).embed(texts)
        print(f"embedded {len(texts):,} documents ({slice_name}) in {time.perf_counter() - t0:.0f} s (cached in {vec_path})")
        np.save(vec_path, np.asarray(vectors, dtype=np.float32))
    if not txt_path.exists():
        lines = (json.dumps({"title": r["title"], "abstract": r["abstract"]}, ensure_ascii=False) + "\n" for r in rows)
        txt_path.write_text("".join(lines), encoding="utf-8")
    return vec_path, txt_path


def read_docs(txt_path: str | Path, chars: int | None = None) -> list[dict[str, Any]]:
    """The cached documents, one JSON line each; `chars` cuts abstracts as the analysis stage's text query does.

    Line by line, so the whole file is never one string in memory (a child's peak would count it).
    """
    docs = []
    with open(txt_path, encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            if chars is not None and d["abstract"]:
                d["abstract"] = d["abstract"][:chars]
            docs.append(d)
    return docs


# ───────────────────────────── the children ─────────────────────────────


def child_futurescan(vec_path: str, txt_path: str, out_path: str, n_topics: int) -> None:
    """futurescan's cluster + represent steps as the analysis stage (scoring/topics/) runs them.

    Only the clustering and description modules are imported (not the warehouse layer that
    the analysis stage also needs); `TopicClusterer.from_config` is what the analysis stage uses, and
    terms are extracted only for the members c-TF-IDF reads, as there.
    """
    import numpy as np

    from scoring.topics.cluster import TopicClusterer
    from scoring.topics.config import load_topics_config
    from scoring.topics.represent import describe_topics, english_terms, sample_members

    t0 = time.perf_counter()
    X = np.load(vec_path)
    config = load_topics_config()
    docs = read_docs(txt_path, config.represent.text_chars)
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
    docs = read_docs(txt_path)
    texts = [f"{d['title']}. {d['abstract'] or ''}" for d in docs]
    model = BERTopic(embedding_model=None, calculate_probabilities=False, verbose=False)
    topics, _ = model.fit_transform(texts, embeddings=X)
    labels = np.asarray(topics, dtype=np.int64)
    np.save(out_path, labels)
    info = model.get_topic_info()
    _child_report(out_path, t0, labels, [str(n) for n in info["Name"].tolist()[1:6]])


# BERTopic's granularity knobs for the sweep: HDBSCAN's smallest topic (its default is 10), and
# `nr_topics` (merge down to a number of topics), which the sweep sets to futurescan's default count.
SWEEP_MIN_TOPIC_SIZES = (5, 10, 15, 20, 30)
SWEEP_REPEATS = 2  # BERTopic's UMAP is not seeded: each setting runs twice


def child_bertopic_sweep(vec_path: str, txt_path: str, out_path: str, n_topics: int) -> None:
    """BERTopic at several granularities in one process (no timing): labels of every run, one row each.

    Settings: each of SWEEP_MIN_TOPIC_SIZES, then `nr_topics=n_topics` (BERTopic's own way to ask for
    a number of topics: it merges the most similar topics down to it), SWEEP_REPEATS runs each.
    """
    import numpy as np
    from bertopic import BERTopic

    t0 = time.perf_counter()
    X = np.load(vec_path)
    docs = read_docs(txt_path)
    texts = [f"{d['title']}. {d['abstract'] or ''}" for d in docs]
    settings: list[dict[str, int]] = [{"min_topic_size": m} for m in SWEEP_MIN_TOPIC_SIZES] + [{"nr_topics": n_topics}]
    rows, names = [], []
    for setting in settings:
        for _ in range(SWEEP_REPEATS):
            model = BERTopic(embedding_model=None, calculate_probabilities=False, verbose=False, **setting)
            topics, _ = model.fit_transform(texts, embeddings=X)
            rows.append(np.asarray(topics, dtype=np.int64))
            names.append(setting)
    labels = np.vstack(rows)
    np.save(out_path, labels)
    _child_report(out_path, t0, labels, [])
    report = json.loads(Path(out_path + ".json").read_text())
    Path(out_path + ".json").write_text(json.dumps({**report, "settings": names}), encoding="utf-8")


def granularity_sweep(X: Any, vec: Path, txt: Path, default_k: int) -> list[dict[str, Any]]:
    """Coherence of both methods at equal numbers of topics, over the granularities BERTopic reaches.

    Coherence rises with the number of topics, so only equal numbers compare the methods: each
    BERTopic run's topic count is given to futurescan (`n_topics`, its configured seed), and the
    same function scores both.
    """
    import numpy as np

    from scoring.topics.cluster import TopicClusterer
    from scoring.topics.config import load_topics_config

    config = load_topics_config()
    res = run_child("bertopic_sweep", vec, txt, n_topics=default_k)
    ours: dict[int, dict[str, float]] = {}
    out: list[dict[str, Any]] = []
    for setting, labels in zip(res["settings"], res["labels"], strict=True):
        k = int(labels.max()) + 1
        if k not in ours:
            fit = TopicClusterer.from_config(config.cluster, n_topics=k).fit(X)
            ours[k] = {"coherence": coherence(X, fit.labels_)["pairwise"], "unassigned": float(np.mean(fit.labels_ < 0)),
                       "topics": int(fit.n_topics_)}
        b = coherence(X, labels)["pairwise"]
        row = {"setting": setting, "topics": k, "bertopic_unassigned": float(np.mean(labels < 0)),
               "bertopic_coherence": b, "futurescan_topics": ours[k]["topics"],
               "futurescan_coherence": ours[k]["coherence"], "futurescan_unassigned": ours[k]["unassigned"],
               "difference": ours[k]["coherence"] - b}
        out.append(row)
        name = ", ".join(f"{key}={v}" for key, v in setting.items())
        print(f"  BERTopic {name:<18} {k:4d} topics, unassigned {row['bertopic_unassigned']:6.1%}, coherence {b:.3f}"
              f" | futurescan at {k}: {row['futurescan_coherence']:.3f} ({row['difference']:+.3f}), "
              f"unassigned {row['futurescan_unassigned']:.1%}")
    return out


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
    """One fresh process of one method: wall time, CPU time (user + system of the child), its report and labels."""
    import numpy as np

    out = Path(tempfile.mkdtemp(prefix="fs-cluster-bench-")) / f"{method}-labels.npy"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "PYTHONWARNINGS": "ignore"}
    code = (f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'bench')!r}]; import cluster_bench as c; "
            f"c.child_{method}({str(vec)!r}, {str(txt)!r}, {str(out)!r}, {n_topics})")
    load = loadavg()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([PY, "-c", code], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode:
        raise RuntimeError(f"{method} child failed:\n{proc.stderr[-3000:]}")
    report = json.loads(Path(str(out) + ".json").read_text())
    labels = np.load(out)
    return {"method": method, "wall_s": wall, "cpu_s": cpu, "loadavg": load, **report, "labels": labels}


def summarise(X: Any, rs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over a method's runs; labels scored per run (BERTopic's differ between runs)."""
    import numpy as np

    scored = [(coherence(X, r["labels"]), float(np.mean(r["labels"] < 0)), r["topics"]) for r in rs]
    # The run whose coherence is the median stands for the method (its labels, topics, unassigned).
    mid = sorted(range(len(rs)), key=lambda i: scored[i][0]["pairwise"])[(len(rs) - 1) // 2]
    return {
        "runs": len(rs),
        "wall_s": [x["wall_s"] for x in rs], "wall_s_median": statistics.median(x["wall_s"] for x in rs),
        "wall_s_min": min(x["wall_s"] for x in rs),
        "cpu_s": [x["cpu_s"] for x in rs], "cpu_s_median": statistics.median(x["cpu_s"] for x in rs),
        "inner_s": [x["inner_s"] for x in rs],
        "peak_rss_mb": max(x["peak_rss_mb"] for x in rs),
        "topics": scored[mid][2], "topics_runs": [t for _, _, t in scored],
        "unassigned": scored[mid][1],
        "coherence": scored[mid][0]["pairwise"], "coherence_runs": [c["pairwise"] for c, _, _ in scored],
        "coherence_to_centroid": scored[mid][0]["to_centroid"],
        "sample_labels": rs[mid]["sample_labels"], "loadavg": [x["loadavg"] for x in rs],
        "labels": rs[mid]["labels"],
    }


# ───────────────────────────── the k study ─────────────────────────────


def _silhouette(X: Any, labels: Any, sample: int = 4000, seed: int = 0) -> float:
    """Mean cosine silhouette of a seeded sample of assigned documents (384-d), against all assigned documents."""
    import numpy as np

    idx = np.where(labels >= 0)[0]
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(idx, size=min(sample, len(idx)), replace=False))
    lab = labels[idx]
    k = int(lab.max()) + 1
    sizes = np.bincount(lab, minlength=k).astype(np.float64)
    sums = np.zeros((k, X.shape[1]), dtype=np.float64)
    np.add.at(sums, lab, X[idx])
    S = X[pick] @ sums.T  # summed cosine of each sampled document to every topic's members
    own = labels[pick]
    S[np.arange(len(pick)), own] -= 1.0  # minus the document itself (unit vectors)
    counts = np.tile(sizes, (len(pick), 1))
    counts[np.arange(len(pick)), own] -= 1
    mean_cos = np.where(counts > 0, S / np.maximum(counts, 1), -np.inf)
    a = 1.0 - mean_cos[np.arange(len(pick)), own]  # mean cosine distance to the own topic
    mean_cos[np.arange(len(pick)), own] = -np.inf
    b = 1.0 - mean_cos.max(axis=1)  # ... and to the nearest other topic
    sil = np.where(counts[np.arange(len(pick)), own] > 0, (b - a) / np.maximum(a, b), 0.0)
    return float(sil.mean())


def _reproducible(a: Any, b: Any, threshold: float = 0.5) -> float:
    """Share of a's topics that b (another seed) finds again: best-match Jaccard of members at least `threshold`."""
    import numpy as np

    both = (a >= 0) & (b >= 0)
    ka, kb = int(a.max()) + 1, int(b.max()) + 1
    joint = np.bincount(a[both] * kb + b[both], minlength=ka * kb).reshape(ka, kb)
    na, nb = np.bincount(a[a >= 0], minlength=ka), np.bincount(b[b >= 0], minlength=kb)
    jaccard = joint / (na[:, None] + nb[None, :] - joint)
    return float(np.mean(jaccard.max(axis=1) >= threshold))


def _field_recovery(labels: Any, fields: list[str | None], low: int = 15, high: int = 600) -> dict[str, float]:
    """Best F1 of any topic for each small labelled field (low..high documents): is it visible as a topic of its own?"""
    import numpy as np

    f = np.array([x or "" for x in fields])
    out: dict[str, float] = {}
    for name in sorted(set(f) - {""}):
        m = f == name
        if not low <= int(m.sum()) <= high:
            continue
        best = 0.0
        sizes = np.bincount(labels[labels >= 0])
        for t, inter in zip(*np.unique(labels[m & (labels >= 0)], return_counts=True), strict=True):
            p, r = inter / sizes[t], inter / m.sum()
            best = max(best, float(2 * p * r / (p + r)))
        out[name] = best
    return out


def _seed_pair_criteria(X: Any, fits: list[Any], fields: list[str | None]) -> dict[str, Any]:
    """The partition criteria of the k and components studies, from two fits that differ only in their seed."""
    import numpy as np
    from sklearn.metrics import adjusted_rand_score

    a, b = fits[0].labels_, fits[1].labels_
    row: dict[str, Any] = {
        "coherence": coherence(X, a)["pairwise"],
        "silhouette": _silhouette(X, a),
        # Same documents, another seed: how much of the partition is the data's and not the seed's.
        "seed_ari": float(adjusted_rand_score(a, b)),
        # What lineage needs: a topic that another seed finds again (Jaccard >= 0.5).
        "reproducible": _reproducible(a, b),
        "unassigned": float(np.mean(a < 0)),
    }
    if any(fields):
        # Small fields (emerging technologies) as topics of their own, mean over both seeds.
        per_seed = [_field_recovery(x.labels_, fields) for x in fits]
        row["field_f1"] = {k: float(np.mean([p[k] for p in per_seed])) for k in per_seed[0]}
        row["field_f1_mean"] = float(np.mean(list(row["field_f1"].values())))
    return row


def k_study(slices: list[str], n: int, factors: list[float], seeds: tuple[int, int] = (42, 7)) -> dict[str, Any]:
    """Criteria for the number of topics on slices other than the benchmark's, for k = factor × √n."""
    import math

    import numpy as np

    from scoring.topics.cluster import TopicClusterer
    from scoring.topics.config import load_topics_config
    from scoring.topics.represent import describe_topics, english_terms

    config = load_topics_config()
    r = config.represent
    out: dict[str, Any] = {"factors": factors, "seeds": list(seeds), "slices": {}}
    for name in slices:
        vec, txt = embeddings(n, name)
        X = np.load(vec)
        docs = read_docs(txt)
        terms = [english_terms(f"{d['title']}. {(d['abstract'] or '')[: r.text_chars]}") for d in docs]
        fields = [row.get("field") for row in _slice_rows(name, n)]  # same rows, same order as embedded
        rows = []
        print(f"\n  k study on {name} ({len(X):,} documents): k = factor x sqrt(n)")
        print(f"  {'factor':>6} {'k':>4} {'topics':>6} {'coherence':>9} {'silhouette':>10} {'seed ARI':>8} {'found again':>11} "
              f"{'median size':>11} {'< 20 docs':>9} {'mixed':>6} {'dup. head':>9} {'unassigned':>10}")
        for f in factors:
            k = math.ceil(f * math.sqrt(len(X)))
            fits = [TopicClusterer.from_config(config.cluster, n_topics=k, random_state=s).fit(X) for s in seeds]
            a = fits[0]
            labels = a.labels_
            desc = describe_topics(labels, a.similarities_, terms, n_keywords=r.n_keywords,
                                   n_label_terms=r.n_label_terms, sample_per_topic=r.sample_per_topic)
            heads = [d.keywords[0] for d in desc.values() if d.keywords]
            sizes = np.bincount(labels[labels >= 0])
            row = {
                "factor": f, "k": k, "topics": a.n_topics_, **_seed_pair_criteria(X, fits, fields),
                "median_size": float(np.median(sizes)), "share_under_20": float(np.mean(sizes < 20)),
                "mixed_labels": float(np.mean([d.label.startswith("mixed:") for d in desc.values()])),
                # Two topics headed by the same keyword read as one topic split in two.
                "duplicate_heads": float(1.0 - len(set(heads)) / max(len(heads), 1)),
                "objective": float(a.inertia_),
            }
            rows.append(row)
            print(f"  {f:6.2f} {k:4d} {row['topics']:6d} {row['coherence']:9.3f} {row['silhouette']:10.3f} "
                  f"{row['seed_ari']:8.3f} {row['reproducible']:11.1%} {row['median_size']:11.0f} {row['share_under_20']:9.1%} "
                  f"{row['mixed_labels']:6.1%} {row['duplicate_heads']:9.1%} {row['unassigned']:10.1%}"
                  + (f"  small fields F1 {row['field_f1_mean']:.2f} (" + ", ".join(f"{k} {v:.2f}" for k, v in
                                                                         row["field_f1"].items()) + ")"
                     if "field_f1" in row else ""))
        out["slices"][name] = {"documents": len(X), "rows": rows}
    return out


def components_study(slices: list[str], n: int, components: tuple[int, ...] = (50, 100, 150, 384),
                     seeds: tuple[int, int] = (42, 7)) -> dict[str, Any]:
    """How many PCA dimensions k-means works in, at the default k, on the k study's slices (not the benchmark's).

    Coherence is measured in the model's 384 dimensions; k-means optimises it in the reduced space, so
    too few components blur fine topics and too many add noise (seed agreement falls) and time.
    """
    import math

    import numpy as np

    from scoring.topics.cluster import TopicClusterer
    from scoring.topics.config import load_topics_config

    config = load_topics_config()
    out: dict[str, Any] = {"components": list(components), "seeds": list(seeds), "slices": {}}
    for name in slices:
        vec, _ = embeddings(n, name)
        X = np.load(vec)
        fields = [row.get("field") for row in _slice_rows(name, n)]
        k = math.ceil(config.cluster.topics_per_sqrt * math.sqrt(len(X)))
        rows = []
        print(f"\n  PCA components on {name} ({len(X):,} documents, k = {k})")
        print(f"  {'components':>10} {'coherence':>9} {'silhouette':>10} {'seed ARI':>8} {'found again':>11} "
              f"{'unassigned':>10} {'fit s':>6}")
        for c in components:
            t0 = time.perf_counter()
            fits = [TopicClusterer.from_config(config.cluster, n_topics=k, n_components=c, random_state=s).fit(X)
                    for s in seeds]
            row = {"components": c, "k": k, "fit_s": (time.perf_counter() - t0) / len(seeds),
                   **_seed_pair_criteria(X, fits, fields)}
            rows.append(row)
            print(f"  {c:10d} {row['coherence']:9.3f} {row['silhouette']:10.3f} {row['seed_ari']:8.3f} "
                  f"{row['reproducible']:11.1%} {row['unassigned']:10.1%} {row['fit_s']:6.1f}"
                  + (f"  small fields F1 {row['field_f1_mean']:.2f}" if "field_f1_mean" in row else ""))
        out["slices"][name] = {"documents": len(X), "rows": rows}
    return out


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-k-study", action="store_true")
    parser.add_argument("--k-study-only", action="store_true", help="only the k study (keeps the comparison figures)")
    parser.add_argument("--sweep-only", action="store_true",
                        help="only the granularity sweep against BERTopic (keeps the other figures)")
    return parser.parse_args()


def available_methods() -> tuple[list[str], str | None]:
    """futurescan, and BERTopic when the `bench` extra is installed (with its version)."""
    try:
        import bertopic
    except ImportError:
        print("BERTopic is not installed (pip install -e '.[bench]'): measuring futurescan only")
        return ["futurescan"], None
    return ["futurescan", "bertopic"], bertopic.__version__


def interleaved_runs(methods: list[str], vec: Path, txt: Path, repeats: int) -> dict[str, list[dict[str, Any]]]:
    """`repeats` fresh-process runs of each method, alternating which goes first so both see the same load."""
    import numpy as np

    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in methods}
    for r in range(repeats):
        for m in (methods if r % 2 == 0 else methods[::-1]):
            res = run_child(m, vec, txt)
            runs[m].append(res)
            print(f"  {m:<11} fresh process {res['wall_s']:6.1f} s wall, {res['cpu_s']:6.1f} s CPU "
                  f"(inside {res['inner_s']:5.1f} s), peak {res['peak_rss_mb']:6.0f} MB, {res['topics']} topics, "
                  f"unassigned {np.mean(res['labels'] < 0):.1%}; load {res['loadavg']}")
    return runs


def compare(X: Any, vec: Path, txt: Path, repeats: int) -> dict[str, Any]:
    """futurescan against BERTopic (when installed): the runs, futurescan at BERTopic's count, the sweep, the ratios."""
    from scoring.topics.config import load_topics_config

    methods, version = available_methods()
    runs = interleaved_runs(methods, vec, txt, repeats)
    summary: dict[str, Any] = {"documents": len(X), "dimensions": int(X.shape[1]), "repeats": repeats,
                               "n_components": load_topics_config().cluster.n_components,
                               "methods": {m: summarise(X, rs) for m, rs in runs.items()}}
    if version:
        summary["bertopic_version"] = version
        # Same granularity: futurescan asked for as many topics as BERTopic found (its median run).
        k = summary["methods"]["bertopic"]["topics"]
        same = [run_child("futurescan", vec, txt, n_topics=k) for _ in range(repeats)]
        summary["methods"]["futurescan_same_k"] = summarise(X, same)
        header("coherence at equal numbers of topics: BERTopic's granularities, futurescan at each")
        summary["granularity_sweep"] = granularity_sweep(X, vec, txt, summary["methods"]["futurescan"]["topics"])
    print(f"\n{'method':<20} {'wall (median)':>13} {'CPU (median)':>12} {'peak MB':>8} {'topics':>6} "
          f"{'unassigned':>10} {'coherence':>9}")
    for m, s in summary["methods"].items():
        print(f"{m:<20} {s['wall_s_median']:12.1f}s {s['cpu_s_median']:11.1f}s {s['peak_rss_mb']:8.0f} {s['topics']:6d} "
              f"{s['unassigned']:10.1%} {s['coherence']:9.3f}")
        s.pop("labels")
    if version:
        summary.update(ratios(summary["methods"]))
    return summary


def ratios(methods: dict[str, Any]) -> dict[str, Any]:
    """Speed-up (wall and CPU), the spread of side-by-side runs' speed-ups, and the memory share."""
    f, b = methods["futurescan"], methods["bertopic"]
    # Runs next to each other in time saw about the same load: the spread of their ratios.
    pairs = [bw / fw for fw, bw in zip(f["wall_s"], b["wall_s"], strict=False)]
    out = {"speedup": b["wall_s_median"] / f["wall_s_median"], "cpu_speedup": b["cpu_s_median"] / f["cpu_s_median"],
           "speedup_pairs": pairs, "memory_share": f["peak_rss_mb"] / b["peak_rss_mb"]}
    print(f"futurescan is {out['speedup']:.1f}x faster in wall time (paired runs {min(pairs):.1f}-"
          f"{max(pairs):.1f}x), {out['cpu_speedup']:.1f}x in CPU time, uses {out['memory_share']:.2f} of "
          f"BERTopic's peak memory; coherence {f['coherence']:.3f} vs {b['coherence']:.3f} "
          f"(same k: {methods['futurescan_same_k']['coherence']:.3f})")
    return out


def main() -> None:
    args = parse_args()
    require_data()
    import numpy as np

    last = ROOT / "bench" / "results" / "cluster.json"
    previous = json.loads(last.read_text()) if last.exists() else {}
    previous.pop("machine", None)  # save() stamps this run's machine
    study, study_components = previous.get("k_study"), previous.get("components_study")
    if not args.skip_k_study:
        header("how many topics: the k study on other slices of ../shared/data")
        study = k_study(["conference_other", "arxiv_frontier"], args.n, [0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0])
        header("how many PCA components: at the default k, same slices")
        study_components = components_study(["conference_other", "arxiv_frontier"], args.n)
    if args.k_study_only:
        save("cluster", {**previous, "k_study": study, "components_study": study_components})
        return

    header(f"clustering + representation vs BERTopic, {args.n:,} conference abstracts")
    vec, txt = embeddings(args.n)
    X = np.load(vec)
    if args.sweep_only:
        default_k = previous["methods"]["futurescan"]["topics"]
        save("cluster", {**previous, "granularity_sweep": granularity_sweep(X, vec, txt, default_k)})
        return
    summary = compare(X, vec, txt, args.repeats)
    if study:
        summary["k_study"] = study
    if study_components:
        summary["components_study"] = study_components
    save("cluster", summary)

if __name__ == "__main__":
    main()
