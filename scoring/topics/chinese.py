"""Chinese text for topics: jieba word segmentation, stopwords, and TF-IDF term vectors."""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ASCII_TERM = re.compile(r"^[a-z][a-z0-9+\-.]*[a-z0-9+]$|^[0-9]+[a-z][a-z0-9]*$")
_KEEP_SHORT_ASCII = frozenset({"ai", "ar", "vr", "xr", "5g", "6g", "3d", "ev", "it", "ic"})

# Function words, pronouns, measure words and the boilerplate of Chinese news and policy text
# ("记者", "日电", "新华社"), none of which names a topic.
STOPWORDS_ZH: frozenset[str] = frozenset(
    ["的", "了", "和", "是", "在", "有", "与", "及", "等", "也", "都", "就", "而", "并", "对", "将", "为", "以", "于", "由", "从", "向", "把", "被", "让", "给", "到", "这", "那", "之", "其", "或", "且", "但", "又", "我们", "你们", "他们", "她们", "它们", "我国", "我省", "我市", "自己", "大家", "这个", "那个", "这些", "那些", "这样", "那样", "这种", "那种", "这里", "那里", "什么", "怎么", "怎样", "如何", "为什么", "哪些", "哪个", "一个", "一些", "一种", "一次", "一步", "一批", "一项", "一直", "一定", "一起", "一般", "一方面", "另外", "此外", "同时", "以及", "因此", "所以", "因为", "但是", "而且", "并且", "或者", "如果", "虽然", "然而", "不过", "只是", "还是", "已经", "正在", "目前", "当前", "今年", "去年", "明年", "近日", "日前", "今天", "昨天", "明天", "近年来", "近年", "年来", "以来", "期间", "之后", "之前", "以后", "以前", "以上", "以下", "之一", "其中", "其他", "其它", "有关", "相关", "方面", "问题", "情况", "工作", "进行", "开展", "实现", "推进", "推动", "加强", "加快", "提升", "提高", "发挥", "坚持", "围绕", "通过", "根据", "按照", "关于", "对于", "作为", "成为", "表示", "认为", "指出", "强调", "介绍", "显示", "据悉", "据了解", "记者", "报道", "消息", "新闻", "新华社", "新华网", "人民网", "央视", "央视网", "中新网", "日电", "电讯", "讯", "本报", "通讯员", "来源", "编辑", "责任编辑", "图片", "视频", "直播", "全文", "原标题", "点击", "查看", "更多", "转载", "发布", "公布", "发表", "举行", "召开", "会议", "活动", "时间", "地点", "有限公司", "公司", "集团", "可以", "能够", "可能", "需要", "应该", "应当", "必须", "要求", "不断", "进一步", "更加", "非常", "十分", "特别", "重要", "主要", "全面", "积极", "持续", "重大", "重点", "新型", "没有", "不是", "不会", "不能", "还有", "还要", "只有", "只要", "所有", "各种", "各类", "各地", "各项", "全国", "全球", "世界", "国内", "国际", "中国", "我们的", "他们的", "第一", "第二", "第三", "首次", "首个", "首款", "个人", "人们", "网友", "用户", "大家", "今日", "本周", "上周", "本月", "上月", "年度", "月份", "日期", "小时", "分钟", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "百", "千", "万", "亿", "元", "年", "月", "日", "个", "次", "位", "名", "家", "项", "种", "台", "件", "条", "款",
     # broadcast and hot-list boilerplate
     "联播", "快讯", "国内联播快讯", "新闻联播", "热搜", "热榜", "话题", "回应", "曝光", "网传", "官方", "最新", "值得",
     "关注", "信息"]
)


def has_cjk(text: str | None) -> bool:
    """Whether a text contains any Chinese character."""
    return bool(text) and _CJK.search(text) is not None


def cjk_share(text: str | None) -> float:
    """Share of a text's non-space characters that are Chinese."""
    if not text:
        return 0.0
    chars = [c for c in text if not c.isspace()]
    return sum(1 for c in chars if _CJK.match(c)) / len(chars) if chars else 0.0


def keep_term(word: str) -> bool:
    """Whether a segmented token is a content word worth counting."""
    if word in STOPWORDS_ZH:
        return False
    if _CJK.search(word):
        return len(word) >= 2 and not word.isdigit()
    return word in _KEEP_SHORT_ASCII or (len(word) >= 3 and bool(_ASCII_TERM.match(word)))


class ChineseSegmenter:
    """jieba with the taxonomy's Chinese names added to its dictionary, so "脑机接口" stays one word.

    A private jieba.Tokenizer keeps the added words out of the process-wide default tokenizer.
    """

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        import jieba

        logging.getLogger("jieba").setLevel(logging.WARNING)
        jieba.setLogLevel(logging.WARNING)
        self._tk = jieba.Tokenizer()
        self._tk.initialize()
        self.extra_words = tuple(dict.fromkeys(w.strip() for w in extra_words if has_cjk(w)))
        for word in self.extra_words:
            self._tk.add_word(word, freq=max(self._tk.suggest_freq(word, tune=False), 1000))

    def words(self, text: str | None) -> list[str]:
        """Content words of a text, in order, lower-cased Latin terms kept ("chatgpt", "5g")."""
        if not text:
            return []
        out: list[str] = []
        for token in self._tk.cut(text, HMM=True):
            token = token.strip().lower()
            if token and keep_term(token):
                out.append(token)
        return out

    def words_many(self, texts: Sequence[str]) -> list[list[str]]:
        """Content words of each text."""
        return [self.words(t) for t in texts]


def segmentation_digest(extra_words: Iterable[str]) -> str:
    """Short hash of what shapes segmentation (stopwords, added words), so stored words are redone when it changes."""
    blob = "\x00".join(sorted(STOPWORDS_ZH)) + "\x01" + "\x00".join(sorted(set(extra_words)))
    return hashlib.sha256(blob.encode()).hexdigest()[:10]


@functools.lru_cache(maxsize=4)
def cached_segmenter(extra_words: tuple[str, ...] = ()) -> ChineseSegmenter:
    """A segmenter per vocabulary, kept for the process: loading jieba's dictionary takes a second or more."""
    return ChineseSegmenter(extra_words)


def taxonomy_words(techs: Iterable[Any]) -> list[str]:
    """Chinese names, aliases and keywords of technologies, for the segmenter's dictionary."""
    words: list[str] = []
    for tech in techs:
        words.append(getattr(tech, "name_zh", "") or "")
        words += list(getattr(tech, "aliases_zh", ()) or ())
        words += list(getattr(tech, "keywords_zh", ()) or ())
    return [w for w in words if has_cjk(w) and len(w) <= 12]


def term_vectors(term_lists: Sequence[Sequence[str]], *, min_df: int = 2, max_df: float = 0.2) -> tuple[Any, list[str]]:
    """Sublinear TF-IDF rows (L2-normalised, sparse) over the given word lists, and the vocabulary."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(term_lists)
    vec = TfidfVectorizer(
        analyzer=_identity,
        min_df=min(min_df, max(n, 1)),
        max_df=max_df if n * max_df >= max(min_df, 1) else 1.0,
        sublinear_tf=True,
        dtype=np.float32,
    )
    try:
        matrix = vec.fit_transform(term_lists)
    except ValueError:  # nothing survives the document-frequency cuts
        from scipy.sparse import csr_matrix

        return csr_matrix((n, 0), dtype=np.float32), []
    return matrix, list(vec.get_feature_names_out())


def _identity(terms: Sequence[str]) -> Sequence[str]:
    return terms
