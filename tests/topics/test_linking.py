"""Linking rules: alias confidences, embedding links with margin, topic links, vocabulary from table rows."""

from __future__ import annotations

import numpy as np

from scoring.technologies.linking import (
    TopicInput,
    alias_document_links,
    embedding_confidence,
    embedding_document_links,
    technologies_for_linking,
    technology_from_row,
    topic_member_links,
    topic_technology_links,
)
from scoring.technologies.taxonomy import AliasMatcher, load_taxonomy
from scoring.topics.config import load_topics_config

CFG = load_topics_config().linking


def test_alias_confidence_depends_on_where_and_how_strongly_a_technology_is_named() -> None:
    matcher = AliasMatcher(load_taxonomy())
    links = alias_document_links(
        ["d1", "d2", "d3", "d4"],
        ["A brain-computer interface for speech", "Decoding study", "Neural decoding", "量子计算机取得突破"],
        ["", "We build a brain-computer interface.", "We use memristor arrays.", ""],
        matcher, CFG,
    )
    by = {(d, t): (c, m) for d, t, c, m in links}
    assert by[("d1", "brain_computer_interface")][0] >= CFG.alias_title
    assert by[("d2", "brain_computer_interface")][0] == CFG.alias_text
    weak = [c for (d, _), (c, _) in by.items() if d == "d3"]
    assert weak and max(weak) < 0.5  # a weak keyword alone stays below the default evidence cut
    assert by[("d4", "quantum_computing")][0] >= CFG.alias_title


def test_embedding_links_need_similarity_and_a_clear_margin() -> None:
    protos = np.eye(3, dtype=np.float32)
    docs = np.array([[0.9, 0.1, 0.0], [0.7, 0.69, 0.0], [0.45, 0.3, -0.84]], dtype=np.float32)
    docs /= np.linalg.norm(docs, axis=1, keepdims=True)
    links = embedding_document_links(["a", "b", "c"], docs, ["t0", "t1", "t2"], protos, CFG)
    assert [(d, t) for d, t, _, _ in links] == [("a", "t0")]  # b is torn between two, c points nowhere in particular
    assert 0.3 <= links[0][2] <= CFG.embedding_max_confidence
    assert embedding_document_links(["a"], docs[:1], ["t0", "t1", "t2"], protos, CFG, already={("a", "t0")}) == []
    assert embedding_confidence(CFG.embedding_min, CFG) == 0.3
    assert embedding_confidence(1.0, CFG) == CFG.embedding_max_confidence


def test_topics_link_by_member_share_and_members_inherit_a_weaker_link() -> None:
    matcher = AliasMatcher(load_taxonomy())
    members = [f"d{i}" for i in range(10)]
    alias_by_doc = {f"d{i}": {"controlled_fusion": 0.95} for i in range(4)}
    topic = TopicInput("T0001", members, [0.9] * 10, ["plasma", "confinement"])
    lone = TopicInput("T0002", ["x1", "x2"], [0.9, 0.9], ["gardening"])
    rows = topic_technology_links([topic, lone], alias_by_doc, matcher, [], None, CFG)
    assert [(r["topic_id"], r["tech_id"], r["method"]) for r in rows] == [("T0001", "controlled_fusion", "alias")]
    assert rows[0]["alias_share"] == 0.4
    links = topic_member_links([topic], rows, alias_by_doc, CFG)
    assert sorted(d for d, _, _, _ in links) == [f"d{i}" for i in range(4, 10)]
    assert all(t == "controlled_fusion" and c <= CFG.topic_member_confidence and m == "T0001"
               for _, t, c, m in links)


def test_rows_become_matchable_technologies_and_dismissed_ones_drop_out() -> None:
    tech = technology_from_row({"tech_id": "ssb", "name_en": "Solid-state batteries",
                                "aliases": ["solid-state battery", "SSB", "固态电池"], "keywords": ["电解质"]})
    assert tech.aliases_en == ("solid-state battery",) and tech.aliases_en_exact == ("SSB",)
    assert tech.aliases_zh == ("固态电池",) and tech.keywords_zh == ("电解质",)
    taxonomy = load_taxonomy()
    rows = [{"tech_id": "6g", "status": "dismissed"},
            {"tech_id": "ssb", "status": "accepted", "name_en": "SSB", "aliases": ["固态电池"]},
            {"tech_id": "cand_t0001", "status": "candidate", "name_en": "x", "aliases": ["x y"]}]
    ids = [t.id for t in technologies_for_linking(taxonomy, rows)]
    assert "6g" not in ids and "ssb" in ids and "cand_t0001" not in ids
    assert len(ids) == len(taxonomy)
