"""The fake embedder, what text is embedded, and how a model's Chinese support is decided."""

from __future__ import annotations

import numpy as np

from scoring.topics.embed import (
    FakeEmbedder,
    decide_multilingual,
    embedding_text,
    known_multilingual,
    probe_multilingual,
    resolve_model_path,
    text_hash,
)


def test_fake_embedder_is_deterministic_normalised_and_word_sensitive() -> None:
    a, b = FakeEmbedder(), FakeEmbedder()
    texts = ["spiking neural networks on chips", "spiking neural networks on hardware", "tokamak plasma fusion"]
    va, vb = a.embed(texts), b.embed(texts)
    assert np.array_equal(va, vb)
    assert va.dtype == np.float32 and va.shape == (3, 64)
    assert np.allclose(np.linalg.norm(va, axis=1), 1.0, atol=1e-5)
    assert va[0] @ va[1] > 0.6 > abs(va[0] @ va[2])


def test_embedding_text_is_title_plus_first_words_of_abstract_or_body() -> None:
    abstract = " ".join(f"w{i}" for i in range(100))
    assert embedding_text("A title", abstract, None, 3) == "A title. w0 w1 w2"
    assert embedding_text("Question?", "yes it is", None, 2) == "Question? yes it"
    assert embedding_text("News", None, "body words here", 2) == "News. body words"
    assert embedding_text("Only  a   title", None, None, 40) == "Only a title"
    assert embedding_text("T", abstract, None, 0) == "T"
    assert text_hash("x") == text_hash("x") != text_hash("y")


def test_known_models_and_probe_decide_the_chinese_path() -> None:
    assert known_multilingual("all-MiniLM-L6-v2") is False
    assert known_multilingual("sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2") is True
    assert known_multilingual("some-org/unknown-model") is None
    assert decide_multilingual(FakeEmbedder(), True, 0.5) == (True, "set in topics.toml")
    assert decide_multilingual(FakeEmbedder(), "auto", 0.5)[0] is False
    assert decide_multilingual(FakeEmbedder(multilingual=True), "auto", 0.5)[0] is True

    unknown = FakeEmbedder(name="org/mystery")
    unknown.multilingual = None  # type: ignore[assignment]  # nothing declared: the model is probed
    decided, reason = decide_multilingual(unknown, "auto", 0.5)
    assert decided is False and reason.startswith("probe:")
    assert probe_multilingual(FakeEmbedder()) < 0.5


def test_the_default_model_resolves_to_the_bundled_package() -> None:
    path = resolve_model_path("all-MiniLM-L6-v2")
    assert path != "all-MiniLM-L6-v2" and "minilm" in path.lower()
    assert resolve_model_path("org/other-model") == "org/other-model"
