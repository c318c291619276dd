"""Keep every document's representation current: embeddings for the embedding space, jieba terms for the Chinese one.

Only documents that are new, changed, or were made with another model or recipe are processed, a
chunk at a time with a write after each, so a killed backfill keeps what it finished.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from scoring.topics.chinese import ChineseSegmenter
from scoring.topics.config import TopicsConfig, load_topics_config
from scoring.topics.embed import Embedder, SentenceTransformerEmbedder, embedding_text, text_hash
from scoring.topics.summary import AnalysisSummary
from warehouse import topics_store as store

ProgressFn = Callable[[str, int, int | None], None]
SEGMENT_CHUNK = 20_000  # Chinese documents segmented between two writes


def no_progress(stage: str, done: int, total: int | None) -> None:
    """A progress callback that reports nothing."""
    return None


def make_embedder(config: TopicsConfig) -> Embedder:
    """The embedder topics.toml asks for (loaded lazily, offline unless configured otherwise)."""
    e = config.embedding
    return SentenceTransformerEmbedder(
        e.model, max_tokens=e.max_tokens, batch_size=e.batch_size, device=e.device, offline=e.offline,
        processes=e.processes,
    )


def embed_documents(
    con: Any,
    embedder: Embedder,
    doc_ids: Sequence[str],
    *,
    config: TopicsConfig | None = None,
    progress: ProgressFn | None = None,
) -> AnalysisSummary:
    """Embed those of doc_ids that lack a current vector (new, changed, or made with another recipe).

    The embedding step of an analysis on its own, for backfills and benchmarks; the returned
    summary carries embedded, embedded_unique_texts, embeddings_reused, embed_seconds.
    """
    config = config or load_topics_config()
    ids = sorted(doc_ids)
    summary = AnalysisSummary(scan_id="", as_of=None, model=embedder.name)
    hash_of = store.content_hashes(con, ids)
    embed_stale(con, embedder, [d for d in ids if d in hash_of], hash_of, config, summary, progress or no_progress)
    return summary


def _embedding_texts(tbl: Any, abstract_words: int) -> list[str]:
    return [
        embedding_text(t, a, b, abstract_words)
        for t, a, b in zip(tbl.column("title").to_pylist(), tbl.column("abstract").to_pylist(),
                           tbl.column("body").to_pylist(), strict=True)
    ]


def embed_stale(
    con: Any,
    embedder: Embedder,
    doc_ids: list[str],
    hash_of: Mapping[str, str],
    config: TopicsConfig,
    summary: AnalysisSummary,
    progress: ProgressFn,
) -> None:
    """Embed the documents whose vector is missing or stale; identical texts are embedded once."""
    e = config.embedding
    stale = store.stale_embeddings(con, doc_ids, model=embedder.name, recipe=e.recipe)
    if not stale:
        return
    started = time.perf_counter()
    progress("embed", 0, len(stale))
    for start in range(0, len(stale), e.chunk_size):
        tbl = store.document_texts(con, stale[start : start + e.chunk_size], body_chars=4000)
        ids = tbl.column("doc_id").to_pylist()
        texts = _embedding_texts(tbl, e.abstract_words)
        th = [text_hash(t) for t in texts]
        known = store.vectors_for_texts(con, th, model=embedder.name, recipe=e.recipe)
        unique = {h: t for h, t in zip(th, texts, strict=True) if h not in known}
        if unique:
            t0 = time.perf_counter()
            vecs = embedder.embed(list(unique.values()), progress=lambda n: None)
            summary.embed_seconds += time.perf_counter() - t0
            summary.embedded_unique_texts += len(unique)
            known.update(zip(unique.keys(), vecs, strict=True))
        summary.embeddings_reused += len(ids) - len(unique)
        store.write_embeddings(
            con, model=embedder.name, recipe=e.recipe, doc_ids=ids, content_hashes=[hash_of[i] for i in ids],
            text_hashes=th, vectors=np.vstack([known[h] for h in th]).astype(np.float32),
        )
        summary.embedded += len(ids)
        progress("embed", start + len(ids), len(stale))
    summary.seconds["embed_total"] = round(time.perf_counter() - started, 2)


def segment_stale(
    con: Any,
    doc_ids: list[str],
    hash_of: Mapping[str, str],
    segmenter: Callable[[], ChineseSegmenter],
    recipe: str,
    config: TopicsConfig,
    summary: AnalysisSummary,
    progress: ProgressFn,
) -> None:
    """Segment the Chinese documents whose stored terms are missing or were made with another recipe."""
    chars = config.chinese.text_chars
    stale = store.stale_terms(con, doc_ids, recipe=recipe)
    if not stale:
        return
    progress("segment", 0, len(stale))
    for start in range(0, len(stale), SEGMENT_CHUNK):
        tbl = store.document_texts(con, stale[start : start + SEGMENT_CHUNK], body_chars=chars)
        ids = tbl.column("doc_id").to_pylist()
        texts = [
            f"{t} {(a or b)[:chars]}"
            for t, a, b in zip(tbl.column("title").to_pylist(), tbl.column("abstract").to_pylist(),
                               tbl.column("body").to_pylist(), strict=True)
        ]
        store.write_terms(con, recipe=recipe, doc_ids=ids, content_hashes=[hash_of[i] for i in ids],
                          terms=segmenter().words_many(texts))
        summary.segmented += len(ids)
        progress("segment", start + len(ids), len(stale))
