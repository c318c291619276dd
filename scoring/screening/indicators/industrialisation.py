"""Industrialisation signals and stage (TRL) evidence: bilingual stage terms, trial phases, funding rounds, stated timelines.

Every document linked to a technology is read for the life-cycle stage it shows (Watts & Porter 1997:
research literature → development → application press; Mankins 1995 for the TRL scale; the US
DoD/HHS biomedical TRLs for clinical phases; venture-stage practice for funding rounds). Each
document becomes at most one stage reading per evidence channel, with the rule that decided it, so
the horizon call can always show which documents drove it.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.screening.indicators.base import (
    EvidenceDoc,
    IndicatorValue,
    ScanContext,
    TechEvidence,
    mention_contexts,
    period_edges,
    rounded,
    spread_counts,
)

CHANNELS: tuple[str, ...] = ("papers", "patents", "news", "policy", "trials", "ventures", "timelines")


@dataclass(frozen=True)
class StageRule:
    """A stage term: the TRL it shows, its signal family, and where it applies."""

    trl: float
    family: str
    pattern: re.Pattern[str]
    kinds: frozenset[str] | None = None  # None: every channel except where excluded
    exclude: frozenset[str] = frozenset()


def _en(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _zh(*words: str) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in words))


_NOT_POLICY = frozenset({"policy"})
_MARKET_FACTS = frozenset({"approval", "launch", "mass_production"})
# Highest TRL first; a document takes the highest unhedged rule found near a mention.
RULES: tuple[StageRule, ...] = (
    # TRL 9: deployed at scale.
    StageRule(9, "mass_production", _en(r"\bmass[- ]produc\w*|\bvolume production\b|\bmillions of units\b|\bwidely (?:deployed|adopted)\b")),
    StageRule(9, "mass_production", _zh("规模化量产", "大规模量产", "出货量", "销量", "规模化应用", "大规模应用", "全面商用", "市场份额")),
    # TRL 8: commercial launch, approval, industrialisation.
    StageRule(8.5, "mass_production", _zh("量产", "批量生产", "批量交付", "投产")),
    StageRule(8, "commercialisation", _en(r"\bcommerciali[sz](?:ed|ation|ing)\b|\bcommercially available\b|\bcommercial (?:launch|deployment|products?|operations?|services?|scale)\b|\brevenues?\b|\bpaying customers\b")),
    StageRule(8, "commercialisation", _zh("商业化", "商用", "产业化", "订单", "交付", "营收", "产值")),
    StageRule(8, "launch", _en(r"\blaunch(?:es|ed)? (?:its |a |the |their )?(?:first |new )?(?:commercial )?(?:products?|services?|platforms?|devices?)\b|\bproduct launch\b|\b(?:goes|went) on sale\b|\bavailable to (?:customers|consumers)\b"), exclude=_NOT_POLICY),
    StageRule(8, "launch", _zh("上市", "新品", "发布会", "产品发布"), exclude=_NOT_POLICY),
    # An approval to start a trial is clinical evidence, not market approval.
    StageRule(8, "approval", _en(r"\b(?:FDA|NMPA|EMA)\b[^.]{0,20}\b(?:approv|clear)\w*(?![^.]{0,30}\b(?:trials?|stud(?:y|ies)|IDE)\b)|\bmarket(?:ing)? (?:approval|authori[sz]ation)\b|\bCE mark\w*")),
    StageRule(8, "approval", re.compile(r"(?<!试验)(?<!研究)获批(?!.{0,4}(?:临床|试验))|批准上市|注册证")),
    # TRL 7: late clinical phases, demonstration in operational settings.
    StageRule(7, "clinical", _en(r"\bphase (?:ii|iii|2|3)\b|\bpivotal (?:trial|study)\b|\bregistrational\b")),
    StageRule(7, "clinical", _zh("二期临床", "三期临床", "II期", "III期", "Ⅱ期", "Ⅲ期", "注册临床")),
    StageRule(7, "demonstration", _en(r"\bdemonstration (?:projects?|plants?|lines?|programs?)\b|\bpilot (?:plants?|lines?|production|deployments?)\b|\bfield (?:trials?|tests?|deployments?)\b|\bin operation\b")),
    StageRule(7, "demonstration", _zh("示范应用", "应用示范", "示范工程", "示范项目", "示范线", "试点应用", "落地应用", "投入使用", "投入运行", "并网")),
    # TRL 6: first-in-human, early clinical, engineering prototypes.
    StageRule(6, "clinical", _en(r"\bclinical (?:trials?|stud(?:y|ies))\b|\bphase (?:i|1)\b|\bfirst[- ]in[- ]human\b|\bhuman trials?\b|\bimplant(?:ed|s)? in (?:a |the )?(?:patients?|humans?|people)\b")),
    StageRule(6, "clinical", _zh("临床试验", "临床研究", "一期临床", "I期临床", "Ⅰ期", "首例", "临床")),
    StageRule(6, "prototype", _en(r"\bengineering prototypes?\b|\bprototype (?:systems?|devices?|machines?|vehicles?|reactors?|chips?|processors?)\b|\bdemonstrators?\b")),
    StageRule(6, "prototype", _zh("样机", "原型机", "工程样机", "验证机")),
    # TRL 5: prototypes, pilots, start-ups.
    StageRule(5, "prototype", _en(r"\bprototypes?\b|\btestbeds?\b|\bpilot (?:stud(?:y|ies)|projects?)\b")),
    StageRule(5, "prototype", _zh("中试", "原型", "试制", "研制成功", "验证平台")),
    StageRule(5, "venture", _en(r"\bstart-?ups?\b|\bspin-?(?:offs?|outs?)\b")),
    StageRule(5, "venture", _zh("初创", "创业公司")),
    # TRL 4: validation in the laboratory.
    StageRule(4, "lab_validation", _en(r"\bexperimental(?:ly)? (?:demonstrat|realiz|realis|validat)\w*|\bfabricated\b|\bon-chip\b|\bin vivo\b|\banimal (?:models?|stud(?:y|ies)|experiments?)\b|\b(?:mice|rats|macaques|non-human primates)\b|\bhardware implementation\b")),
    StageRule(4, "lab_validation", _zh("动物实验", "小鼠", "猕猴", "实验验证", "流片")),
    # TRL 3: research, proof of concept, frontier exploration.
    StageRule(3, "research", _en(r"\bproof[- ]of[- ]concept\b|\btheor(?:y|etical)\b|\bsimulations?\b|\bin vitro\b|\bbreakthrough\b|\bscientists?\b|\bresearchers?\b|\bexperiments?\b")),
    StageRule(3, "research", _zh("突破", "科学家", "研究团队", "科研团队", "理论", "机理", "原理", "前沿", "基础研究", "前瞻布局", "探索", "实验")),
)

_ANY_STAGE = re.compile("|".join(f"(?:{rule.pattern.pattern})" for rule in RULES), re.IGNORECASE)

# A stage word right after one of these is an ambition, not a fact ("could enable commercial ...").
_HEDGE_EN = _en(
    r"\b(?:could|may|might|potential(?:ly)?|future|toward(?:s)?|pave[sd]? the way|promising|would|aims? to|"
    r"hopes? to|expected to|prospects?|envision\w*|enable|not yet|never|whether|if|before)\b[^.]{0,40}$"
)
_HEDGE_ZH = re.compile(
    r"(?:有望|未来|将|潜在|前景|可望|或将|有助于|力争|计划|拟|预计|期待|希望|尚未|还未|仍未|未能|远未|能否|是否|距离)"
    r"[^。；！？]{0,12}$"
)
# ... and one right before these is still far off ("商用化至少还需 15 年", "commercial fusion is decades away").
_DISTANT_AFTER = re.compile(
    r"^[^。；！？.]{0,12}(?:还需|尚需|仍需|还要|至少|还有\d+|之前|以前)"
    r"|^[^.]{0,30}\b(?:is|are|remains?|still)\b[^.]{0,15}\b(?:years|decades) away\b",
    re.IGNORECASE,
)

# Funding rounds track development (venture-stage practice): grants fund research, seed money a
# lab-validated idea, series A a product in development, B its scaling, C and later growth, IPO a business.
_FUNDING_ROUND = [
    (re.compile(r"grant|资助", re.IGNORECASE), 4.0, "grant"),
    (re.compile(r"pre-?seed|angel|天使|\bseed\b|种子|\bsafe\b|convertible", re.IGNORECASE), 4.5, "seed"),
    (re.compile(r"series\s*a(?![a-z])|\bpre-?a(?![a-z])|(?<![A-Za-z])A\+?\d?轮", re.IGNORECASE), 5.0, "series_a"),
    (re.compile(r"series\s*b(?![a-z])|(?<![A-Za-z])B\+?\d?轮", re.IGNORECASE), 6.0, "series_b"),
    (re.compile(r"series\s*[c-h](?![a-z])|(?<![A-Za-z])[C-H]\+?\d?轮|\bgrowth\b|late[- ]stage|pre-?ipo", re.IGNORECASE), 7.0, "series_c_plus"),
    (re.compile(r"\bipo\b|public listing|\bspac\b|上市", re.IGNORECASE), 8.0, "ipo"),
]
_FUNDING_NEWS = re.compile(r"\brais(?:es|ed|ing)\s+(?:\$|€|£|us\$|usd|rmb|¥)|\bseries\s*[a-h]\b|\bseed (?:round|funding)\b|融资|天使轮|(?<![A-Za-z])[A-H]\+?轮", re.IGNORECASE)
_PHASE = re.compile(r"(early\s+)?phase\s*(4|3|2|1|iv|iii|ii|i)\b", re.IGNORECASE)
_PHASE_TRL = {"1": 6.0, "i": 6.0, "2": 7.0, "ii": 7.0, "3": 8.0, "iii": 8.0, "4": 9.0, "iv": 9.0}

_TIMELINE_EN = _en(r"\b(?:by|before|until|around|in|target(?:ed|ing)?|expected (?:in|by)|goal of)\s+(?:the\s+)?(?:early\s+|mid[- ]?|late\s+)?(20[2-9]\d)(s)?\b")
_TIMELINE_ZH = re.compile(r"(?:到|至|预计|计划|力争|有望|目标|争取|将于|将在|于)\s*(20[2-9]\d)\s*(年代|年)")
_YEAR_IN_VALUE = re.compile(r"(20[2-9]\d)(s)?")


@dataclass(frozen=True)
class StageReading:
    """One document's stage evidence in one channel."""

    doc_id: str
    channel: str
    trl: float
    family: str
    cue: str           # the words that decided it
    weight: float      # link confidence × age decay
    published: str
    title: str


def channel_of(doc: EvidenceDoc) -> str:
    """The evidence channel a document speaks for."""
    if doc.kind == "trial":
        return "trials"
    if doc.kind == "company" or doc.extra.get("funding_round") or (doc.kind == "news" and _FUNDING_NEWS.search(doc.title)):
        return "ventures"
    if doc.kind == "policy":
        return "policy"
    if doc.kind == "patent":
        return "patents"
    if doc.kind == "paper":
        return "papers"
    return "news"


def _hedged(context: str, start: int, end: int) -> bool:
    """An ambition, a negation, a distance in time or a question is not a fact about the stage reached."""
    if context.rstrip().endswith(("？", "?")) or "如何看待" in context:
        return True
    before = context[max(0, start - 60) : start]
    return bool(_HEDGE_EN.search(before) or _HEDGE_ZH.search(before) or _DISTANT_AFTER.search(context[end : end + 40]))


def text_stage(contexts: Sequence[str], kind: str) -> tuple[float, str, str] | None:
    """Highest unhedged stage term in the mention contexts: (TRL, family, cue), or None."""
    contexts = [c for c in contexts if _ANY_STAGE.search(c)]  # most sentences hold no stage word at all
    best: tuple[float, str, str] | None = None
    for rule in RULES:
        if best is not None and rule.trl <= best[0]:
            break  # rules are ordered by TRL, so nothing later can beat what was found
        if kind in rule.exclude or (rule.kinds is not None and kind not in rule.kinds):
            continue
        for ctx in contexts:
            for m in rule.pattern.finditer(ctx):
                if kind != "policy" and _hedged(ctx, m.start(), m.end()):
                    continue
                best = (rule.trl, rule.family, m.group(0))
                break
            if best is not None and best[0] == rule.trl:
                break
    return best


def trial_stage(doc: EvidenceDoc) -> tuple[float, str, str]:
    """Biomedical TRL from the trial phase (US DoD/HHS: phase 1 → 6, 2 → 7, 3 → 8, 4 → 9)."""
    phases = str(doc.extra.get("phases") or doc.extra.get("phase") or "")
    best = None
    for m in _PHASE.finditer(phases):
        trl = _PHASE_TRL[m.group(2).lower()] - (0.5 if m.group(1) else 0.0)
        if best is None or trl > best[0]:
            best = (trl, "clinical", m.group(0))
    return best or (6.0, "clinical", "interventional study (no phase)")


def venture_stage(doc: EvidenceDoc) -> tuple[float, str, str]:
    """TRL implied by a funding round (grant 4, seed 4.5 … IPO 8) or, for a company record, its formation (4)."""
    round_text = str(doc.extra.get("funding_round") or "")
    if not round_text and doc.kind == "news":
        round_text = doc.title
    for pattern, trl, label in _FUNDING_ROUND:
        m = pattern.search(round_text)
        if m:
            return trl, "funding", f"{label}: {m.group(0)}"
    if doc.kind == "company":
        # Spin-outs and start-ups form around lab-validated technology (TRL 3-4), before products exist.
        return 4.0, "venture", "company formation"
    return 5.0, "funding", "funding round (stage not stated)"


def timeline_years(doc: EvidenceDoc, contexts: Sequence[str]) -> list[tuple[int, str]]:
    """Stated future target years near a mention ("by 2030", "到2035年", "2030s"), later than the document."""
    found: list[tuple[int, str]] = []
    for ctx in contexts:
        for m in _TIMELINE_EN.finditer(ctx):
            found.append((int(m.group(1)) + (5 if m.group(2) else 0), m.group(0)))
        for m in _TIMELINE_ZH.finditer(ctx):
            found.append((int(m.group(1)) + (5 if m.group(2) == "年代" else 0), m.group(0)))
    for key, value in doc.extra.items():
        if "target" in key.lower() and value:
            m = _YEAR_IN_VALUE.search(str(value))
            if m:
                found.append((int(m.group(1)) + (5 if m.group(2) else 0), f"{key}: {value}"))
    return [(y, cue) for y, cue in found if y > doc.published.year]


def timeline_trl(years_ahead: float, near_years: float, mid_years: float) -> float:
    """The stage a stated realisation date implies: within near_years → 7.5, within mid_years → 5, later → 2."""
    if years_ahead <= near_years:
        return 7.5
    if years_ahead <= mid_years:
        return 5.0
    return 2.0


def _text_readings(doc: EvidenceDoc, names: Sequence[str], radius: int) -> tuple[Any, list[tuple[int, str]]]:
    """(highest unhedged stage term or None, stated target years) in the sentences that mention the technology."""
    contexts = mention_contexts(doc, names, radius)
    return text_stage(contexts, doc.kind), timeline_years(doc, contexts)


def stage_readings(ev: TechEvidence, ctx: ScanContext) -> list[StageReading]:
    """Stage evidence of every recent-enough document, cached per technology for the scan."""
    key = f"stage:{ev.tech.tech_id}"
    if key in ctx.cache:
        return ctx.cache[key]
    p = ctx.params.indicators.stage
    radius = p.context_chars
    half_life = p.half_life_years
    max_age = p.max_age_years
    near_years = p.timeline_near_years
    mid_years = p.timeline_mid_years
    names = [n for n in (ev.tech.name_zh, *ev.tech.aliases) if n]
    memo = ctx.memo
    out: list[StageReading] = []
    for doc in ev.docs:
        age = doc.age_years(ctx.as_of)
        if age > max_age:
            continue
        weight = doc.confidence * (math.pow(0.5, age / half_life) if half_life > 0 else 1.0)
        channel = channel_of(doc)
        # What the text says does not depend on as_of: kept between scans, keyed by the text and the names.
        mention_names = [*doc.matched, *names]
        found, stated = memo.get(
            "stage_text", memo.key(memo.doc_key(doc), mention_names, radius),
            lambda doc=doc, mention_names=mention_names: _text_readings(doc, mention_names, radius),
        )
        reading: Sequence[Any] | None
        if channel == "trials":
            reading = trial_stage(doc)
        elif channel == "ventures":
            # A company blurb's "commercialising ..." is its mission; the round says where it stands.
            # Only market facts (approval, launch, mass production) may lift a venture reading.
            reading = venture_stage(doc)
            if found and found[0] > reading[0] and found[1] in _MARKET_FACTS:
                reading = found
        elif channel == "papers":
            # A paper with no stage words is research: TRL 2 (Mankins: basic principles, concept).
            reading = found if found else (2.0, "research_paper", "research paper")
        elif channel == "patents":
            reading = found if found and found[0] > 4 else (4.0, "patent", "patent filing")
        else:
            reading = found  # news and policy without stage words say nothing about stage
        if reading is not None:
            out.append(StageReading(doc.doc_id, channel, reading[0], reading[1], reading[2][:60], weight,
                                    doc.published.isoformat(), doc.title[:120]))
        future = [(y, c) for y, c in stated if y > ctx.as_of.year]
        for year, cue in future[:1]:
            trl = timeline_trl(year - ctx.as_of.year, near_years, mid_years)
            out.append(StageReading(doc.doc_id, "timelines", trl, "stated_timeline", f"{cue[:50]} → {year}", weight,
                                    doc.published.isoformat(), doc.title[:120]))
    ctx.cache[key] = out
    return out


def channel_summary(readings: Iterable[StageReading], top: int = 3) -> dict[str, dict]:
    """Per channel: weighted n, mean and sd of TRL, family counts, and the documents that weigh most."""
    groups: dict[str, list[StageReading]] = defaultdict(list)
    for r in readings:
        groups[r.channel].append(r)
    out: dict[str, dict] = {}
    for channel in CHANNELS:
        rs = groups.get(channel)
        if not rs:
            continue
        w = np.array([r.weight for r in rs])
        t = np.array([r.trl for r in rs])
        n = float(w.sum())
        if n <= 0:
            continue
        mean = float((w * t).sum() / n)
        sd = float(math.sqrt(max(0.0, (w * (t - mean) ** 2).sum() / n)))
        families = Counter(r.family for r in rs)
        hist: dict[str, list[float]] = {}
        for r in rs:
            bin_ = hist.setdefault(f"{r.trl:g}", [0.0, 0.0])
            bin_[0] += r.weight
            bin_[1] += r.weight * r.weight
        # The heaviest documents of each stage band, so any call can show what supports it.
        order = []
        for low, high in ((0.0, 3.5), (3.5, 6.5), (6.5, 10.0)):
            band = [r for r in rs if low <= r.trl < high and r.family != "research_paper"]
            order += sorted(band, key=lambda r: (-r.weight, r.doc_id))[:top]
        out[channel] = {
            "n": rounded(n, 4),
            "documents": len(rs),
            "mean_trl": rounded(mean, 4),
            "sd_trl": rounded(sd, 4),
            "families": dict(sorted(families.items())),
            # TRL → [sum of weights, sum of squared weights]: the criterion re-weights and filters from this.
            "hist": {k: [rounded(v[0], 6), rounded(v[1], 6)] for k, v in sorted(hist.items(), key=lambda kv: float(kv[0]))},
            "top": [
                {"doc_id": r.doc_id, "trl": r.trl, "family": r.family, "cue": r.cue, "published": r.published, "title": r.title}
                for r in order
            ],
        }
    return out


def _kind_mix(ev: TechEvidence, ctx: ScanContext) -> dict[str, list]:
    windows = ctx.params.windows
    months = windows.period_months
    edges = period_edges(ctx.as_of, months, windows.history_periods)
    ords = np.array([e.toordinal() for e in edges], dtype=float)
    mix: dict[str, list] = {"period_starts": [e.isoformat() for e in edges[:-1]]}
    for kind in sorted({d.kind for d in ev.docs}):
        docs = [d for d in ev.docs if d.kind == kind]
        counts = spread_counts(
            np.array([d.start.toordinal() for d in docs], dtype=float),
            np.array([d.end.toordinal() for d in docs], dtype=float),
            np.ones(len(docs)),
            ords,
        )
        mix[kind] = [rounded(c, 2) for c in counts]
    return mix


def compute(ev: TechEvidence, ctx: ScanContext) -> list[IndicatorValue]:
    """`industrialisation` (share of applied evidence at TRL ≥ 7) and `stage_evidence` (the per-channel readings)."""
    readings = stage_readings(ev, ctx)
    limit = ctx.params.evidence.max_doc_ids
    summary = channel_summary(readings)
    applied = [r for r in readings if r.channel not in ("papers", "timelines")]
    families = Counter(r.family for r in readings if r.channel != "timelines")
    strong = [r for r in applied if r.trl >= 7]
    w_applied = sum(r.weight for r in applied)
    share = sum(r.weight for r in strong) / w_applied if w_applied > 0 else None
    signal_ids = tuple(dict.fromkeys(r.doc_id for r in sorted(strong, key=lambda r: (-r.weight, r.doc_id))))[:limit]
    industrial = IndicatorValue(
        "industrialisation",
        rounded(share) if share is not None else None,
        rounded(share) if share is not None else None,
        {
            "reason": None if share is not None else "no news, policy, trial or venture document with a stage signal",
            "applied_weighted": rounded(w_applied, 4),
            "late_stage_weighted": rounded(sum(r.weight for r in strong), 4),
            "signal_families": dict(sorted(families.items())),
            "kind_mix_by_period": _kind_mix(ev, ctx),
        },
        signal_ids,
    )
    total_n = sum(c["n"] for c in summary.values())
    staged_ids = tuple(dict.fromkeys(r.doc_id for r in sorted(readings, key=lambda r: (-r.weight, r.doc_id))))[:limit]
    stage = IndicatorValue(
        "stage_evidence",
        rounded(total_n),
        None,  # not a 0..1 score: the horizon criterion reads its channels
        {"channels": summary, "readings": len(readings)},
        staged_ids,
    )
    return [industrial, stage]
