"""The clusterer: deterministic, separates clear groups, few unassigned, small clusters dissolved, warm starts."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone

from scoring.topics.cluster import TopicClusterer, choose_n_topics


def blobs(n_per: int = 60, k: int = 4, dim: int = 32, noise: float = 0.15, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, dim))
    X = np.vstack([c + noise * np.linalg.norm(c) * rng.standard_normal((n_per, dim)) / np.sqrt(dim) for c in centres])
    y = np.repeat(np.arange(k), n_per)
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32), y


def purity(labels: np.ndarray, truth: np.ndarray) -> float:
    """Share of assigned documents that sit with their own group's majority."""
    total = 0
    for t in np.unique(labels[labels >= 0]):
        total += np.bincount(truth[labels == t]).max()
    return total / max(int((labels >= 0).sum()), 1)


def test_same_seed_same_topics_and_clear_groups_found() -> None:
    X, y = blobs()
    a = TopicClusterer(n_topics=4, n_components=8, random_state=7).fit(X)
    b = TopicClusterer(n_topics=4, n_components=8, random_state=7).fit(X)
    assert np.array_equal(a.labels_, b.labels_)
    assert a.n_topics_ == 4
    assert purity(a.labels_, y) > 0.99
    assert 0 < (a.labels_ < 0).mean() < 0.05  # the far tail of each topic only
    sizes = np.bincount(a.labels_[a.labels_ >= 0])
    assert list(sizes) == sorted(sizes, reverse=True)  # numbered by size


def test_sklearn_contract() -> None:
    est = TopicClusterer(n_topics=3, min_topic_size=2)
    assert clone(est).get_params() == est.get_params()
    assert not hasattr(est, "labels_")
    X, _ = blobs(k=3)
    assert est.fit(X) is est
    pred = est.predict(X[:10])
    assert np.array_equal(pred, est.labels_[:10])


def test_small_clusters_are_dissolved_and_outliers_left_unassigned() -> None:
    X, _ = blobs(n_per=50, k=3)
    rng = np.random.default_rng(1)
    odd = rng.standard_normal((2, X.shape[1])).astype(np.float32)
    X2 = np.vstack([X, odd / np.linalg.norm(odd, axis=1, keepdims=True)])
    est = TopicClusterer(n_topics=5, min_topic_size=10, min_similarity=0.5, outlier_z=0, n_components=16).fit(X2)
    sizes = np.bincount(est.labels_[est.labels_ >= 0])
    assert sizes.min() >= 10
    assert est.n_topics_ <= 3
    assert (est.labels_[-2:] == -1).all()


def test_warm_start_keeps_previous_topics_when_data_agree() -> None:
    X, y = blobs(k=4)
    est = TopicClusterer(n_topics=4, n_components=8).fit(X, init_labels=y)
    assert est.start_ == "warm"
    # Each topic is seeded by exactly one previous group and holds (almost) only it.
    assert sorted(est.warm_origin_.tolist()) == [0, 1, 2, 3]
    for t in range(4):
        assert np.bincount(y[est.labels_ == t]).argmax() == est.warm_origin_[t]


def test_choose_n_topics_grows_with_sqrt_and_respects_bounds() -> None:
    assert choose_n_topics(10_000, n_topics=0, topics_per_sqrt=1.0, min_topics=2, max_topics=600) == 100
    assert choose_n_topics(4_000_000, n_topics=0, topics_per_sqrt=1.0, min_topics=2, max_topics=600) == 600
    assert choose_n_topics(3, n_topics=0, topics_per_sqrt=1.0, min_topics=2, max_topics=600) == 2
    assert choose_n_topics(50, n_topics=7, topics_per_sqrt=1.0, min_topics=2, max_topics=600) == 7
    assert choose_n_topics(0, n_topics=7, topics_per_sqrt=1.0, min_topics=2, max_topics=600) == 0


def test_sparse_input_and_too_few_documents() -> None:
    from scipy.sparse import csr_matrix

    X, y = blobs(k=2, n_per=30)
    est = TopicClusterer(n_topics=2, n_components=5).fit(csr_matrix(np.abs(X)))
    assert est.n_topics_ == 2
    tiny = TopicClusterer(min_topic_size=5).fit(X[:3])
    assert tiny.n_topics_ == 0 and (tiny.labels_ == -1).all()


def test_reduction_keeps_float32_and_objective_is_the_kmeans_inertia() -> None:
    X, _ = blobs(n_per=100, k=4, dim=24)
    est = TopicClusterer(n_topics=4, n_components=8, min_topic_size=1, outlier_z=0, min_similarity=-1).fit(X)
    assert type(est.reducer_).__name__ == "PCA" and est.reducer_.svd_solver == "covariance_eigh"
    assert est.reducer_.components_.dtype == np.float32
    Z = est.transform(X)
    assert Z.dtype == np.float32 and np.allclose(np.linalg.norm(Z, axis=1), 1.0, atol=1e-5)
    # The objective: squared distances of the unit rows to their cluster's mean.
    means = np.array([Z[est.labels_ == t].mean(axis=0) for t in range(est.n_topics_)])
    assert np.isclose(est.inertia_, float(((Z - means[est.labels_]) ** 2).sum()), rtol=1e-3)


def test_warm_start_from_sizes_other_than_k_and_restart_rule() -> None:
    X, y = blobs(k=4)
    # Previous scan had 2 topics, now 4 are asked for: new centres are added where the old serve worst.
    est = TopicClusterer(n_topics=4, n_components=8).fit(X, init_labels=y // 2)
    assert est.inertia_cold_ is not None and est.inertia_warm_ is not None
    assert est.start_ == ("warm" if est.inertia_cold_ >= est.inertia_warm_ * (1 - est.restart_gain) else "cold")
    assert est.n_topics_ == 4
    # restart_gain = 1: any fresh start must lower the objective by 100%, so the warm one is kept.
    assert TopicClusterer(n_topics=4, n_components=8, restart_gain=1.0).fit(X, init_labels=y // 2).start_ == "warm"


def test_large_inputs_are_seeded_by_minibatches_and_stay_deterministic() -> None:
    X, y = blobs(n_per=400, k=5, dim=24)
    a = TopicClusterer(n_topics=5, n_components=8, init_sample=500).fit(X)
    b = TopicClusterer(n_topics=5, n_components=8, init_sample=500).fit(X)
    assert np.array_equal(a.labels_, b.labels_)
    assert purity(a.labels_, y) > 0.99


def test_from_config_is_what_the_analysis_stage_builds() -> None:
    from scoring.topics.config import load_topics_config
    from scoring.topics.spaces import clusterer_for as _clusterer

    cfg = load_topics_config().cluster
    assert TopicClusterer.from_config(cfg).get_params() == _clusterer(cfg).get_params()
    assert TopicClusterer.from_config(cfg, n_topics=7).n_topics == 7


def test_importing_clustering_and_description_loads_neither_sklearn_nor_scipy_nor_pandas() -> None:
    # scikit-learn is imported lazily, by fit: the carry-over path imports these modules only.
    import subprocess
    import sys

    code = ("import sys, scoring.topics.cluster, scoring.topics.represent; "
            "print(sorted(m for m in ('sklearn', 'scipy', 'pandas', 'torch', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
