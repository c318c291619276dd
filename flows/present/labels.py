"""Bilingual (Chinese / English) labels for everything a reader sees: horizons, directions, kinds, indicators."""

from __future__ import annotations

from typing import Any

from scoring.technologies.taxonomy import DIRECTION_IDS, DIRECTIONS

INSUFFICIENT = "insufficient evidence"

HORIZONS: dict[str, tuple[str, str]] = {
    "near": ("near", "近期"),
    "mid": ("mid", "中期"),
    "far": ("far", "远期"),
    INSUFFICIENT: ("insufficient evidence", "证据不足"),
}
HORIZON_STAGES: dict[str, tuple[str, str]] = {
    "near": ("industrialisation stage", "产业化阶段"),
    "mid": ("product R&D stage", "产品研发阶段"),
    "far": ("frontier exploration", "前沿探索阶段"),
}
CALLS: dict[str, tuple[str, str]] = {
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    INSUFFICIENT: ("insufficient evidence", "证据不足"),
}
CRITERIA: dict[str, tuple[str, str]] = {
    "strategic": ("Strategic", "战略性"),
    "disruptive": ("Disruptive", "颠覆性"),
    "horizon": ("Horizon", "时间窗"),
    "evidence": ("Evidence volume", "证据规模"),
    "other": ("Other indicators", "其他指标"),
}
KINDS: dict[str, tuple[str, str]] = {
    "paper": ("papers", "论文"),
    "news": ("news", "新闻"),
    "policy": ("policy", "政策"),
    "patent": ("patents", "专利"),
    "trial": ("trials", "临床试验"),
    "company": ("companies", "企业"),
}
KIND_COLOURS: dict[str, str] = {
    "paper": "#4e79a7", "news": "#f28e2b", "policy": "#e15759", "patent": "#76b7b2", "trial": "#59a14f", "company": "#b07aa1",
}
INDICATORS: dict[str, tuple[str, str]] = {
    "volume": ("volume", "文献量"),
    "growth": ("growth", "增长"),
    "acceleration": ("acceleration", "增长加速度"),
    "burst": ("burst", "突发"),
    "novelty": ("novelty", "新颖性"),
    "reach": ("cross-domain reach", "跨领域广度"),
    "coherence": ("coherence", "主题一致性"),
    "prominence": ("prominence", "影响力"),
    "policy_attention": ("policy attention", "政策关注度"),
    "industrialisation": ("industrialisation signals", "产业化信号"),
    "stage_evidence": ("stage evidence", "发展阶段证据"),
    "local_fit": ("local fit (China / Shanghai)", "本地契合度（中国/上海）"),
    "uncertainty": ("uncertainty", "不确定性"),
    # criterion components and Rotolo et al.'s five attributes
    "breadth": ("breadth of application", "应用广度"),
    "radical_novelty": ("radical novelty", "根本新颖性"),
    "fast_growth": ("relatively fast growth", "相对快速增长"),
    "prominent_impact": ("prominent impact", "显著影响"),
}
MOVES: dict[str, tuple[str, str]] = {
    "entered": ("entered", "新进入"),
    "left": ("left", "退出"),
    "rose": ("rose", "上升"),
    "fell": ("fell", "下降"),
    "horizon_changed": ("horizon changed", "时间窗变化"),
    "new_candidate": ("new candidate discovered", "新发现候选技术"),
}
EVENTS: dict[str, tuple[str, str]] = {
    "first_paper": ("first paper", "首篇论文"),
    "first_news": ("first news report", "首条新闻报道"),
    "first_policy": ("first policy mention", "首次政策提及"),
    "first_patent": ("first patent", "首件专利"),
    "first_trial": ("first registered trial", "首个登记临床试验"),
    "first_company": ("earliest related company (by founding date)", "最早相关企业（按成立时间）"),
    "first_clinical_trial": ("first clinical-trial report", "首次临床试验报道"),
    "first_prototype": ("first prototype", "首台样机/原型"),
    "first_commercialisation": ("first commercialisation", "首次商业化"),
    "first_mass_production": ("first mass production", "首次量产"),
    "first_approval": ("first regulatory approval", "首次获批"),
    "funding_round": ("funding round", "融资"),
    "horizon_call": ("horizon call changed", "时间窗判定变化"),
    "override": ("consultant judgement", "专家判定"),
}
FORECAST_TYPES: dict[str, tuple[str, str]] = {
    "growth_48m": ("evidence share grows ≥8%/yr over 48 months", "48个月证据占比年均增长≥8%"),
    "growth_12m": ("evidence share grows ≥8% over 12 months", "12个月证据占比增长≥8%"),
    "horizon_shift": ("horizon moves nearer", "时间窗前移"),
    "stays_listed": ("stays on the watchlist", "仍在重点关注清单"),
    "first_policy": ("first policy document naming it", "首份提及它的政策文件"),
}
OUTCOMES: dict[str, tuple[str, str]] = {
    "happened": ("happened", "已发生"),
    "missed": ("did not happen", "未发生"),
    "void": ("void", "无法判定"),
}
STATUSES: dict[str, tuple[str, str]] = {
    "seeded": ("seeded", "预置"),
    "candidate": ("candidate", "候选"),
    "accepted": ("accepted", "已采纳"),
    "dismissed": ("dismissed", "已驳回"),
}


def _pair(table: dict[str, tuple[str, str]], key: str | None) -> tuple[str, str]:
    if key is None:
        return ("", "")
    return table.get(key, (key.replace("_", " "), ""))


def bi(table: dict[str, tuple[str, str]], key: str | None) -> str:
    """'中文 English' for a key of one of the label tables (the key itself when unknown)."""
    en, zh = _pair(table, key)
    return f"{zh} {en}".strip()


def zh(table: dict[str, tuple[str, str]], key: str | None) -> str:
    """The Chinese label of a key (empty when there is none)."""
    return _pair(table, key)[1]


def en(table: dict[str, tuple[str, str]], key: str | None) -> str:
    """The English label of a key."""
    return _pair(table, key)[0]


def direction_id(value: str | None) -> str | None:
    """The direction id for an id, an English or Chinese direction name, or a short form ('health'); None if unknown."""
    if not value:
        return None
    v = value.strip().lower().replace("-", "_").replace(" ", "_")
    for d in DIRECTION_IDS:
        names = DIRECTIONS[d]
        if v in (d, d.removeprefix("future_"), names[0].lower().replace(" ", "_")) or value.strip() == names[1]:
            return d
    return None


def direction_label(value: str | None) -> str:
    """'未来健康 Future health' for a direction id or name; the raw value when it is not one of the six."""
    d = direction_id(value)
    if d is None:
        return value or ""
    en_name, zh_name = DIRECTIONS[d]
    return f"{zh_name} {en_name}"


def direction_zh(value: str | None) -> str:
    """Chinese name of a direction ('' when unknown)."""
    d = direction_id(value)
    return DIRECTIONS[d][1] if d else ""


def horizon_label(horizon: str | None, leaning: str | None = None) -> str:
    """'近期 near', or '证据不足 insufficient evidence (倾向 mid)' when the call could not be made."""
    if not horizon:
        return ""
    text = bi(HORIZONS, horizon)
    if horizon == INSUFFICIENT and leaning:
        text += f" (倾向 leans {bi(HORIZONS, leaning)})"
    return text


def tech_name(row: dict[str, Any]) -> str:
    """'量子计算 Quantum computing' from a row with name_zh / name_en (or the id)."""
    zh_name = row.get("name_zh") or ""
    en_name = row.get("name_en") or row.get("tech_id") or ""
    return f"{zh_name} {en_name}".strip() if zh_name != en_name else en_name


def fmt_score(value: float | None, digits: int = 2) -> str:
    """A 0..1 score for reading ('—' when not computable)."""
    return "—" if value is None else f"{value:.{digits}f}"
