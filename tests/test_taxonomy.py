"""The seeded bilingual taxonomy: it loads, rejects broken files, matches aliases precisely and fast."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from scoring.technologies.taxonomy import (
    DIRECTION_IDS,
    DIRECTIONS,
    AliasHit,
    AliasMatcher,
    TaxonomyError,
    Technology,
    find_technology,
    load_taxonomy,
    taxonomy_digest,
)

# The fourteen seed technologies: id → a Chinese name fragment the consultants know them by.
SEEDS = {
    "brain_inspired_intelligence": "类脑智能",
    "brain_computer_interface": "脑机接口",
    "cell_gene_therapy": "细胞与基因治疗",
    "silicon_photonics": "硅光",
    "6g": "6G",
    "quantum_computing": "量子计算",
    "controlled_fusion": "可控核聚变",
    "embodied_ai": "具身智能",
    "synthetic_biology": "合成生物学",
    "new_energy_storage": "新型储能",
    "low_altitude_economy": "低空经济",
    "commercial_space": "商业航天",
    "beidou_spatial_intelligence": "北斗",
    "large_ai_models": "大模型",
}


@pytest.fixture(scope="module")
def techs() -> list[Technology]:
    return load_taxonomy()


@pytest.fixture(scope="module")
def matcher(techs: list[Technology]) -> AliasMatcher:
    return AliasMatcher(techs)


def tech_ids(hits: list[AliasHit]) -> set[str]:
    return {h.tech_id for h in hits}


# ───────────────────────────── the bundled file ─────────────────────────────


def test_bundled_taxonomy_has_the_seed_technologies(techs: list[Technology]) -> None:
    by_id = {t.id: t for t in techs}
    for tech_id, zh in SEEDS.items():
        assert tech_id in by_id, tech_id
        assert zh in by_id[tech_id].name_zh, (tech_id, by_id[tech_id].name_zh)
    assert "人形机器人" in by_id["embodied_ai"].name_zh
    assert "生物制造" in by_id["synthetic_biology"].name_zh
    assert 22 <= len(techs) <= 30


def test_bundled_taxonomy_is_complete_and_bilingual(techs: list[Technology]) -> None:
    assert set(DIRECTIONS) == set(DIRECTION_IDS)
    assert DIRECTIONS["future_health"] == ("Future health", "未来健康")
    assert {d for _, d in DIRECTIONS.values()} == {
        "未来制造",
        "未来信息",
        "未来材料",
        "未来能源",
        "未来空间",
        "未来健康",
    }
    for tech in techs:
        assert tech.direction in DIRECTION_IDS, tech.id
        assert tech.status == "seeded", tech.id
        assert tech.name_en and tech.name_zh and tech.description_en and tech.description_zh, tech.id
        assert tech.aliases_en and tech.aliases_zh, tech.id  # findable in both languages
        assert isinstance(tech.aliases_en, tuple) and isinstance(tech.keywords_zh, tuple)
    assert {t.direction for t in techs} == set(DIRECTION_IDS)  # every direction has candidates


def test_aliases_avoid_bare_ambiguous_tokens(techs: list[Technology]) -> None:
    ambiguous = {"ai", "cell", "space", "robot", "east", "fusion", "quantum", "model", "commercial space"}
    for tech in techs:
        lowered = {a.lower() for a in tech.aliases_en}
        assert not lowered & ambiguous, (tech.id, lowered & ambiguous)
        assert "AI" not in tech.aliases_en_exact and "VR" not in tech.aliases_en_exact
        assert "聚变" not in tech.aliases_zh and "深海" not in tech.aliases_zh


def test_every_alias_and_keyword_finds_its_own_technology(
    techs: list[Technology], matcher: AliasMatcher
) -> None:
    for tech in techs:
        for alias in tech.aliases_en + tech.aliases_en_exact + tech.keywords_en:
            hits = matcher.match(f"Recent work on {alias} shows promise.")
            assert tech.id in tech_ids(hits), (tech.id, alias, hits)
        for alias in tech.aliases_zh + tech.keywords_zh:
            hits = matcher.match(f"近期{alias}取得进展")
            assert tech.id in tech_ids(hits), (tech.id, alias, hits)


def test_digest_identifies_the_file(tmp_path: Path) -> None:
    digest = taxonomy_digest()
    assert len(digest) == 64 and digest == taxonomy_digest()
    copy = tmp_path / "t.toml"
    copy.write_text(
        Path(__file__).parents[1].joinpath("scoring/technologies/taxonomy.toml").read_text("utf-8") + "\n# edit\n"
    )
    assert taxonomy_digest(copy) != digest


# ───────────────────────────── broken files ─────────────────────────────

GOOD = """
[[technology]]
id = "alpha_tech"
name_en = "Alpha"
name_zh = "阿尔法"
direction = "future_energy"
aliases_en = ["alpha widget"]
aliases_zh = ["阿尔法部件"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "taxonomy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_file_loads(tmp_path: Path) -> None:
    (tech,) = load_taxonomy(write(tmp_path, GOOD))
    assert tech.id == "alpha_tech" and tech.status == "seeded" and tech.aliases_en == ("alpha widget",)


def test_a_parsed_file_is_reused_until_it_changes(tmp_path: Path) -> None:
    import os

    path = write(tmp_path, GOOD)
    first, second = load_taxonomy(path), load_taxonomy(path)
    assert first == second and first is not second  # each caller gets its own list ...
    assert first[0] is second[0]  # ... of the same (frozen) parsed technologies
    first.clear()
    assert len(load_taxonomy(path)) == 1
    edited = GOOD.replace('name_en = "Alpha"', 'name_en = "Alpha Prime"')
    path.write_text(edited, encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # a new mtime even on a coarse clock
    assert load_taxonomy(path)[0].name_en == "Alpha Prime"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (GOOD + GOOD, r"'alpha_tech'.*duplicate id"),
        (
            GOOD.replace("future_energy", "future_cooking"),
            r"'alpha_tech'.*unknown direction 'future_cooking'",
        ),
        (GOOD.replace('name_zh = "阿尔法"\n', ""), r"'alpha_tech'.*missing name_zh"),
        (GOOD.replace('name_zh = "阿尔法"', 'name_zh = "  "'), r"'alpha_tech'.*missing name_zh"),
        (
            GOOD.replace('aliases_en = ["alpha widget"]\naliases_zh = ["阿尔法部件"]\n', ""),
            r"'alpha_tech'.*at least one alias",
        ),
        (GOOD.replace("aliases_en =", "alias_en ="), r"'alpha_tech'.*unknown key 'alias_en'; did you mean 'aliases_en'"),
        (GOOD.replace('["阿尔法部件"]', '["6G"]'), r"'alpha_tech'.*no Chinese characters"),
        (GOOD.replace('id = "alpha_tech"', 'id = "Alpha Tech"'), r"'Alpha Tech'.*slug"),
        (
            GOOD + GOOD.replace("alpha_tech", "beta_tech"),
            r"'beta_tech'.*'alpha widget'.*already an alias of 'alpha_tech'",
        ),
    ],
)
def test_broken_taxonomy_names_the_technology(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(TaxonomyError, match=problem):
        load_taxonomy(write(tmp_path, text))


def test_broken_directions_table_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="six directions"):
        load_taxonomy(write(tmp_path, '[directions]\nfuture_energy = { en = "E", zh = "能" }\n' + GOOD))


def test_taxonomy_error_is_a_value_error() -> None:
    assert issubclass(TaxonomyError, ValueError)


# ───────────────────────────── alias matching ─────────────────────────────


def test_chinese_alias_in_a_sentence(matcher: AliasMatcher) -> None:
    text = "近日，我国科学家在脑机接口领域取得重大突破。"
    hits = [h for h in matcher.match(text) if h.tech_id == "brain_computer_interface"]
    assert hits and hits[0].strength == "alias"
    assert text[hits[0].start : hits[0].end] == "脑机接口"


@pytest.mark.parametrize(
    "text",
    [
        "A brain–computer interface decodes speech.",  # en dash
        "Two brain-computer interfaces were implanted.",  # plural
        "Gabe Newell on Brain Computer Interface technology",  # spaces, title case
        "a wireless brain\u2010computer interface",  # Unicode hyphen
    ],
)
def test_english_alias_variants(matcher: AliasMatcher, text: str) -> None:
    hits = [h for h in matcher.match(text) if h.tech_id == "brain_computer_interface"]
    assert hits, text
    assert hits[0].alias == "brain-computer interface"
    assert text[hits[0].start : hits[0].end].lower().startswith("brain")


def test_exact_alias_is_case_sensitive_and_whole_word(matcher: AliasMatcher) -> None:
    assert tech_ids(matcher.match("A BCI speller for ALS patients")) == {"brain_computer_interface"}
    assert tech_ids(matcher.match("Two BCIs compared")) == {"brain_computer_interface"}
    assert "brain_computer_interface" not in tech_ids(matcher.match("ABCIS and bci and BCIx"))


def test_6g_is_not_16g(matcher: AliasMatcher) -> None:
    assert "6g" in tech_ids(matcher.match("Towards 6G networks with terahertz links"))
    assert "6g" in tech_ids(matcher.match("我国6G技术研发取得进展"))
    assert "6g" not in tech_ids(matcher.match("16G of RAM on a 6GHz radio; 6g of salt"))


def test_blockers_stop_accidental_chinese_substrings(matcher: AliasMatcher) -> None:
    assert tech_ids(matcher.match("电脑机房扩容，大脑机制研究")) == set()
    assert "silicon_photonics" not in tech_ids(matcher.match("晶硅光伏组件出口增长"))
    assert "silicon_photonics" in tech_ids(matcher.match("硅光芯片量产"))
    assert "new_energy_storage" not in tech_ids(matcher.match("提升数据存储能力"))
    assert "new_energy_storage" in tech_ids(matcher.match("建设一批储能电站"))
    assert "commercial_space" not in tech_ids(matcher.match("卫星链路中断"))


def test_leftmost_longest_within_a_kind(matcher: AliasMatcher) -> None:
    hits = matcher.match("Stem cell therapy restores vision")
    assert [(h.tech_id, h.alias) for h in hits] == [("regenerative_medicine", "stem cell therapy")]
    hits = matcher.match("new solid-state batteries")
    assert [(h.alias, h.strength) for h in hits] == [("solid-state battery", "alias")]


def test_keywords_are_weak_hits(matcher: AliasMatcher) -> None:
    (hit,) = matcher.match("a 127-qubit chip")
    assert hit == AliasHit("quantum_computing", "qubit", 6, 11, "keyword")


def test_fullwidth_text_keeps_offsets(matcher: AliasMatcher) -> None:
    text = "ＣＡＲ－Ｔ细胞治疗"
    hits = matcher.match(text)
    assert [(h.alias, text[h.start : h.end]) for h in hits] == [
        ("CAR-T", "ＣＡＲ－Ｔ"),
        ("细胞治疗", "细胞治疗"),
    ]


def test_offsets_survive_length_changing_lowercase(matcher: AliasMatcher) -> None:
    text = "İstanbul lab builds a Quantum Computer"
    (hit,) = matcher.match(text)
    assert text[hit.start : hit.end] == "Quantum Computer"


def test_mixed_language_text_matches_like_pure_text(matcher: AliasMatcher) -> None:
    english = "LLMs drive humanoid robots; CAR-T and GNSS-denied drones."
    mixed = english + " 中文"
    assert matcher.match(english) == [h for h in matcher.match(mixed) if h.end <= len(english)]
    assert tech_ids(matcher.match("基于LLM的具身智能")) == {"large_ai_models", "embodied_ai"}


def test_match_many_keeps_order(matcher: AliasMatcher) -> None:
    results = matcher.match_many(["", "tokamak", "无关内容", "量子计算"])
    assert [tech_ids(r) for r in results] == [set(), {"controlled_fusion"}, set(), {"quantum_computing"}]


def test_match_many_equals_matching_one_text_at_a_time(matcher: AliasMatcher) -> None:
    """The batched matcher (one pass over all texts: what makes it fast) finds exactly what `match` finds.

    Its speed is a benchmark figure, not a test: bench/scale_bench.py times linking at scale.
    """
    rng = random.Random(7)
    words = [
        "the",
        "of",
        "and",
        "model",
        "learning",
        "data",
        "robot",
        "network",
        "quantum",
        "energy",
        "system",
        "6G",
        "LLM",
        "tokamak",
    ]
    zh = "我国科技创新产业发展新型储能量子通信人工智能大模型数据中心研究成果"
    texts = [" ".join(rng.choices(words, k=170)) for _ in range(300)]
    texts += ["".join(rng.choices(zh, k=1000)) for _ in range(100)]
    results = matcher.match_many(texts)
    assert sum(map(len, results)) > 200
    assert results == [matcher.match(t) for t in texts]


# ───────────────────────────── lookup by name ─────────────────────────────


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("量子计算", "quantum_computing"),
        ("quantum computer", "quantum_computing"),
        ("Quantum Computing", "quantum_computing"),
        ("silicon fotonics", "silicon_photonics"),
        ("brain computer interface", "brain_computer_interface"),
        ("脑机接口", "brain_computer_interface"),
        ("6G", "6g"),
        ("humanoid", "embodied_ai"),
        ("controlled_fusion", "controlled_fusion"),
        ("低空经济", "low_altitude_economy"),
    ],
)
def test_find_technology_best_first(techs: list[Technology], query: str, expected: str) -> None:
    results = find_technology(query, techs)
    assert results, query
    assert results[0][0].id == expected, [(t.id, s) for t, s in results]
    scores = [s for _, s in results]
    assert scores == sorted(scores, reverse=True)


def test_find_technology_with_nothing_close(techs: list[Technology]) -> None:
    assert find_technology("xyzzy plugh", techs) == []
    assert find_technology("   ", techs) == []
    assert len(find_technology("quantum", techs, limit=2)) == 2
