"""Topic clustering that scales to a million documents: reduce (PCA/SVD) → k-means on unit vectors → tidy.

Follows the scikit-learn contract (the constructor stores parameters, `fit` returns self, learned
state ends in `_`, `get_params`/`set_params` for `clone`; written out rather than inherited from
BaseEstimator so that importing the module does not import scikit-learn), and the seed is a parameter, so the same
input gives the same topics. HDBSCAN was ruled out by cost (20k vectors: 6 minutes at 384
dimensions, 100k: 14 minutes at 50) and ward linkage by memory (100k points do not fit).

The reduction and k-means are scikit-learn's: PCA with the covariance solver (the d × d covariance
from one product, no centred or float64 copy of float32 vectors), KMeans (greedy k-means++, Lloyd),
and MiniBatchKMeans to seed it on large inputs; sparse term vectors (the Chinese path) use
TruncatedSVD. scikit-learn is imported inside the methods that need it, so importing this module
(as the carry-over path of scoring.topics.pipeline does) stays cheap. Our own code keeps what the estimators
do not do: warm starts from the previous scan's topics, the restart rule, and tidying (dissolving
small clusters, leaving outliers unassigned), with similarities computed over row blocks rather
than as n × k matrices.
"""

from __future__ import annotations

import inspect
import math
import sys
import warnings
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

# Cells (rows × centres) per block of similarities: 4 MB of float32, never an n × k matrix.
_BLOCK_CELLS = 1_000_000


def _unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, float32, in place when x already is float32 (zero rows stay zero)."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", x, x))
    norms[norms == 0] = 1.0
    x /= norms[:, None]
    return x


def _is_sparse(X: Any) -> bool:
    # Without SciPy imported, X cannot be a SciPy matrix: no need to import it to ask.
    sp = sys.modules.get("scipy.sparse")
    return sp is not None and sp.issparse(X)


def _rows_per_block(k: int) -> int:
    return max(256, _BLOCK_CELLS // max(k, 1))


def _assign(Z: np.ndarray, C: np.ndarray, bias: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Best centre of every row by z·c + bias (bias = −‖c‖²/2 makes it the nearest), and that score, block by block."""
    n = len(Z)
    labels = np.empty(n, dtype=np.int64)
    best = np.empty(n, dtype=np.float32)
    step = _rows_per_block(len(C))
    Ct = np.ascontiguousarray(C.T, dtype=np.float32)
    for s in range(0, n, step):
        S = Z[s : s + step] @ Ct
        if bias is not None:
            S += bias
        lab = S.argmax(axis=1)
        labels[s : s + step] = lab
        best[s : s + step] = S[np.arange(len(S)), lab]
    return labels, best


def _group_sums(Z: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Sum of the rows of each label 0..k-1 (rows labelled -1 ignored), in float64, without an n × k matrix."""
    keep = labels >= 0
    if not keep.all():
        labels, Z = labels[keep], Z[keep]
    cols = Z.T
    out = np.empty((k, Z.shape[1]), dtype=np.float64)
    for j in range(Z.shape[1]):
        out[:, j] = np.bincount(labels, weights=cols[j], minlength=k)
    return out


def choose_n_topics(n_docs: int, *, n_topics: int, topics_per_sqrt: float, min_topics: int, max_topics: int) -> int:
    """How many topics to look for: fixed, or growing with the square root of the document count."""
    if n_docs <= 0:
        return 0
    k = n_topics or math.ceil(topics_per_sqrt * math.sqrt(n_docs))
    k = max(min_topics, min(max_topics, k)) if not n_topics else k
    return max(1, min(k, n_docs))


class TopicClusterer:
    """k-means on reduced, unit-length vectors (cosine geometry), warm-started from the previous scan's topics.

    After k-means, clusters smaller than `min_topic_size` are dissolved into their nearest
    neighbours, and documents less similar than `min_similarity` to their centre, or more than
    `outlier_z` standard deviations below their topic's mean similarity, are left unassigned
    (label -1). Topics are numbered by size, largest first.

    A cold start is scikit-learn's KMeans, the best of `n_init` greedy k-means++ seedings (at most
    `max_iter` Lloyd rounds, `tol` as KMeans's). Inputs larger than `init_sample` rows are seeded by
    MiniBatchKMeans (`batch_size` rows a batch), then refined by KMeans on all of them; a warm start
    is one KMeans run from the previous topics' centres.

    Learned: ``reducer_``, ``labels_``, ``similarities_`` (cosine to the own centre in the reduced
    space), ``cluster_centers_`` (unit length, reduced space), ``n_topics_``, ``inertia_`` (k-means
    objective: squared distances of the unit vectors to their cluster's mean), ``start_`` ('cold' or 'warm'),
    ``inertia_cold_`` / ``inertia_warm_`` (the two objectives compared), ``n_iter_`` and
    ``warm_origin_`` (for each topic, the previous label whose members seeded its centre, or -1).
    """

    def __init__(
        self,
        n_topics: int = 0,
        topics_per_sqrt: float = 1.0,
        min_topics: int = 2,
        max_topics: int = 600,
        n_components: int = 50,
        min_topic_size: int = 5,
        min_similarity: float = 0.2,
        outlier_z: float = 2.5,
        random_state: int = 42,
        restart_gain: float = 0.03,
        max_iter: int = 60,
        n_init: int = 3,
        init_sample: int = 30_000,
        batch_size: int = 4096,
        tol: float = 1e-4,
    ) -> None:
        self.n_topics = n_topics
        self.topics_per_sqrt = topics_per_sqrt
        self.min_topics = min_topics
        self.max_topics = max_topics
        self.n_components = n_components
        self.min_topic_size = min_topic_size
        self.min_similarity = min_similarity
        self.outlier_z = outlier_z
        self.random_state = random_state
        self.restart_gain = restart_gain
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_sample = init_sample
        self.batch_size = batch_size
        self.tol = tol

    @classmethod
    def from_config(cls, cfg: Any, **over: Any) -> TopicClusterer:
        """A clusterer with every parameter `cfg` (a ClusterConfig) names, then `over` on top.

        One place maps topics.toml onto the estimator, so the analysis stage and the benchmarks
        cannot drift apart; keys that are not estimator parameters (warm_start) are skipped.
        """
        params = {name: getattr(cfg, name) for name in cls._param_names() if hasattr(cfg, name)}
        params.update(over)
        return cls(**params)

    # ───────────── the estimator contract (what sklearn.base.clone needs) ─────────────

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters (scikit-learn's contract, so `clone` works)."""
        del deep
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> TopicClusterer:
        """Change constructor parameters; unknown names are an error."""
        names = set(self._param_names())
        for key, value in params.items():
            if key not in names:
                raise ValueError(f"invalid parameter {key!r} for TopicClusterer")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        defaults = {n: p.default for n, p in inspect.signature(type(self).__init__).parameters.items() if n != "self"}
        changed = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items() if v != defaults.get(k))
        return f"TopicClusterer({changed})"

    # ───────────── reduction ─────────────

    def _fit_reducer(self, X: Any) -> Any:
        n, d = X.shape
        n_comp = min(self.n_components, d, max(n - 1, 1))
        if _is_sparse(X):
            if n_comp < 2 or d <= 2:
                return None
            from sklearn.decomposition import TruncatedSVD  # term vectors only (the Chinese path)

            with warnings.catch_warnings():
                # Identical rows give zero variance; the ratio sklearn reports is then 0/0.
                warnings.simplefilter("ignore", RuntimeWarning)
                return TruncatedSVD(n_components=n_comp, random_state=self.random_state).fit(X)
        if n_comp >= d or n_comp < 2:
            return None
        from sklearn.decomposition import PCA

        # covariance_eigh: the d × d covariance from X.T @ X (efficient for n ≫ d, no centred copy;
        # float32 in, float32 out). Threads only pay on large inputs (OpenBLAS start-up on a busy
        # 2-core box costs more).
        with threadpool_limits(limits=1 if n * d < 20_000_000 else None):
            return PCA(n_components=n_comp, svd_solver="covariance_eigh", random_state=self.random_state).fit(X)

    def transform(self, X: Any) -> np.ndarray:
        """Reduced, unit-length vectors in the space the topics live in."""
        Z = self.reducer_.transform(X) if self.reducer_ is not None else X
        if _is_sparse(Z):
            Z = Z.toarray()
        # A copy only where the reducer did not already make a fresh array (never change the caller's X).
        fresh = self.reducer_ is not None
        return _unit_rows(np.asarray(Z, dtype=np.float32) if fresh else np.array(Z, dtype=np.float32))

    # ───────────── k-means ─────────────

    def _kmeans(self, Z: np.ndarray, init: np.ndarray | str, k: int) -> tuple[np.ndarray, np.ndarray, float]:
        """scikit-learn's k-means on the unit rows Z: (labels, centres, objective Σ‖z − c‖²).

        The centres are the members' means (not rescaled to unit length): for unit vectors the
        objective is then n − Σ size·‖mean‖², and ‖mean‖² is the mean pairwise cosine of a topic,
        so k-means directly maximises size-weighted topic coherence. `init` is "k-means++" (best
        of `n_init` seedings) or an array of starting centres (one run from them).
        """
        # Small inputs: one thread (OpenMP start-up and spinning cost more than they save on a busy box).
        with threadpool_limits(limits=1 if len(Z) * k < 5_000_000 else None):
            return self._kmeans_run(Z, init, k)

    def _kmeans_run(self, Z: np.ndarray, init: np.ndarray | str, k: int) -> tuple[np.ndarray, np.ndarray, float]:
        from sklearn.cluster import KMeans, MiniBatchKMeans
        from sklearn.exceptions import ConvergenceWarning

        n_init = max(1, self.n_init)
        with warnings.catch_warnings():
            # Duplicate texts can leave fewer distinct points than k; tidying drops the empty clusters.
            warnings.simplefilter("ignore", ConvergenceWarning)
            if isinstance(init, str) and len(Z) > self.init_sample:
                # Large inputs: seed Lloyd's iterations cheaply with mini-batches.
                mbk = MiniBatchKMeans(
                    n_clusters=k, init="k-means++", n_init=n_init, batch_size=self.batch_size,
                    random_state=self.random_state, max_iter=20,
                ).fit(Z)
                init, n_init = mbk.cluster_centers_, 1
            elif not isinstance(init, str):
                init, n_init = np.asarray(init, dtype=Z.dtype), 1
            # copy_x=False: Z is our own array; KMeans centres it in place and restores it.
            km = KMeans(
                n_clusters=k, init=init, n_init=n_init, max_iter=self.max_iter, tol=self.tol,
                random_state=self.random_state, copy_x=False,
            ).fit(Z)
        self.n_iter_ = int(km.n_iter_)
        return km.labels_.astype(np.int64), np.asarray(km.cluster_centers_, dtype=np.float32), float(km.inertia_)

    def _warm_centres(self, Z: np.ndarray, init_labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        prev = sorted(int(v) for v in np.unique(init_labels) if v >= 0)
        sums = _group_sums(Z, init_labels, max(prev) + 1 if prev else 0)
        sizes_all = np.bincount(init_labels[init_labels >= 0], minlength=len(sums))
        centres = [sums[lab] / sizes_all[lab] for lab in prev]
        origin = list(prev)
        if len(centres) > k:  # keep the largest previous topics
            sizes = [int(sizes_all[lab]) for lab in prev]
            keep = sorted(np.argsort(sizes, kind="stable")[::-1][:k])
            centres = [centres[i] for i in keep]
            origin = [origin[i] for i in keep]
        C = _unit_rows(np.array(centres, dtype=np.float32)) if centres else np.zeros((0, Z.shape[1]), np.float32)
        missing = k - len(C)
        if missing > 0:
            # New centres where the old topics serve documents worst (k-means++ style D² sampling).
            rng = np.random.default_rng(self.random_state)
            best = _assign(Z, C)[1] if len(C) else np.full(len(Z), -1.0, np.float32)
            extra = []
            for _ in range(missing):
                d2 = np.clip(1.0 - best.astype(np.float64), 0, None) ** 2
                total = float(d2.sum())
                i = int(rng.choice(len(Z), p=d2 / total)) if total > 0 else int(rng.integers(len(Z)))
                extra.append(Z[i])
                best = np.maximum(best, Z @ Z[i])
            C = np.vstack([C, np.array(extra, dtype=np.float32)])
            origin += [-1] * missing
        return C, np.array(origin)

    # ───────────── tidying ─────────────

    def _tidy(self, Z: np.ndarray, labels: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Dissolve small clusters, mark outliers, renumber by size; returns labels, sims, kept centre indices."""
        C = _unit_rows(np.array(centres, dtype=np.float32))
        alive = np.ones(len(C), dtype=bool)
        labels = labels.copy()
        while True:
            sizes = np.bincount(labels[labels >= 0], minlength=len(C))
            small = alive & (sizes < self.min_topic_size)
            if not small.any() or small.sum() == alive.sum():
                if small.sum() == alive.sum():
                    alive[:] = False
                    labels[:] = -1
                break
            # Dissolve the single smallest cluster, then re-check: its members may rescue a neighbour.
            victim = int(np.where(small)[0][np.argmin(sizes[small])])
            alive[victim] = False
            moved = labels == victim
            if moved.any():
                sims = Z[moved] @ C[alive].T
                labels[moved] = np.where(alive)[0][sims.argmax(axis=1)]
        sims = np.full(len(Z), -1.0, dtype=np.float32)
        has = labels >= 0
        sims[has] = np.einsum("ij,ij->i", Z[has], C[labels[has]])
        outlier = has & (sims < self.min_similarity)
        if self.outlier_z > 0 and has.any():
            # Far out in the tail of its own topic: judged against that topic's spread, so the rule
            # means the same in any embedding or term space.
            lab = labels[has]
            s = sims[has].astype(np.float64)
            count = np.bincount(lab, minlength=len(C))
            mean = np.bincount(lab, weights=s, minlength=len(C)) / np.maximum(count, 1)
            var = np.bincount(lab, weights=(s - mean[lab]) ** 2, minlength=len(C)) / np.maximum(count, 1)
            cut = mean - self.outlier_z * np.sqrt(var)
            tail = (count[lab] >= 3) & (s < cut[lab])
            outlier[np.where(has)[0][tail]] = True
        labels[outlier] = -1
        kept = np.where(alive)[0]
        sizes = np.bincount(labels[labels >= 0], minlength=len(C))[kept]
        order = kept[np.argsort(-sizes, kind="stable")]
        order = order[np.bincount(labels[labels >= 0], minlength=len(C))[order] > 0]
        remap = np.full(len(C), -1)
        remap[order] = np.arange(len(order))
        new_labels = np.where(labels >= 0, remap[np.maximum(labels, 0)], -1)
        return new_labels, sims, order

    # ───────────── public ─────────────

    def fit(self, X: Any, y: Any = None, init_labels: np.ndarray | None = None) -> TopicClusterer:
        """Cluster rows of X (dense embeddings or sparse term vectors).

        init_labels: for each row, the topic (any non-negative int) it belonged to in the previous
        scan, or -1. The previous topics seed the centres; a fresh k-means++ start replaces them
        only when it lowers the objective by more than `restart_gain`.
        """
        del y
        n = X.shape[0]
        self.reducer_ = self._fit_reducer(X) if n >= 3 else None
        Z = self.transform(X) if n else np.zeros((0, 1), np.float32)
        self.start_ = "cold"
        self.inertia_ = 0.0
        self.n_iter_ = 0
        k = choose_n_topics(
            n, n_topics=self.n_topics, topics_per_sqrt=self.topics_per_sqrt,
            min_topics=self.min_topics, max_topics=self.max_topics,
        )
        k = min(k, max(1, n // max(1, self.min_topic_size)))
        if n < max(2, self.min_topic_size) or k < 1:
            self.labels_ = np.full(n, -1, dtype=np.int64)
            self.similarities_ = np.full(n, -1.0, dtype=np.float32)
            self.cluster_centers_ = np.zeros((0, Z.shape[1]), dtype=np.float32)
            self.n_topics_ = 0
            self.warm_origin_ = np.zeros(0, dtype=np.int64)
            self.inertia_cold_, self.inertia_warm_ = 0.0, None
            return self
        labels, centres, inertia = self._kmeans(Z, "k-means++", k)
        origin = np.full(len(centres), -1)
        self.inertia_cold_, self.inertia_warm_ = inertia, None
        if init_labels is not None and np.any(np.asarray(init_labels) >= 0):
            init_labels = np.asarray(init_labels)
            C0, origin0 = self._warm_centres(Z, init_labels, k)
            w_labels, w_centres, w_inertia = self._kmeans(Z, C0, len(C0))
            self.inertia_warm_ = w_inertia
            if inertia >= w_inertia * (1.0 - self.restart_gain):
                labels, centres, inertia, origin = w_labels, w_centres, w_inertia, origin0
                self.start_ = "warm"
        self.inertia_ = inertia
        self.labels_, self.similarities_, kept = self._tidy(Z, labels, centres)
        self.warm_origin_ = origin[kept] if len(kept) else np.zeros(0, dtype=np.int64)
        self.n_topics_ = len(kept)
        self.cluster_centers_ = _unit_rows(_group_sums(Z, self.labels_, self.n_topics_))
        return self

    def fit_predict(self, X: Any, y: Any = None, init_labels: np.ndarray | None = None) -> np.ndarray:
        """Fit and return the labels (-1 = unassigned)."""
        return self.fit(X, y, init_labels=init_labels).labels_

    def predict(self, X: Any) -> np.ndarray:
        """Nearest topic for new rows, -1 when below `min_similarity`."""
        Z = self.transform(X)
        if not self.n_topics_:
            return np.full(len(Z), -1, dtype=np.int64)
        best, sims = _assign(Z, self.cluster_centers_)
        return np.where(sims >= self.min_similarity, best, -1)
