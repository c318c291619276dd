"""The stored evidence (warehouse/evidence_store.py): the views read it only while current and then show what
the old per-call queries showed; a stale table falls back to the live computation, never to wrong rows."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.views import scenario
from tests.views.reference_queries import OLD_QUERIES
from warehouse import evidence_store, views

AS_OFS = (dt.date(2022, 6, 1), dt.date(2024, 3, 2), dt.date(2025, 6, 1), dt.date(2026, 11, 17))
TECHS = sorted({t[0] for t in scenario.TECHS})


def _cue_documents(make_record: Callable[..., dict[str, Any]]) -> list[tuple[dict[str, Any], list[tuple[str, float, str]]]]:
    """Documents whose text carries every kind of cue, tied dates, weak and mixed links: (record, [(method, confidence, matched)])."""
    alias = [("alias", 0.9, "tokamak")]

    def rec(key: str, **fields: Any) -> dict[str, Any]:
        return make_record(source="cues", source_record_id=key, **fields)

    return [
        (rec("f1", kind="news", title="Fusion start-up raises $50 million", abstract="Tokamak maker.", published="2024-03-01"), alias),
        (rec("f2", kind="news", title="Fusion firm closes Series B round", abstract="Tokamak.", published="2024-03-01"), alias),
        (rec("f3", kind="news", language="zh", title="核聚变公司完成天使轮融资", abstract="托卡马克。", published="2023-05-05"), alias),
        (rec("f4", kind="paper", title="A tokamak magnet", abstract="We built a prototype coil.", published="2022-02-02",
             affiliations=[" MIT", "MIT", "Tsinghua University "], countries=["United States", " China", "China"]), alias),
        (rec("f5", kind="news", language="zh", title="聚变装置部件实现量产", abstract="托卡马克部件批量生产。", published="2025-01-10"),
         alias),
        (rec("f6", kind="policy", title="Fusion energy roadmap", abstract="Tokamak programme.", published="2025-02-01",
             extra={"issuing_body": "Ministry", "doc_number": "No. 7"}),
         [("alias", 0.9, "tokamak"), ("topic", 0.6, "T0001"), ("embedding", 0.3, "cosine 0.61")]),
        (rec("f7", kind="paper", title="Plasma edge study", abstract="Tokamak edge.", published="2021-07-07",
             affiliations=["Weak Link Lab"]), [("embedding", 0.4, "cosine 0.52")]),
        (rec("f8", kind="trial", title="Phase II study of a fusion-derived isotope", abstract="Clinical trial.",
             published="2024-09-09"), alias),
        (rec("f9", kind="paper", title="Undated tokamak note", abstract="No date.", published=None,
             affiliations=["Undated Institute"], countries=["Japan"]), alias),
        (rec("f10", kind="news", title="Device cleared", abstract="The FDA has approved the tokamak-made isotope.",
             published="2024-03-01"), alias),
        (rec("f11", kind="paper", title="Tokamak year review", abstract="Commercialisation outlook.", published="2021"),
         [("alias", 0.9, "tokamak"), ("topic", 0.3, "T0002")]),
    ]


def _add_cue_documents(con: Any, make_record: Callable[..., dict[str, Any]]) -> None:
    from warehouse.ingest import ingest_records

    docs = _cue_documents(make_record)
    ingest_records(con, [r for r, _ in docs])
    ids = dict(con.execute("SELECT primary_record, doc_id FROM documents WHERE primary_source = 'cues'").fetchall())
    for record, links in docs:
        for method, confidence, matched in links:
            con.execute("INSERT INTO document_technologies VALUES (?, 'controlled_fusion', ?, ?, ?, ?)",
                        [ids[record["source_record_id"]], method, confidence, matched, dt.datetime(2026, 11, 2)])


@pytest.fixture
def wcon(tmp_path: Path, _scored_db: tuple[Path, dict[str, str]], make_record: Callable[..., dict[str, Any]]) -> Iterator[Any]:
    """A writer connection on a copy of the scored warehouse, with the cue documents added (evidence not yet built)."""
    from warehouse.db import connect_writer

    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(_scored_db[0], path)
    con = connect_writer(path)
    _add_cue_documents(con, make_record)
    yield con
    con.close()


def _old(con: Any, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cur = con.execute(OLD_QUERIES[name], params)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _old_views(con: Any, tech: str, as_of: dt.date, min_confidence: float) -> dict[str, Any]:
    """What the views showed before, from the old queries, in the views' own shapes."""
    base = {"tech_id": tech, "as_of": as_of, "min_confidence": min_confidence}
    leaders: dict[str, list[dict[str, Any]]] = {"institution": [], "country": []}
    for r in _old(con, "leaders", {**base, "top": 8}):
        leaders[r["what"]].append({"name": r["name"], "documents": int(r["documents"])})
    trend: dict[int, dict[str, int]] = {}
    for r in _old(con, "evidence_trend", base):
        trend.setdefault(int(r["year"]), {})[r["kind"]] = int(r["documents"])
    return {
        "milestones": _old(con, "milestones", {**base, "max_funding": 10}),
        "leaders": leaders,
        "policy": _old(con, "policy_mentions", {**base, "limit": 20}),
        "trend": trend,
        "weekly": _old(con, "weekly_trend", {**base, "weeks": 26}),
    }


def _new_views(con: Any, tech: str, as_of: dt.date, min_confidence: float) -> dict[str, Any]:
    return {
        "milestones": views.milestones(con, tech, as_of, min_confidence=min_confidence),
        "leaders": views.leaders(con, tech, as_of, min_confidence=min_confidence),
        "policy": views.policy_mentions(con, tech, as_of, min_confidence=min_confidence),
        "trend": views.evidence_trends(con, as_of, tech, min_confidence=min_confidence).get(tech, {}),
        "weekly": views.weekly_trend(con, tech, as_of, min_confidence=min_confidence),
    }


def _comparable(v: dict[str, Any]) -> dict[str, Any]:
    """Row orders the old queries left to chance (events on one date, matched aliases) made definite."""
    out = dict(v)
    out["milestones"] = sorted(v["milestones"], key=lambda m: (m["published"], m["event"], m["doc_id"]))
    out["policy"] = [{**p, "matched": sorted((p["matched"] or "").split("; "))} for p in v["policy"]]
    return out


def test_stored_evidence_shows_what_the_per_call_queries_showed(wcon: Any) -> None:
    assert not views.evidence_is_stored(wcon)
    live = {(t, a, c): _new_views(wcon, t, a, c) for t in TECHS for a in AS_OFS for c in (0.3, 0.5)}
    done = evidence_store.refresh(wcon)
    assert done.rebuilt and done.rows == wcon.execute(
        "SELECT count(*) FROM (SELECT DISTINCT tech_id, doc_id FROM document_technologies)").fetchall()[0][0]
    assert views.evidence_is_stored(wcon)
    checked = 0
    for tech in TECHS:
        for as_of in AS_OFS:
            for conf in (0.3, 0.5):
                old = _comparable(_old_views(wcon, tech, as_of, conf))
                new = _new_views(wcon, tech, as_of, conf)
                assert _comparable(new) == old, (tech, as_of, conf)
                assert new == live[(tech, as_of, conf)], (tech, as_of, conf)  # stored and live: the very same rows
                checked += bool(old["milestones"] or old["leaders"]["country"])
    assert checked > 10
    assert views.evidence_trends(wcon, AS_OFS[-1]) == views.evidence_trends(wcon, AS_OFS[-1], min_confidence=0.5)


def test_precomputed_milestones_find_every_cue(wcon: Any) -> None:
    evidence_store.refresh(wcon)
    events = views.milestones(wcon, "controlled_fusion", dt.date(2026, 1, 1))
    titles = {(m["event"], m["title"]) for m in events}
    assert {("first_prototype", "A tokamak magnet"), ("first_mass_production", "聚变装置部件实现量产"),
            ("first_approval", "Device cleared"), ("first_clinical_trial", "Phase II study of a fusion-derived isotope"),
            ("first_commercialisation", "Tokamak year review")} <= titles
    funding = [m["title"] for m in events if m["event"] == "funding_round"]
    # Two rounds on one date come in doc_id order; the weak link (0.4) and the undated note are not evidence.
    assert sorted(funding) == sorted(["Fusion start-up raises $50 million", "Fusion firm closes Series B round", "核聚变公司完成天使轮融资"])
    assert not {"Plasma edge study", "Undated tokamak note"} & {m["title"] for m in events}
    lead = views.leaders(wcon, "controlled_fusion", dt.date(2026, 1, 1))
    assert {"name": "MIT", "documents": 1} in lead["institution"]  # " MIT" and "MIT" are one name, counted once
    assert {"name": "Undated Institute", "documents": 1} in lead["institution"]
    (pol,) = views.policy_mentions(wcon, "controlled_fusion", dt.date(2026, 1, 1))
    assert pol["matched"] == "T0001; tokamak" and pol["confidence"] == 0.9 and pol["doc_number"] == "No. 7"


def test_stale_evidence_falls_back_until_refreshed(wcon: Any, make_record: Callable[..., dict[str, Any]]) -> None:
    from warehouse.ingest import ingest_records

    first = evidence_store.refresh(wcon)
    again = evidence_store.refresh(wcon)
    assert first.rebuilt and first.cues_computed > 0
    assert not again.rebuilt and again.rows == first.rows  # nothing changed: nothing redone
    as_of = dt.date(2026, 11, 17)
    before = views.milestones(wcon, "silicon_photonics", as_of)
    # A new link (written without a refresh): the views see it at once, computed live.
    doc = wcon.execute("SELECT doc_id FROM documents WHERE primary_record = 'f5'").fetchall()[0][0]
    wcon.execute("INSERT INTO document_technologies VALUES (?, 'silicon_photonics', 'alias', 0.9, 'x', ?)",
                 [doc, dt.datetime(2026, 11, 20)])
    assert not views.evidence_is_stored(wcon)
    live = views.milestones(wcon, "silicon_photonics", as_of)
    assert len(live) > len(before) and any(m["event"] == "first_mass_production" for m in live)
    redone = evidence_store.refresh(wcon)
    assert redone.rebuilt and redone.cues_computed == 0  # the document's cues were already known
    assert views.evidence_is_stored(wcon) and views.milestones(wcon, "silicon_photonics", as_of) == live
    # A changed text: only that document's cues are found again, and the new cue shows.
    ingest_records(wcon, [make_record(source="cues", source_record_id="f7", kind="paper", title="Plasma edge study",
                                      abstract="A tokamak edge prototype.", published="2021-07-07")])
    assert not views.evidence_is_stored(wcon)
    changed = evidence_store.refresh(wcon)
    assert changed.cues_computed == 1
    weak = views.milestones(wcon, "controlled_fusion", as_of, min_confidence=0.3)
    assert ("first_prototype", "Plasma edge study") in {(m["event"], m["title"]) for m in weak}


def test_one_reading_asks_once_and_nests(wcon: Any) -> None:
    evidence_store.refresh(wcon)
    with views.one_reading(wcon):
        assert views.evidence_is_stored(wcon)
        with views.one_reading(wcon):
            assert views.evidence_is_stored(wcon)
        assert views.evidence_is_stored(wcon)
    wcon.execute("DELETE FROM document_technologies WHERE tech_id = 'controlled_fusion' AND method = 'topic'")
    assert not views.evidence_is_stored(wcon)


def test_assessment_is_the_same_from_stored_evidence(wcon: Any) -> None:
    from flows.present.assessment import build_assessment

    live = {t: build_assessment(wcon, t, "latest") for t in ("controlled_fusion", "quantum_computing", "brain_computer_interface")}
    evidence_store.refresh(wcon)
    for tech, expected in live.items():
        assert build_assessment(wcon, tech, "latest") == expected


def test_evidence_documents_are_the_documents(wcon: Any) -> None:
    evidence_store.refresh(wcon)
    linked = [r[0] for r in wcon.execute(
        "SELECT doc_id FROM document_technologies WHERE tech_id = 'controlled_fusion' ORDER BY doc_id").fetchall()]
    other = wcon.execute("SELECT min(doc_id) FROM documents WHERE doc_id NOT IN (SELECT doc_id FROM document_technologies "
                         "WHERE tech_id = 'controlled_fusion')").fetchall()[0][0]
    asked = [*linked, other, "no-such-document", linked[0]]
    expected = views.documents(wcon, asked)
    assert other in expected and "no-such-document" not in expected
    assert views.evidence_documents(wcon, "controlled_fusion", asked) == expected
    pol = expected[wcon.execute("SELECT doc_id FROM documents WHERE primary_record = 'f6'").fetchall()[0][0]]
    assert pol["issuer"] == "Ministry"
