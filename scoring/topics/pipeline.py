"""The analysis a scan runs: embed new/changed documents → cluster → lineage → link, skipping all of it when nothing changed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scoring.technologies.linking import (
    TopicInput,
    alias_document_links,
    embedding_document_links,
    propose_candidates,
    prototype_text,
    taxonomy_rows,
    tech_prototypes,
    technologies_for_linking,
    topic_member_links,
    topic_technology_links,
    vocabulary_digest,
)
from scoring.technologies.taxonomy import AliasMatcher, load_taxonomy
from scoring.topics.config import ClusterConfig, TopicsConfig, load_topics_config
from scoring.topics.embed import (
    Embedder,
    FakeEmbedder,
    SentenceTransformerEmbedder,
    decide_multilingual,
    embedding_text,
    text_hash,
)
from warehouse import evidence_store
from warehouse import technologies_store as techstore
from warehouse import topics_store as store

if TYPE_CHECKING:
    from scoring.topics.chinese import ChineseSegmenter
    from scoring.topics.cluster import TopicClusterer

# Clustering, representation, lineage and Chinese segmentation (scikit-learn, SciPy, jieba) are imported
# where they are used: a re-scan with nothing new carries the topics over without ever loading them.

ProgressFn = Callable[[str, int, int | None], None]
ZH_SPACE = "zh-terms"


def embedding_space(model: str) -> str:
    """The space name of topics clustered on one model's embeddings."""
    return f"embedding:{model}"


@dataclass
class SpaceSummary:
    """What clustering found in one space."""

    space: str
    documents: int = 0
    topics: int = 0
    unassigned: int = 0
    start: str = ""  # cold | warm
    events: dict[str, int] = field(default_factory=dict)
    restart_gain: float | None = None  # how much lower the fresh start's k-means objective was than the warm one's

    @property
    def unassigned_share(self) -> float:
        return self.unassigned / self.documents if self.documents else 0.0


@dataclass
class AnalysisSummary:
    """What one analysis did, for the CLI, the scan summary and analysis_runs.summary."""

    scan_id: str
    as_of: str | None
    model: str
    previous_scan_id: str | None = None
    reused: bool = False
    documents: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)
    multilingual: bool = False
    multilingual_reason: str = ""
    embedded: int = 0
    embedded_unique_texts: int = 0
    embeddings_reused: int = 0
    embed_seconds: float = 0.0
    segmented: int = 0
    spaces: list[SpaceSummary] = field(default_factory=list)
    alias_linked_docs: int = 0
    links: dict[str, int] = field(default_factory=dict)
    topic_links: int = 0
    candidates: list[str] = field(default_factory=list)
    taxonomy_sync: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def docs_per_second(self) -> float:
        """Documents embedded per second of embedding time (unique texts through the model)."""
        return self.embedded_unique_texts / self.embed_seconds if self.embed_seconds else 0.0

    @property
    def topics(self) -> int:
        return sum(s.topics for s in self.spaces)

    @property
    def unassigned_share(self) -> float:
        docs = sum(s.documents for s in self.spaces)
        return sum(s.unassigned for s in self.spaces) / docs if docs else 0.0

    def as_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["docs_per_second"] = round(self.docs_per_second, 2)
        out["topics"] = self.topics
        out["unassigned_share"] = round(self.unassigned_share, 4)
        for s, obj in zip(out["spaces"], self.spaces, strict=True):
            s["unassigned_share"] = round(obj.unassigned_share, 4)
        return out


def _noop(stage: str, done: int, total: int | None) -> None:
    return None


def _minus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _minus_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(y, m + 1, min(day.day, 28))


def _period(day: dt.date, precision: str | None) -> tuple[dt.date, dt.date]:
    if precision == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1)
    if precision == "month":
        nxt = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        return dt.date(day.year, day.month, 1), nxt
    return day, day + dt.timedelta(days=1)


def window_shares(
    published: Sequence[dt.date | None], precision: Sequence[str | None], start: dt.date, end: dt.date
) -> np.ndarray:
    """How much of each document falls in [start, end): a year-dated paper counts by the share of its year inside."""
    out = np.zeros(len(published), dtype=np.float64)
    cache: dict[tuple[dt.date, str | None], float] = {}
    for i, (day, prec) in enumerate(zip(published, precision, strict=True)):
        if day is None:
            continue
        key = (day, prec)
        share = cache.get(key)
        if share is None:
            lo, hi = _period(day, prec)
            overlap = (min(hi, end) - max(lo, start)).days
            share = cache[key] = max(overlap, 0) / (hi - lo).days
        out[i] = share
    return out


def make_embedder(config: TopicsConfig) -> Embedder:
    """The embedder topics.toml asks for (loaded lazily, offline unless configured otherwise)."""
    e = config.embedding
    return SentenceTransformerEmbedder(
        e.model, max_tokens=e.max_tokens, batch_size=e.batch_size, device=e.device, offline=e.offline,
        processes=e.processes,
    )


# ───────────────────────────── embedding ─────────────────────────────


def embed_documents(
    con: Any,
    embedder: Embedder,
    doc_ids: Sequence[str],
    *,
    config: TopicsConfig | None = None,
    progress: ProgressFn | None = None,
) -> AnalysisSummary:
    """Embed those of doc_ids that lack a current vector (new, changed, or made with another recipe).

    The embedding step of run_analysis on its own, for backfills and benchmarks; the returned
    summary carries embedded, embedded_unique_texts, embeddings_reused, embed_seconds.
    """
    config = config or load_topics_config()
    ids = sorted(doc_ids)
    summary = AnalysisSummary(scan_id="", as_of=None, model=embedder.name)
    hash_of = store.content_hashes(con, ids)
    _embed_stale(con, embedder, [d for d in ids if d in hash_of], hash_of, config, summary, progress or _noop)
    return summary


def _embed_stale(
    con: Any,
    embedder: Embedder,
    doc_ids: list[str],
    hash_of: dict[str, str],
    config: TopicsConfig,
    summary: AnalysisSummary,
    progress: ProgressFn,
) -> None:
    e = config.embedding
    stale = store.stale_embeddings(con, doc_ids, model=embedder.name, recipe=e.recipe)
    if not stale:
        return
    started = time.perf_counter()
    done = 0
    progress("embed", 0, len(stale))
    for start in range(0, len(stale), e.chunk_size):
        chunk = stale[start : start + e.chunk_size]
        texts_tbl = store.document_texts(con, chunk, body_chars=4000)
        ids = texts_tbl.column("doc_id").to_pylist()
        texts = [
            embedding_text(t, a, b, e.abstract_words)
            for t, a, b in zip(
                texts_tbl.column("title").to_pylist(),
                texts_tbl.column("abstract").to_pylist(),
                texts_tbl.column("body").to_pylist(),
                strict=True,
            )
        ]
        th = [text_hash(t) for t in texts]
        known = store.vectors_for_texts(con, th, model=embedder.name, recipe=e.recipe)
        unique: dict[str, str] = {}
        for h, t in zip(th, texts, strict=True):
            if h not in known and h not in unique:
                unique[h] = t
        if unique:
            t0 = time.perf_counter()
            vecs = embedder.embed(list(unique.values()), progress=lambda n: None)
            summary.embed_seconds += time.perf_counter() - t0
            summary.embedded_unique_texts += len(unique)
            known.update(zip(unique.keys(), vecs, strict=True))
        summary.embeddings_reused += len(ids) - len(unique)
        matrix = np.vstack([known[h] for h in th]).astype(np.float32)
        store.write_embeddings(
            con, model=embedder.name, recipe=e.recipe, doc_ids=ids,
            content_hashes=[hash_of[i] for i in ids], text_hashes=th, vectors=matrix,
        )
        summary.embedded += len(ids)
        done += len(ids)
        progress("embed", done, len(stale))
    summary.seconds["embed_total"] = round(time.perf_counter() - started, 2)


# ───────────────────────────── clustering one space ─────────────────────────────


@dataclass
class _SpaceResult:
    space: str
    doc_ids: list[str]
    labels: np.ndarray
    sims: np.ndarray
    topic_ids: dict[int, str]
    snapshots: list[dict[str, Any]]
    centroids: dict[int, np.ndarray | None]
    summary: SpaceSummary
    vectors: np.ndarray | None = None  # the embeddings, in doc_ids order (embedding spaces only)


def _clusterer(cfg: ClusterConfig, **over: Any) -> TopicClusterer:
    from scoring.topics.cluster import TopicClusterer

    params = dict(
        n_topics=cfg.n_topics, topics_per_sqrt=cfg.topics_per_sqrt, min_topics=cfg.min_topics,
        max_topics=cfg.max_topics, n_components=cfg.n_components, min_topic_size=cfg.min_topic_size,
        min_similarity=cfg.min_similarity, outlier_z=cfg.outlier_z, random_state=cfg.random_state, restart_gain=cfg.restart_gain,
        max_iter=cfg.max_iter,
    )
    params.update(over)
    return TopicClusterer(**params)


def _cluster_space(
    *,
    space: str,
    doc_ids: list[str],
    X: Any,
    vectors: np.ndarray | None,
    term_lists: dict[int, list[str]] | Callable[[list[int]], dict[int, list[str]]],
    meta: dict[str, Any],
    clusterer: TopicClusterer,
    config: TopicsConfig,
    prev: dict[str, Any] | None,
    prev_members: dict[str, list[str]],
    prev_snaps: list[dict[str, Any]],
    warm: bool,
    next_id: Callable[[], str],
) -> tuple[_SpaceResult, Any]:
    from scoring.topics.lineage import keyword_vectors, match_topics
    from scoring.topics.represent import describe_topics, sample_members

    n = len(doc_ids)
    pos = {d: i for i, d in enumerate(doc_ids)}
    init = None
    prev_index = sorted(prev_members)
    if warm and prev_members:
        init = np.full(n, -1, dtype=np.int64)
        for k, tid in enumerate(prev_index):
            for d in prev_members[tid]:
                i = pos.get(d)
                if i is not None:
                    init[i] = k
    clusterer.fit(X, init_labels=init)
    labels, sims = clusterer.labels_, clusterer.similarities_
    sample = sample_members(labels, sims, config.represent.sample_per_topic, config.cluster.random_state)
    needed = sorted({i for members in sample.values() for i in members})
    terms = term_lists(needed) if callable(term_lists) else term_lists
    desc = describe_topics(
        labels, sims, terms, n_keywords=config.represent.n_keywords, n_label_terms=config.represent.n_label_terms,
        n_representatives=config.represent.n_representatives, sample_per_topic=config.represent.sample_per_topic,
        random_state=config.cluster.random_state,
    )
    members_by_label: dict[int, list[str]] = {
        int(t): [doc_ids[i] for i in np.where(labels == t)[0]] for t in range(clusterer.n_topics_)
    }
    centroids: dict[int, np.ndarray | None] = {}
    for t in members_by_label:
        if vectors is not None:
            c = vectors[labels == t].mean(axis=0)
            centroids[t] = c / (np.linalg.norm(c) or 1.0)
        else:
            centroids[t] = None
    # Lineage.
    prev_labels = {s["topic_id"]: s["label"] for s in prev_snaps}
    if vectors is not None:
        prev_vec = {s["topic_id"]: s["centroid"] for s in prev_snaps if s.get("centroid") is not None}
        cur_vec = {t: c for t, c in centroids.items() if c is not None}
        threshold = config.lineage.centroid_match
    else:
        prev_vec, cur_vec = keyword_vectors(
            {s["topic_id"]: dict(zip(s["keywords"], s["keyword_weights"], strict=True)) for s in prev_snaps},
            {t: dict(zip(desc[t].keywords, desc[t].weights, strict=True)) for t in members_by_label},
        )
        threshold = config.lineage.keyword_match
    result = match_topics(
        prev_members, members_by_label, current_docs=frozenset(doc_ids), new_id=next_id,
        prev_vectors=prev_vec, cur_vectors=cur_vec, prev_labels=prev_labels,
        cur_labels={t: desc[t].label for t in members_by_label},
        min_flow_share=config.lineage.min_flow_share, min_flow_docs=config.lineage.min_flow_docs,
        centroid_match=threshold, size_change=config.lineage.size_change,
    )
    # Snapshots.
    snapshots = []
    languages, published, is_new = meta["language"], meta["published"], meta["is_new"]
    recent_w, prior_w = meta["recent_w"], meta["prior_w"]
    base = (float(recent_w.sum()) + 1.0) / (float(prior_w.sum()) + 1.0)
    for t, members in members_by_label.items():
        idx = np.where(labels == t)[0]
        r, p = float(recent_w[idx].sum()), float(prior_w[idx].sum())
        dates = [published[i] for i in idx if published[i] is not None]
        lang = Counter(languages[i] or "?" for i in idx).most_common(1)[0][0]
        d = desc[t]
        snapshots.append({
            "topic_id": result.ids[t], "space": space, "language": lang, "size": len(members),
            "new_members": int(is_new[idx].sum()), "label": d.label, "keywords": list(d.keywords),
            "keyword_weights": [float(w) for w in d.weights],
            "representative_doc_ids": [doc_ids[i] for i in d.representative_idx],
            "centroid": centroids[t], "cohesion": float(sims[idx].mean()),
            "recent_share": r / len(members),
            # Too few dated documents in the two years say nothing about growth.
            "growth": ((r + 1.0) / (p + 1.0)) / base if r + p >= config.window.min_growth_docs else None,
            "first_published": min(dates) if dates else None, "last_published": max(dates) if dates else None,
        })
    summary = SpaceSummary(
        space=space, documents=n, topics=clusterer.n_topics_, unassigned=int((labels < 0).sum()),
        start=clusterer.start_, events=result.counts(),
        restart_gain=(None if not clusterer.inertia_warm_ else
                      round(1.0 - clusterer.inertia_cold_ / clusterer.inertia_warm_, 4)),
    )
    return _SpaceResult(space, doc_ids, labels, sims, result.ids, snapshots, centroids, summary, vectors), result


# ───────────────────────────── the analysis ─────────────────────────────


def _fingerprint(model: str, config: TopicsConfig, vocab: str, doc_ids: Sequence[str], hashes: Sequence[str],
                 multilingual: bool | None) -> str:
    h = hashlib.sha256()
    h.update(f"{model}|{config.digest()}|{vocab}|{multilingual}".encode())
    for d, c in zip(doc_ids, hashes, strict=True):
        h.update(f"{d}\x00{c}\x01".encode())
    return h.hexdigest()[:24]


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
    progress = progress or _noop
    t_start = time.perf_counter()
    config = config or load_topics_config()
    if model_name:
        config = config.replace("embedding", model=model_name)
    if embedder is None:
        embedder = FakeEmbedder() if fake_embedder else make_embedder(config)
    model = embedder.name
    summary = AnalysisSummary(scan_id=scan_id, as_of=as_of.isoformat() if as_of else None, model=model)
    timer = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal timer
        now = time.perf_counter()
        summary.seconds[name] = round(now - timer, 2)
        timer = now

    # Technologies: the taxonomy file is the source of truth for seeded rows.
    taxonomy = load_taxonomy(taxonomy_path)
    summary.taxonomy_sync = techstore.sync_taxonomy(con, taxonomy_rows(taxonomy))
    tech_rows = techstore.load_technologies(con)
    techs = technologies_for_linking(taxonomy, tech_rows)
    vocab = vocabulary_digest(techs)

    # Documents in the window.
    since = None
    if config.window.lookback_years:
        since = _minus_years(as_of or dt.date.today(), config.window.lookback_years)
    docs = store.analysis_documents(con, as_of=as_of, since=since)
    doc_ids: list[str] = docs.column("doc_id").to_pylist()
    hashes: list[str] = docs.column("content_hash").to_pylist()
    languages: list[str] = docs.column("language").to_pylist()
    titles: list[str] = docs.column("title").to_pylist()
    summary.documents = len(doc_ids)
    summary.languages = dict(Counter(lang or "?" for lang in languages).most_common())
    lap("load")

    multilingual_setting = config.embedding.multilingual
    quick = multilingual_setting if isinstance(multilingual_setting, bool) else getattr(embedder, "multilingual", None)
    prev = store.previous_run(con, exclude_scan_id=scan_id)
    fingerprint = _fingerprint(model, config, vocab, doc_ids, hashes, quick)
    if prev and not force and prev["fingerprint"] == fingerprint:
        store.start_run(con, scan_id=scan_id, as_of=as_of, model=model, fingerprint=fingerprint,
                        config_digest=config.digest(), previous_scan_id=prev["scan_id"])
        store.carry_over(con, from_scan=prev["scan_id"], to_scan=scan_id)
        old = prev.get("summary") or {}
        summary.reused = True
        summary.previous_scan_id = prev["scan_id"]
        summary.paths = list(old.get("paths", []))
        summary.multilingual = bool(old.get("multilingual", False))
        summary.spaces = [
            SpaceSummary(space=s["space"], documents=s["documents"], topics=s["topics"], unassigned=s["unassigned"],
                         start="reused")
            for s in old.get("spaces", [])
        ]
        summary.seconds["total"] = round(time.perf_counter() - t_start, 2)
        store.finish_run(con, scan_id=scan_id, status="succeeded", summary=summary.as_dict(), reused=True)
        evidence_store.refresh(con)  # the read views' evidence (a no-op when links and documents are unchanged)
        return summary

    matcher = AliasMatcher(techs)  # compiling every alias takes ~0.5 s: only when something is analysed
    lap("alias_matcher")
    store.start_run(con, scan_id=scan_id, as_of=as_of, model=model, fingerprint=fingerprint,
                    config_digest=config.digest(), previous_scan_id=prev["scan_id"] if prev else None)
    summary.previous_scan_id = prev["scan_id"] if prev else None
    try:
        _analyse(con, config=config, embedder=embedder, summary=summary, doc_ids=doc_ids, hashes=hashes,
                 languages=languages, titles=titles, docs=docs, as_of=as_of, prev=prev,
                 techs=techs, matcher=matcher, vocab=vocab, progress=progress, lap=lap)
    except BaseException:
        store.finish_run(con, scan_id=scan_id, status="failed", summary=summary.as_dict())
        raise
    summary.seconds["total"] = round(time.perf_counter() - t_start, 2)
    store.finish_run(con, scan_id=scan_id, status="succeeded", summary=summary.as_dict())
    evidence_store.refresh(con)  # the read views' evidence, after the links this analysis wrote
    return summary


def _analyse(
    con: Any,
    *,
    config: TopicsConfig,
    embedder: Embedder,
    summary: AnalysisSummary,
    doc_ids: list[str],
    hashes: list[str],
    languages: list[str],
    titles: list[str],
    docs: Any,
    as_of: dt.date | None,
    prev: dict[str, Any] | None,
    techs: list[Any],
    matcher: AliasMatcher,
    vocab: str,
    progress: ProgressFn,
    lap: Callable[[str], None],
) -> None:
    scan_id = summary.scan_id
    model = embedder.name
    n = len(doc_ids)
    from scoring.topics.chinese import (
        cached_segmenter,
        has_cjk,
        segmentation_digest,
        taxonomy_words,
        term_vectors,
    )
    from scoring.topics.represent import english_terms

    hash_of = dict(zip(doc_ids, hashes, strict=True))
    segmenters: list[ChineseSegmenter] = []

    def segmenter() -> ChineseSegmenter:
        if not segmenters:
            segmenters.append(cached_segmenter(tuple(taxonomy_words(techs))))
        return segmenters[0]

    is_zh = np.array([(lang or "").lower().startswith("zh") or (not lang and has_cjk(t)) for lang, t in
                      zip(languages, titles, strict=True)], dtype=bool)
    multilingual = False
    reason = "no Chinese documents"
    if is_zh.any():
        multilingual, reason = decide_multilingual(embedder, config.embedding.multilingual, config.embedding.probe_threshold)
    summary.multilingual, summary.multilingual_reason = multilingual, reason
    emb_mask = ~is_zh | multilingual
    emb_idx = np.where(emb_mask)[0]
    zh_idx = np.where(~emb_mask)[0]
    emb_ids = [doc_ids[i] for i in emb_idx]
    zh_ids = [doc_ids[i] for i in zh_idx]

    # Publication facts for growth and "new since last scan".
    published = docs.column("published").to_pylist()
    first_seen = docs.column("first_seen").to_pylist()
    ref = as_of or dt.date.today()
    recent_from = _minus_months(ref, config.window.recent_months)
    prior_from = _minus_months(recent_from, config.window.recent_months)
    precision = docs.column("date_precision").to_pylist()
    recent_w = window_shares(published, precision, recent_from, ref)
    prior_w = window_shares(published, precision, prior_from, recent_from)
    is_new = np.ones(n, dtype=bool)
    if prev:
        p_as_of, p_started = prev.get("as_of"), prev.get("started_at")
        for i in range(n):
            seen_before = first_seen[i] is not None and p_started is not None and first_seen[i] <= p_started
            in_window = p_as_of is None or (published[i] is not None and published[i] < p_as_of)
            is_new[i] = not (seen_before and in_window)

    # 1. Embed what is new or changed.
    _embed_stale(con, embedder, emb_ids, hash_of, config, summary, progress)
    lap("embed")

    # 2. Chinese terms.
    if len(zh_ids):
        recipe = f"{config.chinese.recipe}|{segmentation_digest(taxonomy_words(techs))}"
        stale = store.stale_terms(con, zh_ids, recipe=recipe)
        if stale:
            progress("segment", 0, len(stale))
            for start in range(0, len(stale), 20000):
                chunk = stale[start : start + 20000]
                tbl = store.document_texts(con, chunk, body_chars=config.chinese.text_chars)
                ids = tbl.column("doc_id").to_pylist()
                texts = [
                    f"{t} {(a or b)[: config.chinese.text_chars]}"
                    for t, a, b in zip(tbl.column("title").to_pylist(), tbl.column("abstract").to_pylist(),
                                       tbl.column("body").to_pylist(), strict=True)
                ]
                words = segmenter().words_many(texts)
                store.write_terms(con, recipe=recipe, doc_ids=ids, content_hashes=[hash_of[i] for i in ids],
                                  terms=words)
                summary.segmented += len(ids)
                progress("segment", start + len(ids), len(stale))
    lap("segment")

    # 3. Cluster each space.
    counter = [store.max_topic_number(con)]

    def next_id() -> str:
        counter[0] += 1
        return f"T{counter[0]:04d}"

    results: list[tuple[_SpaceResult, Any]] = []
    pub_arr = np.array(published, dtype=object)
    lang_arr = np.array(languages, dtype=object)
    if emb_ids:
        space = embedding_space(model)
        ids_loaded, X = store.load_embeddings(con, emb_ids, model=model)
        assert ids_loaded == emb_ids, "embeddings missing for some documents"
        progress("cluster", 0, None)
        prev_members = store.load_members(con, prev["scan_id"], space) if prev else {}
        prev_snaps = store.load_snapshots(con, prev["scan_id"], space) if prev else []

        def en_terms(rows: list[int]) -> dict[int, list[str]]:
            ids = [emb_ids[i] for i in rows]
            tbl = store.document_texts(con, ids, body_chars=config.represent.text_chars)
            by_id = {
                d: english_terms(f"{t}. {(a or b)[: config.represent.text_chars]}") if not has_cjk(t) else
                   segmenter().words(f"{t} {(a or b)[: config.represent.text_chars]}")
                for d, t, a, b in zip(tbl.column("doc_id").to_pylist(), tbl.column("title").to_pylist(),
                                      tbl.column("abstract").to_pylist(), tbl.column("body").to_pylist(), strict=True)
            }
            return {i: by_id.get(emb_ids[i], []) for i in rows}

        meta = {"language": lang_arr[emb_idx], "published": pub_arr[emb_idx], "is_new": is_new[emb_idx],
                "recent_w": recent_w[emb_idx], "prior_w": prior_w[emb_idx]}
        res = _cluster_space(
            space=space, doc_ids=emb_ids, X=X, vectors=X, term_lists=en_terms, meta=meta,
            clusterer=_clusterer(config.cluster), config=config, prev=prev, prev_members=prev_members,
            prev_snaps=prev_snaps, warm=config.cluster.warm_start, next_id=next_id,
        )
        results.append(res)
    lap("cluster_embedding")
    if zh_ids:
        terms_by_id = store.load_terms(con, zh_ids)
        term_lists = [terms_by_id.get(d, []) for d in zh_ids]
        Xz, _vocab = term_vectors(term_lists, min_df=config.chinese.min_df, max_df=config.chinese.max_df)
        zc = config.chinese
        clusterer = _clusterer(config.cluster, n_components=zc.n_components, topics_per_sqrt=zc.topics_per_sqrt,
                               max_topics=zc.max_topics, min_topic_size=zc.min_topic_size,
                               min_similarity=zc.min_similarity)
        prev_members = store.load_members(con, prev["scan_id"], ZH_SPACE) if prev else {}
        prev_snaps = store.load_snapshots(con, prev["scan_id"], ZH_SPACE) if prev else []
        meta = {"language": lang_arr[zh_idx], "published": pub_arr[zh_idx], "is_new": is_new[zh_idx],
                "recent_w": recent_w[zh_idx], "prior_w": prior_w[zh_idx]}
        res = _cluster_space(
            space=ZH_SPACE, doc_ids=zh_ids, X=Xz, vectors=None, term_lists=dict(enumerate(term_lists)), meta=meta,
            clusterer=clusterer, config=config, prev=prev, prev_members=prev_members, prev_snaps=prev_snaps,
            warm=config.cluster.warm_start, next_id=next_id,
        )
        results.append(res)
    lap("cluster_zh")

    for res, lineage in results:
        member_rows = [(res.topic_ids[int(t)], res.doc_ids[i], float(res.sims[i]))
                       for i, t in enumerate(res.labels) if t >= 0]
        store.write_topics(
            con, scan_id=scan_id, snapshots=res.snapshots,
            member_topic_ids=[r[0] for r in member_rows], member_doc_ids=[r[1] for r in member_rows],
            member_similarities=np.array([r[2] for r in member_rows], dtype=np.float32),
        )
        store.write_events(
            con, scan_id=scan_id, previous_scan_id=prev["scan_id"] if prev else None, space=res.space,
            events=[(e.event, e.from_topics, e.to_topics, e.details) for e in lineage.events],
        )
        store.update_registry(con, scan_id=scan_id, snapshots=res.snapshots, ended=lineage.ended)
        summary.spaces.append(res.summary)
    lap("store_topics")

    # 4. Link.
    _link(con, config=config, embedder=embedder, summary=summary, results=[r for r, _ in results], techs=techs,
          matcher=matcher, vocab=vocab, all_ids=doc_ids, hash_of=hash_of, emb_ids=emb_ids, prev=prev,
          progress=progress)
    lap("link")
    summary.paths = _paths(summary, model, config, languages, emb_mask, multilingual, reason)


def _paths(summary: AnalysisSummary, model: str, config: TopicsConfig, languages: list[str], emb_mask: np.ndarray,
           multilingual: bool, reason: str) -> list[str]:
    per: dict[tuple[str, bool], int] = defaultdict(int)
    for lang, e in zip(languages, emb_mask, strict=True):
        per[((lang or "?").split("-")[0], bool(e))] += 1
    lines = []
    recipe = f"title + first {config.embedding.abstract_words} words, {config.embedding.max_tokens} tokens"
    for (lang, e), count in sorted(per.items(), key=lambda x: -x[1]):
        if e:
            note = ""
            if lang == "zh":
                note = f" (model is multilingual: {reason})"
            elif lang not in ("en", "?") and not multilingual:
                note = " (the model is trained on English; expect weaker topics)"
            lines.append(f"{lang}: {count:,} documents via {model} embeddings ({recipe}) + alias linking{note}")
        else:
            lines.append(
                f"{lang}: {count:,} documents via jieba term vectors + bilingual alias linking "
                f"(model {model} is not multilingual: {reason})"
            )
    return lines


def _link(
    con: Any,
    *,
    config: TopicsConfig,
    embedder: Embedder,
    summary: AnalysisSummary,
    results: list[_SpaceResult],
    techs: list[Any],
    matcher: AliasMatcher,
    vocab: str,
    all_ids: list[str],
    hash_of: dict[str, str],
    emb_ids: list[str],
    prev: dict[str, Any] | None,
    progress: ProgressFn,
) -> None:
    cfg = config.linking
    scan_id = summary.scan_id
    # Alias links for documents whose text or the vocabulary changed.
    stale = techstore.stale_link_docs(con, all_ids, tech_digest=vocab)
    if stale:
        progress("link", 0, len(stale))
    for start in range(0, len(stale), 20000):
        chunk = stale[start : start + 20000]
        tbl = store.document_texts(con, chunk, body_chars=3000)
        ids = tbl.column("doc_id").to_pylist()
        texts = [a or b for a, b in zip(tbl.column("abstract").to_pylist(), tbl.column("body").to_pylist(), strict=True)]
        links = alias_document_links(ids, tbl.column("title").to_pylist(), texts, matcher, cfg)
        techstore.replace_alias_links(con, doc_ids=ids, content_hashes=[hash_of[i] for i in ids], tech_digest=vocab,
                                      links=links)
        summary.alias_linked_docs += len(ids)
        progress("link", start + len(ids), len(stale))
    alias_tbl = techstore.alias_links(con)
    alias_by_doc: dict[str, dict[str, float]] = defaultdict(dict)
    for d, t, c in zip(alias_tbl.column("doc_id").to_pylist(), alias_tbl.column("tech_id").to_pylist(),
                       alias_tbl.column("confidence").to_pylist(), strict=True):
        alias_by_doc[d][t] = c

    # Prototypes and embedding links (embedding space only).
    tech_ids = [t.id for t in techs]
    prototypes = None
    emb_res = next((r for r in results if r.space.startswith("embedding:")), None)
    if emb_res is not None and techs:
        X = emb_res.vectors if emb_res.vectors is not None else store.load_embeddings(con, emb_ids, model=embedder.name)[1]
        pos = {d: i for i, d in enumerate(emb_ids)}
        centres: dict[str, tuple[np.ndarray, int]] = {}
        strong: dict[str, list[int]] = defaultdict(list)
        for d, by_tech in alias_by_doc.items():
            i = pos.get(d)
            if i is None:
                continue
            for t, c in by_tech.items():
                if c >= cfg.alias_title - 1e-9:
                    strong[t].append(i)
        for t, rows in strong.items():
            c = X[rows].mean(axis=0)
            centres[t] = (c / (np.linalg.norm(c) or 1.0), len(rows))
        desc_vectors = embedder.embed([prototype_text(t) for t in techs])
        prototypes = tech_prototypes(techs, desc_vectors, centres, cfg)
        already = {(d, t) for d, by_tech in alias_by_doc.items() for t in by_tech}
        emb_links = embedding_document_links(emb_ids, X, tech_ids, prototypes, cfg, already=already)
        summary.links["embedding"] = techstore.replace_method_links(con, method="embedding", links=emb_links)
    else:
        summary.links["embedding"] = techstore.replace_method_links(con, method="embedding", links=[])

    # Topic links, candidates, member links.
    topic_inputs: list[TopicInput] = []
    snapshots: list[dict[str, Any]] = []
    for res in results:
        for s in res.snapshots:
            snapshots.append(s)
        for t, tid in res.topic_ids.items():
            idx = np.where(res.labels == t)[0]
            snap = next(s for s in res.snapshots if s["topic_id"] == tid)
            topic_inputs.append(TopicInput(
                topic_id=tid, member_ids=[res.doc_ids[i] for i in idx],
                member_similarities=[float(res.sims[i]) for i in idx], keywords=snap["keywords"],
                centroid=res.centroids.get(t),
            ))
    rows = topic_technology_links(topic_inputs, alias_by_doc, matcher, tech_ids, prototypes, cfg)
    linked = {r["topic_id"] for r in rows}
    proposed = techstore.candidate_topics(con)
    prev_growth: dict[str, float | None] = {}
    if prev:
        for s in store.load_snapshots(con, prev["scan_id"]):
            prev_growth[s["topic_id"]] = s.get("growth")
    guesses: dict[str, tuple[str, str]] = {}
    if prototypes is not None:
        direction = {t.id: (t.direction, t.id) for t in techs}
        for ti in topic_inputs:
            if ti.centroid is not None and ti.topic_id not in linked:
                j = int(np.argmax(prototypes @ ti.centroid))
                guesses[ti.topic_id] = direction[tech_ids[j]]
    reps: dict[str, list[str]] = {}
    rep_ids = sorted({d for s in snapshots for d in s["representative_doc_ids"][:3]})
    if rep_ids:
        tbl = store.document_texts(con, rep_ids, body_chars=0)
        title_of = dict(zip(tbl.column("doc_id").to_pylist(), tbl.column("title").to_pylist(), strict=True))
        reps = {s["topic_id"]: [title_of.get(d, "") for d in s["representative_doc_ids"][:3]] for s in snapshots}
    candidates = propose_candidates(snapshots, linked, prev_growth, proposed, config.candidates,
                                    representative_titles=reps, direction_guess=guesses)
    for c in candidates:
        techstore.add_technology(con, c)
        summary.candidates.append(c["tech_id"])
    # Discovered technologies (candidate or accepted) follow their topic while it lives.
    present = {ti.topic_id for ti in topic_inputs}
    have = {(r["topic_id"], r["tech_id"]) for r in rows}
    for r in techstore.load_technologies(con):
        discovered = r.get("origin") == "discovered" and r.get("status") in ("candidate", "accepted")
        if discovered and r.get("topic_id") in present and (r["topic_id"], r["tech_id"]) not in have:
            rows.append({"topic_id": r["topic_id"], "tech_id": r["tech_id"], "method": "origin",
                         "confidence": 0.95, "alias_share": None, "similarity": None,
                         "evidence": f"discovered from topic {r['topic_id']}"})
    techstore.write_topic_technologies(con, scan_id=scan_id, rows=rows)
    summary.topic_links = len(rows)
    member_links = topic_member_links(topic_inputs, rows, alias_by_doc, cfg)
    summary.links["topic"] = techstore.replace_method_links(con, method="topic", links=member_links)
    summary.links["alias"] = int(alias_tbl.num_rows)
