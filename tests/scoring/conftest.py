"""A small hand-built screening warehouse: three technologies with known evidence, linked by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from warehouse.ingest import ingest_records

AS_OF = dt.date(2026, 1, 1)

# tech_id → (name_en, name_zh, aliases, direction)
TECHS = {
    "neuro_widget": ("Neuro widget", "神经部件", ["neuro widget", "神经部件"], "future_health"),
    "fusion_gadget": ("Fusion gadget", "聚变装置", ["fusion gadget", "聚变装置"], "future_energy"),
    "thin_tech": ("Thin tech", "稀薄技术", ["thin tech"], "future_materials"),
}


def _records() -> list[dict[str, Any]]:
    recs: list[dict[str, Any]] = []

    def add(rid: str, kind: str, title: str, published: str, **extra: Any) -> None:
        rec = {
            "source": extra.pop("source", f"src_{kind}"),
            "source_record_id": rid,
            "kind": kind,
            "title": title,
            "published": published,
            "language": extra.pop("language", "en"),
        }
        rec.update(extra)
        recs.append(rec)

    # neuro_widget: industrialising — mass production, approvals, late trials, series B rounds.
    for i, year in enumerate((2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025)):
        add(f"nw-paper-{i}", "paper", f"Neuro widget signal decoding study {i}", f"{year}-03-01",
            abstract="We propose a decoder for the neuro widget and report experiments.")
    for i, month in enumerate(("2024-05-10", "2024-09-10", "2025-02-10", "2025-06-10", "2025-09-10", "2025-11-10")):
        add(f"nw-news-{i}", "news", f"Neuro widget enters mass production at plant {i}", month,
            abstract="The company said the neuro widget is now commercially available to hospitals.")
    for i, month in enumerate(("2024-03-01", "2025-04-01", "2025-08-01")):
        add(f"nw-fund-{i}", "news", f"NeuroCo raises $40M (Series B) for neuro widget {i}", month,
            extra={"funding_round": "Series B"})
    for i, month in enumerate(("2023-06-01", "2024-06-01", "2025-01-15")):
        add(f"nw-trial-{i}", "trial", f"Phase 3 study of the neuro widget in stroke {i}", month,
            extra={"phases": "Phase 3", "status": "Recruiting"})
    add("nw-policy-0", "policy", "国务院关于加快神经部件产业化的意见", "2025-03-01", language="zh",
        text="推动神经部件产业化和规模化应用，支持上海张江建设产业集群。", extra={"issuing_body": "国务院"})
    # A document dated after as_of: as-of scoring must not see it.
    add("nw-late", "news", "Neuro widget recalled worldwide", "2026-03-01")

    # fusion_gadget: frontier — research papers, record experiments, a start-up formed.
    for i, year in enumerate((2016, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025, 2025, 2025, 2024)):
        add(f"fg-paper-{i}", "paper", f"Plasma confinement in the fusion gadget {i}", str(year),
            abstract="Simulations and theory of confinement in the fusion gadget.")
    news_days = ("2023-09-01", "2024-02-01", "2024-05-01", "2024-08-01", "2024-11-01", "2025-01-01", "2025-03-01",
                 "2025-05-01", "2025-08-01", "2025-10-01")
    for i, day in enumerate(news_days):
        add(f"fg-news-{i}", "news", f"Scientists set a record in fusion gadget experiment {i}", day,
            abstract="Researchers report a breakthrough experiment with the fusion gadget.")
    for i, year in enumerate(("2022", "2023", "2024", "2024", "2025")):
        add(f"fg-co-{i}", "company", f"Gadget Fusion Ltd {i}", year, abstract="Company developing a fusion gadget.",
            source="src_company")
    # A paper dated only "2025" must count only for as_of on or after 2026-01-01.
    add("fg-year-2025", "paper", "Fusion gadget stability analysis", "2025", abstract="Theory of the fusion gadget.")

    # thin_tech: two documents only.
    add("tt-news-0", "news", "Thin tech prototype shown", "2025-04-01")
    add("tt-paper-0", "paper", "On thin tech", "2025-05-01")

    # Unlinked background documents so every source has a denominator.
    for i in range(40):
        add(f"bg-paper-{i}", "paper", f"Background paper on something else {i}", f"{2016 + i % 10}-0{1 + i % 9}-01")
        add(f"bg-news-{i}", "news", f"Background news item {i}", f"{2016 + i % 10}-0{1 + i % 9}-15")
    return recs


def _link_rows(doc_ids: dict[str, str]) -> list[tuple[str, str, float, str]]:
    rows = []
    for rid, doc_id in doc_ids.items():
        for prefix, tech in (("nw-", "neuro_widget"), ("fg-", "fusion_gadget"), ("tt-", "thin_tech")):
            if rid.startswith(prefix):
                name = TECHS[tech][0].lower()
                rows.append((doc_id, tech, 1.0, "神经部件" if rid == "nw-policy-0" else name))
    return rows


def insert_technologies(con: Any, techs: dict[str, tuple[str, str, Sequence[str], str]]) -> None:
    now = dt.datetime(2026, 1, 1)
    for tech_id, (en, zh, aliases, direction) in techs.items():
        con.execute(
            "INSERT INTO technologies (tech_id, name_en, name_zh, aliases, direction, status, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, 'seeded', ?, ?)",
            [tech_id, en, zh, list(aliases), direction, now, now],
        )


def insert_links(con: Any, rows: Sequence[tuple[str, str, float, str]]) -> None:
    now = dt.datetime(2026, 1, 1)
    con.executemany(
        "INSERT INTO document_technologies VALUES (?, ?, 'alias', ?, ?, ?)",
        [(d, t, c, m, now) for d, t, c, m in rows],
    )


@pytest.fixture
def screening_con(warehouse_con: Any) -> Any:
    """A migrated warehouse holding the hand-built corpus, its technologies and links."""
    ingest_records(warehouse_con, _records(), origin="screening-fixture")
    ids = dict(
        (rec, doc) for doc, rec in warehouse_con.execute("SELECT doc_id, primary_record FROM documents").fetchall()
    )
    insert_technologies(warehouse_con, TECHS)
    insert_links(warehouse_con, _link_rows(ids))
    return warehouse_con


@pytest.fixture
def doc_id_of(screening_con: Any) -> Callable[[str], str]:
    ids = dict((rec, doc) for doc, rec in screening_con.execute("SELECT doc_id, primary_record FROM documents").fetchall())
    return ids.__getitem__


def stored_scores(con: Any, scan_id: str) -> list[tuple]:
    """Every stored value of a scan except its id and when it was scored."""
    scores = con.execute(
        "SELECT * EXCLUDE (scan_id, scored_at) FROM tech_scores WHERE scan_id = ? ORDER BY tech_id", [scan_id]
    ).fetchall()
    indicators = con.execute(
        "SELECT * EXCLUDE (scan_id) FROM indicator_values WHERE scan_id = ? ORDER BY tech_id, indicator", [scan_id]
    ).fetchall()
    return [("score", *r) for r in scores] + [("indicator", *r) for r in indicators]
