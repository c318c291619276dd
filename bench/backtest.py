"""Replay yearly as-of scans on ../shared/data, let the forecast ledger resolve them, and print its track record.

Usage: python bench/backtest.py [--workdir DIR] [--from 2013] [--to 2026] [--step 12] [--corpora NAME ...] [--json OUT]

Steps: a warehouse in WORKDIR (a private FUTURESCAN_HOME; default /tmp/futurescan-backtest) is built
with warehouse.ingest.ingest_file from the conference papers (1987-2025), CCTV technology news
(2012-2026), hot lists (2020-2026) and policy corpora; documents are alias-linked to the taxonomy
(scoring.technologies.link_stage.alias_links_only: no embedding or topic links, which would let a replay see later
documents); then scoring.ledger's backtest scores the warehouse as of 1 January of each year,
freezes the watchlist's forecasts and resolves every forecast that the following years decide.
Each step is idempotent: a second run reuses the warehouse and the frozen forecasts.

Printed: the record by forecast type, horizon, direction and source mix; calibration; and the
growth calls against Klavans, Boyack & Murdick (2022), who forecast which research clusters grow
≥ 8 %/year over four years with a threat score of 32, beside naive baselines on the same calls.
These are figures from real data: they belong here and in docs/ledger.md, never in a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "data"
CORPORA = {
    "papers_conference_multiyear": "conference_papers.jsonl.gz",
    "news_zh_xwlb_tech": "xwlb_tech_news.jsonl.gz",
    "news_zh_hotlists_tech": "hotlists_tech.jsonl.gz",
    "policy_zh": "policy_zh.jsonl.gz",
    "papers_frontier_fields": "frontier_papers.jsonl.gz",
    "trials_ctgov_stemcell_gene": "trials_stemcell_gene.jsonl.gz",
}
DEFAULT_CORPORA = ["papers_conference_multiyear", "news_zh_xwlb_tech", "news_zh_hotlists_tech", "policy_zh"]
KLAVANS_TS = 0.32


def auc(scores: list[float], outcomes: list[int]) -> float | None:
    """Area under the ROC curve: the chance a random event got a higher score than a random non-event."""
    pos = [s for s, o in zip(scores, outcomes, strict=True) if o]
    neg = [s for s, o in zip(scores, outcomes, strict=True) if not o]
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def threat(calls: list[bool], outcomes: list[int]) -> dict[str, Any]:
    hits = sum(1 for c, o in zip(calls, outcomes, strict=True) if c and o)
    misses = sum(1 for c, o in zip(calls, outcomes, strict=True) if not c and o)
    fa = sum(1 for c, o in zip(calls, outcomes, strict=True) if c and not o)
    denom = hits + misses + fa
    return {"calls": sum(calls), "hits": hits, "misses": misses, "false_alarms": fa,
            "threat_score": round(hits / denom, 3) if denom else None}


def growth_comparison(rows: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    """Threat score and discrimination of one growth call type, beside naive baselines on the same forecasts."""
    from scoring.ledger import brier_score

    d = [r for r in rows if r["type"] == kind and r["resolved"] and r["outcome"] is not None]
    if not d:
        return {"type": kind, "resolved": 0}
    out = [int(r["outcome"]) for r in d]
    frozen = [float(r["probability"]) for r in d]
    rule = [float(r["inputs"].get("rule_probability", r["probability"])) for r in d]
    trend = [float(r["inputs"].get("current_log_growth_per_year", 0.0)) for r in d]
    rate = float(d[0]["target"]["annual_rate"])
    base = sum(out) / len(out)
    # Expected threat score of calling "yes" at random as often as growth happened: p² / (2p − p²).
    random_ts = base * base / (2 * base - base * base) if base else None
    return {
        "type": kind,
        "resolved": len(d),
        "grew": sum(out),
        "base_rate": round(base, 3),
        "ledger (frozen p ≥ 0.5)": threat([p >= 0.5 for p in frozen], out),
        "rule before recalibration (p ≥ 0.5)": threat([p >= 0.5 for p in rule], out),
        "persistence (current growth ≥ threshold)": threat([g >= math.log1p(rate) for g in trend], out),
        "always yes": threat([True] * len(d), out),
        "random at the base rate (expected)": round(random_ts, 3) if random_ts is not None else None,
        "auc_frozen": round(auc(frozen, out) or 0.0, 3),
        "auc_rule": round(auc(rule, out) or 0.0, 3),
        "auc_current_growth": round(auc(trend, out) or 0.0, 3),
        "brier_frozen": round(brier_score(frozen, out) or 0.0, 4),
        "brier_rule": round(brier_score(rule, out) or 0.0, 4),
        "brier_climatology": round(brier_score([base] * len(out), out) or 0.0, 4),
    }


def walk_forward_reference(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per type: Brier of the frozen probabilities, of the rules before recalibration, and of a no-skill
    forecaster that says, at each scan, how often forecasts of the type had come true so far (0.5 before any)."""
    from scoring.ledger import brier_score

    out = []
    decided = [r for r in rows if r["resolved"] and r["outcome"] is not None]
    for kind in sorted({r["type"] for r in decided}):
        d = sorted((r for r in decided if r["type"] == kind), key=lambda r: (r["as_of"], r["forecast_id"]))
        ref = []
        for r in d:
            known = [int(x["outcome"]) for x in d if x["resolved_as_of"] <= r["as_of"] and x["as_of"] < r["as_of"]]
            ref.append(sum(known) / len(known) if known else 0.5)
        out_ = [int(r["outcome"]) for r in d]
        out.append({
            "type": kind, "resolved": len(d),
            "brier_frozen": round(brier_score([float(r["probability"]) for r in d], out_) or 0, 4),
            "brier_rule": round(brier_score([float(r["inputs"].get("rule_probability", r["probability"])) for r in d], out_) or 0, 4),
            "brier_walk_forward_frequency": round(brier_score(ref, out_) or 0, 4),
            "brier_hindsight_frequency": round(brier_score([sum(out_) / len(out_)] * len(d), out_) or 0, 4),
        })
    return out


def md_table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in rows:
        lines.append("| " + " | ".join("—" if r.get(c) is None else str(r.get(c)) for c in columns) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/futurescan-backtest"))
    ap.add_argument("--from", dest="start", type=int, default=2013)
    ap.add_argument("--to", dest="end", type=int, default=2026)
    ap.add_argument("--step", type=int, default=12, help="months between replayed scans")
    ap.add_argument("--corpora", nargs="*", default=DEFAULT_CORPORA, choices=sorted(CORPORA))
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    from scoring import ledger
    from scoring.technologies.link_stage import alias_links_only
    from warehouse import ledger_store as store
    from warehouse.db import connect_writer
    from warehouse.ingest import ingest_file
    from warehouse.migrate import migrate

    if not SHARED.exists():
        sys.exit(f"../shared/data not found at {SHARED}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    con = connect_writer(args.workdir / "warehouse.duckdb")
    figures: dict[str, Any] = {"corpora": args.corpora, "timings": {}}
    try:
        migrate(con)
        t0 = time.perf_counter()
        for name in args.corpora:
            rep = ingest_file(con, SHARED / name / CORPORA[name])
            print(f"ingest {name}: {'already loaded' if rep.skipped else f'{rep.rows_loaded:,} rows'}", flush=True)
        figures["timings"]["ingest_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        linked = alias_links_only(con, progress=lambda m: print(m, flush=True))
        figures["timings"]["link_s"] = round(time.perf_counter() - t0, 1)
        print(f"alias-linked {linked:,} documents", flush=True)
        figures["documents"] = con.execute("SELECT count(*) FROM documents").fetchall()[0][0]
        figures["linked_documents"] = con.execute(
            "SELECT count(DISTINCT doc_id) FROM document_technologies WHERE confidence >= 0.5").fetchall()[0][0]

        dates = ledger.replay_dates(dt.date(args.start, 1, 1), dt.date(args.end, 1, 1), args.step)
        t0 = time.perf_counter()
        figures["steps"] = ledger.backtest(con, dates, progress=lambda m: print(m, flush=True))
        figures["timings"]["replay_s"] = round(time.perf_counter() - t0, 1)
        rows = store.forecasts(con, backtest=True)
    finally:
        con.close()

    cols = ["forecasts", "resolved", "void", "pending", "hit_rate", "brier", "brier_climatology", "brier_skill",
            "mean_probability", "base_rate", "threat_score"]
    record = ledger.track_record(rows)
    figures["overall"] = record["overall"]
    print("\n## Overall\n")
    print(md_table([record["overall"]], cols))
    for by in ledger.GROUPINGS:
        rec = ledger.track_record(rows, by=by)
        figures[f"by_{by}"] = rec["groups"]
        print(f"\n## By {by}\n")
        print(md_table(rec["groups"], [by, *cols]))
    figures["calibration"] = record["calibration"]
    print("\n## Calibration\n")
    print(md_table(record["calibration"], ["bin", "forecasts", "mean_probability", "observed_frequency"]))
    print("\n## Growth calls against Klavans, Boyack & Murdick (2022): threat score 32 for ≥ 8 %/year over four years\n")
    figures["growth"] = [growth_comparison(rows, t) for t in ("growth_48m", "growth_12m")]
    for g in figures["growth"]:
        print(json.dumps(g, ensure_ascii=False, indent=1))
    figures["references"] = walk_forward_reference(rows)
    print("\n## Brier against no-skill references (walk-forward: the type's record known at each scan)\n")
    print(md_table(figures["references"], list(figures["references"][0]) if figures["references"] else ["type"]))
    figures["worst_misses"] = record["worst_misses"]
    print("\n## Worst misses\n")
    for m in record["worst_misses"]:
        obs = {k: v for k, v in m["observed"].items() if k in ("rate_ratio", "rank", "horizon", "documents")}
        print(f"- {m['forecast_id']}: p = {m['probability']:.2f}, outcome {m['outcome']}; observed {obs}; "
              f"evidence {', '.join(m['evidence_doc_ids'][:3])}")
    print(f"\ntimings: {figures['timings']}")
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
