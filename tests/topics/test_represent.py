"""Keywords by class-based TF-IDF, English terms, labels, representatives."""

from __future__ import annotations

import numpy as np

from scoring.topics.represent import class_tfidf, describe_topics, english_terms, make_label, pick_keywords


def test_english_terms_drop_stopwords_and_add_adjacent_bigrams() -> None:
    terms = english_terms("We propose a novel spiking neural network for event cameras.")
    assert "spiking" in terms and "spiking neural" in terms and "neural network" in terms
    assert "propose" not in terms and "novel" not in terms and "for" not in terms
    assert "network event" not in terms  # "for" breaks the phrase


def test_class_tfidf_prefers_words_distinctive_for_the_topic() -> None:
    docs = {
        0: [["quantum", "qubit", "learning"], ["quantum", "error", "learning"], ["qubit", "learning"]],
        1: [["battery", "learning"], ["battery", "lithium", "learning"], ["lithium", "anode", "learning"]],
    }
    scored = class_tfidf(docs, n_keywords=3)
    top0 = [t for t, _ in scored[0][:2]]
    assert set(top0) == {"quantum", "qubit"}
    assert scored[1][0][0] in {"battery", "lithium"}
    assert "learning" not in top0  # shared by every topic


def test_pick_keywords_drops_contained_terms_and_label_is_readable() -> None:
    picked = pick_keywords([("neural network", 3.0), ("neural", 2.0), ("spiking", 1.5), ("network", 1.0)], 3)
    assert [t for t, _ in picked] == ["neural network", "spiking"]
    assert make_label(["a b", "c", "d", "e"], 3) == "a b / c / d"
    assert make_label([], 3) == "(no keywords)"


def test_describe_topics_gives_keywords_label_and_most_central_documents() -> None:
    labels = np.array([0, 0, 0, 1, 1, 1, -1])
    sims = np.array([0.9, 0.5, 0.7, 0.8, 0.95, 0.6, 0.0], dtype=np.float32)
    terms = {i: t for i, t in enumerate([["fusion", "plasma"], ["fusion", "tokamak"], ["plasma", "tokamak"],
                                         ["robot", "grasp"], ["robot", "humanoid"], ["humanoid", "walking"], ["x"]])}
    desc = describe_topics(labels, sims, terms, n_keywords=3, n_representatives=2)
    assert set(desc) == {0, 1}
    assert desc[0].representative_idx == (0, 2)
    assert desc[1].representative_idx == (4, 3)
    assert set(desc[0].keywords) <= {"fusion", "plasma", "tokamak"} and desc[0].keywords
    assert "robot" in desc[1].keywords or "humanoid" in desc[1].keywords
    assert desc[0].label == " / ".join(desc[0].keywords[:3])


def test_a_topic_without_shared_vocabulary_is_labelled_mixed() -> None:
    labels = np.array([0] * 60 + [1] * 40)
    sims = np.ones(100, dtype=np.float32)
    terms = {i: [f"word{i // 2}", f"other{i}"] for i in range(60)}  # topic 0: each word in two documents only
    terms.update({i: ["fusion", f"extra{i}"] for i in range(60, 100)})
    desc = describe_topics(labels, sims, terms, min_keyword_share=0.05)
    assert desc[1].label.startswith("fusion") and desc[0].label.startswith("mixed: ")


def test_english_terms_keep_accented_words_whole_and_drop_contractions() -> None:
    terms = english_terms("Göbekli Tepe and the model's don't: 3D-aware 6G in 2024")
    assert "göbekli" in terms and "göbekli tepe" in terms
    assert "model" in terms and not any("'" in t for t in terms)
    assert "3d-aware" in terms and "6g" in terms and "2024" not in terms


def test_general_stopwords_are_sklearns_list() -> None:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from scoring.topics.represent import _GENERAL, STOPWORDS_EN

    assert set(_GENERAL) == set(ENGLISH_STOP_WORDS)
    assert set(ENGLISH_STOP_WORDS) <= STOPWORDS_EN


def test_sampled_members_are_the_most_central_half_plus_a_seeded_draw() -> None:
    from scoring.topics.represent import sample_members

    labels = np.array([1, 0, 1, 1, 0, 1, 1, -1, 1, 1])
    sims = np.array([0.5, 0.9, 0.7, 0.7, 0.1, 0.2, 0.9, 1.0, 0.3, 0.4], dtype=np.float32)
    a = sample_members(labels, sims, 4, random_state=1)
    assert a == sample_members(labels, sims, 4, random_state=1)
    assert a[0] == [1, 4]  # small topic: all members, most central first
    assert a[1][:2] == [6, 2]  # ties by row: 2 before 3
    assert len(a[1]) == 4 and set(a[1][2:]) <= {0, 3, 5, 8, 9}
    assert 7 not in sum(a.values(), [])
