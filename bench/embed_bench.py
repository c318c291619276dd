"""Benchmark: the embed stage against the bare model on real abstracts, and the cheaper embedding paths with their quality.

Usage: python bench/embed_bench.py [--n 1200] [--quality-n 800] [--rounds 4]   (figures only, no assertions)

Part 1 runs the real stage (the analysis stage's embedding step in scoring/topics/: texts read from a DuckDB warehouse,
hashed, de-duplicated, embedded, written back) and the bare `SentenceTransformer.encode` on the
very same texts with the same model object, in one process, alternating the two on slices of 300
documents so both see the same load; the ratio of their documents/second is the figure
(`embed stage / bare model ratio`, the median over rounds).

Part 2 embeds one sample of abstracts several ways (what text, how many tokens, length-sorted
batches or not, int8 dynamic quantisation) and compares each with the fp32 embedding of title +
full abstract at 256 tokens: mean cosine, the share of the 10 nearest neighbours kept, and the
agreement (adjusted Rand index) of the topics the real clusterer finds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Timer, conference_abstracts, header, loadavg, peak_rss_mb, require_data, save  # noqa: E402

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def stage_vs_bare(n: int, rounds: int, slice_size: int = 300) -> dict[str, Any]:
    """Documents/second of the real embed stage and of the bare model on the same texts, same run."""
    from scoring.topics.config import load_topics_config
    from scoring.topics.embed import embedding_text
    from scoring.topics.summary import AnalysisSummary
    from scoring.topics.vectors import embed_stale as _embed_stale
    from scoring.topics.vectors import make_embedder
    from scoring.topics.vectors import no_progress as _noop
    from warehouse import topics_store as store
    from warehouse.corpora import ADAPTERS
    from warehouse.db import connect_writer
    from warehouse.ingest import ingest_records
    from warehouse.migrate import migrate

    config = load_topics_config()
    e = config.embedding
    rows = conference_abstracts(n, stride=7)
    adapter = ADAPTERS["conference_papers"]
    tmp = Path(tempfile.mkdtemp(prefix="fs-embed-bench-"))
    con = connect_writer(tmp / "warehouse.duckdb")
    migrate(con)
    ingest_records(con, [adapter(r) for r in rows], origin="bench")
    docs = store.analysis_documents(con, as_of=None, since=None)
    doc_ids = docs.column("doc_id").to_pylist()
    hash_of = dict(zip(doc_ids, docs.column("content_hash").to_pylist(), strict=True))
    tbl = store.document_texts(con, doc_ids, body_chars=4000)
    texts = [
        embedding_text(t, a, b, e.abstract_words)
        for t, a, b in zip(tbl.column("title").to_pylist(), tbl.column("abstract").to_pylist(),
                           tbl.column("body").to_pylist(), strict=True)
    ]
    embedder = make_embedder(config)
    with Timer() as load:
        model = embedder.model
    model.encode(texts[:64], batch_size=e.batch_size)  # warm-up: first calls allocate
    print(f"model loaded in {load.s:.1f} s; {len(doc_ids)} documents; recipe: title + first {e.abstract_words} "
          f"words, {e.max_tokens} tokens, batch {e.batch_size}; torch threads {_torch_threads()}")

    pos = {d: i for i, d in enumerate(doc_ids)}

    def bare(ids: list[str]) -> float:
        batch = [texts[pos[d]] for d in ids]
        with Timer() as t:
            model.encode(batch, batch_size=e.batch_size, normalize_embeddings=True, convert_to_numpy=True,
                         show_progress_bar=False)
        return t.s

    def stage(ids: list[str]) -> float:
        con.execute("DELETE FROM embeddings")
        summary = AnalysisSummary(scan_id="bench", as_of=None, model=embedder.name)
        with Timer() as t:
            _embed_stale(con, embedder, ids, hash_of, config, summary, _noop)
        assert summary.embedded == len(ids), summary
        return t.s

    # The machine is shared and its load moves within seconds: rather than two long runs, alternate the
    # two on slices of `slice_size` documents, so both see the same load; sum each side's time per round.
    per_round = []
    slices = [doc_ids[i : i + slice_size] for i in range(0, len(doc_ids), slice_size)]
    for r in range(rounds):
        spent = {"bare": 0.0, "stage": 0.0}
        for k, ids in enumerate(slices):
            order = ("bare", "stage") if (r + k) % 2 == 0 else ("stage", "bare")
            for name in order:
                spent[name] += (bare if name == "bare" else stage)(ids)
        b, st = len(doc_ids) / spent["bare"], len(doc_ids) / spent["stage"]
        per_round.append({"bare": b, "stage": st, "ratio": st / b, "first": "alternating", "loadavg": loadavg()})
        print(f"  round {r + 1}: bare {b:.1f} docs/s, stage {st:.1f} docs/s, ratio {st / b:.3f} "
              f"({len(slices)} slices of {slice_size}, alternating; load {loadavg()})")
    ratio = statistics.median(x["ratio"] for x in per_round)
    con.close()
    print(f"embed stage / bare model ratio: {ratio:.2f}")
    return {
        "documents": len(doc_ids), "recipe": f"title + first {e.abstract_words} words, {e.max_tokens} tokens",
        "batch_size": e.batch_size, "rounds": per_round, "ratio": ratio, "slice_size": slice_size,
        "stage_docs_per_s": statistics.median(x["stage"] for x in per_round),
        "bare_docs_per_s": statistics.median(x["bare"] for x in per_round),
        "model_load_s": load.s,
    }


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def _int8(model: Any) -> Any:
    """A dynamically quantised copy of the model (Linear layers to int8)."""
    import copy
    import warnings

    import torch

    with warnings.catch_warnings():  # torch.ao.quantization is deprecated in favour of torchao
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)


def _encode(model: Any, texts: list[str], tokens: int, sort: bool) -> tuple[Any, float]:
    """Unit vectors of the texts at `tokens` word pieces, and documents/second."""
    import numpy as np

    model.max_seq_length = tokens
    with Timer() as t:
        if sort:
            v = model.encode(texts, batch_size=128, normalize_embeddings=True, convert_to_numpy=True,
                             show_progress_bar=False)
        else:
            # One encode call per batch in corpus order: sentence-transformers cannot sort across calls,
            # so every batch pads to its longest text.
            v = np.vstack([
                model.encode(texts[i : i + 32], batch_size=32, normalize_embeddings=True, convert_to_numpy=True,
                             show_progress_bar=False)
                for i in range(0, len(texts), 32)
            ])
    return v.astype(np.float32), len(texts) / t.s


def _knn(v: Any, k: int = 10) -> Any:
    """Each document's k nearest neighbours by cosine (itself excluded)."""
    import numpy as np

    s = v @ v.T
    np.fill_diagonal(s, -2)
    return np.argpartition(-s, k, axis=1)[:, :k]


def _topics(v: Any, seed: int = 42) -> Any:
    from scoring.topics.cluster import TopicClusterer

    return TopicClusterer(random_state=seed).fit(v).labels_


def _path_variants(conf: tuple[int, int]) -> list[tuple[str, str, int, int, bool]]:
    """(name, model, words of abstract, tokens, length-sorted) for every path compared with the reference."""
    grid = [(100, 128), (60, 64), (40, 32), (24, 24), (0, 32)]
    if conf not in grid:
        grid.append(conf)
    grid.sort(key=lambda wt: (-wt[1], -wt[0]))

    def label(words: int, tokens: int) -> str:
        text = "title only" if words == 0 else f"title + {words} words"
        return f"{text}, {tokens} tokens" + (" (configured)" if (words, tokens) == conf else "")

    return [
        ("title + full abstract, 256 tokens, batches unsorted", "fp32", 100_000, 256, False),
        ("title + full abstract, 128 tokens", "fp32", 100_000, 128, True),
        *[(label(w, t), "fp32", w, t, True) for w, t in grid],
        ("int8: title + full abstract, 256 tokens", "int8", 100_000, 256, True),
        (f"int8: {label(*conf).replace(' (configured)', '')}", "int8", conf[0], conf[1], True),
    ]


def _print_row(row: dict[str, Any]) -> None:
    def cell(x: float | None, spec: str) -> str:
        return "" if x is None else format(x, spec)

    print(f"{row['name']:<60} {cell(row['docs_per_s'], '7.1f'):>7} {cell(row['speedup'], '8.2f'):>8} "
          f"{row['cosine']:7.3f} {row['knn10_kept']:7.2f} {row['topic_ari']:9.2f}")


def paths(n: int, seed_check: bool = True) -> dict[str, Any]:
    """Speed and quality of cheaper ways to embed, against fp32 title + full abstract at 256 tokens."""
    import numpy as np
    from sklearn.metrics import adjusted_rand_score

    from scoring.topics.config import load_topics_config
    from scoring.topics.embed import SentenceTransformerEmbedder, embedding_text

    rows = conference_abstracts(n, stride=11, offset=3)
    titles, abstracts = [r["title"] for r in rows], [r["abstract"] for r in rows]
    fp32 = SentenceTransformerEmbedder(max_tokens=256).model
    models = {"fp32": fp32}
    full = [embedding_text(t, a, None, 100_000) for t, a in zip(titles, abstracts, strict=True)]
    fp32.encode(full[:32], batch_size=32)  # warm-up
    print(f"\n{len(rows)} conference abstracts (every 11th record); reference: fp32, title + full abstract, 256 tokens")
    ref, ref_speed = _encode(fp32, full, 256, True)
    ref_nn, ref_topics = _knn(ref), _topics(ref)
    out = [{"name": "reference: title + full abstract, 256 tokens (fp32, length-sorted)", "docs_per_s": ref_speed,
            "speedup": 1.0, "cosine": 1.0, "knn10_kept": 1.0, "topic_ari": 1.0}]
    if seed_check:
        out.append({"name": "reference re-clustered with another seed (agreement ceiling)", "docs_per_s": None,
                    "speedup": None, "cosine": 1.0, "knn10_kept": 1.0,
                    "topic_ari": float(adjusted_rand_score(ref_topics, _topics(ref, seed=7)))})
    print(f"{'path':<60} {'docs/s':>7} {'speed-up':>8} {'cosine':>7} {'kNN@10':>7} {'topic ARI':>9}")
    for row in out:
        _print_row(row)
    e = load_topics_config().embedding
    for name, kind, words, tokens, sort in _path_variants((e.abstract_words, e.max_tokens)):
        if kind not in models:
            models[kind] = _int8(fp32)
        texts = [embedding_text(t, a, None, words) for t, a in zip(titles, abstracts, strict=True)]
        v, speed = _encode(models[kind], texts, tokens, sort)
        row = {"name": name, "docs_per_s": speed, "speedup": speed / ref_speed,
               "cosine": float(np.mean(np.sum(v * ref, axis=1))),
               "knn10_kept": float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(_knn(v), ref_nn, strict=True)])),
               "topic_ari": float(adjusted_rand_score(ref_topics, _topics(v))), "loadavg": loadavg()}
        out.append(row)
        _print_row(row)
    fp32.max_seq_length = 256
    return {"documents": len(rows), "topics_in_reference": int(ref_topics.max()) + 1, "paths": out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1200, help="abstracts for the stage-vs-bare ratio")
    parser.add_argument("--quality-n", type=int, default=800, help="abstracts for the cheaper-paths table")
    parser.add_argument("--rounds", type=int, default=4, help="rounds (even: each method goes first equally often)")
    parser.add_argument("--skip-paths", action="store_true")
    args = parser.parse_args()
    require_data()
    header("embedding: the embed stage vs the bare model")
    result: dict[str, Any] = {"stage_vs_bare": stage_vs_bare(args.n, args.rounds)}
    if not args.skip_paths:
        result["paths"] = paths(args.quality_n)
    else:  # keep the last measured table
        import json

        from _common import RESULTS

        last = RESULTS / "embed.json"
        if last.exists() and "paths" in (old := json.loads(last.read_text(encoding="utf-8"))):
            result["paths"] = old["paths"]
    result["peak_rss_mb"] = peak_rss_mb()
    save("embed", result)


if __name__ == "__main__":
    main()
