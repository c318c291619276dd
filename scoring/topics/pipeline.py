"""The analysis a scan runs: embed new/changed documents → cluster → lineage → link, skipping all of it when nothing changed."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scoring.technologies.link_stage import link_stage
from scoring.technologies.linking import taxonomy_rows, technologies_for_linking, vocabulary_digest
from scoring.technologies.taxonomy import AliasMatcher, Technology, load_taxonomy
from scoring.topics.chinese import (
    ChineseSegmenter,
    cached_segmenter,
    has_cjk,
    segmentation_digest,
    taxonomy_words,
    term_vectors,
)
from scoring.topics.config import TopicsConfig, load_topics_config
from scoring.topics.corpus import Corpus, Timing, load_corpus, timing
from scoring.topics.embed import Embedder, FakeEmbedder, decide_multilingual
from scoring.topics.represent import english_terms
from scoring.topics.spaces import (
    ZH_SPACE,
    SpaceInput,
    SpaceResult,
    cluster_space,
    clusterer_for,
    embedding_space,
    store_space,
)
from scoring.topics.summary import AnalysisSummary, SpaceSummary
from scoring.topics.vectors import embed_stale, make_embedder, no_progress, segment_stale
from warehouse import evidence_store
from warehouse import technologies_store as techstore
from warehouse import topics_store as store

ProgressFn = Callable[[str, int, int | None], None]

__all__ = ["ZH_SPACE", "AnalysisSummary", "SpaceSummary", "embedding_space", "run_analysis"]


def _fingerprint(model: str, config: TopicsConfig, vocab: str, doc_ids: Sequence[str], hashes: Sequence[str],
                 multilingual: bool | None) -> str:
    """Everything an analysis depends on: equal fingerprints mean the previous scan's topics still hold."""
    h = hashlib.sha256()
    h.update(f"{model}|{config.digest()}|{vocab}|{multilingual}".encode())
    for d, c in zip(doc_ids, hashes, strict=True):
        h.update(f"{d}\x00{c}\x01".encode())
    return h.hexdigest()[:24]


class _Laps:
    """Seconds per step, written into the summary as each step ends."""

    def __init__(self, summary: AnalysisSummary) -> None:
        self.summary = summary
        self.started = self.last = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.summary.seconds[name] = round(now - self.last, 2)
        self.last = now

    def total(self) -> None:
        self.summary.seconds["total"] = round(time.perf_counter() - self.started, 2)


def run_analysis(
    con: Any,
    *,
    scan_id: str,
    as_of: dt.date | None = None,
    embedder: Embedder | None = None,
    config: TopicsConfig | None = None,
    model_name: str | None = None,
    fake_embedder: bool = False,
    cache_dir: Path | None = None,
    taxonomy_path: Path | None = None,
    progress: ProgressFn | None = None,
    force: bool = False,
) -> AnalysisSummary:
    """Embed new or changed documents, cluster them into topics, follow lineage, link to technologies.

    con: a migrated writer connection. as_of: only documents published before it count (None: all,
    undated included). embedder: any Embedder (default: the configured sentence-transformers model,
    loaded only if something needs embedding). model_name / fake_embedder: shortcuts for the weekly
    flow. When documents, model, parameters and technology vocabulary are all unchanged since the
    previous analysis, its topics are carried over to this scan id in a few statements (force=True
    recomputes). cache_dir is accepted for the flow's convenience and unused.
    """
    del cache_dir
    config = config or load_topics_config()
    if model_name:
        config = config.replace("embedding", model=model_name)
    if embedder is None:
        embedder = FakeEmbedder() if fake_embedder else make_embedder(config)
    summary = AnalysisSummary(scan_id=scan_id, as_of=as_of.isoformat() if as_of else None, model=embedder.name)
    laps = _Laps(summary)

    # Technologies: the taxonomy file is the source of truth for seeded rows.
    taxonomy = load_taxonomy(taxonomy_path)
    summary.taxonomy_sync = techstore.sync_taxonomy(con, taxonomy_rows(taxonomy))
    techs = technologies_for_linking(taxonomy, techstore.load_technologies(con))
    vocab = vocabulary_digest(techs)
    corpus = load_corpus(con, config, as_of)
    summary.documents = len(corpus.doc_ids)
    summary.languages = corpus.language_counts()
    laps("load")

    setting = config.embedding.multilingual
    quick = setting if isinstance(setting, bool) else getattr(embedder, "multilingual", None)
    prev = store.previous_run(con, exclude_scan_id=scan_id)
    fingerprint = _fingerprint(embedder.name, config, vocab, corpus.doc_ids, corpus.hashes, quick)
    summary.previous_scan_id = prev["scan_id"] if prev else None
    store.start_run(con, scan_id=scan_id, as_of=as_of, model=embedder.name, fingerprint=fingerprint,
                    config_digest=config.digest(), previous_scan_id=summary.previous_scan_id)
    if prev and not force and prev["fingerprint"] == fingerprint:
        _carry_over(con, prev, summary)
    else:
        matcher = AliasMatcher(techs)  # compiling every alias is costly: only when something is analysed
        laps("alias_matcher")
        try:
            _analyse(con, config, embedder, summary, corpus, as_of, prev, techs, matcher, vocab,
                     progress or no_progress, laps)
        except BaseException:
            store.finish_run(con, scan_id=scan_id, status="failed", summary=summary.as_dict())
            raise
    laps.total()
    store.finish_run(con, scan_id=scan_id, status="succeeded", summary=summary.as_dict(), reused=summary.reused)
    evidence_store.refresh(con)  # the read views' evidence (a no-op when links and documents are unchanged)
    return summary


def _carry_over(con: Any, prev: dict[str, Any], summary: AnalysisSummary) -> None:
    """Nothing changed since the previous analysis: its topics and links stand for this scan too."""
    store.carry_over(con, from_scan=prev["scan_id"], to_scan=summary.scan_id)
    old = prev.get("summary") or {}
    summary.reused = True
    summary.paths = list(old.get("paths", []))
    summary.multilingual = bool(old.get("multilingual", False))
    summary.spaces = [
        SpaceSummary(space=s["space"], documents=s["documents"], topics=s["topics"], unassigned=s["unassigned"],
                     start="reused")
        for s in old.get("spaces", [])
    ]


@dataclass
class _Split:
    """Which documents go to the embedding space and which to the Chinese term space."""

    emb_mask: np.ndarray
    multilingual: bool
    reason: str

    @property
    def emb_idx(self) -> np.ndarray:
        return np.where(self.emb_mask)[0]

    @property
    def zh_idx(self) -> np.ndarray:
        return np.where(~self.emb_mask)[0]


def _split(corpus: Corpus, embedder: Embedder, config: TopicsConfig) -> _Split:
    """Chinese documents join the embedding space only when the model embeds Chinese."""
    is_zh = corpus.is_chinese()
    multilingual, reason = False, "no Chinese documents"
    if is_zh.any():
        multilingual, reason = decide_multilingual(embedder, config.embedding.multilingual, config.embedding.probe_threshold)
    return _Split(~is_zh | multilingual, multilingual, reason)


class _Segmenter:
    """The jieba segmenter with the taxonomy's words, built on first use (loading jieba is costly)."""

    def __init__(self, techs: Sequence[Technology]) -> None:
        self._words = tuple(taxonomy_words(techs))
        self._seg: ChineseSegmenter | None = None

    def __call__(self) -> ChineseSegmenter:
        if self._seg is None:
            self._seg = cached_segmenter(self._words)
        return self._seg


class _TopicIds:
    """New topic ids continue the warehouse's numbering (T0001, T0002, …)."""

    def __init__(self, con: Any) -> None:
        self.n = store.max_topic_number(con)

    def __call__(self) -> str:
        self.n += 1
        return f"T{self.n:04d}"


def _analyse(
    con: Any, config: TopicsConfig, embedder: Embedder, summary: AnalysisSummary, corpus: Corpus,
    as_of: dt.date | None, prev: dict[str, Any] | None, techs: list[Technology], matcher: AliasMatcher, vocab: str,
    progress: ProgressFn, laps: _Laps,
) -> None:
    """The analysis proper, step by step: split, embed, segment, cluster each space, store, link."""
    split = _split(corpus, embedder, config)
    summary.multilingual, summary.multilingual_reason = split.multilingual, split.reason
    emb_ids = [corpus.doc_ids[i] for i in split.emb_idx]
    zh_ids = [corpus.doc_ids[i] for i in split.zh_idx]
    hash_of = corpus.hash_of
    segmenter = _Segmenter(techs)
    times = timing(corpus, config, as_of, prev)

    embed_stale(con, embedder, emb_ids, hash_of, config, summary, progress)
    laps("embed")
    if zh_ids:
        recipe = f"{config.chinese.recipe}|{segmentation_digest(taxonomy_words(techs))}"
        segment_stale(con, zh_ids, hash_of, segmenter, recipe, config, summary, progress)
    laps("segment")

    next_id = _TopicIds(con)
    results: list[SpaceResult] = []
    if emb_ids:
        progress("cluster", 0, None)
        results.append(_cluster_embeddings(con, config, embedder.name, corpus, split, times, emb_ids, prev, segmenter,
                                           next_id))
    laps("cluster_embedding")
    if zh_ids:
        results.append(_cluster_chinese(con, config, corpus, split, times, zh_ids, prev, next_id))
    laps("cluster_zh")

    for res in results:
        store_space(con, res, scan_id=summary.scan_id, previous_scan_id=prev["scan_id"] if prev else None)
        summary.spaces.append(res.summary)
    laps("store_topics")

    linked = link_stage(
        con, scan_id=summary.scan_id, previous_scan_id=prev["scan_id"] if prev else None, config=config,
        embed=embedder.embed, spaces=[r.topics for r in results], techs=techs, matcher=matcher, vocab=vocab,
        doc_ids=corpus.doc_ids, hash_of=hash_of, progress=progress,
    )
    summary.alias_linked_docs, summary.links = linked.alias_linked_docs, linked.links
    summary.topic_links, summary.candidates = linked.topic_links, linked.candidates
    laps("link")
    summary.paths = _paths(embedder.name, config, corpus.languages, split)


def _previous(con: Any, prev: dict[str, Any] | None, space: str) -> tuple[dict[str, list[str]], list[dict[str, Any]]]:
    if not prev:
        return {}, []
    return store.load_members(con, prev["scan_id"], space), store.load_snapshots(con, prev["scan_id"], space)


def _cluster_embeddings(
    con: Any, config: TopicsConfig, model: str, corpus: Corpus, split: _Split, times: Timing, emb_ids: list[str],
    prev: dict[str, Any] | None, segmenter: _Segmenter, next_id: _TopicIds,
) -> SpaceResult:
    """Topics of the embedding space; keywords from English terms (jieba words for Chinese titles)."""
    space = embedding_space(model)
    ids_loaded, X = store.load_embeddings(con, emb_ids, model=model)
    assert ids_loaded == emb_ids, "embeddings missing for some documents"
    chars = config.represent.text_chars

    def terms(rows: list[int]) -> dict[int, list[str]]:
        tbl = store.document_texts(con, [emb_ids[i] for i in rows], body_chars=chars)
        by_id = {
            d: english_terms(f"{t}. {(a or b)[:chars]}") if not has_cjk(t) else segmenter().words(f"{t} {(a or b)[:chars]}")
            for d, t, a, b in zip(tbl.column("doc_id").to_pylist(), tbl.column("title").to_pylist(),
                                  tbl.column("abstract").to_pylist(), tbl.column("body").to_pylist(), strict=True)
        }
        return {i: by_id.get(emb_ids[i], []) for i in rows}

    members, snaps = _previous(con, prev, space)
    idx = split.emb_idx
    inp = SpaceInput(space, emb_ids, X, X, terms, np.array(corpus.languages, dtype=object)[idx],
                     np.array(corpus.published, dtype=object)[idx], times.take(idx), members, snaps)
    return cluster_space(inp, clusterer_for(config.cluster), config, warm=config.cluster.warm_start, next_id=next_id)


def _cluster_chinese(
    con: Any, config: TopicsConfig, corpus: Corpus, split: _Split, times: Timing, zh_ids: list[str],
    prev: dict[str, Any] | None, next_id: _TopicIds,
) -> SpaceResult:
    """Topics of the Chinese term space: TF-IDF of jieba words, reduced by SVD, the same k-means."""
    terms_by_id = store.load_terms(con, zh_ids)
    term_lists = [terms_by_id.get(d, []) for d in zh_ids]
    zc = config.chinese
    Xz, _vocab = term_vectors(term_lists, min_df=zc.min_df, max_df=zc.max_df)
    clusterer = clusterer_for(config.cluster, n_components=zc.n_components, topics_per_sqrt=zc.topics_per_sqrt,
                              max_topics=zc.max_topics, min_topic_size=zc.min_topic_size,
                              min_similarity=zc.min_similarity)
    members, snaps = _previous(con, prev, ZH_SPACE)
    idx = split.zh_idx
    inp = SpaceInput(ZH_SPACE, zh_ids, Xz, None, dict(enumerate(term_lists)),
                     np.array(corpus.languages, dtype=object)[idx], np.array(corpus.published, dtype=object)[idx],
                     times.take(idx), members, snaps)
    return cluster_space(inp, clusterer, config, warm=config.cluster.warm_start, next_id=next_id)


def _paths(model: str, config: TopicsConfig, languages: list[str], split: _Split) -> list[str]:
    """One line per language: how its documents were analysed (and why, when not by the model)."""
    per: dict[tuple[str, bool], int] = defaultdict(int)
    for lang, e in zip(languages, split.emb_mask, strict=True):
        per[((lang or "?").split("-")[0], bool(e))] += 1
    lines = []
    recipe = f"title + first {config.embedding.abstract_words} words, {config.embedding.max_tokens} tokens"
    for (lang, e), count in sorted(per.items(), key=lambda x: -x[1]):
        if e:
            note = ""
            if lang == "zh":
                note = f" (model is multilingual: {split.reason})"
            elif lang not in ("en", "?") and not split.multilingual:
                note = " (the model is trained on English; expect weaker topics)"
            lines.append(f"{lang}: {count:,} documents via {model} embeddings ({recipe}) + alias linking{note}")
        else:
            lines.append(
                f"{lang}: {count:,} documents via jieba term vectors + bilingual alias linking "
                f"(model {model} is not multilingual: {split.reason})"
            )
    return lines
