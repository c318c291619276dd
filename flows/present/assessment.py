"""Horizon assessment of one technology: definition, calls with reasons, indicators with evidence, trends, timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flows.present import labels as L
from flows.present.track_record import build_record, ledger_rows, markdown_section
from warehouse import views

# Which indicators explain which criterion component (the screening step's wiring, scoring/screening/criteria.py).
CRITERIA_INDICATORS: dict[str, list[tuple[str, list[str]]]] = {
    "strategic": [("policy_attention", ["policy_attention"]), ("local_fit", ["local_fit"]), ("breadth", ["reach"])],
    "disruptive": [
        ("radical_novelty", ["novelty"]),
        ("fast_growth", ["growth", "acceleration", "burst"]),
        ("coherence", ["coherence"]),
        ("prominent_impact", ["prominence", "reach"]),
        ("uncertainty", ["uncertainty"]),
    ],
    "horizon": [("stage_evidence", ["stage_evidence", "industrialisation"])],
    "evidence": [("volume", ["volume"])],
}
EVIDENCE_PER_INDICATOR = 5
# A fuzzy match this good, and this far ahead of the runner-up, is taken without asking.
SURE_SCORE, SURE_MARGIN = 90.0, 8.0
# Below this the best match is only a guess: offered as "did you mean", never taken or called ambiguous.
WEAK_SCORE = 80.0


class TechnologyNotFound(LookupError):
    """No technology matches the typed name; `suggestions` holds near misses as (tech_id, label, score)."""

    def __init__(self, query: str, suggestions: Sequence[tuple[str, str, float]]) -> None:
        super().__init__(query)
        self.query = query
        self.suggestions = list(suggestions)


class AmbiguousTechnology(TechnologyNotFound):
    """Several technologies match about equally well; `suggestions` lists them best first."""


@dataclass(frozen=True)
class _Candidate:
    tech_id: str
    label: str


def _catalogue(con: Any) -> list[Any]:
    """Technologies to match a typed name against: the warehouse's rows, plus seeded ones not synced yet."""
    from scoring.technologies.taxonomy import Technology, load_taxonomy

    seeded = {t.id: t for t in load_taxonomy()}
    out: list[Technology] = []
    for r in views.technologies(con):
        base = seeded.pop(r["tech_id"], None)
        aliases = tuple(dict.fromkeys([*r["aliases"], *(base.aliases if base else ())]))
        out.append(Technology(
            id=r["tech_id"], name_en=r["name_en"], name_zh=r["name_zh"] or r["name_en"], direction=r["direction"],
            aliases_en=aliases, keywords_en=base.keywords if base else (), status=r["status"],
        ))
    out.extend(seeded.values())
    return out


def resolve_technology(con: Any, query: str) -> str:
    """The tech_id for a Chinese or English name, alias or id; raises AmbiguousTechnology / TechnologyNotFound."""
    from scoring.technologies.taxonomy import find_technology

    techs = _catalogue(con)
    q = query.strip()
    for t in techs:
        if q and q.lower() in (t.id, t.name_en.lower(), t.name_zh):
            return t.id
    found = find_technology(q, techs, limit=6, score_cutoff=55.0)
    # Suggest only the close contenders, not everything above the cut-off.
    sugg = [(t.id, f"{t.name_zh} {t.name_en}" if t.name_zh != t.name_en else t.name_en, s)
            for t, s in found if s >= found[0][1] - 15.0]
    best = found[0][1] if found else 0.0
    if best < WEAK_SCORE:
        raise TechnologyNotFound(q, sugg)
    second = found[1][1] if len(found) > 1 else 0.0
    if best >= 100.0 and second < 100.0:
        return found[0][0].id
    if best >= SURE_SCORE and best - second >= SURE_MARGIN:
        return found[0][0].id
    raise AmbiguousTechnology(q, sugg)


def _doc_entry(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "doc_id": doc["doc_id"],
        "title": doc["title"],
        "kind": doc["kind"],
        "kind_label": L.bi(L.KINDS, doc["kind"]),
        "published": doc["published"].isoformat() if doc.get("published") else "",
        "url": doc_link(doc),
        "issuer": doc.get("issuer") or "",
    }


def doc_link(doc: dict[str, Any]) -> str:
    """An http(s) link to open a document: its own URL, else one built from its arXiv id, DOI or PMID."""
    url = (doc.get("url") or "").strip()
    if url.lower().startswith(("http://", "https://")):
        return url
    if doc.get("arxiv_id"):
        return f"https://arxiv.org/abs/{doc['arxiv_id']}"
    if doc.get("doi"):
        return f"https://doi.org/{doc['doi']}"
    if doc.get("pmid"):
        return f"https://pubmed.ncbi.nlm.nih.gov/{doc['pmid']}/"
    return ""


def _indicator_summary(ind: dict[str, Any]) -> str:
    d = ind.get("details") or {}
    if ind.get("score") is None and d.get("reason"):
        return f"not computable: {d['reason']}"
    bits = []
    for key in ("recent_documents", "rate_ratio", "policy_documents", "on_official_lists", "in_burst_now", "readings"):
        if key in d and d[key] not in (None, [], {}):
            bits.append(f"{key.replace('_', ' ')} {d[key]}")
    if d.get("new_terms"):
        bits.append("new terms: " + ", ".join(map(str, d["new_terms"][:6])))
    if d.get("players"):
        bits.append("local players: " + ", ".join(map(str, list(d["players"])[:5])))
    if isinstance(d.get("channels"), dict) and d["channels"]:
        ch = "; ".join(
            f"{k} TRL {v.get('mean_trl')} (n={v.get('n')})" for k, v in sorted(d["channels"].items()) if isinstance(v, dict)
        )
        bits.append("channels: " + ch)
    return "; ".join(bits)


def _criteria(score: dict[str, Any] | None, inds: list[dict[str, Any]], docs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    by_name = {i["indicator"]: i for i in inds}
    attrs = {a.get("name"): a for a in (score or {}).get("disruptive_attributes") or [] if isinstance(a, dict)}
    used: set[str] = set()
    out = []
    for crit, components in CRITERIA_INDICATORS.items():
        comps = []
        for comp, names in components:
            shown = []
            for n in names:
                ind = by_name.get(n)
                if ind is None:
                    continue
                used.add(n)
                shown.append(_indicator_view(ind, docs))
            attr = attrs.get(comp) if crit == "disruptive" else None
            comps.append({
                "component": comp,
                "label": L.bi(L.INDICATORS, comp),
                "score": attr.get("score") if attr else (shown[0]["score"] if len(shown) == 1 else None),
                "weight": attr.get("weight") if attr else None,
                "indicators": shown,
            })
        out.append({"criterion": crit, "label": L.bi(L.CRITERIA, crit), "components": comps,
                    "reasons": list(((score or {}).get("reasons") or {}).get(crit, []))})
    rest = [_indicator_view(i, docs) for n, i in sorted(by_name.items()) if n not in used]
    if rest:
        out.append({"criterion": "other", "label": L.bi(L.CRITERIA, "other"),
                    "components": [{"component": "other", "label": "", "score": None, "weight": None, "indicators": rest}],
                    "reasons": []})
    return out


def _indicator_view(ind: dict[str, Any], docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    evidence = [_doc_entry(docs[d]) for d in ind["doc_ids"] if d in docs][:EVIDENCE_PER_INDICATOR]
    return {
        "indicator": ind["indicator"],
        "label": L.bi(L.INDICATORS, ind["indicator"]),
        "value": ind["value"],
        "score": ind["score"],
        "summary": _indicator_summary(ind),
        "evidence": evidence,
        "evidence_total": len(ind["doc_ids"]),
    }


def _timeline(
    milestones: list[dict[str, Any]], history: list[dict[str, Any]], overrides: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    events = [
        {"date": m["published"].isoformat() if m.get("published") else "", "event": m["event"],
         "label": L.bi(L.EVENTS, m["event"]), "title": m["title"], "url": doc_link(m), "kind": m["kind"], "detail": ""}
        for m in milestones
    ]
    prev = None
    for h in history:
        if h["backtest"]:
            continue
        if prev is not None and prev["horizon"] != h["horizon"]:
            events.append({"date": str(h["started_at"])[:10], "event": "horizon_call",
                           "label": L.bi(L.EVENTS, "horizon_call"), "title": "", "url": "", "kind": "",
                           "detail": f"{h['scan_id']}: {L.horizon_label(prev['horizon'])} → {L.horizon_label(h['horizon'])}"})
        prev = h
    for o in overrides:
        events.append({"date": str(o["recorded_at"])[:10], "event": "override", "label": L.bi(L.EVENTS, "override"),
                       "title": "", "url": "", "kind": "",
                       "detail": f"{o['field']} = {o['value']} by {o['decided_by']}: {o['reason']}"})
    events.sort(key=lambda e: (e["date"], e["event"]))
    return events


def _evidence_docs(con: Any, tech_id: str, inds: list[dict[str, Any]], driver_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The documents the indicators show (up to EVIDENCE_PER_INDICATOR each, from their first twice as many) and the drivers.

    Asks first for the documents shown when all of them exist, and for the rest of each indicator's first
    ids only when some are missing; they are the technology's evidence, read from its stored evidence rows
    where possible (warehouse.views.evidence_documents).
    """
    first = [d for i in inds for d in i["doc_ids"][:EVIDENCE_PER_INDICATOR]]
    docs = views.evidence_documents(con, tech_id, [*first, *driver_ids])
    if all(d in docs for d in first):
        return docs
    rest = {d for i in inds for d in i["doc_ids"][EVIDENCE_PER_INDICATOR : EVIDENCE_PER_INDICATOR * 2]} - docs.keys()
    return {**docs, **views.evidence_documents(con, tech_id, sorted(rest))}


def build_assessment(con: Any, tech_id: str, scan: str = "latest") -> dict[str, Any]:
    """Everything a horizon assessment shows, as plain data (rendered by the CLI, Markdown and HTML)."""
    with views.one_reading(con):
        return _build_assessment(con, tech_id, scan)


def _build_assessment(con: Any, tech_id: str, scan: str) -> dict[str, Any]:
    from scoring.technologies.taxonomy import load_taxonomy

    seeded = next((t for t in load_taxonomy() if t.id == tech_id), None)
    tech = next((t for t in views.technologies(con) if t["tech_id"] == tech_id), None)
    if tech is None:  # a seeded technology the warehouse has not synced yet
        t = next(t for t in load_taxonomy() if t.id == tech_id)
        tech = {"tech_id": t.id, "name_en": t.name_en, "name_zh": t.name_zh, "aliases": list(t.aliases),
                "description": t.description_en, "direction": t.direction, "status": "seeded (not in warehouse)",
                "origin": "taxonomy", "topic_id": None}
    description_zh = seeded.description_zh if seeded else ""
    description_en = tech.get("description") or (seeded.description_en if seeded else "")
    try:
        info: dict[str, Any] | None = views.resolve_scan(con, scan)
    except views.ViewError:
        if scan not in ("latest", "", None):
            raise
        info = None
    score = views.tech_score(con, info["scan_id"], tech_id) if info else None
    as_of: dt.date = (score or {}).get("as_of") or (info or {}).get("as_of") or dt.date.today()
    inds = views.indicators(con, info["scan_id"], tech_id) if info else []
    driver_ids = [d.get("doc_id") for d in ((score or {}).get("horizon_evidence") or {}).get("drivers", []) if isinstance(d, dict)]
    docs = _evidence_docs(con, tech_id, inds, [d for d in driver_ids if d])
    history = views.score_history(con, tech_id)
    overrides = views.override_history(con, tech_id)
    latest_override = {}
    for o in overrides:  # append-only: the last word per field counts, 'withdrawn' clears it
        latest_override[o["field"]] = None if o["value"] == "withdrawn" else o
    trend = views.evidence_trends(con, as_of, tech_id).get(tech_id, {})
    kinds = sorted({k for y in trend.values() for k in y}, key=lambda k: list(L.KINDS).index(k) if k in L.KINDS else 99)
    yearly = [{"year": y, **{k: trend[y].get(k, 0) for k in kinds}, "total": sum(trend[y].values())} for y in sorted(trend)]
    ledger = ledger_rows(con)
    drivers = []
    for d in ((score or {}).get("horizon_evidence") or {}).get("drivers", [])[:6]:
        if isinstance(d, dict):
            doc = docs.get(d.get("doc_id", ""))
            drivers.append({**d, "url": doc_link(doc) if doc else "", "title": (doc or {}).get("title") or d.get("title", "")})
    return {
        "tech": {**tech, "name": L.tech_name(tech), "direction_label": L.direction_label(tech.get("direction")),
                 "status_label": L.bi(L.STATUSES, tech.get("status")), "description_en": description_en,
                 "description_zh": description_zh},
        "scan": info,
        "as_of": as_of,
        "score": score,
        "calls": _calls(score, latest_override),
        "criteria": _criteria(score, inds, docs),
        "horizon_drivers": drivers,
        "trend": {"kinds": kinds, "kind_labels": {k: L.bi(L.KINDS, k) for k in kinds}, "yearly": yearly,
                  "weekly": views.weekly_trend(con, tech_id, as_of)},
        "lineage": views.topic_lineage(con, tech_id),
        "leaders": views.leaders(con, tech_id, as_of),
        "policy": [{**p, "published": p["published"].isoformat() if p.get("published") else "",
                    "url": doc_link(p)} for p in views.policy_mentions(con, tech_id, as_of)],
        "overrides": overrides,
        "history": history,
        "timeline": _timeline(views.milestones(con, tech_id, as_of), history, overrides),
        "track_record": {"technology": build_record(con, tech_id, rows=ledger),
                         "overall": build_record(con, None, rows=ledger)},
    }


def _calls(score: dict[str, Any] | None, latest_override: dict[str, Any]) -> list[dict[str, Any]]:
    if score is None:
        return []
    oh, os_ = latest_override.get("horizon"), latest_override.get("strategic")
    conf = score.get("horizon_confidence")
    return [
        {"criterion": "strategic", "label": L.bi(L.CRITERIA, "strategic"), "score": score["strategic"],
         "call": L.bi(L.CALLS, score["strategic_label"]), "detail": "",
         "override": f"{L.bi(L.CALLS, os_['value'])} — {os_['decided_by']}: {os_['reason']}" if os_ else ""},
        {"criterion": "disruptive", "label": L.bi(L.CRITERIA, "disruptive"), "score": score["disruptive"],
         "call": L.bi(L.CALLS, score["disruptive_label"]), "detail": "", "override": ""},
        {"criterion": "horizon", "label": L.bi(L.CRITERIA, "horizon"), "score": conf,
         "call": L.horizon_label(score["horizon"], score.get("horizon_leaning")),
         "detail": " · ".join(x for x in (
             f"confidence 置信度 {conf:.0%}" if conf is not None else "",
             score.get("trl_band") or "",
             L.bi(L.HORIZON_STAGES, score["horizon"]) if score["horizon"] in L.HORIZON_STAGES else "",
         ) if x),
         "override": f"{L.bi(L.HORIZONS, oh['value'])} — {oh['decided_by']}: {oh['reason']}" if oh else ""},
    ]


# ───────────────────────────── Markdown ─────────────────────────────


def _md(text: Any) -> str:
    """Crawled text inside Markdown: no raw HTML, no table breaks, no accidental emphasis or links."""
    s = "" if text is None else str(text)
    for ch in ("\\", "`", "*", "_", "[", "]", "<", ">", "|", "#"):
        s = s.replace(ch, "\\" + ch)
    return s.replace("\n", " ")


def _md_link(title: str, url: str) -> str:
    return f"[{_md(title)}](<{url}>)" if url else _md(title)


def to_markdown(a: dict[str, Any]) -> str:
    """A one-page brief in Markdown: one section after another, each from its own function."""
    sections = (_md_header, _md_calls, _md_criteria, _md_drivers, _md_trend, _md_lineage, _md_leaders, _md_policy,
                _md_overrides, _md_timeline)
    return "\n".join(line for section in sections for line in section(a))


def _md_header(a: dict[str, Any]) -> list[str]:
    """Title, direction, status, scan, definition and aliases."""
    t = a["tech"]
    out = [f"# {_md(t['name'])} — 技术时间窗评估 Horizon assessment", ""]
    scan = a["scan"]
    meta = [f"方向 Direction: {t['direction_label']}", f"状态 Status: {t['status_label']}", f"id: `{t['tech_id']}`"]
    if scan:
        meta.append(f"扫描 Scan: {scan['scan_id']} (as of {a['as_of']})")
    out += [" · ".join(meta), ""]
    if t.get("description_zh") or t.get("description_en"):
        out += ["## 定义 Definition", ""]
        out += [_md(x) for x in (t.get("description_zh"), t.get("description_en")) if x]
        out.append("")
    if t.get("aliases"):
        out += ["别名 Aliases: " + ", ".join(_md(x) for x in t["aliases"][:12]), ""]
    return out


def _md_calls(a: dict[str, Any]) -> list[str]:
    """The three calls, each with its consultant override beside it."""
    out: list[str] = []
    out += ["## 判定 Calls", ""]
    if not a["calls"]:
        out += ["No score for this technology in this scan (未评分).", ""]
    else:
        out += ["| 维度 Criterion | 得分 Score | 判定 Call | 说明 Detail | 专家判定 Override (shown beside, never replacing) |",
                "|---|---|---|---|---|"]
        for c in a["calls"]:
            out.append(f"| {c['label']} | {L.fmt_score(c['score'])} | {c['call']} | {_md(c['detail'])} | {_md(c['override'])} |")
        out.append("")
    return out


def _md_criteria(a: dict[str, Any]) -> list[str]:
    """The track record, then each criterion with its reasons and the indicators and evidence behind it."""
    out: list[str] = []
    if a.get("track_record"):
        out += markdown_section(a["track_record"]["technology"], a["track_record"]["overall"], _md)
    for crit in a["criteria"]:
        if not any(comp["indicators"] for comp in crit["components"]) and not crit["reasons"]:
            continue
        out += [f"## {crit['label']}", ""]
        out += [f"- {_md(r)}" for r in crit["reasons"]]
        if crit["reasons"]:
            out.append("")
        for comp in crit["components"]:
            for ind in comp["indicators"]:
                head = f"**{ind['label']}**: score {L.fmt_score(ind['score'])}"
                if ind["summary"]:
                    head += f" — {_md(ind['summary'])}"
                out.append(f"- {head}")
                for e in ind["evidence"]:
                    out.append(f"  - {e['published']} {e['kind_label']}: {_md_link(e['title'], e['url'])}")
        out.append("")
    return out


def _md_drivers(a: dict[str, Any]) -> list[str]:
    """The documents that drove the horizon call."""
    out: list[str] = []
    if a["horizon_drivers"]:
        out += ["### 决定时间窗的证据 Documents that drove the horizon call", ""]
        out += [f"- {_md(d.get('channel'))} TRL {d.get('trl')}: “{_md(d.get('cue'))}” — {_md_link(d['title'], d['url'])}"
                for d in a["horizon_drivers"]]
        out.append("")
    return out


def _md_trend(a: dict[str, Any]) -> list[str]:
    """Evidence by year and kind, and the last 26 weeks."""
    out: list[str] = []
    tr = a["trend"]
    if tr["yearly"]:
        out += ["## 证据年度趋势 Evidence by year and kind", ""]
        cols = [tr["kind_labels"][k] for k in tr["kinds"]]
        out += ["| 年份 Year | " + " | ".join(cols) + " | 合计 Total |", "|---|" + "---|" * (len(cols) + 1)]
        out += [f"| {y['year']} | " + " | ".join(str(y[k]) for k in tr["kinds"]) + f" | {y['total']} |" for y in tr["yearly"]]
        out.append("")
    if tr["weekly"]:
        out.append("近26周 Last 26 weeks: " + " · ".join(f"{str(w['week'])[:10]}: {w['documents']}" for w in tr["weekly"]))
        out.append("")
    return out


def _md_lineage(a: dict[str, Any]) -> list[str]:
    """The topics linked to the technology and what happened to them."""
    out: list[str] = []
    lin = a["lineage"]
    out += ["## 主题演化 Topic lineage", ""]
    if not lin["topics"]:
        out += [_md(lin["note"] or "none"), ""]
    else:
        for tp in lin["topics"]:
            sizes = " → ".join(str(s) for s in tp["size_history"])
            out.append(f"- {tp['topic_id']} {_md(tp['label'])} ({tp.get('status') or ''}; born {tp.get('born_scan_id') or '?'};"
                       f" sizes {sizes}; link {tp['method']} {L.fmt_score(tp['confidence'])})")
        for e in lin["events"]:
            out.append(f"  - {e['scan_id']}: {e['event']} {', '.join(e['from_topics'])} → {', '.join(e['to_topics'])}")
        out.append("")
    return out


def _md_leaders(a: dict[str, Any]) -> list[str]:
    """Leading institutions and countries."""
    out: list[str] = []
    ld = a["leaders"]
    if ld["institution"] or ld["country"]:
        out += ["## 主要机构与国家 Leading institutions and countries", ""]
        out.append("- 机构 Institutions: " + ", ".join(f"{_md(x['name'])} ({x['documents']})" for x in ld["institution"]))
        out.append("- 国家 Countries: " + ", ".join(f"{_md(x['name'])} ({x['documents']})" for x in ld["country"]))
        out.append("")
    return out


def _md_policy(a: dict[str, Any]) -> list[str]:
    """Policy documents naming the technology."""
    out: list[str] = []
    if a["policy"]:
        out += ["## 政策提及 Policy mentions", ""]
        for p in a["policy"]:
            issuer = " · ".join(x for x in (p.get("issuer"), p.get("doc_number")) if x)
            out.append(f"- {p['published']} {_md_link(p['title'], p['url'])}" + (f" ({_md(issuer)})" if issuer else ""))
        out.append("")
    return out


def _md_overrides(a: dict[str, Any]) -> list[str]:
    """Every consultant judgement, with what futurescan said then."""
    out: list[str] = []
    if a["overrides"]:
        out += ["## 专家判定记录 Consultant overrides (history)", ""]
        for o in a["overrides"]:
            out.append(f"- {str(o['recorded_at'])[:16]} {o['field']} = {o['value']} by {_md(o['decided_by'])}: "
                       f"{_md(o['reason'])} (computed then: {o.get('computed_value') or '—'})")
        out.append("")
    return out


def _md_timeline(a: dict[str, Any]) -> list[str]:
    """Milestones and events."""
    out: list[str] = []
    if a["timeline"]:
        out += ["## 里程碑 Milestones and events", ""]
        for e in a["timeline"]:
            what = _md_link(e["title"], e["url"]) if e["title"] else _md(e["detail"])
            out.append(f"- {e['date']} **{e['label']}**: {what}")
        out.append("")
    return out
