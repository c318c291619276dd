"""The forecast ledger's track record as the assessment and the scan report show it (预测记录)."""

# Figures come from scoring.ledger's track_record over the ledger's rows, so they are the ones
# `futurescan ledger` and scoring.ledger.forecasts.ledger_summary print. The live record (regular weekly scans)
# and the replayed scans (backtest, 'asof-…') are kept apart: a replay is shown only beside an empty
# live record and always labelled as such. scoring.ledger.forecasts is imported inside the functions, so
# importing the views stays light; a warehouse without the ledger tables gets an "unavailable" view.

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from flows.present import labels as L

OPEN_SHOWN = 8
RECENT_SHOWN = 8
LIVE = "每周扫描 Weekly scans (live forecasts)"
REPLAY = "回放 Replay (backtest: scans replayed at past dates, not live forecasts)"
NO_LEDGER = "此数据仓库尚无预测账本 This warehouse has no forecast ledger yet (run `futurescan db migrate`)."
FIGURES = ("forecasts", "resolved", "void", "pending", "hit_rate", "brier", "brier_climatology", "brier_skill",
           "threat_score", "mean_probability", "hits", "misses", "false_alarms", "correct_negatives")
LEGEND = ("命中率 Hit rate = share of resolved forecasts whose call (probability ≥ 50%) matched the outcome. "
          "Brier = mean squared gap between probability and outcome (0 best; 0.25 = always 50%); "
          "参照 reference = Brier of always forecasting each type's observed frequency. "
          "无法判定 Void forecasts (the warehouse could not judge them) are counted apart and left out of the scores.")


def ledger_rows(con: Any) -> list[dict[str, Any]] | None:
    """Every forecast with its outcome (live and replayed), or None when the warehouse has no ledger tables."""
    from warehouse.views import has_table  # remembered per connection: an assessment asks on every call

    if not (has_table(con, "forecasts") and has_table(con, "forecast_outcomes")):
        return None
    from warehouse import ledger_store as store

    return store.forecasts(con)


def _iso(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _num(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def outcome_label(outcome: int | None) -> str:
    """'已发生 happened', '未发生 did not happen' or '无法判定 void'."""
    if outcome is None:
        return L.bi(L.OUTCOMES, "void")
    return L.bi(L.OUTCOMES, "happened" if outcome else "missed")


def _bins() -> int:
    from scoring.ledger import load_rules

    try:
        rules, _ = load_rules()
    except (OSError, ValueError):
        return 10
    return rules.metrics.calibration_bins


def _figures(rows: Sequence[Mapping[str, Any]], bins: int) -> dict[str, Any]:
    """Overall figures, per-type figures and calibration bins of a set of ledger rows."""
    from scoring.ledger import track_record

    rec = track_record(rows, by="type", bins=bins, worst=0)
    overall = rec["overall"]
    pending = [r for r in rows if not r["resolved"]]
    decided = [r for r in rows if r["resolved"] and r["outcome"] is not None]
    return {
        **{k: overall.get(k) for k in FIGURES},
        "first_due": _iso(min((r["resolves_on"] for r in pending), default=None)) or None,
        "resolved_through": _iso(max((r["resolved_as_of"] for r in decided), default=None)) or None,
        "by_type": [
            {"type": g["type"], "label": L.bi(L.FORECAST_TYPES, g["type"]), **{k: g.get(k) for k in FIGURES}}
            for g in rec["groups"]
        ],
        "calibration": rec["calibration"],
        "calibration_chart": calibration_chart(rec["calibration"]),
    }


def record_line(fig: Mapping[str, Any], *, short: bool = False) -> str:
    """One bilingual line: the figures, or plainly that nothing is resolved yet and when the first resolutions fall due."""
    if not fig.get("forecasts"):
        return "尚无已判定的预测，也尚无预测 no forecasts resolved yet — none frozen yet"
    void = f"无法判定 {fig['void']} void" if fig.get("void") else ""
    if fig.get("resolved"):
        if short:
            return f"{fig['resolved']} resolved 已判定 · 命中率 hit rate {_pct(fig.get('hit_rate'))} · Brier {_num(fig.get('brier'))}"
        parts = [f"已判定 {fig['resolved']} resolved", f"命中率 hit rate {_pct(fig.get('hit_rate'))}",
                 f"Brier {_num(fig.get('brier'))} (参照 reference {_num(fig.get('brier_climatology'))})",
                 f"待判定 {fig.get('pending') or 0} open", void]
        return " · ".join(p for p in parts if p)
    due = fig.get("first_due")
    if due:
        text = f"尚无已判定的预测，首批于{due}到期 · no forecasts resolved yet — first resolutions due on {due}"
    else:
        text = "尚无已判定的预测 no forecasts resolved yet"
    if short:
        return text
    return " · ".join(p for p in (text, f"待判定 {fig.get('pending') or 0} open", void) if p)


def _side(rows: Sequence[Mapping[str, Any]], bins: int, label: str) -> dict[str, Any]:
    fig = _figures(rows, bins)
    return {**fig, "label": label, "line": record_line(fig), "short": record_line(fig, short=True)}


def _open_view(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    # Newest forecasts first (each weekly scan freezes a new set); soonest resolution first within a scan.
    pending = sorted((r for r in rows if not r["resolved"]),
                     key=lambda r: (-r["as_of"].toordinal(), r["resolves_on"], r["type"], r["forecast_id"]))
    return [
        {"forecast_id": r["forecast_id"], "scan_id": r["scan_id"], "as_of": _iso(r["as_of"]), "type": r["type"],
         "type_label": L.bi(L.FORECAST_TYPES, r["type"]), "statement": r["statement"],
         "probability": r["probability"], "resolves_on": _iso(r["resolves_on"])}
        for r in pending[:OPEN_SHOWN]
    ]


def _recent_view(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    done = sorted((r for r in rows if r["resolved"]), key=lambda r: (r["resolved_as_of"], r["forecast_id"]), reverse=True)
    return [
        {"forecast_id": r["forecast_id"], "scan_id": r["scan_id"], "as_of": _iso(r["as_of"]), "type": r["type"],
         "type_label": L.bi(L.FORECAST_TYPES, r["type"]), "statement": r["statement"],
         "probability": r["probability"], "outcome": r["outcome"],
         "outcome_label": outcome_label(r["outcome"]), "void_reason": r["void_reason"] or "",
         "resolved_as_of": _iso(r["resolved_as_of"])}
        for r in done[:RECENT_SHOWN]
    ]


def build_record(
    con: Any, tech_id: str | None = None, *, rows: Sequence[Mapping[str, Any]] | None = None, bins: int | None = None
) -> dict[str, Any]:
    """The ledger's record, for one technology or overall, as plain data.

    live: figures of the regular weekly scans (hit rate, Brier and its reference, counts, per type,
    calibration, first resolution date, a one-line summary). replay: the replayed scans' figures,
    present only while the live record has nothing resolved and replays exist. For one technology
    also its open forecasts (newest first) and its latest resolved ones with their outcome.
    rows: the ledger's rows when already read (ledger_rows), so a report reads them once.
    """
    if rows is None:
        rows = ledger_rows(con)
    if rows is None:
        return {"available": False, "note": NO_LEDGER, "tech_id": tech_id, "live": None, "replay": None,
                "line": NO_LEDGER, "short_line": "", "open": [], "open_total": 0, "recent": []}
    bins = _bins() if bins is None else bins
    mine = [r for r in rows if tech_id is None or r["tech_id"] == tech_id]
    live_rows = [r for r in mine if not r["backtest"]]
    replay_rows = [r for r in mine if r["backtest"]]
    live = _side(live_rows, bins, LIVE)
    replay = _side(replay_rows, bins, REPLAY) if replay_rows and not live["resolved"] else None
    line, short = live["line"], live["short"]
    if replay is not None and replay["resolved"]:
        line += f" ‖ 回放 replay (backtest, not live): {replay['short']}"
        short += f" ‖ 回放 replay (backtest): {replay['short']}"
    return {
        "available": True,
        "note": "",
        "tech_id": tech_id,
        "live": live,
        "replay": replay,
        "line": line,
        "short_line": short,
        "open": _open_view(live_rows) if tech_id else [],
        "open_total": live["pending"] if tech_id else 0,
        "recent": _recent_view(live_rows) if tech_id else [],
        "legend": LEGEND,
    }


def card_lines(rows: Sequence[Mapping[str, Any]] | None, tech_ids: Sequence[str]) -> dict[str, str]:
    """tech_id → the one-line record shown on its evidence card (live, or the replay beside an empty live record)."""
    if rows is None:
        return {t: "" for t in tech_ids}
    by_tech: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in rows:
        by_tech[r["tech_id"]].append(r)
    bins = _bins()
    return {t: build_record(None, t, rows=by_tech.get(t, []), bins=bins)["short_line"] for t in tech_ids}


def calibration_chart(bins: Sequence[Mapping[str, Any]], size: int = 180, pad: int = 26) -> dict[str, Any]:
    """Geometry of a small reliability diagram: mean probability (x) against how often it happened (y)."""
    inner = size - 2 * pad

    def x(v: float) -> float:
        return round(pad + inner * v, 1)

    def y(v: float) -> float:
        return round(size - pad - inner * v, 1)

    top = max((b["forecasts"] for b in bins), default=1) or 1
    dots = [
        {"x": x(float(b["mean_probability"])), "y": y(float(b["observed_frequency"])),
         "r": round(2.5 + 5.5 * (b["forecasts"] / top) ** 0.5, 1), "bin": b["bin"], "forecasts": b["forecasts"],
         "mean_probability": b["mean_probability"], "observed_frequency": b["observed_frequency"]}
        for b in bins
    ]
    return {
        "size": size, "pad": pad, "x0": x(0.0), "x1": x(1.0), "y0": y(0.0), "y1": y(1.0), "dots": dots,
        "ticks": [{"v": v, "x": x(v), "y": y(v)} for v in (0.0, 0.5, 1.0)],
        "mid": x(0.5), "label_y": size - 2,
        "path": " ".join(f"{d['x']},{d['y']}" for d in dots),
    }


def markdown_section(record: Mapping[str, Any], overall: Mapping[str, Any] | None, md: Any) -> list[str]:
    """The 预测记录 Forecast track record section of the Markdown brief (md escapes crawled text)."""
    out = ["## 预测记录 Forecast track record", ""]
    if not record.get("available"):
        return [*out, record.get("note") or NO_LEDGER, ""]
    live = record["live"]
    out += [f"**本技术 This technology** ({LIVE}): {md(live['line'])}", ""]
    if live["resolved"] and live["by_type"]:
        out += ["| 预测类型 Forecast type | 预测 Forecasts | 已判定 Resolved | 命中率 Hit rate | Brier | 参照 Reference |",
                "|---|---|---|---|---|---|"]
        out += [f"| {g['label']} | {g['forecasts']} | {g['resolved']} | {_pct(g['hit_rate'])} | {_num(g['brier'])} | "
                f"{_num(g['brier_climatology'])} |" for g in live["by_type"] if g["resolved"]]
        out.append("")
    rep = record.get("replay")
    if rep:
        out += [f"**{REPLAY}**: {md(rep['line'])}", ""]
    if record["open"]:
        more = record["open_total"] - len(record["open"])
        out += [f"### 待判定的预测 Open forecasts ({record['open_total']})", "",
                "| 预测 Forecast | 概率 Probability | 到期 Resolves on | 扫描 Scan |", "|---|---|---|---|"]
        out += [f"| {md(f['statement'])} | {_pct(f['probability'])} | {f['resolves_on']} | {md(f['scan_id'])} |"
                for f in record["open"]]
        if more > 0:
            out.append(f"\n+{more} older open forecasts (`futurescan ledger --tech {record['tech_id']}`)")
        out.append("")
    if record["recent"]:
        out += ["### 最近判定 Recently resolved", "",
                "| 预测 Forecast | 概率 Probability | 结果 Outcome | 判定于 Resolved as of |", "|---|---|---|---|"]
        for f in record["recent"]:
            outcome = f["outcome_label"] + (f" ({md(f['void_reason'])})" if f["void_reason"] else "")
            out.append(f"| {md(f['statement'])} | {_pct(f['probability'])} | {outcome} | {f['resolved_as_of']} |")
        out.append("")
    if overall and overall.get("available"):
        out += [f"**全部技术 All technologies**: {md(overall['line'])}", ""]
    out += [f"*{LEGEND}*", ""]
    return out
