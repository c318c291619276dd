"""Chinese segmentation: taxonomy words stay whole, stopwords and single characters go, term vectors."""

from __future__ import annotations

from scoring.technologies.taxonomy import load_taxonomy
from scoring.topics.chinese import (
    STOPWORDS_ZH,
    ChineseSegmenter,
    cached_segmenter,
    cjk_share,
    has_cjk,
    keep_term,
    taxonomy_words,
    term_vectors,
)


def test_taxonomy_terms_stay_single_words() -> None:
    seg = cached_segmenter(tuple(taxonomy_words(load_taxonomy())))
    words = seg.words("我国科学家在脑机接口和可控核聚变领域取得重大突破，人形机器人进入工厂")
    assert "脑机接口" in words
    assert "可控核聚变" in words
    assert "人形机器人" in words
    assert all(len(w) >= 2 for w in words)
    assert not set(words) & STOPWORDS_ZH


def test_stopwords_punctuation_and_digits_are_dropped_latin_terms_kept() -> None:
    seg = cached_segmenter(tuple(taxonomy_words(load_taxonomy())))
    words = seg.words("记者从会议上获悉，ChatGPT 和 5G 的 2023 年发展情况。")
    assert "chatgpt" in words and "5g" in words
    assert "记者" not in words and "2023" not in words and "，" not in words
    assert keep_term("量子") and not keep_term("的") and not keep_term("量") and not keep_term("12")


def test_term_vectors_are_normalised_rows_over_shared_words() -> None:
    lists = [["量子", "计算"], ["量子", "通信"], ["量子", "计算", "芯片"], ["电池", "储能"], ["电池", "储能"]]
    matrix, vocab = term_vectors(lists, min_df=2, max_df=1.0)
    assert matrix.shape == (5, len(vocab))
    assert set(vocab) == {"量子", "计算", "电池", "储能"}
    assert abs((matrix[0].multiply(matrix[0])).sum() - 1.0) < 1e-5


def test_cjk_helpers() -> None:
    assert has_cjk("hello 世界") and not has_cjk("hello")
    assert cjk_share("量子ab") == 0.5


def test_a_private_tokenizer_leaves_the_global_jieba_alone() -> None:
    import jieba

    seg = ChineseSegmenter(["量子霸权测试词"])
    assert "量子霸权测试词" in seg.words("这是量子霸权测试词的例子")
    assert "量子霸权测试词" not in jieba.lcut("这是量子霸权测试词的例子")
