"""Screening criteria from indicators: strategic (战略性), disruptive (颠覆性, Rotolo's five attributes), horizon with TRL band.

Every call carries its reasons; a call the evidence cannot support is "insufficient evidence", never a guess.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scoring.screening.indicators.base import IndicatorValue, rounded
from scoring.screening.weights import Horizon, Weights

HORIZONS: tuple[str, ...] = ("near", "mid", "far")
INSUFFICIENT = "insufficient evidence"
HORIZON_LABELS = {
    "near": "near (industrialisation, 产业化)",
    "mid": "mid (product R&D, 产品研发)",
    "far": "far (frontier exploration, 前沿探索)",
}


@dataclass(frozen=True)
class Component:
    """One input of a criterion: its 0..1 score (None when not computable), weight and a short note."""

    name: str
    score: float | None
    weight: float
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "score": rounded(self.score, 4), "weight": self.weight, "note": self.note}


def _weighted(components: list[Component]) -> tuple[float | None, list[str]]:
    avail = [c for c in components if c.score is not None and c.weight > 0]
    if not avail:
        return None, [c.name for c in components]
    total = sum(c.weight for c in avail)
    return sum(c.score * c.weight for c in avail) / total, [c.name for c in components if c.score is None]


def _score(ind: Mapping[str, IndicatorValue], name: str) -> float | None:
    v = ind.get(name)
    return v.score if v is not None else None


def _note(ind: Mapping[str, IndicatorValue], name: str) -> str:
    v = ind.get(name)
    if v is None:
        return "not computed"
    if v.score is None:
        return str(v.details.get("reason") or "not computable")
    return ""


def _recent_documents(ind: Mapping[str, IndicatorValue]) -> int:
    v = ind.get("volume")
    return int(v.details.get("recent_documents", 0)) if v is not None else 0


# ───────────────────────────── strategic ─────────────────────────────


@dataclass(frozen=True)
class StrategicCall:
    """战略性: weighted from policy attention, local fit and breadth of application."""

    score: float | None
    flag: bool | None
    components: tuple[Component, ...]
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        return INSUFFICIENT if self.flag is None else ("yes" if self.flag else "no")


def strategic(ind: Mapping[str, IndicatorValue], params: Weights) -> StrategicCall:
    """Strategic score and flag; insufficient evidence below the minimum recent document count."""
    p = params.strategic
    components = [
        Component("policy_attention", _score(ind, "policy_attention"), p.policy_attention, _note(ind, "policy_attention")),
        Component("local_fit", _score(ind, "local_fit"), p.local_fit, _note(ind, "local_fit")),
        Component("breadth", _score(ind, "reach"), p.breadth, _note(ind, "reach")),
    ]
    n = _recent_documents(ind)
    need = p.min_documents
    score, missing = _weighted(components)
    if n < need or score is None:
        why = f"only {n} recent documents (need {need})" if n < need else "no component could be computed"
        return StrategicCall(None, None, tuple(components), (f"{INSUFFICIENT}: {why}",))
    threshold = p.threshold
    flag = score >= threshold
    reasons = [f"strategic score {score:.2f} {'≥' if flag else '<'} threshold {threshold:.2f}"]
    reasons += [f"{c.name} {c.score:.2f} (weight {c.weight:g})" for c in components if c.score is not None]
    pol = ind.get("policy_attention")
    if pol is not None and pol.details.get("policy_documents"):
        top = pol.details.get("top") or []
        if top:
            reasons.append(f"policy: {pol.details['policy_documents']} documents, e.g. 《{top[0]['title']}》 ({top[0]['published'][:4]})")
    loc = ind.get("local_fit")
    if loc is not None and loc.details.get("players"):
        reasons.append("local players: " + ", ".join(list(loc.details["players"])[:5]))
    if missing:
        reasons.append("left out (not computable): " + ", ".join(missing))
    return StrategicCall(score, flag, tuple(components), tuple(reasons))


# ───────────────────────────── disruptive ─────────────────────────────

ROTOLO_ATTRIBUTES: tuple[str, ...] = ("radical_novelty", "fast_growth", "coherence", "prominent_impact", "uncertainty")


@dataclass(frozen=True)
class DisruptiveCall:
    """颠覆性 on Rotolo, Hicks & Martin's (2015) five attributes, each kept visible."""

    score: float | None
    flag: bool | None
    attributes: tuple[Component, ...]
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        return INSUFFICIENT if self.flag is None else ("yes" if self.flag else "no")


def _mean(*values: float | None) -> float | None:
    got = [v for v in values if v is not None]
    return sum(got) / len(got) if got else None


def disruptive(ind: Mapping[str, IndicatorValue], params: Weights) -> DisruptiveCall:
    """Composite of the five attributes; insufficient evidence when fewer than min_attributes are computable."""
    p = params.disruptive
    attrs = [
        Component("radical_novelty", _score(ind, "novelty"), p.radical_novelty, _note(ind, "novelty")),
        Component("fast_growth", _score(ind, "growth"), p.fast_growth, _note(ind, "growth")),
        Component("coherence", _score(ind, "coherence"), p.coherence, _note(ind, "coherence")),
        Component(
            "prominent_impact",
            _mean(_score(ind, "prominence"), _score(ind, "reach")),
            p.prominent_impact,
            "mean of prominence and reach",
        ),
        Component("uncertainty", _score(ind, "uncertainty"), p.uncertainty, _note(ind, "uncertainty")),
    ]
    available = [a for a in attrs if a.score is not None]
    need = p.min_attributes
    score, missing = _weighted(attrs)
    if len(available) < need or score is None:
        return DisruptiveCall(
            None, None, tuple(attrs),
            (f"{INSUFFICIENT}: only {len(available)} of 5 attributes computable (need {need}); missing: {', '.join(missing)}",),
        )
    present_at = p.attribute_present
    present = [a.name for a in available if a.score >= present_at]
    min_present = p.min_present
    flag = len(present) >= min_present
    reasons = [
        f"{len(present)} of 5 attributes present (score ≥ {present_at:g}; need {min_present}): "
        f"{', '.join(present) or 'none'}; composite {score:.2f}"
    ]
    reasons += [f"{a.name} {a.score:.2f}" for a in attrs if a.score is not None]
    growth = ind.get("growth")
    if growth is not None and growth.score is not None:
        reasons.append(f"share of its sources ×{growth.details.get('rate_ratio')} recent vs baseline window")
    burst = ind.get("burst")
    if burst is not None and burst.details.get("in_burst_now"):
        reasons.append("in a Kleinberg burst now")
    nov = ind.get("novelty")
    if nov is not None and nov.details.get("new_terms"):
        reasons.append("new terms: " + ", ".join(nov.details["new_terms"][:6]))
    if missing:
        reasons.append("left out (not computable): " + ", ".join(missing))
    return DisruptiveCall(score, flag, tuple(attrs), tuple(reasons))


# ───────────────────────────── horizon ─────────────────────────────


@dataclass(frozen=True)
class HorizonCall:
    """Near / mid / far (or insufficient evidence) with confidence, TRL band, reasons and driving documents."""

    horizon: str
    confidence: float | None
    trl_estimate: float | None
    trl_low: int | None
    trl_high: int | None
    reasons: tuple[str, ...]
    channels: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    drivers: tuple[Mapping[str, Any], ...] = ()
    leaning: str | None = None   # for insufficient calls: the band the thin evidence points to, shown as such

    @property
    def trl_band(self) -> str | None:
        if self.trl_low is None or self.trl_high is None:
            return None
        return f"TRL {self.trl_low}" if self.trl_low == self.trl_high else f"TRL {self.trl_low}-{self.trl_high}"


def band_of(trl: float, near_from: float, mid_from: float) -> str:
    """The horizon a single TRL reading falls in."""
    if trl >= near_from:
        return "near"
    if trl >= mid_from:
        return "mid"
    return "far"


def _prob_at_least(p: float, n_eff: float, share: float) -> float:
    """P(true share ≥ `share`) given an observed share p from n_eff effective documents (Jeffreys prior).

    The beta survival function is scipy.stats' `beta.sf`, which is `betaincc` inside the support;
    importing scipy.special alone costs a fresh process ~0.25 s instead of ~1.4 s for scipy.stats.
    """
    if share <= 0.0:
        return 1.0
    if share >= 1.0:
        return 0.0
    from scipy.special import betaincc

    return float(betaincc(p * n_eff + 0.5, (1.0 - p) * n_eff + 0.5, share))


def _mixture(channels: Mapping[str, Mapping[str, Any]], p: Horizon) -> tuple[dict[float, float], dict[str, dict[str, float]], float]:
    """Channel-balanced distribution of applied stage readings over TRL, per-channel weights, effective n.

    Each channel gets weight base × n / (n + channel_half) and shares it among its readings, so a flood
    of one kind (hundreds of start-ups, thousands of papers) counts as one well-supported channel.
    Papers count only when they report validation or use (TRL ≥ papers_from_trl): research goes on at
    every stage of maturity, so research papers say nothing about how far a technology has come.
    """
    base = p.channels
    half = p.channel_half
    papers_from = p.papers_from_trl
    used: dict[str, dict[str, float]] = {}
    hists: dict[str, dict[float, tuple[float, float]]] = {}
    for name, ch in channels.items():
        if name == "timelines" or getattr(base, name) <= 0:
            continue
        hist = {float(k): (float(v[0]), float(v[1])) for k, v in (ch.get("hist") or {}).items()}
        if name == "papers":
            hist = {k: v for k, v in hist.items() if k >= papers_from}
        n = sum(v[0] for v in hist.values())
        if n <= 0:
            continue
        hists[name] = hist
        used[name] = {"n": n, "weight": getattr(base, name) * n / (n + half)}
    total = sum(c["weight"] for c in used.values())
    dist: dict[float, float] = {}
    sum_sq = 0.0
    for name, hist in hists.items():
        scale = used[name]["weight"] / total / used[name]["n"]
        for trl, (w, w2) in hist.items():
            dist[trl] = dist.get(trl, 0.0) + w * scale
            sum_sq += w2 * scale * scale
        used[name]["mean_trl"] = sum(k * v[0] for k, v in hist.items()) / used[name]["n"]
    n_eff = 1.0 / sum_sq if sum_sq > 0 else 0.0
    return dist, used, n_eff


def _share_at_least(dist: Mapping[float, float], level: float) -> float:
    return sum(v for k, v in dist.items() if k >= level)


def _level_reached(dist: Mapping[float, float], share: float) -> float | None:
    """Highest TRL reached by at least `share` of the evidence (a weighted upper quantile)."""
    for level in sorted(dist, reverse=True):
        if _share_at_least(dist, level) >= share - 1e-12:
            return level
    return None


def horizon(ind: Mapping[str, IndicatorValue], params: Weights) -> HorizonCall:
    """Horizon from the stage evidence: the highest TRL corroborated by a share of the applied evidence.

    A technology's TRL is the highest level it has demonstrated (Mankins 1995), not the average of
    its literature: continuing research on a mature technology does not make it less mature. So the
    call reads the channel-balanced stage readings (news, policy, trials, ventures, patents, papers
    reporting validation or use) and asks whether at least `frontier_share` of them reaches
    industrialisation (TRL ≥ 7: near), whether less than that share even reaches development
    (TRL ≥ 5: far), or neither (mid). Confidence is the posterior probability (Jeffreys prior,
    effective document count) that the true shares sit on the called side of those lines. Thin,
    one-channel or undecided evidence gives "insufficient evidence" with the reason.
    """
    p = params.horizon
    near_from, mid_from = p.near_from, p.mid_from
    share = p.frontier_share
    stage = ind.get("stage_evidence")
    channels: Mapping[str, Mapping[str, Any]] = (stage.details.get("channels") or {}) if stage else {}
    dist, used, n_eff = _mixture(channels, p)
    shown = {
        k: {"mean_trl": rounded(c["mean_trl"], 3), "n": rounded(c["n"], 3), "weight": rounded(c["weight"], 4),
            "families": channels[k].get("families", {})}
        for k, c in sorted(used.items())
    }
    timeline = _timeline_note(channels)
    if not dist:
        reasons = [f"{INSUFFICIENT}: no news, policy, trial, venture or patent document and no paper reporting "
                   "validation or use carries a stage signal"]
        return HorizonCall(INSUFFICIENT, None, None, None, None, tuple(reasons + timeline), shown)
    p_near = _share_at_least(dist, near_from)
    p_dev = _share_at_least(dist, mid_from)
    conf_near = _prob_at_least(p_near, n_eff, share)
    conf_dev = _prob_at_least(p_dev, n_eff, share)
    if p_near >= share:
        call, confidence = "near", conf_near
    elif p_dev < share:
        call, confidence = "far", 1.0 - conf_dev
    else:
        call, confidence = "mid", (1.0 - conf_near) * conf_dev
    frontier = _level_reached(dist, share)
    median = _level_reached(dist, 0.5)
    trl_low = int(math.floor(min(median or frontier, frontier)))
    trl_high = int(math.ceil(frontier))
    channel_text = "; ".join(
        f"{k} mean TRL {c['mean_trl']:.1f} (n={c['n']:.1f})" for k, c in sorted(used.items(), key=lambda kv: -kv[1]["weight"])
    )
    reasons = [
        f"{HORIZON_LABELS[call]}: {p_near:.0%} of the channel-balanced stage evidence is at industrialisation "
        f"(TRL ≥ {math.ceil(near_from)}), {p_dev:.0%} at development or beyond (TRL ≥ {math.ceil(mid_from)}); "
        f"corroboration line {share:.0%}",
        f"TRL {trl_low}{'' if trl_low == trl_high else f'-{trl_high}'}: half the evidence reaches TRL {median:g}, "
        f"{share:.0%} reaches TRL {frontier:g}",
        f"channels: {channel_text}; effective documents {n_eff:.1f}",
    ]
    drivers = _drivers(channels, call, near_from, mid_from, p.papers_from_trl)
    for d in drivers[:3]:
        reasons.append(f"{d['channel']}: TRL {d['trl']:g} from “{d['cue']}” in {d['doc_id']} ({d['published'][:7]})")
    reasons += timeline
    problems = []
    min_docs = p.min_documents
    total_n = sum(c["n"] for c in used.values())
    if total_n < min_docs:
        problems.append(f"only {total_n:.1f} age-weighted stage-tagged documents (need {min_docs:g})")
    min_n = p.min_channel_documents
    solid = [k for k, c in used.items() if c["n"] >= min_n]
    min_channels = p.min_channels
    single = p.single_channel_documents
    if len(solid) < min_channels:
        big = [k for k, c in used.items() if c["n"] >= single]
        if big:
            reasons.append(f"rests on one channel ({big[0]}, n={used[big[0]]['n']:.1f}): no other channel corroborates it")
        else:
            problems.append(
                f"only {len(solid)} evidence channel(s) with ≥{min_n:g} documents ({', '.join(solid) or 'none'}; "
                f"need {min_channels}, or {single:g} in one)"
            )
    min_conf = p.min_confidence
    if confidence < min_conf:
        problems.append(f"confidence {confidence:.2f} below {min_conf:.2f}: the shares sit too close to the corroboration line")
    if problems:
        reasons = [f"{INSUFFICIENT}: " + "; ".join(problems), f"(thin evidence leans {call})", *reasons]
        return HorizonCall(INSUFFICIENT, rounded(confidence, 4), rounded(frontier, 3), trl_low, trl_high, tuple(reasons),
                           shown, tuple(drivers), leaning=call)
    return HorizonCall(call, rounded(confidence, 4), rounded(frontier, 3), trl_low, trl_high, tuple(reasons), shown, tuple(drivers))


def _timeline_note(channels: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Stated target years are forecasts, not achievements: shown beside the call, never counted in it."""
    ch = channels.get("timelines")
    if not ch or not ch.get("top"):
        return []
    cues = "; ".join(f"“{t['cue']}” ({t['doc_id']})" for t in ch["top"][:3])
    return [f"stated timelines (not counted): {ch.get('documents', 0)} document(s), e.g. {cues}"]


def _drivers(
    channels: Mapping[str, Mapping[str, Any]], call: str, near_from: float, mid_from: float, papers_from: float
) -> list[dict[str, Any]]:
    """The documents that most support the call: their stage lies in the called band, heaviest channels first."""
    out = []
    for name, ch in channels.items():
        if name == "timelines":
            continue
        for doc in ch.get("top", []):
            if name == "papers" and float(doc["trl"]) < papers_from:
                continue
            out.append({"channel": name, **doc, "agrees": band_of(float(doc["trl"]), near_from, mid_from) == call})
    out.sort(key=lambda d: (not d["agrees"], -float(channels[d["channel"]].get("n") or 0), d["doc_id"]))
    return out[:10]
