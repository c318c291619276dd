"""Build a warehouse from ../shared/data, link it by alias, score it, and print the horizon and trend evaluations.

Usage: python bench/eval_on_shared_data.py [--workdir DIR] [--as-of 2026-09-01] [--labels LABELS.csv]

Steps (each idempotent, so a second run reuses the warehouse): ingest every corpus with
warehouse.ingest.ingest_file; sync the taxonomy and alias-link documents with the alias linker
(scoring.technologies.linking.alias_document_links — embeddings and topic links are skipped here: embedding
the whole of ../shared/data is a long backfill of its own on a CPU); score as of the chosen dates; evaluate horizons on the
development labels (seed 004) and growth forecasts on PubMed term rates and on conference-paper
shares per technology. Figures are printed and written to WORKDIR/eval_results.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "data"
DEV_LABELS = [
    ("brain-computer interfaces", "near"),
    ("cell and gene therapy", "near"),
    ("silicon photonics", "mid"),
    ("brain-inspired intelligence", "mid"),
    ("quantum computing", "far"),
    ("controlled fusion", "far"),
]


def build_warehouse(con: Any) -> list[dict[str, Any]]:
    """Ingest every document corpus (files already loaded are skipped)."""
    from warehouse.ingest import ingest_file

    reports = []
    for path in sorted(SHARED.glob("*/*.jsonl.gz")):
        if path.parent.name == "pubmed_term_rates":
            continue  # yearly rates, not documents: used by the trends evaluation below
        t = time.perf_counter()
        rep = ingest_file(con, path)
        reports.append({"file": path.name, "loaded": rep.rows_loaded, "rejected": rep.rows_rejected,
                        "skipped": rep.skipped, "seconds": round(time.perf_counter() - t, 1)})
        print(f"  ingest {path.name}: {'already loaded' if rep.skipped else f'{rep.rows_loaded:,} rows'}", flush=True)
    return reports


def link_by_alias(con: Any) -> dict[str, Any]:
    """Sync the taxonomy and alias-link stale documents exactly as the analysis step does."""
    from scoring.technologies.linking import (
        alias_document_links,
        taxonomy_rows,
        technologies_for_linking,
        vocabulary_digest,
    )
    from scoring.technologies.taxonomy import AliasMatcher, load_taxonomy
    from scoring.topics.config import load_topics_config
    from warehouse import technologies_store as techstore
    from warehouse import topics_store

    t = time.perf_counter()
    taxonomy = load_taxonomy()
    techstore.sync_taxonomy(con, taxonomy_rows(taxonomy))
    techs = technologies_for_linking(taxonomy, techstore.load_technologies(con))
    vocab = vocabulary_digest(techs)
    matcher = AliasMatcher(techs)
    cfg = load_topics_config().linking
    docs = topics_store.analysis_documents(con, as_of=None, since=None)
    hash_of = dict(zip(docs.column("doc_id").to_pylist(), docs.column("content_hash").to_pylist(), strict=True))
    stale = techstore.stale_link_docs(con, list(hash_of), tech_digest=vocab)
    links = 0
    for start in range(0, len(stale), 20000):
        chunk = stale[start : start + 20000]
        tbl = topics_store.document_texts(con, chunk, body_chars=3000)
        ids = tbl.column("doc_id").to_pylist()
        texts = [a or b for a, b in zip(tbl.column("abstract").to_pylist(), tbl.column("body").to_pylist(), strict=True)]
        found = alias_document_links(ids, tbl.column("title").to_pylist(), texts, matcher, cfg)
        links += techstore.replace_alias_links(con, doc_ids=ids, content_hashes=[hash_of[i] for i in ids],
                                               tech_digest=vocab, links=found)
    print(f"  linked {len(stale):,} stale documents ({links:,} links) in {time.perf_counter() - t:.1f} s", flush=True)
    return {"relinked_documents": len(stale), "links": links, "seconds": round(time.perf_counter() - t, 1)}


def evaluate_horizons(con: Any, labels_path: Path, as_of: dt.date) -> dict[str, Any]:
    from scoring.screening.evaluate import evaluate_horizon, read_labels, resolve_labels
    from scoring.screening.run import score_technologies
    from warehouse import scores_store as store

    t = time.perf_counter()
    scores, weights_hash = score_technologies(con, as_of=as_of)
    seconds = time.perf_counter() - t
    labels = resolve_labels(read_labels(labels_path), store.screened_technologies(con))
    result = evaluate_horizon(labels, scores)
    all_calls = {
        s.tech.tech_id: {"horizon": s.horizon.horizon, "leaning": s.horizon.leaning, "confidence": s.horizon.confidence,
                         "trl": s.horizon.trl_band, "strategic": s.strategic.label, "disruptive": s.disruptive.label,
                         "evidence": s.evidence_count}
        for s in scores
    }
    return {
        "as_of": as_of.isoformat(),
        "weights_hash": weights_hash,
        "score_seconds_all_technologies": round(seconds, 1),
        "agreement": result.agreement,
        "agreement_when_decided": result.agreement_when_decided,
        "leaning_agreement": result.leaning_agreement,
        "confusion": result.confusion,
        "rows": [
            {"technology": r.technology, "tech_id": r.tech_id, "expected": r.expected, "predicted": r.predicted,
             "leaning": r.leaning, "confidence": r.confidence, "trl": r.trl_band, "reasons": list(r.reasons[:3])}
            for r in result.results
        ],
        "all_technologies": all_calls,
    }


def pubmed_series(out: Path) -> Path:
    """term,year,count CSV from the PubMed term rates (articles per 100k PubMed citations)."""
    with gzip.open(SHARED / "pubmed_term_rates" / "pubmed_term_rates.jsonl.gz", "rt", encoding="utf-8") as fh, \
            out.open("w", newline="", encoding="utf-8") as dst:
        w = csv.writer(dst)
        w.writerow(["term", "year", "count"])
        for line in fh:
            r = json.loads(line)
            w.writerow([r["term"], r["published"], r["rate_per_100k_pubmed"]])
    return out


def conference_series(con: Any, out: Path, last_year: int = 2023) -> Path:
    """term,year,count CSV: each technology's linked conference papers per 10,000 conference papers of the year.

    Shares, not counts: the venues present change from year to year (README of papers_conference_multiyear);
    2024-25 are incomplete, so the series stops at `last_year`.
    """
    from warehouse import scores_store as store

    rows = store.yearly_link_counts(con, source="corpus:conference_papers")
    linked_total: dict[str, int] = {}
    for tech, year, linked, _ in rows:
        if year <= last_year:
            linked_total[tech] = linked_total.get(tech, 0) + linked
    with out.open("w", newline="", encoding="utf-8") as dst:
        w = csv.writer(dst)
        w.writerow(["term", "year", "count"])
        for tech, year, linked, total in rows:
            # Technologies with almost no conference papers make series of zeros: nothing to forecast.
            if 2000 <= year <= last_year and total and linked_total.get(tech, 0) >= 30:
                w.writerow([tech, year, round(10000 * linked / total, 4)])
    return out


def evaluate_series(path: Path, origins: list[int], horizon: int) -> dict[str, Any]:
    from scoring.screening.trends import evaluate_trends, read_series_csv

    result = evaluate_trends(read_series_csv(path), origins=origins, horizon=horizon)
    return {"series": path.name, "origins": list(result.origins), "horizon": horizon, "terms": result.terms,
            "methods": result.as_rows()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/futurescan-eval"))
    parser.add_argument("--as-of", default="2026-09-01", help="main evaluation date (the data end in 2026-08)")
    parser.add_argument("--backtest", default="2025-01-01,2023-01-01", help="further as-of dates, comma-separated")
    parser.add_argument("--labels", type=Path, help="labels CSV (default: the six development labels of seed 004)")
    args = parser.parse_args(argv)
    if not SHARED.exists():
        print(f"no shared data at {SHARED}", file=sys.stderr)
        return 2

    from scoring.screening.run import score_scan
    from warehouse import scores_store as store
    from warehouse.db import connect_writer
    from warehouse.migrate import migrate

    args.workdir.mkdir(parents=True, exist_ok=True)
    labels = args.labels
    if labels is None:
        labels = args.workdir / "dev_labels.csv"
        labels.write_text("technology,horizon\n" + "".join(f"{t},{h}\n" for t, h in DEV_LABELS), encoding="utf-8")
    results: dict[str, Any] = {}
    con = connect_writer(args.workdir / "warehouse.duckdb")
    try:
        migrate(con)
        print("1. warehouse", flush=True)
        results["ingest"] = build_warehouse(con)
        print("2. alias links", flush=True)
        store.settle(con)  # a skipped ingest leaves a half-read result that DuckDB 2 would trip over
        results["linking"] = link_by_alias(con)
        as_of = dt.date.fromisoformat(args.as_of)
        print(f"3. score scan asof-{as_of}", flush=True)
        summary = score_scan(con, scan_id=f"asof-{as_of}", as_of=as_of)
        results["score_scan"] = {"seconds": summary.seconds, "technologies": summary.technologies,
                                 "horizons": dict(summary.horizons), "documents_read": summary.documents_read}
        print(f"   {summary.technologies} technologies in {summary.seconds:.1f} s: {dict(summary.horizons)}", flush=True)
        print("4. horizon evaluation", flush=True)
        dates = [as_of] + [dt.date.fromisoformat(d) for d in args.backtest.split(",") if d]
        results["horizon"] = [evaluate_horizons(con, labels, d) for d in dates]
        print("5. trends", flush=True)
        pub = pubmed_series(args.workdir / "pubmed_series.csv")
        conf = conference_series(con, args.workdir / "conference_series.csv")
        results["trends"] = [
            evaluate_series(pub, [2018], 3),                     # the CLI default: last year 2021 - 3
            evaluate_series(pub, [2017], 3),                     # ends 2020: leaves out the incomplete 2021
            evaluate_series(pub, list(range(2000, 2018)), 3),    # rolling origins 2000..2017
            evaluate_series(conf, list(range(2010, 2021)), 3),   # conference shares, origins 2010..2020
        ]
    finally:
        con.close()
    (args.workdir / "eval_results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    for h in results["horizon"]:
        print(f"\nhorizon as of {h['as_of']}: agreement {h['agreement']:.0%}, when decided "
              f"{'n/a' if h['agreement_when_decided'] is None else format(h['agreement_when_decided'], '.0%')}, "
              f"counting leanings {h['leaning_agreement']:.0%} (scoring {h['score_seconds_all_technologies']} s)")
        for r in h["rows"]:
            lean = f" (leans {r['leaning']})" if r["leaning"] else ""
            conf = "" if r["confidence"] is None else f" conf {r['confidence']:.2f}"
            print(f"  {r['technology']:30s} expected {r['expected']:4s} got {r['predicted']}{lean}{conf} {r['trl'] or ''}")
    for t in results["trends"]:
        print(f"\ntrends {t['series']} origins {t['origins'][0]}..{t['origins'][-1]} (+{t['horizon']}), {t['terms']} terms")
        for m in t["methods"]:
            print(f"  {m['method']:13s} mae {m['mae']:10.3f}  smape {m['smape']:6.2f}  growth rank corr {m['growth_rank_correlation']}")
    print(f"\nwritten {args.workdir / 'eval_results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
